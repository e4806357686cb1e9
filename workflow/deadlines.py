"""Deadlines: which events start and stop which clocks, and which notice a clock owes at a moment.

A clock's notices are its reminders (before the due time) then its overdue notices (after it), the
last of which escalates. The sweep keeps a cursor per deadline; `check` says what to send now and
where the cursor goes. After downtime it sends only what is due *now*: of several reminders whose
moments passed, the latest; a reminder whose deadline has also passed is dropped for the overdue
notice; of several overdue notices, the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from workflow import events
from workflow.clocks import ClockRule
from workflow.states import CaseState


_GRAIN = timedelta(seconds=1)


class Kind(StrEnum):
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class Step:
    name: str          # unique within the clock, part of the message's once-only key
    kind: Kind
    offset: timedelta  # signed: negative before the due time

    def moment(self, due: datetime) -> datetime:
        """Reminders fall on their moment; overdue notices only once the due instant is over."""
        return due + self.offset + (_GRAIN if self.kind is not Kind.REMINDER else timedelta(0))


@cache
def steps(rule: ClockRule) -> tuple[Step, ...]:
    """Every notice of `rule`, in the order their moments come."""
    before = [Step(f"reminder-{_label(o)}", Kind.REMINDER, -o) for o in sorted(rule.reminders, reverse=True)]
    after = sorted(rule.overdue)
    late = [Step(f"overdue-{_label(o)}", Kind.ESCALATION if i == len(after) - 1 and i else Kind.OVERDUE, o)
            for i, o in enumerate(after)]
    return (*before, *late)


def _label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


@dataclass(frozen=True)
class Check:
    send: Step | None           # the one notice to record now, if any
    cursor: int                 # index of the first step not yet handled
    next_at: datetime | None    # when the next step falls due (None: nothing left)


def check(rule: ClockRule, due: datetime, cursor: int, now: datetime) -> Check:
    plan = steps(rule)
    reached = cursor
    while reached < len(plan) and plan[reached].moment(due) <= now:
        reached += 1
    passed = plan[cursor:reached]
    if now > due:  # reminders are moot once the deadline itself has passed
        passed = [s for s in passed if s.kind is not Kind.REMINDER]
    send = passed[-1] if passed else None
    next_at = plan[reached].moment(due) if reached < len(plan) else None
    return Check(send=send, cursor=reached, next_at=next_at)


#: A concern's response clock, whose length depends on the concern's type.
RESPONSE = "response"
#: Clocks that run from the case review date (a date), not from the moment of the event that starts them.
START_FROM_REVIEW_DATE = frozenset({"finalize"})


# Which events start and stop which clocks.
@dataclass(frozen=True)
class Start:
    clock: str


@dataclass(frozen=True)
class Stop:
    clock: str | None  # None: every clock of the entity


CLOCK_EFFECTS: dict[type, tuple[Start | Stop, ...]] = {
    events.ReviewSubmitted: (Start("finalize"),),
    events.CaseFinalized: (Stop("finalize"), Start("deidentify")),
    events.CaseDeidentified: (Stop("deidentify"),),
    events.CaseEliminated: (Stop(None),),
    events.RegionNotified: (Start(RESPONSE),),
    events.MoreRequested: (Stop(RESPONSE), Start(RESPONSE)),
    events.ConcernResponded: (Stop(RESPONSE),),
    events.FeedbackReceived: (Start("cb_feedback"),),
    events.FeedbackAddressed: (Stop("cb_feedback"),),
}

#: Who must act on a case, by its state: an assignee field, or the team leads.
CASE_ACTOR = {
    CaseState.ASSIGNED: "reviewer", CaseState.REVIEWED: "reviewer",
    CaseState.FIRST_QA: "first_qa", CaseState.SECOND_QA: "second_qa",
}
