"""Regional reviews: plan one, read it, add cases by hand."""

from flask_smorest import Blueprint

from services import cases, reviews
from web.api.cases import present as present_case
from web.api.common import after_cursor, caller, core, login_required, page
from web.api.schemas import (CaseCreateSchema, CaseReadSchema, ReviewCreateSchema, ReviewQuerySchema,
                             ReviewReadSchema, page_of)
from workflow.review_lifecycle import RegionalReview

blp = Blueprint("api_reviews", __name__, description="Regional reviews")


def present(row, counts: dict[str, int]) -> dict:
    """The review with its sample period, period under review, and `counts` (its cases by state)."""
    period = RegionalReview(id=row.id, region=row.region, review_month=row.review_month, kind=row.kind,
                            period_start=row.period_start).sample_period(core().reference.sample_period_months)
    return {"id": row.id, "region": row.region, "review_month": f"{row.review_month:%Y-%m}", "kind": row.kind,
            "state": row.state, "version": row.version, "sample_period": {"start": period.start, "end": period.end},
            "pur_start": period.start, "case_counts": counts}


def present_one(uow, row) -> dict:
    return present(row, reviews.case_counts(uow, [row.id])[row.id])


@blp.route("/reviews", methods=["POST"])
@login_required
@blp.arguments(ReviewCreateSchema())
@blp.response(201, ReviewReadSchema)
def create(body):
    """Plan a regional review (team lead)."""
    c = core()
    with c.uow() as uow:
        row = reviews.create_review(c, uow, actor=caller(), region=body["region"],
                                    review_month=body["review_month"], kind=body["kind"], now=c.now())
        uow.commit()
        return present_one(uow, row)


@blp.route("/reviews", methods=["GET"])
@login_required
@blp.arguments(ReviewQuerySchema(), location="query")
@blp.response(200, page_of(ReviewReadSchema))
def list_reviews(query):
    """Regional reviews, oldest first."""
    with core().uow(write=False) as uow:
        rows = reviews.list_reviews(uow, viewer=caller(), region=query.get("region"),
                                    after=after_cursor(query.get("cursor")), limit=query["limit"] + 1)
        counts = reviews.case_counts(uow, [r.id for r in rows])
        return page(rows, query["limit"], lambda r: present(r, counts[r.id]))


@blp.route("/reviews/<id:review_id>", methods=["GET"])
@login_required
@blp.response(200, ReviewReadSchema)
def get(review_id):
    """One regional review: its state, sample period, period under review and case counts."""
    with core().uow(write=False) as uow:
        return present_one(uow, reviews.visible_review(uow, review_id=review_id, viewer=caller()))


@blp.route("/reviews/<id:review_id>/cases", methods=["POST"])
@login_required
@blp.arguments(CaseCreateSchema())
@blp.response(201, CaseReadSchema)
def add_case(body, review_id):
    """Add a case by hand (team lead), in `sampled`, until the review is finalized."""
    c = core()
    with c.uow() as uow:
        reviews.visible_review(uow, review_id=review_id, viewer=caller())
        row = cases.add_case(c, uow, actor=caller(), review_id=review_id, case_type=body["case_type"],
                             case_number=body["case_number"], worker=body.get("worker"),
                             child_id=body.get("child_id"), now=c.now())
        uow.commit()
        return present_case(row)
