"""Concerns (corrective actions): raised on a case, answered by the case's region."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import select

from models.filters import FilteredList
from models.tables import ConcernRow
from models.unit_of_work import UnitOfWork
from services import cases, people
from services.core import Core
from services.history import record
from services.records import to_entity, to_row
from workflow.actors import Actor
from workflow.concern_lifecycle import CONCERN_LIFECYCLE, Concern, ConcernContext, raise_concern
from workflow.errors import NotFound, StaleVersion
from workflow.lifecycle import collect
from workflow.states import ConcernState


def create(core: Core, uow: UnitOfWork, *, actor: Actor, case_id: Any, type: Any, description: Any,
           now: datetime) -> ConcernRow:
    problems: dict[str, list[str]] = {"type": [], "description": [], "case_id": []}
    if type not in core.reference.concern_types:
        problems["type"].append(f"must be one of: {', '.join(core.reference.concern_types)}")
    if not isinstance(description, str) or not description.strip():
        problems["description"].append("a description is required")
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        problems["case_id"].append("must be a case id")
    collect(problems)
    case = cases.get_case(uow, case_id=case_id, viewer=actor)
    concern, event = raise_concern(case_id=case.id, region=case.region, type=type,
                                   description=description.strip(), actor=actor, now=now)
    row = ConcernRow(**{k: v for k, v in vars(concern).items() if k != "id"})
    uow.session.add(row)
    uow.flush()
    record(core, uow, event, entity_id=row.id)
    return row


def get(uow: UnitOfWork, *, concern_id: int, viewer: Actor) -> ConcernRow:
    row = uow.session.get(ConcernRow, concern_id)
    if row is None or not people.sees_region(viewer, row.region):
        raise NotFound(f"no concern {concern_id}")
    return row


def fire(core: Core, uow: UnitOfWork, *, concern_id: int, trigger: str, actor: Actor,
         fields: Mapping[str, Any], version: int | None = None, now: datetime) -> ConcernRow:
    row = get(uow, concern_id=concern_id, viewer=actor)
    if version is not None and version != row.version:
        raise StaleVersion(version, row.version)
    concern = to_entity(Concern, row)
    ctx = ConcernContext(clock=core.reference.concern_clock(row.type), calendar=core.calendar)
    event = CONCERN_LIFECYCLE.fire(concern, trigger, actor=actor, fields=fields, ctx=ctx, now=now)
    to_row(concern, row)
    uow.flush()
    record(core, uow, event)
    return row


def overdue(row: ConcernRow, now: datetime) -> bool:
    return to_entity(Concern, row).overdue(now)


def _late(now):
    """Still awaiting the region's answer after its response was due."""
    return (ConcernRow.state == ConcernState.REGION_NOTIFIED) & (ConcernRow.response_due < now)


_CONCERNS = FilteredList(
    select(*ConcernRow.__table__.columns).order_by(ConcernRow.id).limit(bindparam("limit")),
    case_id=lambda p: ConcernRow.case_id == p, region=lambda p: ConcernRow.region == p,
    scope=lambda p: ConcernRow.region == p, state=lambda p: ConcernRow.state == p,
    late_at=_late, not_late_at=lambda p: ~_late(p), after=lambda p: ConcernRow.id > p)


def list_concerns(uow: UnitOfWork, *, viewer: Actor, now: datetime, region: str | None = None,
                  state: str | None = None, overdue_only: bool | None = None, case_id: int | None = None,
                  after: int | None = None, limit: int = 50) -> list:
    """Concerns (named tuples of ConcernRow's columns) in id order, within the viewer's region."""
    return _CONCERNS.rows(uow, limit=limit, case_id=case_id, region=region, scope=people.scoped_region(viewer),
                          state=state, late_at=now if overdue_only is True else None,
                          not_late_at=now if overdue_only is False else None, after=after)


@dataclass(frozen=True)
class Options:
    """What can happen to a concern now: what its state offers, what the viewer may do, whether it is late."""

    allowed: list[str]
    mine: list[str]
    overdue: bool


def options(row, viewer: Actor, now: datetime) -> Options:
    concern = to_entity(Concern, row)
    allowed = CONCERN_LIFECYCLE.allowed_triggers(concern)
    return Options(allowed=allowed, mine=CONCERN_LIFECYCLE.triggers_for(concern, viewer, allowed),
                   overdue=concern.overdue(now))
