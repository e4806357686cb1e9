"""Regional reviews: planning one, and letting its state follow its cases."""

from __future__ import annotations

from services.core import Core
from workflow import events
from workflow.actors import Actor
from workflow.commands import TEXT_MAX, PlanReview, RecordPlanningCall, ScheduleOnSite
from workflow.errors import Forbidden, NotFound, ValidationFailed
from workflow.lifecycle import collect
from workflow.review_calendar import first_of_month
from workflow.review_lifecycle import KINDS, RegionalReview, could_advance, follow_cases as advance, plan_review, record
from workflow.roles import Role


def plan(command: PlanReview, *, uow, core: Core) -> RegionalReview:
    if not command.actor.has(Role.TEAM_LEAD):
        raise Forbidden("only a team lead may plan a regional review")
    region, review_month = command.region, command.review_month
    problems: dict[str, list[str]] = {"region": [], "review_month": [], "kind": []}
    if not isinstance(region, str) or not uow.regions.exists(region):
        problems["region"].append(f"must be one of: {', '.join(core.reference.regions)}")
    try:
        month = first_of_month(review_month if isinstance(review_month, str) else "")
    except ValueError as error:
        problems["review_month"].append(str(error))
    if command.kind not in KINDS:
        problems["kind"].append(f"must be one of: {', '.join(KINDS)}")
    collect(problems)
    review = uow.reviews.add_unless_planned(plan_review(region=region, review_month=month, kind=command.kind,
                                                        actor=command.actor, now=command.at))
    if review is None:
        raise ValidationFailed({"review_month": [f"region {region} already has a review for {review_month}"]})
    return review


def get_review(uow, review_id: int) -> RegionalReview:
    review = uow.reviews.get(review_id)
    if review is None:
        raise NotFound(f"no regional review {review_id}")
    return review


def visible_review(uow, *, review_id: int, viewer: Actor) -> RegionalReview:
    review = uow.reviews.get(review_id)
    if review is None or not viewer.sees(review.region):
        raise NotFound(f"no regional review {review_id}")
    return review


def follow_cases(event: events.CaseEvent, *, uow, core: Core) -> None:
    """Move the case's review to where its cases stand, in the same transaction as the case change. Only a
    case reaching beyond its review's stage (or leaving the count) can move it: then the others are read."""
    case = uow.cases.get(event.entity_id)
    review = uow.reviews.get(case.review_id)
    if not could_advance(review.state, case.state):
        return
    if advance(review, uow.cases.states_in_review(review.id), actor=Actor(email=event.actor), now=event.at):
        uow.reviews.save(review)


def sample_period(core: Core, review):
    """The review's sample period (its start overridden or not); the period under review starts with it."""
    return RegionalReview(id=review.id, region=review.region, review_month=review.review_month, kind=review.kind,
                          period_start=review.period_start).sample_period(core.reference.sample_period_months)


def _prepared(uow, command) -> RegionalReview:
    if not command.actor.has(Role.TEAM_LEAD):
        raise Forbidden("only a team lead prepares a regional review")
    return visible_review(uow, review_id=command.review_id, viewer=command.actor)


def schedule_onsite(command: ScheduleOnSite, *, uow, core: Core) -> RegionalReview:
    """Record the on-site days agreed with the region's leadership (they are e-mailed the schedule)."""
    review = _prepared(uow, command)
    if command.end < command.start:
        raise ValidationFailed({"end": [f"the last on-site day is before the first ({command.start})"]})
    if (command.end - command.start).days > 31:
        raise ValidationFailed({"end": ["an on-site visit lasts at most a month"]})
    review.onsite_start, review.onsite_end = command.start, command.end
    record(review, events.ReviewScheduled, trigger="schedule_onsite", actor=command.actor, now=command.at,
           notes=f"on site {command.start} to {command.end}")
    uow.reviews.save(review)
    return review


def record_planning_call(command: RecordPlanningCall, *, uow, core: Core) -> RegionalReview:
    """Record a planning call (who took part, which eliminations were discussed); the region's leaders are
    e-mailed the schedule."""
    review = _prepared(uow, command)
    participants = (command.participants or "").strip()
    discussed = (command.eliminations_discussed or "").strip() or None
    problems = {"participants": ["who took part is required"] if not participants else
                ([f"at most {TEXT_MAX} characters"] if len(participants) > TEXT_MAX else []),
                "eliminations_discussed": [f"at most {TEXT_MAX} characters"] if discussed and len(discussed) > TEXT_MAX
                else []}
    if any(problems.values()):
        raise ValidationFailed({k: v for k, v in problems.items() if v})
    uow.reviews.add_planning_call(review.id, held_on=command.held_on, participants=participants,
                                  eliminations_discussed=discussed, by=command.actor.email, at=command.at)
    record(review, events.ReviewScheduled, trigger="record_planning_call", actor=command.actor, now=command.at,
           notes=f"planning call {command.held_on} with {participants}"
                 + (f"; eliminations discussed: {discussed}" if discussed else ""))
    uow.reviews.save(review)
    return review
