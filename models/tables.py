"""The stored rows: the schema (Alembic migrates to it) and the column names the repositories use.

Stateful rows carry a `version`: the repositories' one versioned UPDATE refuses a stale change."""

from datetime import UTC, date, datetime

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from workflow.states import OutboxStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class Versioned(SQLModel):
    """An optimistic lock: every UPDATE checks and bumps `version`, so no change is silently lost."""

    version: int = Field(default=1, nullable=False)


class RegionRow(SQLModel, table=True):
    __tablename__ = "regions"
    code: str = Field(primary_key=True, max_length=8)
    name: str
    metro: bool = False


class CalendarEntry(SQLModel, table=True):
    """Which regions are reviewed in which month (1-12)."""

    __tablename__ = "review_calendar"
    month: int = Field(primary_key=True)
    region: str = Field(primary_key=True, foreign_key="regions.code")


class User(Versioned, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str
    password_hash: str
    region: str | None = Field(default=None, foreign_key="regions.code")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class UserRole(SQLModel, table=True):
    __tablename__ = "user_roles"
    user_id: int = Field(foreign_key="users.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=32)


class ApiToken(SQLModel, table=True):
    """A personal API token, stored only as its SHA-256 digest; it works until it expires or is revoked."""

    __tablename__ = "api_tokens"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginSession(SQLModel, table=True):
    """A logged-in browser or API session: its cookie names this row (by the digest of a random token), so
    ending the row ends the session."""

    __tablename__ = "login_sessions"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class ReviewRow(Versioned, table=True):
    __tablename__ = "regional_reviews"
    __table_args__ = (UniqueConstraint("region", "review_month", name="uq_review_region_month"),)
    id: int | None = Field(default=None, primary_key=True)
    region: str = Field(foreign_key="regions.code", index=True)
    review_month: date
    kind: str = Field(max_length=16)
    state: str = Field(max_length=16, index=True)
    period_start: date | None = None
    #: The on-site days agreed with the region's leadership (review preparation).
    onsite_start: date | None = None
    onsite_end: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class PlanningCall(SQLModel, table=True):
    """A planning call of a review's preparation: when, with whom, which eliminations were discussed."""

    __tablename__ = "planning_calls"
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="regional_reviews.id", index=True)
    held_on: date
    participants: str
    eliminations_discussed: str | None = None
    recorded_by: str = Field(max_length=254)
    recorded_at: datetime = Field(default_factory=utcnow)


class CaseRow(Versioned, table=True):
    __tablename__ = "cases"
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="regional_reviews.id", index=True)
    region: str = Field(foreign_key="regions.code", index=True)
    case_type: str = Field(max_length=16)
    case_number: str = Field(max_length=64)
    state: str = Field(max_length=16, index=True)
    child_id: str | None = Field(default=None, max_length=64)
    worker: str | None = Field(default=None, max_length=64)
    reviewer: str | None = Field(default=None, max_length=254, index=True)
    first_qa: str | None = Field(default=None, max_length=254, index=True)
    second_qa: str | None = Field(default=None, max_length=254, index=True)
    returned_by: str | None = Field(default=None, max_length=16)
    review_date: date | None = None
    finalized_at: datetime | None = None
    deidentified_at: datetime | None = None
    elimination_reason: str | None = Field(default=None, max_length=64)
    proposed_elimination_reason: str | None = Field(default=None, max_length=64)
    proposed_elimination_notes: str | None = None
    proposed_by: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    #: Its OSRI ratings and outcomes as bit sets, kept by the rating repository beside the ratings rows: bit
    #: n - 1 of `strength_items` for a Strength on item n, of `ani_items` for an ANI; bit k of `outcomes_*` for
    #: the k-th configured outcome's verdict (the domain's roll-up). A report then reads one row per case, not
    #: eighteen, and sums bits (cheaper than anything on text).
    strength_items: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    ani_items: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    outcomes_substantially: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    outcomes_partially: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    outcomes_not_achieved: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class DeidentificationMap(SQLModel, table=True):
    """The name↔identifier map of a de-identified case: team leads only."""

    __tablename__ = "deidentification_map"
    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    identifier: str = Field(unique=True, max_length=32)
    case_number: str
    child_id: str | None = None
    worker: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Conflict(SQLModel, table=True):
    """A declared conflict of interest: with one case, one participant, or a whole region."""

    __tablename__ = "conflicts"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    region: str | None = Field(default=None, foreign_key="regions.code")
    participant: str | None = Field(default=None, max_length=128)
    note: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ConcernRow(Versioned, table=True):
    __tablename__ = "concerns"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    region: str = Field(foreign_key="regions.code", index=True)
    type: str = Field(max_length=48)
    description: str
    state: str = Field(max_length=16, index=True)
    raised_by: str = Field(max_length=254)
    notified_by: str | None = Field(default=None, max_length=254)
    notified_at: datetime | None = None
    response_due: datetime | None = None
    corrective_action: str | None = None
    systemic_issue: str | None = None
    prevention_plan: str | None = None
    responded_at: datetime | None = None
    responded_late: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class AuditRecord(SQLModel, table=True):
    """One transition of one machine. Append-only (database triggers refuse UPDATE and DELETE);
    `record_hash` chains each record to the one before it."""

    __tablename__ = "audit_records"
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=16, index=True)
    entity_id: int | None = Field(default=None, index=True)
    from_state: str = Field(max_length=32)
    to_state: str = Field(max_length=32)
    trigger: str = Field(max_length=32)
    actor: str = Field(max_length=254, index=True)
    at: datetime = Field(index=True)
    prev_hash: str = Field(max_length=64)
    record_hash: str = Field(max_length=64, unique=True)


class AuditText(SQLModel, table=True):
    """A record's free text (its notes), beside the append-only record: the record's hash covers it, so it
    cannot change unseen — except by a recorded de-identification, which replaces the names in it, points
    `redacted_in` at the audit record that lists it, and seals the new text with a keyed hash of the whole
    record as it now reads (models.audit)."""

    __tablename__ = "audit_texts"
    record_id: int = Field(foreign_key="audit_records.id", primary_key=True)
    notes: str
    redacted_in: int | None = Field(default=None, foreign_key="audit_records.id", index=True)
    sealed_hash: str | None = Field(default=None, max_length=64)


class OutboxMessage(SQLModel, table=True):
    """An e-mail written in the same transaction as the change it reports; delivered later.

    Queued as a template's name and its values (JSON); rendered once, when first claimed for delivery,
    into subject and bodies, which then record what was sent."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    recipients: str
    template: str | None = Field(default=None, max_length=32)
    context: str | None = None
    subject: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    status: str = Field(default=OutboxStatus.PENDING, max_length=8, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    #: The case the message is about, if any: its de-identification reaches the message too.
    case_id: int | None = Field(default=None, index=True)


class Deadline(SQLModel, table=True):
    """One live (or stopped) clock. `next_notice_at` is when the sweep must look at it next: the
    sweep's "what is due now" is a range scan of that index; NULL once stopped or fully notified."""

    __tablename__ = "deadlines"
    __table_args__ = (Index("ix_deadlines_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=16)
    entity_id: int
    clock: str = Field(max_length=32)
    started_at: datetime
    due_at: datetime = Field(index=True)
    cursor: int = 0
    next_notice_at: datetime | None = Field(default=None, index=True)
    stopped_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """A failed login, kept for throttling by account and by address (successes are never kept)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_at", "email", "at"),
                      Index("ix_login_failures_address_at", "address", "at"))
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    address: str = Field(max_length=64)
    at: datetime


class UniverseImport(SQLModel, table=True):
    """One import of a case-management extract: who, when, which file (its digest), how many rows."""

    __tablename__ = "universe_imports"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    digest: str = Field(max_length=64)
    rows: int
    imported_by: str = Field(max_length=254)
    imported_at: datetime = Field(default_factory=utcnow)


class FosterCareEpisode(SQLModel, table=True):
    """A custody episode of the foster-care extract (the latest import replaces the whole universe)."""

    __tablename__ = "universe_foster_care"
    #: The key is unique: the database refuses an extract that repeats one (the import then says where). No index
    #: by region: a draw reads most of its region's rows, and scanning the table is faster than looking each up
    #: through an index (which an import would also have to build): bench/sampling.py, docs/sampling-at-scale.md.
    __table_args__ = (Index("ix_universe_fc_key", "child_id", "custody_start", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    #: The row of the extract it came from (the header is row 1).
    source_row: int = 0
    child_id: str = Field(max_length=64)
    case_id: str = Field(max_length=64)
    region: str = Field(max_length=8)
    county: str | None = Field(default=None, max_length=64)
    custody_start: date
    custody_end: date | None = None
    date_of_birth: date | None = None
    worker_id: str | None = Field(default=None, max_length=64)


class InHomeServiceCase(SQLModel, table=True):
    """A case of the in-home extract (the latest import replaces the whole universe)."""

    __tablename__ = "universe_in_home"
    __table_args__ = (Index("ix_universe_ih_key", "case_id", unique=True),)   # none by region, as above
    id: int | None = Field(default=None, primary_key=True)
    source_row: int = 0
    case_id: str = Field(max_length=64)
    region: str = Field(max_length=8)
    county: str | None = Field(default=None, max_length=64)
    case_start: date
    case_end: date | None = None
    service_type: str = Field(max_length=32)
    household_child_ids: str = ""
    worker_id: str | None = Field(default=None, max_length=64)


class SampleRow(SQLModel, table=True):
    """A review's drawn sample: the seed, the algorithm and the digest of the frame it drew from. A re-draw
    keeps the sample it replaces, superseded."""

    __tablename__ = "samples"
    __table_args__ = (Index("uq_sample_current", "review_id", unique=True, sqlite_where=text("superseded_at IS NULL"),
                            postgresql_where=text("superseded_at IS NULL")),)
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="regional_reviews.id", index=True)
    seed: int
    algorithm: str = Field(max_length=32)
    frame_digest: str = Field(max_length=64)
    period_start: date
    period_end: date
    drawn_by: str = Field(max_length=254)
    drawn_at: datetime = Field(default_factory=utcnow)
    superseded_at: datetime | None = None


class SampleListRow(SQLModel, table=True):
    """A draw's ordered list, as drawn (models.sample_lists): one per draw (extension 0) and per extension. The
    document is compressed already: PostgreSQL stores it as it comes (STORAGE EXTERNAL, migration 0014)."""

    __tablename__ = "sample_lists"
    __table_args__ = (UniqueConstraint("sample_id", "extension", name="uq_sample_list_extension"),)
    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="samples.id")
    extension: int
    entries: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SampleEntryRow(SQLModel, table=True):
    """What became of an entry of the ordered list that became a case: the case, its role now (an eliminated
    case's entry is `eliminated`), and what replaced it. Entries that never became cases have no row."""

    __tablename__ = "sample_entries"
    __table_args__ = (UniqueConstraint("sample_id", "case_type", "position", name="uq_sample_entry_position"),)
    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="samples.id")   # looked up by the unique (sample, type, position) index
    case_type: str = Field(max_length=16)
    position: int
    key: str = Field(max_length=64)
    case_number: str = Field(max_length=64)
    child_id: str | None = Field(default=None, max_length=64)
    worker: str | None = Field(default=None, max_length=64)
    number: float
    role: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=64)
    flag: str | None = None
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    #: For an entry whose case was eliminated: the case that replaced it (None: none was left).
    replaced_by: int | None = Field(default=None, foreign_key="cases.id")
    #: 0: drawn with the sample; n: brought in by its n-th extension to the rest of the universe.
    extension: int = 0


class CaseParticipant(SQLModel, table=True):
    """A person of a case (the child, a parent, the caseworker, …) under their role; de-identification
    replaces the name by the role's label."""

    __tablename__ = "case_participants"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    added_by: str = Field(max_length=254)
    added_at: datetime = Field(default_factory=utcnow)


class InterviewRow(SQLModel, table=True):
    """One step of a participant's interview: scheduled, held, or an acceptable exception (the latest counts)."""

    __tablename__ = "interviews"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    participant_id: int = Field(foreign_key="case_participants.id", index=True)
    status: str = Field(max_length=16)
    scheduled_for: datetime | None = None
    location: str | None = Field(default=None, max_length=16)
    exception: str | None = Field(default=None, max_length=48)
    notes: str | None = None
    recorded_by: str = Field(max_length=254)
    recorded_at: datetime = Field(default_factory=utcnow)


class FeedbackRow(Versioned, table=True):
    """One item of the Children's Bureau's feedback on a case in secondary oversight, and how it was addressed."""

    __tablename__ = "cb_feedback"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    review_id: int = Field(foreign_key="regional_reviews.id", index=True)
    text: str
    state: str = Field(max_length=16)
    received_by: str = Field(max_length=254)
    received_at: datetime
    due: datetime
    resolution: str | None = None
    addressed_by: str | None = Field(default=None, max_length=254)
    addressed_at: datetime | None = None


class StaffingRow(SQLModel, table=True):
    """First-level QA's support of the reviewer before and during the interviews: the peer staffing, and the
    shadowing with its written performance feedback."""

    __tablename__ = "qa_staffing"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    kind: str = Field(max_length=16)
    held_on: date
    hours: float | None = None
    notes: str | None = None
    recorded_by: str = Field(max_length=254)
    recorded_at: datetime = Field(default_factory=utcnow)


class RatingRow(SQLModel, table=True):
    """One OSRI item of a case as rated (items not rated yet have no row; the domain knows their defaults)."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("case_id", "item", name="uq_rating_case_item"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    item: int
    rating: str = Field(max_length=8)
    rationale: str | None = None
    rated_by: str = Field(max_length=254)
    rated_at: datetime
