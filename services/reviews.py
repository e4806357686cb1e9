"""Regional reviews: creating one, and letting its state follow its cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from models.tables import CaseRow, RegionRow, ReviewRow
from models.unit_of_work import UnitOfWork
from services import people
from services.core import Core
from services.history import record
from services.records import to_entity, to_row
from workflow.actors import Actor
from workflow.errors import Forbidden, NotFound, ValidationFailed
from workflow.events import ReviewAdvanced
from workflow.lifecycle import collect
from workflow.review_calendar import first_of_month
from workflow.review_lifecycle import KINDS, RegionalReview, follow_cases
from workflow.roles import Role
from workflow.states import ReviewState


def create_review(core: Core, uow: UnitOfWork, *, actor: Actor, region: str, review_month: str, kind: str,
                  now: datetime) -> ReviewRow:
    if not actor.has(Role.TEAM_LEAD):
        raise Forbidden("only a team lead may plan a regional review")
    problems: dict[str, list[str]] = {"region": [], "review_month": [], "kind": []}
    if not isinstance(region, str) or uow.session.get(RegionRow, region) is None:
        problems["region"].append(f"must be one of: {', '.join(core.reference.regions)}")
    try:
        month = first_of_month(review_month if isinstance(review_month, str) else "")
    except ValueError as error:
        problems["review_month"].append(str(error))
    if kind not in KINDS:
        problems["kind"].append(f"must be one of: {', '.join(KINDS)}")
    collect(problems)
    if uow.session.exec(select(ReviewRow.id).where(ReviewRow.region == region,
                                                    ReviewRow.review_month == month)).first():
        raise ValidationFailed({"review_month": [f"region {region} already has a review for {review_month}"]})
    row = ReviewRow(region=region, review_month=month, kind=kind, state=ReviewState.PLANNED)
    uow.session.add(row)
    try:
        uow.flush()
    except IntegrityError as error:  # a concurrent twin won the unique key
        raise ValidationFailed({"review_month": [f"region {region} already has a review for {review_month}"]}) \
            from error
    record(core, uow, ReviewAdvanced(entity="review", entity_id=row.id, trigger="plan", source="",
                                     dest=ReviewState.PLANNED, actor=actor.email, at=now))
    return row


def get_review(uow: UnitOfWork, review_id: int) -> ReviewRow:
    row = uow.session.get(ReviewRow, review_id)
    if row is None:
        raise NotFound(f"no regional review {review_id}")
    return row


def follow(core: Core, uow: UnitOfWork, *, review: ReviewRow, actor: Actor, now: datetime) -> None:
    """Move the review to where its cases stand, in the same transaction as the case change."""
    states = uow.session.exec(select(CaseRow.state).where(CaseRow.review_id == review.id)).all()
    entity = to_entity(RegionalReview, review)
    moved = follow_cases(entity, states, actor=actor, now=now)
    if moved is not None:
        to_row(entity, review)
        record(core, uow, moved)


def list_reviews(uow: UnitOfWork, *, viewer: Actor, region: str | None = None, after: int | None = None,
                 limit: int = 50) -> list[ReviewRow]:
    query = select(ReviewRow).order_by(ReviewRow.id).limit(limit)
    if (scope := people.scoped_region(viewer)) is not None:
        query = query.where(ReviewRow.region == scope)
    if region is not None:
        query = query.where(ReviewRow.region == region)
    if after is not None:
        query = query.where(ReviewRow.id > after)
    return list(uow.session.exec(query))


def visible_review(uow: UnitOfWork, *, review_id: int, viewer: Actor) -> ReviewRow:
    row = uow.session.get(ReviewRow, review_id)
    if row is None or not people.sees_region(viewer, row.region):
        raise NotFound(f"no regional review {review_id}")
    return row


_COUNTS = (select(CaseRow.review_id, CaseRow.state, func.count())
           .where(CaseRow.review_id.in_(bindparam("ids", expanding=True)))
           .group_by(CaseRow.review_id, CaseRow.state))


def case_counts(uow: UnitOfWork, review_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Each review's cases counted by state, for a whole list of reviews in one read."""
    counts: dict[int, dict[str, int]] = {review_id: {} for review_id in review_ids}
    for review_id, state, count in uow.db.select(_COUNTS, {"ids": list(counts)}):
        counts[review_id][state] = count
    return counts
