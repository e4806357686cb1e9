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
    #: The entity's version once this change is stored: with entity and id, names this change uniquely.
    version: int = 1


# Case review lifecycle
class CaseEvent(Transitioned): pass
class CaseAdded(CaseEvent): pass
class CaseScreened(CaseEvent): pass
class CaseEliminated(CaseEvent): pass
class EliminationProposed(CaseEvent): pass
class CaseAssigned(CaseEvent): pass
class ReviewSubmitted(CaseEvent): pass
class SentToFirstQa(CaseEvent): pass
class ReturnedToReviewer(CaseEvent): pass
class Resubmitted(CaseEvent): pass
class FirstQaPassed(CaseEvent): pass
class CorrectionsRequested(CaseEvent): pass
class QaCompleted(CaseEvent): pass
class CaseFinalized(CaseEvent): pass
class CaseDeidentified(CaseEvent): pass
# steps of a case's review that leave its state as it is (each its own row: the case's version stays)
class CaseRecorded(CaseEvent): pass
class ParticipantAdded(CaseRecorded): pass
class InterviewRecorded(CaseRecorded): pass
class StaffingRecorded(CaseRecorded): pass
class ShadowingFeedbackGiven(CaseRecorded): pass
class RatingsChanged(CaseRecorded): pass


# The Children's Bureau's feedback on a case
class FeedbackEvent(Transitioned): pass
class FeedbackReceived(FeedbackEvent): pass
class FeedbackAddressed(FeedbackEvent): pass


# Regional review lifecycle
class ReviewEvent(Transitioned): pass
class ReviewPlanned(ReviewEvent): pass
class ReviewAdvanced(ReviewEvent): pass
class ReviewSentToCb(ReviewAdvanced): pass
class SampleDrawn(ReviewEvent): pass
class SampleRedrawn(ReviewEvent): pass
class DrawExtended(ReviewEvent): pass
class ReviewScheduled(ReviewEvent): pass           # on-site days agreed or a planning call recorded


# Concern lifecycle
class ConcernEvent(Transitioned): pass
class ConcernRaised(ConcernEvent): pass
class RegionNotified(ConcernEvent): pass
class ConcernResponded(ConcernEvent): pass
class ConcernAccepted(ConcernEvent): pass
class MoreRequested(ConcernEvent): pass
