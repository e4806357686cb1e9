"""Case reviews: adding, reading and moving them through their lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import select

from models.audit import audit_records
from models.filters import FilteredList
from models.tables import AuditRecord, CaseRow, DeidentificationMap, ReviewRow
from models.unit_of_work import UnitOfWork
from services import people, reviews
from services.core import Core
from services.history import record
from services.records import changes, to_entity
from workflow.actors import Actor, Directory
from workflow.case_lifecycle import ASSIGNEES, CASE_LIFECYCLE, CaseContext, CaseReview
from workflow.errors import Forbidden, NotFound, StaleVersion
from workflow.events import CaseDeidentified, Transitioned
from workflow.lifecycle import collect
from workflow.review_lifecycle import could_advance
from workflow.roles import Role
from workflow.states import CaseState, CaseType, ReviewState

#: Cases may be added by hand until their review is finalized.
_OPEN_REVIEW = {ReviewState.PLANNED, ReviewState.SAMPLING, ReviewState.IN_REVIEW, ReviewState.CB_OVERSIGHT}


def get_case(uow: UnitOfWork, *, case_id: int, viewer: Actor) -> SimpleNamespace:
    """The case (a CaseRow's attributes, to read), or NotFound when it does not exist or lies outside the
    viewer's region."""
    row = uow.db.get(CaseRow, case_id)
    if row is None or not people.sees_region(viewer, row.region):
        raise NotFound(f"no case {case_id}")
    return row


def add_case(core: Core, uow: UnitOfWork, *, actor: Actor, review_id: int, case_type: str, case_number: str,
             worker: str | None = None, child_id: str | None = None, now: datetime) -> CaseRow:
    if not actor.has(Role.TEAM_LEAD):
        raise Forbidden("only a team lead may add a case by hand")
    review = reviews.get_review(uow, review_id)
    problems: dict[str, list[str]] = {"case_type": [], "case_number": [], "review": []}
    if case_type not in CaseType.__members__.values():
        problems["case_type"].append(f"must be one of: {', '.join(CaseType)}")
    if not isinstance(case_number, str) or not case_number.strip():
        problems["case_number"].append("a case number is required")
    if review.state not in _OPEN_REVIEW:
        problems["review"].append(f"the review is {review.state}: no more cases may be added")
    collect(problems)
    row = CaseRow(review_id=review.id, region=review.region, case_type=case_type, case_number=case_number.strip(),
                  worker=worker, child_id=child_id, state=CaseState.SAMPLED)
    uow.session.add(row)
    uow.flush()
    record(core, uow, Transitioned(entity="case", entity_id=row.id, trigger="add", source="",
                                   dest=CaseState.SAMPLED, actor=actor.email, at=now, notes="added by hand"))
    reviews.follow(core, uow, review=review, actor=actor, now=now)
    return row


def case_context(core: Core, uow: UnitOfWork, review_month: date, *, fields: Mapping[str, Any],
                 now: datetime) -> CaseContext:
    wanted = [w for w in (fields.get(role) for role in ASSIGNEES) if isinstance(w, str)]
    return CaseContext(
        review_month=review_month,
        today=core.calendar.local_date(now),
        reasons=frozenset(core.reference.elimination_reasons),
        directory=people.actors(uow, wanted) if wanted else Directory(),
        make_identifier=core.identifiers,
    )


def fire(core: Core, uow: UnitOfWork, *, case_id: int, trigger: str, actor: Actor,
         fields: Mapping[str, Any], version: int | None = None, now: datetime) -> SimpleNamespace:
    """Apply one trigger: the case, its audit record, its messages and its review's move, together;
    the case as now stored (a CaseRow's attributes).

    The hot write path: rows are read and written with driver statements (models.driver), and the
    UPDATE itself checks `version`, so a concurrent change is refused even after our own check."""
    found = uow.db.get_with_parent(CaseRow, case_id, ReviewRow, "review_id", ("state", "review_month"))
    if found is None or not people.sees_region(actor, found[0].region):
        raise NotFound(f"no case {case_id}")
    stored, review = found
    if version is not None and version != stored.version:
        raise StaleVersion(version, stored.version)
    case = to_entity(CaseReview, stored)
    event = CASE_LIFECYCLE.fire(case, trigger, actor=actor, fields=fields,
                                ctx=case_context(core, uow, review.review_month, fields=fields, now=now), now=now)
    uow.db.update_versioned(CaseRow, stored, changes(case, stored))
    if isinstance(event, CaseDeidentified):
        uow.session.add(DeidentificationMap(case_id=case_id, identifier=event.data["identifier"],
                                            **event.data["previous"]))
    record(core, uow, event)
    if could_advance(review.state, case.state):
        reviews.follow(core, uow, review=reviews.get_review(uow, stored.review_id), actor=actor, now=now)
    return stored


def original_identity(uow: UnitOfWork, *, row: CaseRow, viewer: Actor) -> DeidentificationMap | None:
    """The identifiers a de-identified case had: for team leads only."""
    if row.deidentified_at is None or not viewer.has(Role.TEAM_LEAD):
        return None
    return uow.session.get(DeidentificationMap, row.id)


@dataclass(frozen=True)
class Options:
    """What can happen to a case now: what its state offers, what the viewer may do, its deadlines."""

    allowed: list[str]
    mine: list[str]
    deadlines: dict[str, datetime | None]


def options(core: Core, row, viewer: Actor) -> Options:
    case = to_entity(CaseReview, row)
    allowed = CASE_LIFECYCLE.allowed_triggers(case)
    return Options(allowed=allowed, mine=CASE_LIFECYCLE.triggers_for(case, viewer, allowed),
                   deadlines=_deadlines(core, case))


def triggers_for(row: CaseRow, viewer: Actor) -> list[str]:
    return CASE_LIFECYCLE.triggers_for(to_entity(CaseReview, row), viewer)


def history(uow: UnitOfWork, *, case_id: int, viewer: Actor, after: int | None = None,
            limit: int = 200) -> list[AuditRecord]:
    get_case(uow, case_id=case_id, viewer=viewer)
    return audit_records(uow, entity="case", entity_id=case_id, after=after, limit=limit)


def deadlines(core: Core, row: CaseRow) -> dict[str, datetime | None]:
    return _deadlines(core, to_entity(CaseReview, row))


def _deadlines(core: Core, case: CaseReview) -> dict[str, datetime | None]:
    clocks = core.reference.clocks
    return case.deadlines(core.calendar, clocks["finalize"], clocks["deidentify"])


_CASES = FilteredList(
    select(*CaseRow.__table__.columns).order_by(CaseRow.id).limit(bindparam("limit")),
    review_id=lambda p: CaseRow.review_id == p, region=lambda p: CaseRow.region == p,
    scope=lambda p: CaseRow.region == p, state=lambda p: CaseRow.state == p,
    case_type=lambda p: CaseRow.case_type == p, after=lambda p: CaseRow.id > p)


def list_cases(uow: UnitOfWork, *, viewer: Actor, review_id: int | None = None, region: str | None = None,
               state: str | None = None, case_type: str | None = None, after: int | None = None,
               limit: int = 100) -> list:
    """Cases in id order, as named tuples of CaseRow's columns: lists are read, never changed, and ORM
    objects cost several times more to load (and a result row's attributes, to read)."""
    return _CASES.rows(uow, limit=limit, review_id=review_id, region=region, scope=people.scoped_region(viewer),
                       state=state, case_type=case_type, after=after)
