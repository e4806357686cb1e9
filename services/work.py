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


def waiting_on(uow: UnitOfWork, *, viewer: Actor, limit: int = 100) -> Work:
    """The `limit` most urgent of each: overdue and soonest due first, then the rest oldest first."""
    mine = [(getattr(CaseRow, assignee) == viewer.email) & (CaseRow.state == state)
            for state, assignee in CASE_ACTOR.items()]
    if viewer.has(Role.TEAM_LEAD):
        mine.append(CaseRow.state.in_(LEAD_STATES))
    clock = (Deadline.entity == "case") & (Deadline.entity_id == CaseRow.id) & Deadline.stopped_at.is_(None)
    query = (select(CaseRow, Deadline.due_at).outerjoin(Deadline, clock).where(or_(*mine))
             .order_by(Deadline.due_at.is_(None), Deadline.due_at, CaseRow.id).limit(limit))
    if (scope := people.scoped_region(viewer)) is not None:
        query = query.where(CaseRow.region == scope)
    work = Work(cases=[(case, due) for case, due in uow.session.exec(query)])
    concern_filter = []
    if viewer.has(Role.TEAM_LEAD):
        concern_filter.append(ConcernRow.state.in_([ConcernState.REPORTED, ConcernState.RESPONDED]))
    if viewer.has(Role.REGIONAL_LEADER):
        concern_filter.append((ConcernRow.state == ConcernState.REGION_NOTIFIED) &
                              (ConcernRow.region == viewer.region))
    if concern_filter:
        pending = ConcernRow.state == ConcernState.REGION_NOTIFIED
        rows = uow.session.exec(select(ConcernRow).where(or_(*concern_filter))
                                .order_by(~pending, ConcernRow.response_due, ConcernRow.id).limit(limit))
        work.concerns = [(c, c.response_due if c.state == ConcernState.REGION_NOTIFIED else None) for c in rows]
    return work
