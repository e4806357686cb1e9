"""Case reviews: adding them, reading them and moving them through their lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from services import masking, people, reviews
from services.core import Core
from workflow import events
from workflow.actors import Actor
from workflow.case_lifecycle import ASSIGNEES, CASE_LIFECYCLE, CaseContext, CaseReview, add_case
from workflow.commands import NAME_MAX, AddCase, FireCaseTrigger
from workflow.errors import Forbidden, NotFound, StaleVersion
from workflow.lifecycle import collect
from workflow.roles import Role
from workflow.states import CaseState, CaseType, ReviewState

#: Cases may be added by hand until their review is finalized.
_OPEN_REVIEW = {ReviewState.PLANNED, ReviewState.SAMPLING, ReviewState.IN_REVIEW, ReviewState.CB_OVERSIGHT}


def get_case(uow, *, case_id: int, viewer: Actor) -> CaseReview:
    """The case, or NotFound when it does not exist or lies outside the viewer's region."""
    case = uow.cases.get(case_id)
    if case is None or not viewer.sees_case(case.region, case.state):
        raise NotFound(f"no case {case_id}")
    return case


def add(command: AddCase, *, uow, core: Core) -> CaseReview:
    """A case added to a review by hand (team lead), in `sampled`."""
    review = reviews.visible_review(uow, review_id=command.review_id, viewer=command.actor)
    if not command.actor.has(Role.TEAM_LEAD):
        raise Forbidden("only a team lead may add a case by hand")
    problems: dict[str, list[str]] = {"case_type": [], "case_number": [], "review": []}
    if command.case_type not in CaseType.__members__.values():
        problems["case_type"].append(f"must be one of: {', '.join(CaseType)}")
    number = command.case_number.strip() if isinstance(command.case_number, str) else ""
    if not number:
        problems["case_number"].append("a case number is required")
    elif len(number) > NAME_MAX:
        problems["case_number"].append(f"at most {NAME_MAX} characters")
    if review.state not in _OPEN_REVIEW:
        problems["review"].append(f"the review is {review.state}: no more cases may be added")
    collect(problems)
    return uow.cases.add(add_case(review_id=review.id, region=review.region, case_type=command.case_type,
                                  case_number=number, worker=command.worker, child_id=command.child_id,
                                  actor=command.actor, now=command.at))


def case_context(core: Core, uow, review_month: date, *, fields: Mapping[str, Any], now: datetime) -> CaseContext:
    wanted = [w for w in (fields.get(role) for role in ASSIGNEES) if isinstance(w, str)]
    return CaseContext(
        review_month=review_month,
        today=core.calendar.local_date(now),
        reasons=frozenset(core.reference.elimination_reasons),
        directory=people.actors(uow, wanted),
        make_identifier=core.identifiers,
    )


def fire(command: FireCaseTrigger, *, uow, core: Core) -> CaseReview:
    """Apply one trigger to a case; the case as now stored. The UPDATE itself checks the version too,
    so a concurrent change is refused even after this check."""
    found = uow.cases.get_with_review(command.case_id)
    if found is None or not command.actor.sees_case(found[0].region, found[0].state):
        raise NotFound(f"no case {command.case_id}")
    case, review = found
    if command.version is not None and command.version != case.version:
        raise StaleVersion(command.version, case.version)
    ctx = case_context(core, uow, review.review_month, fields=command.fields, now=command.at)
    if command.trigger == "finalize":
        ctx = replace(ctx, unaddressed_feedback=uow.feedback.open_counts([case.id]).get(case.id, 0))
    CASE_LIFECYCLE.fire(case, command.trigger, actor=command.actor, fields=command.fields, ctx=ctx, now=command.at)
    uow.cases.save(case)
    return case


def keep_identity(event: events.CaseDeidentified, *, uow, core: Core) -> None:
    """The name↔identifier map of a de-identified case, for the team leads."""
    uow.cases.keep_identity(event.entity_id, event.data["identifier"], event.data["previous"])


def original_identity(uow, *, case: CaseReview, viewer: Actor) -> dict[str, str | None] | None:
    """The identifiers a de-identified case had: for team leads only."""
    if case.deidentified_at is None or not viewer.has(Role.TEAM_LEAD):
        return None
    return uow.cases.identity(case.id)


def as_case(row) -> CaseReview:
    """A case entity from a case as read for a list (a CaseLine), to ask the domain about it."""
    return row if isinstance(row, CaseReview) else CaseReview(**row._asdict())


@dataclass(frozen=True)
class Options:
    """What can happen to a case now: what its state offers, what the viewer may do, its deadlines."""

    allowed: list[str]
    mine: list[str]
    deadlines: dict[str, datetime | None]


def options(core: Core, row, viewer: Actor) -> Options:
    case = as_case(row)
    allowed = CASE_LIFECYCLE.allowed_triggers(case)
    return Options(allowed=allowed, mine=CASE_LIFECYCLE.triggers_for(case, viewer, allowed),
                   deadlines=deadlines(core, case))


def deadlines(core: Core, row) -> dict[str, datetime | None]:
    clocks = core.reference.clocks
    return as_case(row).deadlines(core.calendar, clocks["finalize"], clocks["deidentify"])


def running_deadlines(core: Core, row) -> dict[str, datetime | None]:
    """The case's deadlines whose clock still runs: finalizing until it is done, de-identifying once finalized."""
    case = as_case(row)
    due = deadlines(core, case)
    return {"finalize_due": None if case.closed else due["finalize_due"],
            "deidentify_due": due["deidentify_due"] if case.state == CaseState.FINALIZED else None}


def history(uow, *, case_id: int, viewer: Actor, after: int | None = None, limit: int = 200) -> list:
    """The case's audit records in recording order (AuditLines)."""
    get_case(uow, case_id=case_id, viewer=viewer)
    return masking.masked(uow, viewer, uow.views.audit(entity="case", entity_id=case_id, after=after, limit=limit))
