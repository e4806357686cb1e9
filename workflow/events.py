"""Past-tense events recorded by transitions; handlers outside the domain perform side effects."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Transitioned:
    """Something moved from one state to another: the audit trail records every one."""

    entity: str
    entity_id: int | None
    trigger: str
    source: str
    dest: str
    actor: str
    at: datetime
    notes: str | None = None
    data: dict = field(default_factory=dict, compare=False)


# Case review lifecycle
class CaseScreened(Transitioned): pass
class CaseEliminated(Transitioned): pass
class EliminationProposed(Transitioned): pass
class CaseAssigned(Transitioned): pass
class ReviewSubmitted(Transitioned): pass
class SentToFirstQa(Transitioned): pass
class ReturnedToReviewer(Transitioned): pass
class Resubmitted(Transitioned): pass
class FirstQaPassed(Transitioned): pass
class CorrectionsRequested(Transitioned): pass
class QaCompleted(Transitioned): pass
class CaseFinalized(Transitioned): pass
class CaseDeidentified(Transitioned): pass


# Regional review lifecycle
class ReviewAdvanced(Transitioned): pass
class ReviewSentToCb(ReviewAdvanced): pass


# Concern lifecycle
class ConcernRaised(Transitioned): pass
class RegionNotified(Transitioned): pass
class ConcernResponded(Transitioned): pass
class ConcernAccepted(Transitioned): pass
class MoreRequested(Transitioned): pass
