"""The regional review lifecycle: its state follows its cases and moves by itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from workflow import events
from workflow.actors import Actor
from workflow.lifecycle import Lifecycle, Rule
from workflow.review_calendar import Period, sample_period
from workflow.states import CaseState as C
from workflow.states import ReviewState as R

ORDER = list(R)
KINDS = ("measurement", "baseline")


@dataclass(eq=False)
class RegionalReview:
    id: int | None
    region: str
    review_month: date
    kind: str
    state: str = R.PLANNED
    version: int = 1
    period_start: date | None = None
    #: The on-site days agreed with the region's leadership.
    onsite_start: date | None = None
    onsite_end: date | None = None
    #: What happened to it in this unit of work, for the message bus.
    events: list[events.Transitioned] = field(default_factory=list, repr=False)

    def sample_period(self, months: int = 6) -> Period:
        return sample_period(self.review_month, months, self.period_start)


def target_state(case_states: Iterable[str]) -> R:
    """Where a review stands, judged from the states of its cases (eliminated ones aside)."""
    states = list(case_states)
    live = {s for s in states if s != C.ELIMINATED}
    if not states:
        return R.PLANNED
    if not live:
        return R.SAMPLING
    if live <= {C.DEIDENTIFIED}:
        return R.CLOSED
    if live <= {C.FINALIZED, C.DEIDENTIFIED}:
        return R.FINALIZED
    if live <= {C.CB_OVERSIGHT, C.FINALIZED, C.DEIDENTIFIED}:
        return R.CB_OVERSIGHT
    if live - {C.SAMPLED, C.SCREENED}:
        return R.IN_REVIEW
    return R.SAMPLING


#: The review stage a case in each state holds its review back to.
_STAGE = {C.SAMPLED: R.SAMPLING, C.SCREENED: R.SAMPLING, C.ASSIGNED: R.IN_REVIEW, C.REVIEWED: R.IN_REVIEW,
          C.FIRST_QA: R.IN_REVIEW, C.SECOND_QA: R.IN_REVIEW, C.CB_OVERSIGHT: R.CB_OVERSIGHT,
          C.FINALIZED: R.FINALIZED, C.DEIDENTIFIED: R.CLOSED}


def could_advance(review_state: str, case_state: str) -> bool:
    """Whether a case arriving in `case_state` can move its review at all: if not, the other cases
    need not be looked at. Only a case reaching beyond the review's stage, or leaving the count, can."""
    return case_state == C.ELIMINATED or ORDER.index(_STAGE[C(case_state)]) > ORDER.index(R(review_state))


def _follows_cases(actor: Actor, review: RegionalReview) -> bool:
    return True  # the review only moves as a consequence of a case transition someone was allowed to make


#: One trigger per destination, reachable from every earlier state: the review may skip states.
_DESTINATIONS = {
    "start_sampling": (R.SAMPLING, events.ReviewAdvanced),
    "start_review": (R.IN_REVIEW, events.ReviewAdvanced),
    "send_to_cb": (R.CB_OVERSIGHT, events.ReviewSentToCb),
    "finalize": (R.FINALIZED, events.ReviewAdvanced),
    "close": (R.CLOSED, events.ReviewAdvanced),
}
_TRIGGER_TO = {dest: trigger for trigger, (dest, _) in _DESTINATIONS.items()}

REVIEW_LIFECYCLE = Lifecycle(
    entity="review",
    states=[s.value for s in R],
    transitions=[{"trigger": t, "source": ORDER[: ORDER.index(dest)], "dest": dest}
                 for t, (dest, _) in _DESTINATIONS.items()],
    rules={t: Rule("the review's cases", _follows_cases, event) for t, (_, event) in _DESTINATIONS.items()},
)


def follow_cases(review: RegionalReview, case_states: Iterable[str], *, actor: Actor,
                 now: datetime) -> events.Transitioned | None:
    """Move the review forward to where its cases stand (never backward); the event, if it moved."""
    target = target_state(case_states)
    if ORDER.index(target) <= ORDER.index(R(review.state)):
        return None
    return REVIEW_LIFECYCLE.fire(review, _TRIGGER_TO[target], actor=actor, fields={}, ctx=None, now=now)



def plan_review(*, region: str, review_month: date, kind: str, actor: Actor, now: datetime) -> RegionalReview:
    """A new regional review, `planned`, with its ReviewPlanned event (its id comes when it is stored)."""
    review = RegionalReview(id=None, region=region, review_month=review_month, kind=kind)
    review.events.append(events.ReviewPlanned(entity="review", entity_id=None, trigger="plan", source="",
                                              dest=R.PLANNED, actor=actor.email, at=now))
    return review


def record(review: RegionalReview, event_type: type, *, trigger: str, actor: Actor, now: datetime,
           notes: str | None = None) -> events.Transitioned:
    """Record a step of the review that leaves its state as it is (its sample drawn, its preparation):
    the event its audit record and messages come from. The review is saved with it, so its version moves
    on and two such steps at once cannot both pass unnoticed."""
    event = event_type(entity="review", entity_id=review.id, trigger=trigger, source=review.state,
                       dest=review.state, actor=actor.email, at=now, notes=notes, version=review.version + 1)
    review.events.append(event)
    return event
