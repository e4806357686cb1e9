"""Regional reviews: plan one, read it, add cases by hand."""

from flask_smorest import Blueprint

from services import reviews, sampling
from services.bus import execute
from web.api.cases import present as present_case
from web.api.common import after_cursor, caller, core, login_required, page
from web.api.schemas import (CaseCreateSchema, CaseReadSchema, ReviewCreateSchema, ReviewQuerySchema,
                             ReviewReadSchema, SampleReadSchema, SampleRequestSchema, page_of)
from workflow.commands import AddCase, DrawSample, PlanReview
from workflow.errors import NotFound
from workflow.sampling import explain

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


def present_sample(sample, entries) -> dict:
    """The drawn sample: its seed and how it was drawn, what it holds per case type, and every entry in order."""
    return {"seed": sample.seed, "algorithm": sample.algorithm, "frame_digest": sample.frame_digest,
            "sample_period": {"start": sample.period_start, "end": sample.period_end}, "drawn_by": sample.drawn_by,
            "drawn_at": sample.drawn_at, "counts": explain(sampling.as_drawn(entries)),
            "entries": [{"order": e.position, "case_type": e.case_type, "case_number": e.case_number,
                         "child_id": e.child_id, "worker": e.worker, "role": e.role, "reason": e.reason,
                         "flag": e.flag, "case_id": e.case_id, "replaced_by": e.replaced_by} for e in entries]}


def _sample(review_id: int) -> dict:
    with core().uow(write=False) as uow:
        found = sampling.sample_of(uow, review_id=review_id, viewer=caller())
    if found is None:
        raise NotFound(f"regional review {review_id} has no sample yet: draw it with POST")
    return present_sample(*found)


@blp.route("/reviews/<id:review_id>/sample", methods=["POST"])
@login_required
@blp.arguments(SampleRequestSchema())
@blp.response(200, SampleReadSchema)
def draw(body, review_id):
    """Draw the review's sample from the imported universe (team lead); the cases for review start `sampled`."""
    execute(core(), DrawSample(review_id=review_id, seed=body.get("seed"), period_start=body.get("period_start"),
                               actor=caller(), at=core().now()))
    return _sample(review_id)


@blp.route("/reviews/<id:review_id>/sample", methods=["GET"])
@login_required
@blp.response(200, SampleReadSchema)
def get_sample(review_id):
    """The review's sample: the seed, the full ordered list, and what each entry became."""
    return _sample(review_id)
