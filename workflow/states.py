"""The states of every lifecycle."""

from enum import StrEnum


class CaseState(StrEnum):
    SAMPLED = "sampled"
    SCREENED = "screened"
    ASSIGNED = "assigned"
    REVIEWED = "reviewed"
    FIRST_QA = "first_qa"
    SECOND_QA = "second_qa"
    CB_OVERSIGHT = "cb_oversight"
    FINALIZED = "finalized"
    DEIDENTIFIED = "deidentified"
    ELIMINATED = "eliminated"


class ReviewState(StrEnum):
    PLANNED = "planned"
    SAMPLING = "sampling"
    IN_REVIEW = "in_review"
    CB_OVERSIGHT = "cb_oversight"
    FINALIZED = "finalized"
    CLOSED = "closed"


class ConcernState(StrEnum):
    REPORTED = "reported"
    REGION_NOTIFIED = "region_notified"
    RESPONDED = "responded"
    RESOLVED = "resolved"


class CaseType(StrEnum):
    FOSTER_CARE = "foster_care"
    IN_HOME = "in_home"


class OutboxStatus(StrEnum):
    """Where a queued e-mail stands: waiting (or retrying), delivered, or given up on."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
