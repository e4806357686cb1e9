"""Regional reviews: planning one, and letting its state follow its cases."""

from __future__ import annotations

from services.core import Core
from workflow import events
from workflow.actors import Actor
from workflow.commands import PlanReview
from workflow.errors import Forbidden, NotFound, ValidationFailed
from workflow.lifecycle import collect
from workflow.review_calendar import first_of_month
from workflow.review_lifecycle import KINDS, RegionalReview, could_advance, follow_cases as advance, plan_review
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
