"""What is waiting on someone: the cases and concerns whose next step is theirs, with due times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import select

from models.tables import CaseRow, ConcernRow, Deadline
from models.unit_of_work import UnitOfWork
from services import people
from workflow.actors import Actor
from workflow.deadlines import CASE_ACTOR
from workflow.roles import Role
from workflow.states import CaseState, ConcernState

#: Case states whose next step belongs to the team leads.
LEAD_STATES = [CaseState.SAMPLED, CaseState.SCREENED, CaseState.CB_OVERSIGHT, CaseState.FINALIZED]


@dataclass
class Work:
    cases: list[tuple[CaseRow, datetime | None]] = field(default_factory=list)
    concerns: list[tuple[ConcernRow, datetime | None]] = field(default_factory=list)


def _due(uow: UnitOfWork, entity: str, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = uow.session.exec(select(Deadline.entity_id, Deadline.due_at).where(
        Deadline.entity == entity, Deadline.entity_id.in_(ids), Deadline.stopped_at.is_(None)))
    return {entity_id: due for entity_id, due in rows}


def waiting_on(uow: UnitOfWork, *, viewer: Actor, limit: int = 500) -> Work:
    """Overdue and soonest due first, then the rest by id."""
    mine = [(getattr(CaseRow, assignee) == viewer.email) & (CaseRow.state == state)
            for state, assignee in CASE_ACTOR.items()]
    if viewer.has(Role.TEAM_LEAD):
        mine.append(CaseRow.state.in_(LEAD_STATES))
    case_rows = list(uow.session.exec(select(CaseRow).where(or_(*mine)).order_by(CaseRow.id).limit(limit)))
    concern_filter = []
    if viewer.has(Role.TEAM_LEAD):
        concern_filter.append(ConcernRow.state.in_([ConcernState.REPORTED, ConcernState.RESPONDED]))
    if viewer.has(Role.REGIONAL_LEADER):
        concern_filter.append((ConcernRow.state == ConcernState.REGION_NOTIFIED) &
                              (ConcernRow.region == viewer.region))
    concern_rows = list(uow.session.exec(select(ConcernRow).where(or_(*concern_filter)).order_by(ConcernRow.id)
                                         .limit(limit))) if concern_filter else []
    case_due = _due(uow, "case", [c.id for c in case_rows])
    concern_due = {c.id: c.response_due for c in concern_rows if c.state == ConcernState.REGION_NOTIFIED}
    soonest = (lambda pair: (pair[1] is None, pair[1] or 0, pair[0].id))
    return Work(
        cases=sorted(((c, case_due.get(c.id)) for c in case_rows if people.sees_region(viewer, c.region)),
                     key=soonest),
        concerns=sorted(((c, concern_due.get(c.id)) for c in concern_rows), key=soonest),
    )
