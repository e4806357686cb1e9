"""Ratings of a case; what the reviews found (items, outcomes, principles); the PIP measurement worksheet."""

from flask_smorest import Blueprint

from services import ratings, reports
from services.bus import execute
from web.api.common import caller, core, login_required
from web.api.schemas import (ItemReportSchema, PipQuerySchema, PipSchema, RatingsReadSchema, RatingsWriteSchema,
                             ReportQuerySchema)
from web.auth import roles_required
from workflow.commands import RateCase
from workflow.errors import ValidationFailed
from workflow.roles import Role

blp = Blueprint("api_reports", __name__, description="Ratings, reports and the PIP measurement")
#: Who reads the unit's findings: the people who produce and oversee them.
READERS = (Role.TEAM_LEAD, Role.UNIT_SUPERVISOR, Role.QA, Role.REVIEWER, Role.AUDITOR, Role.ADMIN, Role.CB_REVIEWER)


def _present(found) -> dict:
    items, outcome = found
    return {"items": {str(n): None if r.rating is None else {"rating": r.rating, "rationale": r.rationale}
                      for n, r in sorted(items.items())}, "outcomes": outcome}


@blp.route("/cases/<id:case_id>/ratings", methods=["PUT"])
@login_required
@blp.arguments(RatingsWriteSchema())
@blp.response(200, RatingsReadSchema)
def rate(body, case_id):
    """Rate items (the reviewer in assigned and reviewed, each QA level in its own state; locked after QA)."""
    return _present(execute(core(), RateCase(case_id=case_id, items=body["items"], actor=caller(), at=core().now())))


@blp.route("/cases/<id:case_id>/ratings", methods=["GET"])
@login_required
@blp.response(200, RatingsReadSchema)
def get_ratings(case_id):
    with core().uow(write=False) as uow:
        return _present(ratings.ratings_of(uow, core(), case_id=case_id, viewer=caller()))


@blp.route("/reports/items", methods=["GET"])
@roles_required(*READERS)
@blp.arguments(ReportQuerySchema(), location="query")
@blp.response(200, ItemReportSchema)
def item_report(query):
    """Per item, outcome and practice-model principle, over the cases that passed second-level QA."""
    with core().uow(write=False) as uow:
        return reports.item_report(uow, core(), review_id=query.get("review"), region=query.get("region"),
                                   since=query.get("since"), until=query.get("until"))


@blp.route("/pip", methods=["GET"])
@roles_required(*READERS)
@blp.arguments(PipQuerySchema(), location="query")
@blp.response(200, PipSchema)
def pip(query):
    """The PIP measurement worksheet for the configured measurement items, with the tolerance checks."""
    for start, end in (("baseline_start", "baseline_end"), ("measure_start", "measure_end")):
        if query[end] < query[start]:
            raise ValidationFailed({end: [f"must not be before {start}"]})
    with core().uow(write=False) as uow:
        return reports.pip_worksheet(uow, core(), **query)
