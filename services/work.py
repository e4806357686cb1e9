"""What is waiting on someone: the cases and concerns whose next step is theirs, with due times."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, case, exists, null, or_
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


#: What a list of work shows of a case or a concern (the page links to the rest), and `due`: when its
#: running clock is due (None if none runs; for a concern, only while its region's answer is awaited).
CASE_COLUMNS = (CaseRow.id, CaseRow.case_number, CaseRow.region, CaseRow.case_type, CaseRow.state)
CONCERN_COLUMNS = (ConcernRow.id, ConcernRow.type, ConcernRow.region, ConcernRow.state,
                   case((ConcernRow.state == ConcernState.REGION_NOTIFIED, ConcernRow.response_due)).label("due"))


@dataclass
class Work:
    cases: list = field(default_factory=list)
    concerns: list = field(default_factory=list)


def waiting_on(uow: UnitOfWork, *, viewer: Actor, limit: int = 100) -> Work:
    """The `limit` most urgent of each: overdue and soonest due first, then the rest oldest first."""
    return Work(cases=_cases(uow, viewer, limit), concerns=_concerns(uow, viewer, limit))


def _cases(uow: UnitOfWork, viewer: Actor, limit: int) -> list:
    """In two ordered reads, each able to stop at `limit` rows: cases with a running clock, soonest due
    first; then, if room is left, the others, oldest first. (One query sorting every case of a team
    lead's by due time, nulls last, cost most of the page.)"""
    scope = people.scoped_region(viewer)
    timed, untimed = _case_queries(viewer.has(Role.TEAM_LEAD), scope is not None)
    params = {"me": viewer.email, "region": scope, "limit": limit}
    found = uow.db.select(timed, params)
    if len(found) < limit:
        found += uow.db.select(untimed, params | {"limit": limit - len(found)})
    return found


@cache
def _case_queries(lead: bool, scoped: bool) -> tuple[Select, Select]:
    """The two statements for one shape of viewer, built once (building them cost more than running them)."""
    me = bindparam("me")
    mine = [(getattr(CaseRow, assignee) == me) & (CaseRow.state == state) for state, assignee in CASE_ACTOR.items()]
    if lead:
        mine.append(CaseRow.state.in_(LEAD_STATES))
    where = [or_(*mine)]
    if scoped:
        where.append(CaseRow.region == bindparam("region"))
    running = (Deadline.entity == "case") & (Deadline.entity_id == CaseRow.id) & Deadline.stopped_at.is_(None)
    timed = (select(*CASE_COLUMNS, Deadline.due_at.label("due")).join(Deadline, running).where(*where)
             .order_by(Deadline.due_at, Deadline.id).limit(bindparam("limit")))
    untimed = (select(*CASE_COLUMNS, null().label("due")).where(*where, ~exists().where(running)).order_by(CaseRow.id)
               .limit(bindparam("limit")))
    return timed, untimed


def _concerns(uow: UnitOfWork, viewer: Actor, limit: int) -> list:
    lead, regional = viewer.has(Role.TEAM_LEAD), viewer.has(Role.REGIONAL_LEADER)
    if not (lead or regional):
        return []
    return uow.db.select(_concern_query(lead, regional), {"region": viewer.region, "limit": limit})


@cache
def _concern_query(lead: bool, regional: bool) -> Select:
    """Concerns awaiting a region's answer first, soonest due first; then those a team lead must act on."""
    wanted = []
    if lead:
        wanted.append(ConcernRow.state.in_([ConcernState.REPORTED, ConcernState.RESPONDED]))
    if regional:
        wanted.append((ConcernRow.state == ConcernState.REGION_NOTIFIED) & (ConcernRow.region == bindparam("region")))
    pending = ConcernRow.state == ConcernState.REGION_NOTIFIED
    return (select(*CONCERN_COLUMNS).where(or_(*wanted))
            .order_by(~pending, ConcernRow.response_due, ConcernRow.id).limit(bindparam("limit")))
