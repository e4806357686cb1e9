"""Regional reviews: plan one, read it, add cases by hand."""

from flask_smorest import Blueprint

from services import reviews
from services.bus import execute
from web.api.cases import present as present_case
from web.api.common import after_cursor, caller, core, login_required, page
from web.api.schemas import (CaseCreateSchema, CaseReadSchema, ReviewCreateSchema, ReviewQuerySchema,
                             ReviewReadSchema, page_of)
from workflow.commands import AddCase, PlanReview

blp = Blueprint("api_reviews", __name__, description="Regional reviews")


def present(review, counts: dict[str, int]) -> dict:
    """The review with its sample period, period under review, and `counts` (its cases by state)."""
    period = reviews.sample_period(core(), review)
    return {"id": review.id, "region": review.region, "review_month": f"{review.review_month:%Y-%m}",
            "kind": review.kind, "state": review.state, "version": review.version,
            "sample_period": {"start": period.start, "end": period.end}, "pur_start": period.start,
            "case_counts": counts}


def present_one(review) -> dict:
    with core().uow(write=False) as uow:
        return present(review, uow.views.case_counts([review.id])[review.id])


@blp.route("/reviews", methods=["POST"])
@login_required
@blp.arguments(ReviewCreateSchema())
@blp.response(201, ReviewReadSchema)
def create(body):
    """Plan a regional review (team lead)."""
    return present_one(execute(core(), PlanReview(region=body["region"], review_month=body["review_month"],
                                                  kind=body["kind"], actor=caller(), at=core().now())))


@blp.route("/reviews", methods=["GET"])
@login_required
@blp.arguments(ReviewQuerySchema(), location="query")
@blp.response(200, page_of(ReviewReadSchema))
def list_reviews(query):
    """Regional reviews, oldest first."""
    with core().uow(write=False) as uow:
        rows = uow.views.reviews(viewer=caller(), region=query.get("region"),
                                 after=after_cursor(query.get("cursor")), limit=query["limit"] + 1)
        counts = uow.views.case_counts([r.id for r in rows])
    return page(rows, query["limit"], lambda r: present(r, counts[r.id]))


@blp.route("/reviews/<id:review_id>", methods=["GET"])
@login_required
@blp.response(200, ReviewReadSchema)
def get(review_id):
    """One regional review: its state, sample period, period under review and case counts."""
    with core().uow(write=False) as uow:
        review = reviews.visible_review(uow, review_id=review_id, viewer=caller())
        return present(review, uow.views.case_counts([review.id])[review.id])


@blp.route("/reviews/<id:review_id>/cases", methods=["POST"])
@login_required
@blp.arguments(CaseCreateSchema())
@blp.response(201, CaseReadSchema)
def add_case(body, review_id):
    """Add a case by hand (team lead), in `sampled`, until the review is finalized."""
    return present_case(execute(core(), AddCase(review_id=review_id, case_type=body["case_type"],
                                                case_number=body["case_number"], worker=body.get("worker"),
                                                child_id=body.get("child_id"), actor=caller(), at=core().now())))
