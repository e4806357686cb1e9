"""Regional reviews: plan one, read it, add cases by hand."""

from flask_smorest import Blueprint

from services import reviews, sampling
from services.bus import execute
from web.api.cases import present as present_case
from web.api.common import after_cursor, caller, core, login_required, page
from web.api.schemas import (CaseCreateSchema, CaseReadSchema, OnSiteSchema, PlanningCallSchema, ReviewCreateSchema,
                             ReviewQuerySchema, ReviewReadSchema, SampleReadSchema, SampleRequestSchema, page_of)
from workflow.commands import (AddCase, DrawSample, ExtendDraw, PlanReview, RecordPlanningCall,
                               ScheduleOnSite)
from workflow.errors import NotFound
from workflow.sampling import explain

blp = Blueprint("api_reviews", __name__, description="Regional reviews")


def present(review, counts: dict[str, int], calls=None) -> dict:
    """The review with its sample period, period under review, `counts` (its cases by state) and, for one
    review, its preparation (on-site days, planning calls)."""
    period = reviews.sample_period(core(), review)
    found = {"id": review.id, "region": review.region, "review_month": f"{review.review_month:%Y-%m}",
             "kind": review.kind, "state": review.state, "version": review.version,
             "sample_period": {"start": period.start, "end": period.end}, "pur_start": period.start,
             "case_counts": counts, "onsite": None if review.onsite_start is None else
             {"start": review.onsite_start, "end": review.onsite_end}}
    if calls is not None:
        found["planning_calls"] = [c._asdict() for c in calls]
    return found


def present_one(review, uow=None) -> dict:
    """One review as `present` gives it, with its preparation (read in `uow`, or in a unit of work of its own)."""
    if uow is None:
        with core().uow(write=False) as uow:
            return present_one(review, uow)
    return present(review, uow.views.case_counts([review.id])[review.id], uow.views.planning_calls(review.id))


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
        return present_one(reviews.visible_review(uow, review_id=review_id, viewer=caller()), uow)


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
    """The drawn sample: its seed and how it was drawn, what it holds per case type, and every entry in order
    (made here as SampleEntrySchema gives them: the schema passes them through)."""
    return {"seed": sample.seed, "algorithm": sample.algorithm, "frame_digest": sample.frame_digest,
            "sample_period": {"start": sample.period_start, "end": sample.period_end}, "drawn_by": sample.drawn_by,
            "drawn_at": sample.drawn_at, "counts": explain(sampling.as_drawn(entries)),
            "entries": [{"order": e.position, "case_type": e.case_type, "case_number": e.case_number,
                         "child_id": e.child_id, "worker": e.worker, "role": e.role, "reason": e.reason,
                         "flag": e.flag, "case_id": e.case_id, "replaced_by": e.replaced_by,
                         "extension": e.extension} for e in entries]}


def _sample(review_id: int) -> dict:
    with core().uow(write=False) as uow:
        found = sampling.sample_of(uow, review_id=review_id, viewer=caller())
        superseded = uow.views.superseded_samples(review_id) if found is not None else []
    if found is None:
        raise NotFound(f"regional review {review_id} has no sample yet: draw it with POST")
    return present_sample(*found) | {"superseded": [
        {"seed": s.seed, "algorithm": s.algorithm, "frame_digest": s.frame_digest, "drawn_by": s.drawn_by,
         "drawn_at": s.drawn_at, "superseded_at": s.superseded_at} for s in superseded]}


@blp.route("/reviews/<id:review_id>/sample", methods=["POST"])
@login_required
@blp.arguments(SampleRequestSchema())
@blp.response(200, SampleReadSchema)
def draw(body, review_id):
    """Draw the review's sample from the imported universe (team lead); the cases for review start `sampled`.
    Drawing again is allowed while no case of the sample has been touched (409 `not_allowed` after): the sample
    it replaces is kept, superseded, and the re-draw is recorded."""
    execute(core(), DrawSample(review_id=review_id, seed=body.get("seed"), period_start=body.get("period_start"),
                               reason=body.get("reason"), actor=caller(), at=core().now()))
    return _sample(review_id)


@blp.route("/reviews/<id:review_id>/sample/extension", methods=["POST"])
@login_required
@blp.response(200, SampleReadSchema)
def extend(review_id):
    """Extend the draw to the records of the universe not in it yet, in the same seeded order (team lead);
    eliminated cases left without a replacement get one if there is one now. 409 `not_allowed` when the whole
    universe is in the draw already."""
    execute(core(), ExtendDraw(review_id=review_id, actor=caller(), at=core().now()))
    return _sample(review_id)


@blp.route("/reviews/<id:review_id>/onsite", methods=["PUT"])
@login_required
@blp.arguments(OnSiteSchema())
@blp.response(200, ReviewReadSchema)
def schedule_onsite(body, review_id):
    """The on-site days agreed with the region's leadership (team lead); the region's leaders are e-mailed."""
    return present_one(execute(core(), ScheduleOnSite(review_id=review_id, start=body["start"], end=body["end"],
                                                      actor=caller(), at=core().now())))


@blp.route("/reviews/<id:review_id>/planning-calls", methods=["POST"])
@login_required
@blp.arguments(PlanningCallSchema())
@blp.response(201, ReviewReadSchema)
def record_planning_call(body, review_id):
    """A planning call of the review's preparation (team lead); the region's leaders are e-mailed the schedule."""
    return present_one(execute(core(), RecordPlanningCall(
        review_id=review_id, held_on=body["held_on"], participants=body["participants"],
        eliminations_discussed=body.get("eliminations_discussed"), actor=caller(), at=core().now())))


@blp.route("/reviews/<id:review_id>/sample", methods=["GET"])
@login_required
@blp.response(200, SampleReadSchema)
def get_sample(review_id):
    """The review's sample: the seed, the full ordered list, and what each entry became."""
    return _sample(review_id)
