"""Deadline rows: started and stopped by events, in the same transaction as the transition."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam
from sqlmodel import select

from models.filters import FilteredList
from models.tables import CaseRow, ConcernRow, Deadline
from models.unit_of_work import UnitOfWork
from services.core import Core
from workflow.clocks import ClockRule, due_at
from workflow.deadlines import CLOCK_EFFECTS, Start, steps
from workflow.events import Transitioned


def _rule(core: Core, uow: UnitOfWork, event: Transitioned, clock: str) -> ClockRule:
    if clock == "response":
        return core.reference.concern_clock(uow.session.get(ConcernRow, event.entity_id).type)
    return core.reference.clocks[clock]


def _start_moment(uow: UnitOfWork, event: Transitioned, clock: str) -> datetime | date:
    if clock == "finalize":  # runs from the case review date, a date
        return uow.db.get(CaseRow, event.entity_id, ("review_date",)).review_date
    return event.at


def start(core: Core, uow: UnitOfWork, *, entity: str, entity_id: int, rule: ClockRule,
          begins: datetime | date) -> int:
    """A new running clock; its id."""
    due = due_at(rule, begins, core.calendar)
    plan = steps(rule)
    started = begins if isinstance(begins, datetime) else datetime.combine(begins, datetime.min.time(),
                                                                            tzinfo=core.calendar.tz)
    return uow.db.insert(Deadline, {"entity": entity, "entity_id": entity_id, "clock": rule.name,
                                    "started_at": started, "due_at": due, "cursor": 0,
                                    "next_notice_at": plan[0].moment(due) if plan else None})


_STOP = ("UPDATE deadlines SET stopped_at = :at, next_notice_at = NULL "
         "WHERE entity = :entity AND entity_id = :entity_id AND stopped_at IS NULL")


def stop(uow: UnitOfWork, *, entity: str, entity_id: int, clock: str | None, at: datetime) -> None:
    """Stop that entity's running clock `clock`, or all of them (None)."""
    params = {"entity": entity, "entity_id": entity_id, "at": at}
    if clock is None:
        uow.db.execute(_STOP, params)
    else:
        uow.db.execute(_STOP + " AND clock = :clock", {**params, "clock": clock})


def apply_clock_effects(core: Core, uow: UnitOfWork, event: Transitioned, record_id: int) -> None:
    for effect in CLOCK_EFFECTS.get(type(event), ()):
        if isinstance(effect, Start):
            start(core, uow, entity=event.entity, entity_id=event.entity_id,
                  rule=_rule(core, uow, event, effect.clock), begins=_start_moment(uow, event, effect.clock))
        else:
            clock = None if effect.clock is None else _rule(core, uow, event, effect.clock).name
            stop(uow, entity=event.entity, entity_id=event.entity_id, clock=clock, at=event.at)


_OPEN = FilteredList(
    select(*Deadline.__table__.columns).where(Deadline.stopped_at.is_(None))
    .order_by(Deadline.due_at, Deadline.id).limit(bindparam("limit")),
    entity=lambda p: Deadline.entity == p, entity_id=lambda p: Deadline.entity_id == p)


def open_deadlines(uow: UnitOfWork, *, entity: str | None = None, entity_id: int | None = None,
                   limit: int = 1_000_000) -> list:
    """Running clocks (named tuples of Deadline's columns), soonest due first."""
    return _OPEN.rows(uow, limit=limit, entity=entity, entity_id=entity_id)
