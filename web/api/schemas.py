"""Request and response schemas, named by intent. A trigger request's fields come from the commands' declaration."""

from collections.abc import Mapping
from datetime import UTC, datetime

from marshmallow import Schema, ValidationError, fields, validate

from workflow.commands import NAME_MAX, TEXT_MAX, FieldSpec, Kind
from workflow.lifecycle import Lifecycle
from workflow.states import CaseState, CaseType, ConcernState

ISO = "iso"
MAX_ID = 2**31 - 1


def Id(**kwargs) -> fields.Integer:
    """A row id as the database can hold it."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class PageQuerySchema(Schema):
    cursor = fields.String(validate=validate.Regexp(r"^\d{1,10}$", error="not a cursor this API gave out"),
                           metadata={"description": "the `next` of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def page_of(item_schema):
    return type(f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "next": fields.String(allow_none=True, metadata={"description": "cursor of the next page, or null"}),
    })


class ErrorBodySchema(Schema):
    code = fields.String()
    message = fields.String()
    details = fields.Dict()


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema)


class SessionCreateSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=NAME_MAX))
    password = fields.String(required=True, validate=validate.Length(max=NAME_MAX))


class MeSchema(Schema):
    email = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())
    region = fields.String(allow_none=True)


class DeadlinesSchema(Schema):
    finalize_due = fields.DateTime(ISO, allow_none=True)
    deidentify_due = fields.DateTime(ISO, allow_none=True)


class ProposalSchema(Schema):
    reason = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    by = fields.String(allow_none=True)


class ReplacementSchema(Schema):
    case_id = fields.Integer(allow_none=True)
    message = fields.String()


class CaseReadSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    case_type = fields.String()
    region = fields.String()
    review_id = fields.Integer()
    version = fields.Integer()
    case_number = fields.String()
    child_id = fields.String(allow_none=True)
    worker = fields.String(allow_none=True)
    reviewer = fields.String(allow_none=True)
    first_qa = fields.String(allow_none=True)
    second_qa = fields.String(allow_none=True)
    returned_by = fields.String(allow_none=True)
    review_date = fields.Date(allow_none=True)
    elimination_reason = fields.String(allow_none=True)
    proposed_elimination = fields.Nested(ProposalSchema, allow_none=True)
    finalized_at = fields.DateTime(ISO, allow_none=True)
    deidentified_at = fields.DateTime(ISO, allow_none=True)
    allowed_triggers = fields.List(fields.String(), metadata={"description": "what the current state offers"})
    my_triggers = fields.List(fields.String(), metadata={"description": "what the caller may fire now"})
    deadlines = fields.Nested(DeadlinesSchema)
    replacement = fields.Nested(ReplacementSchema, allow_none=True,
                                metadata={"description": "for an eliminated case that was drawn: what replaced it"})
    warnings = fields.List(fields.String(), metadata={
        "description": "after submit_review: the required interviews still open (a warning, not a refusal)"})


class CaseQuerySchema(PageQuerySchema):
    review = Id()
    region = fields.String(validate=validate.Length(max=NAME_MAX))
    state = fields.String(validate=validate.OneOf([s.value for s in CaseState]))
    case_type = fields.String(validate=validate.OneOf([t.value for t in CaseType]))


def _request_field(spec: FieldSpec, triggers: list[str]) -> fields.Field:
    """A trigger field as the API takes it, documented with the triggers that take it."""
    about = {"description": f"{spec.label}; for {', '.join(triggers)}" + (f" ({spec.help})" if spec.help else "")}
    if spec.choices and spec.kind is Kind.CODE:
        about["description"] += f"; one of the configured {spec.choices.replace('_', ' ')}"
    if spec.kind is Kind.FLAG:
        return fields.Boolean(truthy={True}, falsy={False}, allow_none=True, metadata=about)
    if spec.kind is Kind.DATE:
        return fields.Date(allow_none=True, metadata=about)
    return fields.String(allow_none=True, validate=validate.Length(max=spec.max_length), metadata=about)


def transition_request_schema(name: str, lifecycle: Lifecycle) -> type[Schema]:
    """The request that fires one of `lifecycle`'s triggers: the trigger, the version the caller last saw
    (required: nothing is changed blind), and the fields the triggers take, from their declaration."""
    takers: dict[str, list[str]] = {}
    specs: dict[str, FieldSpec] = {}
    for trigger, declared in lifecycle.fields.items():
        for spec in declared:
            takers.setdefault(spec.name, []).append(trigger)
            specs.setdefault(spec.name, spec)
    declared_fields: Mapping[str, fields.Field] = {n: _request_field(specs[n], takers[n]) for n in specs}
    return type(name, (Schema,), {
        "__doc__": "A trigger, the version the caller last saw, and the trigger's own fields.",
        "trigger": fields.String(required=True, validate=validate.OneOf(list(lifecycle.rules))),
        "version": fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "the version last seen; refused (409) if it moved on"}),
        **declared_fields,
    })


class HistoryItemSchema(Schema):
    from_state = fields.String(data_key="from", allow_none=True)
    to_state = fields.String(data_key="to")
    trigger = fields.String()
    actor = fields.String()
    at = fields.DateTime(ISO)
    notes = fields.String(allow_none=True)


class AuditItemSchema(HistoryItemSchema):
    id = fields.Integer()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)


def storable_moment(value: datetime) -> None:
    """A moment the database can hold: one that is still a moment in UTC (year 1 at +14:00 is not)."""
    try:
        value.astimezone(UTC)
    except OverflowError as error:
        raise ValidationError("out of range") from error


class AuditQuerySchema(PageQuerySchema):
    entity = fields.String(validate=validate.OneOf(["case", "review", "concern"]))
    entity_id = Id()
    actor = fields.String(validate=validate.Length(max=NAME_MAX))
    trigger = fields.String(validate=validate.Length(max=NAME_MAX))
    since = fields.AwareDateTime(ISO, validate=storable_moment, metadata={"description": "ISO-8601 with offset"})
    until = fields.AwareDateTime(ISO, validate=storable_moment)


class ConcernCreateSchema(Schema):
    case_id = Id(required=True, strict=True)
    type = fields.String(required=True, validate=validate.Length(max=NAME_MAX))
    description = fields.String(required=True, validate=validate.Length(max=TEXT_MAX))


class ConcernReadSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    region = fields.String()
    type = fields.String()
    description = fields.String()
    state = fields.String()
    version = fields.Integer()
    raised_by = fields.String()
    notified_by = fields.String(allow_none=True)
    notified_at = fields.DateTime(ISO, allow_none=True)
    response_due = fields.DateTime(ISO, allow_none=True)
    overdue = fields.Boolean()
    corrective_action = fields.String(allow_none=True)
    systemic_issue = fields.String(allow_none=True)
    prevention_plan = fields.String(allow_none=True)
    responded_at = fields.DateTime(ISO, allow_none=True)
    responded_late = fields.Boolean()
    allowed_triggers = fields.List(fields.String())
    my_triggers = fields.List(fields.String())


class ConcernQuerySchema(PageQuerySchema):
    region = fields.String(validate=validate.Length(max=NAME_MAX))
    state = fields.String(validate=validate.OneOf([s.value for s in ConcernState]))
    overdue = fields.Boolean()


class ReviewCreateSchema(Schema):
    region = fields.String(required=True)
    review_month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$", error="use YYYY-MM"))
    kind = fields.String(required=True, validate=validate.OneOf(["measurement", "baseline"]))


class PeriodSchema(Schema):
    start = fields.Date()
    end = fields.Date()


class ReviewReadSchema(Schema):
    id = fields.Integer()
    region = fields.String()
    review_month = fields.String()
    kind = fields.String()
    state = fields.String()
    version = fields.Integer()
    sample_period = fields.Nested(PeriodSchema)
    pur_start = fields.Date()
    case_counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    onsite = fields.Nested(PeriodSchema, allow_none=True, metadata={"description": "the on-site days agreed"})
    planning_calls = fields.List(fields.Nested(lambda: PlanningCallReadSchema()))


class PlanningCallReadSchema(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    participants = fields.String()
    eliminations_discussed = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = fields.DateTime(ISO)


class OnSiteSchema(Schema):
    start = fields.Date(required=True, metadata={"description": "the first on-site day"})
    end = fields.Date(required=True, metadata={"description": "the last on-site day"})


class PlanningCallSchema(Schema):
    held_on = fields.Date(required=True)
    participants = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX),
                                 metadata={"description": "who took part"})
    eliminations_discussed = fields.String(validate=validate.Length(max=TEXT_MAX))


class ReviewQuerySchema(PageQuerySchema):
    region = fields.String(validate=validate.Length(max=NAME_MAX))


class CaseCreateSchema(Schema):
    case_type = fields.String(required=True, validate=validate.OneOf([t.value for t in CaseType]))
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    worker = fields.String(validate=validate.Length(max=64))
    child_id = fields.String(validate=validate.Length(max=64))


class SampleRequestSchema(Schema):
    seed = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_ID),
                          metadata={"description": "the seed to draw with (default: a fresh one, recorded)"})
    period_start = fields.Date(metadata={"description": "overrides the sample period's start; the end follows"})
    reason = fields.String(validate=validate.Length(max=TEXT_MAX),
                           metadata={"description": "why it is drawn again (kept with the record of a re-draw)"})


class AsGiven(fields.List):
    """A list the view already made exactly as the API gives it (JSON values, the items' fields): documented by
    its items' schema, passed through unchanged. A region's ~60,000 sample entries took marshmallow 0.7 s."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class SampleEntrySchema(Schema):
    order = fields.Integer()
    case_type = fields.String()
    case_number = fields.String()
    child_id = fields.String(allow_none=True)
    worker = fields.String(allow_none=True)
    role = fields.String(metadata={"enum": ["review", "oversample", "eliminated"]})
    reason = fields.String(allow_none=True)
    flag = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    replaced_by = fields.Integer(allow_none=True, metadata={"description": "the case that replaced this one"})
    extension = fields.Integer(metadata={"description": "0: drawn with the sample; n: added by its n-th extension"})


class SampleReadSchema(Schema):
    seed = fields.Integer()
    algorithm = fields.String()
    frame_digest = fields.String()
    sample_period = fields.Nested(PeriodSchema)
    drawn_by = fields.String()
    drawn_at = fields.DateTime(ISO)
    counts = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                         metadata={"description": "per case type: frame, eligible, eliminated by reason, review, "
                                                  "skipped over the worker cap, oversample"})
    entries = AsGiven(fields.Nested(SampleEntrySchema))
    superseded = fields.List(fields.Nested(lambda: SupersededSampleSchema()),
                             metadata={"description": "samples this one replaced (re-draws), oldest first"})


class SupersededSampleSchema(Schema):
    seed = fields.Integer()
    algorithm = fields.String()
    frame_digest = fields.String()
    drawn_by = fields.String()
    drawn_at = fields.DateTime(ISO)
    superseded_at = fields.DateTime(ISO)


class ParticipantCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    role = fields.String(required=True, validate=validate.Length(max=32),
                         metadata={"description": "target_child, child, mother, father, caregiver, foster_parent, "
                                                  "caseworker, caseworker_supervisor, guardian_ad_litem, "
                                                  "service_provider, relative, other"})


class ParticipantReadSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()


class InterviewCreateSchema(Schema):
    participant_id = Id(required=True, strict=True)
    status = fields.String(required=True, validate=validate.OneOf(["scheduled", "held", "exception"]))
    scheduled_for = fields.AwareDateTime(ISO, allow_none=True, default_timezone=UTC,
                                         metadata={"description": "when (required for a scheduled interview)"})
    location = fields.String(allow_none=True, validate=validate.OneOf(["home", "office", "phone", "other"]))
    exception = fields.String(allow_none=True, validate=validate.Length(max=48),
                              metadata={"description": "an acceptable exception's code (status exception)"})
    notes = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class InterviewReadSchema(Schema):
    id = fields.Integer()
    participant_id = fields.Integer()
    role = fields.String()
    status = fields.String()
    scheduled_for = fields.DateTime(ISO, allow_none=True)
    location = fields.String(allow_none=True)
    exception = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)


class StaffingCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["staffing", "shadowing"]))
    held_on = fields.Date(required=True)
    hours = fields.Float(allow_none=True, validate=validate.Range(min=0, max=24, min_inclusive=False),
                         metadata={"description": "the shadowing time (shadowing)"})
    notes = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX),
                          metadata={"description": "notes; after shadowing, the written performance feedback"})


class StaffingReadSchema(Schema):
    id = fields.Integer()


class FeedbackCreateSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class FeedbackAddressSchema(Schema):
    resolution = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX),
                               metadata={"description": "what was changed"})


class FeedbackReadSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    text = fields.String()
    state = fields.String(metadata={"enum": ["open", "addressed"]})
    due = fields.DateTime(ISO)
    received_by = fields.String()
    received_at = fields.DateTime(ISO)
    resolution = fields.String(allow_none=True)
    addressed_by = fields.String(allow_none=True)
    addressed_at = fields.DateTime(ISO, allow_none=True)
    version = fields.Integer()


class IdentityReadSchema(Schema):
    identifier = fields.String()
    case_number = fields.String(metadata={"description": "the case number it had before de-identification"})


class RatingSchema(Schema):
    rating = fields.String(required=True, allow_none=False, metadata={"enum": ["strength", "ani", "na"]})
    rationale = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))


class RatingsWriteSchema(Schema):
    items = fields.Dict(required=True, keys=fields.String(validate=validate.Length(max=8)),
                        values=fields.Nested(RatingSchema),
                        metadata={"description": "item number (\"1\" to \"18\") → its rating; "
                                                 "items not sent keep theirs"})


class RatingsReadSchema(Schema):
    items = fields.Dict(keys=fields.String(), values=fields.Nested(RatingSchema, allow_none=True),
                        metadata={"description": "every item; null while unrated"})
    outcomes = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                           metadata={"description": "substantially_achieved, partially_achieved, not_achieved, "
                                                    "not_applicable, or null while an item of it is unrated"})


class ReportQuerySchema(Schema):
    review = Id()
    region = fields.String(validate=validate.Length(max=NAME_MAX))
    since = fields.Date()
    until = fields.Date()


class ItemRowSchema(Schema):
    item = fields.Integer()
    name = fields.String()
    applicable = fields.Integer()
    strength = fields.Integer()
    ani = fields.Integer()
    strength_percent = fields.Float(allow_none=True)


class OutcomeRowSchema(Schema):
    outcome = fields.String()
    label = fields.String()
    applicable = fields.Integer()
    substantially_achieved = fields.Integer()
    partially_achieved = fields.Integer()
    not_achieved = fields.Integer()


class PrincipleRowSchema(Schema):
    principle = fields.String()
    label = fields.String()
    items = fields.List(fields.Integer())
    applicable = fields.Integer()
    strength = fields.Integer()
    strength_percent = fields.Float(allow_none=True)


class ItemReportSchema(Schema):
    cases = fields.Integer()
    items = fields.List(fields.Nested(ItemRowSchema))
    outcomes = fields.List(fields.Nested(OutcomeRowSchema))
    principles = fields.List(fields.Nested(PrincipleRowSchema))


class PipQuerySchema(Schema):
    baseline_start = fields.Date(required=True)
    baseline_end = fields.Date(required=True)
    measure_start = fields.Date(required=True)
    measure_end = fields.Date(required=True)
    overlap_months = fields.Integer(load_default=0, validate=validate.Range(min=0, max=120))


class QuarterSchema(Schema):
    quarter = fields.String()
    measured = fields.Float(allow_none=True)


class PipItemSchema(Schema):
    item = fields.Integer()
    name = fields.String()
    applicable = fields.Integer()
    strength = fields.Integer()
    baseline = fields.Float(allow_none=True)
    sampling_error = fields.Float(allow_none=True)
    goal = fields.Float(allow_none=True)
    adjusted_goal = fields.Float(allow_none=True)
    measure_applicable = fields.Integer()
    measure_strength = fields.Integer()
    measured = fields.Float(allow_none=True)
    met = fields.Boolean(allow_none=True)
    met_by_quarters = fields.Boolean()
    quarters = fields.List(fields.Nested(QuarterSchema))


class PipSchema(Schema):
    items = fields.List(fields.Nested(PipItemSchema))
    checks = fields.Dict()
    cases = fields.Dict(keys=fields.String(), values=fields.Integer())
