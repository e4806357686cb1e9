"""Concerns (corrective actions): raised on a case, answered by the case's region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services import cases
from services.core import Core
from workflow.actors import Actor
from workflow.commands import TEXT_MAX, FireConcernTrigger, RaiseConcern
from workflow.concern_lifecycle import CONCERN_LIFECYCLE, Concern, ConcernContext
from workflow.concern_lifecycle import raise_concern as new_concern
from workflow.errors import NotFound, StaleVersion
from workflow.lifecycle import collect


def raise_concern(command: RaiseConcern, *, uow, core: Core) -> Concern:
    problems: dict[str, list[str]] = {"type": [], "description": [], "case_id": []}
    if command.type not in core.reference.concern_types:
        problems["type"].append(f"must be one of: {', '.join(core.reference.concern_types)}")
    description = command.description.strip() if isinstance(command.description, str) else ""
    if not description:
        problems["description"].append("a description is required")
    elif len(description) > TEXT_MAX:
        problems["description"].append(f"at most {TEXT_MAX} characters")
    if not isinstance(command.case_id, int) or isinstance(command.case_id, bool):
        problems["case_id"].append("must be a case id")
    collect(problems)
    case = cases.get_case(uow, case_id=command.case_id, viewer=command.actor)
    return uow.concerns.add(new_concern(case_id=case.id, region=case.region, type=command.type,
                                        description=description, actor=command.actor, now=command.at))


def get(uow, *, concern_id: int, viewer: Actor) -> Concern:
    """The concern, or NotFound when it does not exist or lies outside the viewer's region."""
    concern = uow.concerns.get(concern_id)
    if concern is None or not viewer.sees(concern.region) or viewer.only_oversees:   # the CB sees no concerns
        raise NotFound(f"no concern {concern_id}")
    return concern


def fire(command: FireConcernTrigger, *, uow, core: Core) -> Concern:
    concern = get(uow, concern_id=command.concern_id, viewer=command.actor)
    if command.version is not None and command.version != concern.version:
        raise StaleVersion(command.version, concern.version)
    ctx = ConcernContext(clock=core.reference.concern_clock(concern.type), calendar=core.calendar)
    CONCERN_LIFECYCLE.fire(concern, command.trigger, actor=command.actor, fields=command.fields, ctx=ctx,
                           now=command.at)
    uow.concerns.save(concern)
    return concern


def as_concern(row) -> Concern:
    """A concern entity from a concern as read for a list (a ConcernLine), to ask the domain about it."""
    return row if isinstance(row, Concern) else Concern(**row._asdict())


@dataclass(frozen=True)
class Options:
    """What can happen to a concern now: what its state offers, what the viewer may do, whether it is late."""

    allowed: list[str]
    mine: list[str]
    overdue: bool


def options(row, viewer: Actor, now: datetime) -> Options:
    concern = as_concern(row)
    allowed = CONCERN_LIFECYCLE.allowed_triggers(concern)
    return Options(allowed=allowed, mine=CONCERN_LIFECYCLE.triggers_for(concern, viewer, allowed),
                   overdue=concern.overdue(now))
