"""Reads behind pages, lists and exports: every query that answers "show me", in one place.

Each view returns rows of one shape, a typed NamedTuple declared here; its fields are the columns the
SELECT reads, in order, so the declaration and the statement cannot disagree. Statements are built once
(at import, or once per shape of caller) and bound with parameters: building a filtered SELECT with
SQLAlchemy cost more than running it here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, get_type_hints

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, case, exists, func, null, or_, select
from sqlalchemy.orm import aliased

from models import sample_lists
from models.driver import Driver
from models.tables import (AuditRecord, AuditText, CaseRow, ConcernRow, Conflict, Deadline, OutboxMessage,
                           PlanningCall, RatingRow, RegionRow, ReviewRow, SampleEntryRow, SampleListRow, SampleRow,
                           UniverseImport, User, UserRole)
from workflow.actors import OVERSEEN_STATES, Actor
from workflow.case_lifecycle import CaseReview
from workflow.concern_lifecycle import Concern
from workflow.lifecycle import attributes
from workflow.deadlines import CASE_ACTOR
from workflow.roles import Role
from workflow.ratings import COUNTED_STATES
from workflow.states import CaseState, ConcernState


def columns(model: type, *names: str) -> list:
    return [model.__table__.c[name] for name in names]


def _line_of(entity_type: type) -> type:
    """A NamedTuple of what an entity keeps, field by field: a list reads the entity's columns, no more."""
    hints = get_type_hints(entity_type)
    return NamedTuple(f"{entity_type.__name__}Line", [(name, hints[name]) for name in attributes(entity_type)])


#: A case or a concern as a list reads it: exactly the entity's attributes, so the domain can be asked about it.
CaseLine = _line_of(CaseReview)
ConcernLine = _line_of(Concern)


class ReviewLine(NamedTuple):
    id: int
    region: str
    review_month: date
    kind: str
    state: str
    version: int
    period_start: date | None
    onsite_start: date | None
    onsite_end: date | None


class AuditLine(NamedTuple):
    id: int
    entity: str
    entity_id: int | None
    from_state: str
    to_state: str
    trigger: str
    actor: str
    at: datetime
    notes: str | None
    prev_hash: str
    record_hash: str
    redacted_in: int | None     # the audit record whose de-identification replaced names in the notes
    sealed_hash: str | None     # then: the keyed hash of the record as it now reads


def audit_lines() -> Select:
    """Audit records with their notes, which live beside them (models.tables.AuditText), as AuditLines."""
    chosen = [AuditText.__table__.c[n] if n in ("notes", "redacted_in", "sealed_hash") else AuditRecord.__table__.c[n]
              for n in AuditLine._fields]
    return select(*chosen).select_from(AuditRecord).outerjoin(AuditText, AuditText.record_id == AuditRecord.id)


class CountedCase(NamedTuple):
    """A case that passed second-level QA, as reports count it."""

    id: int
    case_number: str
    case_type: str
    region: str
    review_id: int
    review_date: date | None


class RatedLine(NamedTuple):
    """One rated item of a counted case (a report's row, or a line of the flat export)."""

    case_id: int
    case_number: str
    case_type: str
    region: str
    review_id: int
    review_date: date | None
    item: int
    rating: str
    rationale: str | None


_COUNTED_BY = {"review_id": lambda p: CaseRow.review_id == p, "region": lambda p: CaseRow.region == p,
               "since": lambda p: CaseRow.review_date >= p, "until": lambda p: CaseRow.review_date <= p}


def _counted(statement: Select, names: frozenset[str]) -> Select:
    """`statement` narrowed to cases that passed second-level QA, and by the filters `names` (review_id, region,
    and since and until on their case review date), each bound to the parameter of its name."""
    statement = statement.where(CaseRow.state.in_([str(s) for s in COUNTED_STATES]))
    return statement.where(*(_COUNTED_BY[name](bindparam(name)) for name in sorted(names)))


def _given(filters: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in filters.items() if value is not None}


#: What a tally may be broken down by.
_TALLY_KEYS = {"region": [CaseRow.region], "case_type": [CaseRow.case_type], "review": [CaseRow.review_id]}
#: The verdicts a tally counts per outcome, and the bit sets of the cases that hold them.
_VERDICT_BITS = (CaseRow.outcomes_substantially, CaseRow.outcomes_partially, CaseRow.outcomes_not_achieved)


@cache
def _tally(by: tuple[str, ...], items: int, outcomes: int, names: frozenset[str]) -> Select:
    """One pass over the counted cases: per group, how many, each item's Strengths and ANIs and each outcome's
    verdicts, summed from the cases' bit sets. Built once per shape: the statement is large, and compiling it
    cost more than running it."""
    keys = [column for name in by for column in _TALLY_KEYS[name]]
    items_ = [func.sum(column.op(">>")(n).op("&")(1)) for n in range(items)
              for column in (CaseRow.strength_items, CaseRow.ani_items)]
    verdicts = [func.sum(column.op(">>")(k).op("&")(1)) for k in range(outcomes) for column in _VERDICT_BITS]
    return _counted(select(*keys, func.count(), *items_, *verdicts).group_by(*keys), names)


_REVIEW_MONTHS = select(ReviewRow.id, ReviewRow.review_month).where(ReviewRow.id.in_(bindparam("ids", expanding=True)))


class Tally(NamedTuple):
    """The counted cases of one group: its keys (region, case type, year and month, as asked), how many, each
    item's (Strengths, ANIs) from item 1 on, and each outcome's (substantially, partially, not achieved)."""

    keys: tuple
    cases: int
    items: list[tuple[int, int]]
    outcomes: list[tuple[int, int, int]]


class DeadlineLine(NamedTuple):
    id: int
    entity: str
    entity_id: int
    clock: str
    started_at: datetime
    due_at: datetime
    cursor: int
    next_notice_at: datetime | None
    stopped_at: datetime | None


class OutboxLine(NamedTuple):
    id: int
    key: str
    recipients: str
    template: str | None
    context: str | None
    subject: str | None
    body_text: str | None
    body_html: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime


class UserLine(NamedTuple):
    id: int
    email: str
    name: str
    region: str | None
    active: bool
    password_hash: str


class WorkLine(NamedTuple):
    """A case or a concern waiting on someone; `due` is when its running clock is due (None if none runs;
    for a concern, only while its region's answer is awaited)."""

    id: int
    label: str       # a case's number, a concern's type
    region: str
    kind: str        # a case's type; "concern"
    state: str
    due: datetime | None


class ConflictLine(NamedTuple):
    id: int
    email: str
    case_id: int | None
    region: str | None
    participant: str | None
    note: str | None


class AdminUserLine(NamedTuple):
    id: int
    email: str
    name: str
    region: str | None
    active: bool
    roles: str  # comma-separated


class SampleLine(NamedTuple):
    id: int
    review_id: int
    seed: int
    algorithm: str
    frame_digest: str
    period_start: date
    period_end: date
    drawn_by: str
    drawn_at: datetime
    superseded_at: datetime | None


class SampleEntryLine(NamedTuple):
    id: int | None                 # the entry's row: only entries that became cases have one
    case_type: str
    position: int
    key: str
    case_number: str
    child_id: str | None
    worker: str | None
    number: float
    role: str
    reason: str | None
    flag: str | None
    case_id: int | None
    replaced_by: int | None
    extension: int


class PlanningCallLine(NamedTuple):
    id: int
    held_on: date
    participants: str
    eliminations_discussed: str | None
    recorded_by: str
    recorded_at: datetime


class LoadLine(NamedTuple):
    """How many open cases a person holds in each QA role."""

    email: str
    reviewer: int
    first_qa: int
    second_qa: int


class EliminationLine(NamedTuple):
    """One row of a review's elimination worksheet: a case eliminated, why, who proposed and who decided it,
    when, and what replaced it."""

    case_id: int
    case_number: str
    case_type: str
    reason: str | None
    proposed_reason: str | None
    proposed_notes: str | None
    proposed_by: str | None
    decided_by: str
    decided_at: datetime
    notes: str | None
    replaced_by: int | None
    replaced_by_number: str | None


class ImportLine(NamedTuple):
    id: int
    kind: str
    digest: str
    rows: int
    imported_by: str
    imported_at: datetime


class RegionLine(NamedTuple):
    code: str
    name: str
    metro: bool


class _Filtered:
    """`base` (a SELECT ending in `.limit(bindparam("limit"))`) narrowed by any of `conditions`; each
    condition is given the parameter its value is bound to. One statement per combination of filters
    given, built on first use: a handful of combinations occur."""

    def __init__(self, base: Select, shape: type, **conditions: Callable[[BindParameter], ColumnElement[bool]]):
        self._base, self._shape, self._conditions = base, shape, conditions
        self._built: dict[frozenset[str], Select] = {}

    def rows(self, db: Driver, *, limit: int, **filters: Any) -> list:
        """The rows passing every filter whose value is not None."""
        given = {name: value for name, value in filters.items() if value is not None}
        return db.rows(self._statement(frozenset(given)), {**given, "limit": limit}, self._shape)

    def _statement(self, names: frozenset[str]) -> Select:
        if (built := self._built.get(names)) is None:
            built = self._base.where(*(make(bindparam(name)) for name, make in self._conditions.items()
                                       if name in names))
            self._built[names] = built
        return built


def _late(now):
    """Still awaiting the region's answer after its response was due."""
    return (ConcernRow.state == ConcernState.REGION_NOTIFIED) & (ConcernRow.response_due < now)


_CASES = _Filtered(
    select(*columns(CaseRow, *CaseLine._fields)).order_by(CaseRow.id).limit(bindparam("limit")), CaseLine,
    review_id=lambda p: CaseRow.review_id == p, region=lambda p: CaseRow.region == p,
    scope=lambda p: CaseRow.region == p, state=lambda p: CaseRow.state == p,
    overseen=lambda p: CaseRow.state.in_(sorted(OVERSEEN_STATES)),
    case_type=lambda p: CaseRow.case_type == p, after=lambda p: CaseRow.id > p)
_CONCERNS = _Filtered(
    select(*columns(ConcernRow, *ConcernLine._fields)).order_by(ConcernRow.id).limit(bindparam("limit")), ConcernLine,
    case_id=lambda p: ConcernRow.case_id == p, region=lambda p: ConcernRow.region == p,
    scope=lambda p: ConcernRow.region == p, state=lambda p: ConcernRow.state == p,
    late_at=_late, not_late_at=lambda p: ~_late(p), after=lambda p: ConcernRow.id > p)
_REVIEWS = _Filtered(
    select(*columns(ReviewRow, *ReviewLine._fields)).order_by(ReviewRow.id).limit(bindparam("limit")), ReviewLine,
    region=lambda p: ReviewRow.region == p, scope=lambda p: ReviewRow.region == p, after=lambda p: ReviewRow.id > p)
_AUDIT = _Filtered(
    audit_lines().order_by(AuditRecord.id).limit(bindparam("limit")), AuditLine,
    entity=lambda p: AuditRecord.entity == p, entity_id=lambda p: AuditRecord.entity_id == p,
    actor=lambda p: AuditRecord.actor == p, trigger=lambda p: AuditRecord.trigger == p,
    since=lambda p: AuditRecord.at >= p, until=lambda p: AuditRecord.at <= p, after=lambda p: AuditRecord.id > p)
_OPEN_DEADLINES = _Filtered(
    select(*columns(Deadline, *DeadlineLine._fields)).where(Deadline.stopped_at.is_(None))
    .order_by(Deadline.due_at, Deadline.id).limit(bindparam("limit")), DeadlineLine,
    entity=lambda p: Deadline.entity == p, entity_id=lambda p: Deadline.entity_id == p)
_OUTBOX = _Filtered(
    select(*columns(OutboxMessage, *OutboxLine._fields)).order_by(OutboxMessage.id).limit(bindparam("limit")),
    OutboxLine, status=lambda p: OutboxMessage.status == p)
_COUNTS = (select(CaseRow.review_id, CaseRow.state, func.count())
           .where(CaseRow.review_id.in_(bindparam("ids", expanding=True)))
           .group_by(CaseRow.review_id, CaseRow.state))
_ADMIN_USERS = select(User.id, User.email, User.name, User.region, User.active).order_by(User.email)
_ALL_ROLES = select(UserRole.user_id, UserRole.role).order_by(UserRole.role)
_ADMIN_CONFLICTS = (select(Conflict.id, User.email, Conflict.case_id, Conflict.region, Conflict.participant,
                           Conflict.note).join(User, User.id == Conflict.user_id).order_by(Conflict.id))
_CONFLICTS_OF = _ADMIN_CONFLICTS.where(User.email == bindparam("email"))
_REGIONS = select(RegionRow.code, RegionRow.name, RegionRow.metro).order_by(RegionRow.code)
_SAMPLES = select(*columns(SampleRow, *SampleLine._fields)).where(SampleRow.review_id == bindparam("review_id"))
_SAMPLE = _SAMPLES.where(SampleRow.superseded_at.is_(None))
_SUPERSEDED = _SAMPLES.where(SampleRow.superseded_at.is_not(None)).order_by(SampleRow.id)
_PLANNING_CALLS = (select(*columns(PlanningCall, *PlanningCallLine._fields))
                   .where(PlanningCall.review_id == bindparam("review_id"))
                   .order_by(PlanningCall.held_on, PlanningCall.id))
_SAMPLE_ENTRIES = (select(*columns(SampleEntryRow, *SampleEntryLine._fields))
                   .where(SampleEntryRow.sample_id == bindparam("sample_id"))
                   .order_by(SampleEntryRow.case_type, SampleEntryRow.position))
_SAMPLE_LISTS = (select(SampleListRow.entries).where(SampleListRow.sample_id == bindparam("sample_id"))
                 .order_by(SampleListRow.extension))
_ENTRY_OF_CASE = select(SampleEntryRow.sample_id, *columns(SampleEntryRow, *SampleEntryLine._fields)).where(
    SampleEntryRow.case_id == bindparam("case_id"))
_REPLACEMENT = aliased(CaseRow)
_ELIMINATIONS = (
    select(CaseRow.id, CaseRow.case_number, CaseRow.case_type, CaseRow.elimination_reason,
           CaseRow.proposed_elimination_reason, CaseRow.proposed_elimination_notes, CaseRow.proposed_by,
           AuditRecord.actor, AuditRecord.at, AuditText.notes, SampleEntryRow.replaced_by,
           _REPLACEMENT.case_number)
    .join(AuditRecord, (AuditRecord.entity == "case") & (AuditRecord.entity_id == CaseRow.id)
          & (AuditRecord.trigger == "eliminate"))
    .outerjoin(AuditText, AuditText.record_id == AuditRecord.id)
    .outerjoin(SampleEntryRow, SampleEntryRow.case_id == CaseRow.id)
    .outerjoin(_REPLACEMENT, _REPLACEMENT.id == SampleEntryRow.replaced_by)
    .where(CaseRow.review_id == bindparam("review_id")).order_by(AuditRecord.id))
_IMPORTS = (select(*columns(UniverseImport, *ImportLine._fields)).order_by(UniverseImport.id.desc())
            .limit(bindparam("limit")))

#: Case states in which the assigned people still have work on the case.
OPEN_WORK_STATES = [CaseState.ASSIGNED, CaseState.REVIEWED, CaseState.FIRST_QA, CaseState.SECOND_QA]
_LOADS = {role: select(getattr(CaseRow, role), func.count())
          .where(getattr(CaseRow, role).in_(bindparam("emails", expanding=True)), CaseRow.state.in_(OPEN_WORK_STATES))
          .group_by(getattr(CaseRow, role)) for role in ("reviewer", "first_qa", "second_qa")}
#: Case states whose next step belongs to the team leads.
LEAD_STATES = [CaseState.SAMPLED, CaseState.SCREENED, CaseState.CB_OVERSIGHT, CaseState.FINALIZED]
_WORK_CASE = (CaseRow.id, CaseRow.case_number, CaseRow.region, CaseRow.case_type, CaseRow.state)


@cache
def _work_case_queries(lead: bool, scoped: bool) -> tuple[Select, Select]:
    """My work's two case statements for one shape of viewer, built once: cases with a running clock,
    soonest due first; then the others, oldest first. (One query sorting every case of a team lead's by
    due time, nulls last, cost most of the page.)"""
    me = bindparam("me")
    mine = [(getattr(CaseRow, assignee) == me) & (CaseRow.state == state) for state, assignee in CASE_ACTOR.items()]
    if lead:
        mine.append(CaseRow.state.in_(LEAD_STATES))
    where = [or_(*mine)]
    if scoped:
        where.append(CaseRow.region == bindparam("region"))
    running = (Deadline.entity == "case") & (Deadline.entity_id == CaseRow.id) & Deadline.stopped_at.is_(None)
    timed = (select(*_WORK_CASE, Deadline.due_at).join(Deadline, running).where(*where)
             .order_by(Deadline.due_at, Deadline.id).limit(bindparam("limit")))
    untimed = (select(*_WORK_CASE, null()).where(*where, ~exists().where(running)).order_by(CaseRow.id)
               .limit(bindparam("limit")))
    return timed, untimed


@cache
def _work_concern_query(lead: bool, regional: bool) -> Select:
    """Concerns awaiting a region's answer first, soonest due first; then those a team lead must act on."""
    wanted = []
    if lead:
        wanted.append(ConcernRow.state.in_([ConcernState.REPORTED, ConcernState.RESPONDED]))
    if regional:
        wanted.append((ConcernRow.state == ConcernState.REGION_NOTIFIED) & (ConcernRow.region == bindparam("region")))
    pending = ConcernRow.state == ConcernState.REGION_NOTIFIED
    return (select(ConcernRow.id, ConcernRow.type, ConcernRow.region, null(),
                   ConcernRow.state, case((pending, ConcernRow.response_due)))
            .where(or_(*wanted)).order_by(~pending, ConcernRow.response_due, ConcernRow.id)
            .limit(bindparam("limit")))


class Views:
    """The read side of one unit of work."""

    def __init__(self, db: Driver):
        self._db = db

    def alive(self) -> bool:
        """The database answers a statement."""
        return self._db.execute("SELECT 1").fetchone() is not None

    def cases(self, *, viewer: Actor, review_id: int | None = None, region: str | None = None,
              state: str | None = None, case_type: str | None = None, after: int | None = None,
              limit: int = 100) -> list[CaseLine]:
        """Cases in id order, within the viewer's region; `after` is the id the previous page ended on."""
        return _CASES.rows(self._db, limit=limit, review_id=review_id, region=region, scope=viewer.scope,
                           state=state, case_type=case_type, after=after, overseen=viewer.only_oversees or None)

    def concerns(self, *, viewer: Actor, now: datetime, region: str | None = None, state: str | None = None,
                 overdue: bool | None = None, case_id: int | None = None, after: int | None = None,
                 limit: int = 50) -> list[ConcernLine]:
        """Concerns in id order, within the viewer's region; `overdue` True or False keeps only the late
        ones or only the others."""
        if viewer.only_oversees:   # the Children's Bureau sees cases in oversight, and nothing else of a region's
            return []
        return _CONCERNS.rows(self._db, limit=limit, case_id=case_id, region=region, scope=viewer.scope,
                              state=state, late_at=now if overdue is True else None,
                              not_late_at=now if overdue is False else None, after=after)

    def reviews(self, *, viewer: Actor, region: str | None = None, after: int | None = None,
                limit: int = 50) -> list[ReviewLine]:
        return _REVIEWS.rows(self._db, limit=limit, region=region, scope=viewer.scope, after=after)

    def case_counts(self, review_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """Each review's cases counted by state, for a whole list of reviews in one read."""
        counts: dict[int, dict[str, int]] = {review_id: {} for review_id in review_ids}
        if counts:
            for review_id, state, count in self._db.rows(_COUNTS, {"ids": list(counts)}):
                counts[review_id][state] = count
        return counts

    def audit(self, *, entity: str | None = None, entity_id: int | None = None, actor: str | None = None,
              trigger: str | None = None, since: datetime | None = None, until: datetime | None = None,
              after: int | None = None, limit: int = 100) -> list[AuditLine]:
        """Audit records in recording order, filtered; `after` is the id the previous page ended on."""
        return _AUDIT.rows(self._db, limit=limit, entity=entity, entity_id=entity_id, actor=actor, trigger=trigger,
                           since=since, until=until, after=after)

    def audit_all(self, *, batch: int = 2000, **filters: Any) -> Iterator[AuditLine]:
        """Every audit record passing the filters, read a page at a time (for exports)."""
        after = None
        while page := self.audit(after=after, limit=batch, **filters):
            yield from page
            after = page[-1].id

    def review_months(self, review_ids: Iterable[int]) -> dict[int, date]:
        ids = sorted(set(review_ids))
        return dict(self._db.rows(_REVIEW_MONTHS, {"ids": ids})) if ids else {}

    def counted_cases(self, **filters: Any) -> list[CountedCase]:
        """The cases reports count (passed second-level QA) within the filters: review_id, region, since, until."""
        given = _given(filters)
        return self._db.rows(_counted(select(*columns(CaseRow, *CountedCase._fields)), frozenset(given)), given,
                             CountedCase)

    def tallies(self, *, by: tuple[str, ...] = (), items: int, outcomes: int, **filters: Any) -> list[Tally]:
        """The counted cases within the filters, tallied per group of `by` ("region", "case_type", "review": a
        case review date falls in its review's month, so the review says the month too): the one read behind
        every report and the PIP worksheet."""
        given = _given(filters)
        width = sum(len(_TALLY_KEYS[name]) for name in by)
        found = []
        for row in self._db.rows(_tally(by, items, outcomes, frozenset(given)), given):
            sums = [n or 0 for n in row[width + 1:]]
            found.append(Tally(tuple(row[:width]), row[width], [tuple(sums[2 * i:2 * i + 2]) for i in range(items)],
                               [tuple(sums[2 * items + 3 * o:2 * items + 3 * o + 3]) for o in range(outcomes)]))
        return found

    def rated(self, **filters: Any) -> list[RatedLine]:
        """Every rated item of the counted cases, by case and item (the flat export)."""
        statement = (select(*columns(CaseRow, "id", "case_number", "case_type", "region", "review_id", "review_date"),
                            RatingRow.item, RatingRow.rating, RatingRow.rationale)
                     .join(RatingRow, RatingRow.case_id == CaseRow.id).order_by(CaseRow.id, RatingRow.item))
        given = _given(filters)
        return self._db.rows(_counted(statement, frozenset(given)), given, RatedLine)

    def open_deadlines(self, *, entity: str | None = None, entity_id: int | None = None,
                       limit: int = 1_000_000) -> list[DeadlineLine]:
        """Running clocks, soonest due first."""
        return _OPEN_DEADLINES.rows(self._db, limit=limit, entity=entity, entity_id=entity_id)

    def outbox(self, *, status: str | None = None, limit: int = 100_000) -> list[OutboxLine]:
        return _OUTBOX.rows(self._db, limit=limit, status=status)

    def work_cases(self, *, viewer: Actor, limit: int = 100) -> list[WorkLine]:
        """The cases whose next step is the viewer's: the `limit` most urgent, overdue and soonest due first,
        then the rest oldest first. In two ordered reads, each able to stop at `limit` rows."""
        scope = viewer.scope
        timed, untimed = _work_case_queries(viewer.has(Role.TEAM_LEAD), scope is not None)
        params = {"me": viewer.email, "region": scope, "limit": limit}
        found = self._db.rows(timed, params, WorkLine)
        if len(found) < limit:
            found += self._db.rows(untimed, params | {"limit": limit - len(found)}, WorkLine)
        return found

    def work_concerns(self, *, viewer: Actor, limit: int = 100) -> list[WorkLine]:
        """The concerns whose next step is the viewer's (team leads; the region's leadership)."""
        lead, regional = viewer.has(Role.TEAM_LEAD), viewer.has(Role.REGIONAL_LEADER)
        if not (lead or regional):
            return []
        found = self._db.rows(_work_concern_query(lead, regional), {"region": viewer.region, "limit": limit},
                              WorkLine)
        return [line._replace(kind="concern") for line in found]

    def users(self) -> list[AdminUserLine]:
        roles: dict[int, list[str]] = {}
        for user_id, role in self._db.rows(_ALL_ROLES):
            roles.setdefault(user_id, []).append(role)
        return [AdminUserLine(*row, ", ".join(roles.get(row[0], []))) for row in self._db.rows(_ADMIN_USERS)]

    def conflicts(self, email: str | None = None) -> list[ConflictLine]:
        """Declared conflicts of interest: everybody's, or one person's."""
        if email is None:
            return self._db.rows(_ADMIN_CONFLICTS, shape=ConflictLine)
        return self._db.rows(_CONFLICTS_OF, {"email": email}, ConflictLine)

    def sample(self, review_id: int) -> SampleLine | None:
        found = self._db.rows(_SAMPLE, {"review_id": review_id}, SampleLine)
        return found[0] if found else None

    def superseded_samples(self, review_id: int) -> list[SampleLine]:
        """The review's samples replaced by a re-draw, oldest first (their entries are kept too)."""
        return self._db.rows(_SUPERSEDED, {"review_id": review_id}, SampleLine)

    def planning_calls(self, review_id: int) -> list[PlanningCallLine]:
        return self._db.rows(_PLANNING_CALLS, {"review_id": review_id}, PlanningCallLine)

    def loads(self, emails: Sequence[str]) -> dict[str, LoadLine]:
        """Each person's current load: the open cases (assigned, not yet past QA) they hold in each role."""
        found = {e: LoadLine(e, 0, 0, 0) for e in emails}
        for role, statement in _LOADS.items():
            for email, count in self._db.rows(statement, {"emails": list(emails)}):
                found[email] = found[email]._replace(**{role: count})
        return found

    def sample_cases(self, sample_id: int) -> list[SampleEntryLine]:
        """The entries of a sample that became cases, as their rows say now (no list is read)."""
        return self._db.rows(_SAMPLE_ENTRIES, {"sample_id": sample_id}, SampleEntryLine)

    def sample_entries(self, sample_id: int) -> list[SampleEntryLine]:
        """A sample's entries, foster care first, each type in its order: as its lists have them, each entry that
        became a case as its row says now (the others have no id, case or replacement)."""
        rows = {(r.case_type, r.position): r for r in self.sample_cases(sample_id)}
        make = SampleEntryLine._make   # a region's list has 60,000 entries: _make is a third faster than calling
        entries = [rows.pop((case_type, position), None)
                   or make((None, case_type, position, key, case_number, child_id, worker, number, role, reason, flag,
                            None, None, extension))
                   for (document,) in self._db.rows(_SAMPLE_LISTS, {"sample_id": sample_id})
                   for case_type, key, case_number, child_id, worker, number, position, role, reason, flag, extension
                   in sample_lists.decode(document)]
        return sorted(entries + list(rows.values()), key=itemgetter(1, 2))

    def sample_entry_of_case(self, case_id: int) -> tuple[int, SampleEntryLine] | None:
        """The sample (its id) and the entry a case was drawn from, or None for a case added by hand."""
        found = self._db.rows(_ENTRY_OF_CASE, {"case_id": case_id})
        return None if not found else (found[0][0], SampleEntryLine._make(found[0][1:]))

    def eliminations(self, review_id: int) -> list[EliminationLine]:
        """The review's elimination worksheet, in the order the eliminations were decided."""
        return self._db.rows(_ELIMINATIONS, {"review_id": review_id}, EliminationLine)

    def imports(self, limit: int = 100) -> list[ImportLine]:
        return self._db.rows(_IMPORTS, {"limit": limit}, ImportLine)

    def regions(self) -> list[RegionLine]:
        return self._db.rows(_REGIONS, shape=RegionLine)
