"""Deadlines: clocks started and stopped by events (in the transition's transaction), and one batch of
the sweep, which records the notices that are due."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from notifications.messages import Recipients, deadline_notice
from services.cases import fire as fire_case_trigger
from services.core import Core
from workflow.actors import SYSTEM_ACTOR
from workflow.clocks import ClockRule, due_at
from workflow.commands import FireCaseTrigger, SweepDeadlines
from workflow.deadlines import CLOCK_EFFECTS, RESPONSE, START_FROM_REVIEW_DATE, Start, check, steps
from workflow.events import Transitioned

log = logging.getLogger(__name__)


def _rule(core: Core, uow, event: Transitioned, clock: str) -> ClockRule:
    if clock == RESPONSE:  # a concern's response clock: its length is its type's
        return core.reference.concern_clock(uow.concerns.get(event.entity_id).type)
    return core.reference.clocks[clock]


def _start_moment(uow, event: Transitioned, clock: str) -> datetime | date:
    if clock in START_FROM_REVIEW_DATE:  # runs from the case review date, a date
        return uow.cases.get(event.entity_id).review_date
    return event.at


def start(core: Core, uow, *, entity: str, entity_id: int, rule: ClockRule, begins: datetime | date) -> int:
    """A new running clock; its id."""
    due = due_at(rule, begins, core.calendar)
    plan = steps(rule)
    started = begins if isinstance(begins, datetime) else datetime.combine(begins, datetime.min.time(),
                                                                            tzinfo=core.calendar.tz)
    return uow.deadlines.start(entity=entity, entity_id=entity_id, clock=rule.name, started_at=started, due_at=due,
                               next_notice_at=plan[0].moment(due) if plan else None)


def apply_clock_effects(event: Transitioned, *, uow, core: Core) -> None:
    for effect in CLOCK_EFFECTS.get(type(event), ()):
        if isinstance(effect, Start):
            start(core, uow, entity=event.entity, entity_id=event.entity_id,
                  rule=_rule(core, uow, event, effect.clock), begins=_start_moment(uow, event, effect.clock))
        else:
            clock = None if effect.clock is None else _rule(core, uow, event, effect.clock).name
            uow.deadlines.stop(entity=event.entity, entity_id=event.entity_id, clock=clock, at=event.at)


@dataclass
class SweptBatch:
    claimed: int = 0
    recorded: list[str] = field(default_factory=list)   # headlines of the notices recorded
    failed: set[int] = field(default_factory=set)        # deadlines that could not be processed


def sweep_batch(command: SweepDeadlines, *, uow, core: Core) -> SweptBatch:
    """Record the notices one batch of due deadlines owes now, and move each deadline's cursor on.

    Exactly-once comes from the database: each notice is queued under the unique key (deadline, step),
    in the transaction that moves the deadline's cursor; rows are claimed so that any number of sweeps
    may run at once, and one killed half-way leaves its batch untouched for the next."""
    rows = uow.deadlines.claim_due(now=command.at, limit=command.batch, skip=command.skip)
    done = SweptBatch(claimed=len(rows))
    concerns = uow.concerns.get_many(r.entity_id for r in rows if r.entity == "concern")
    feedback = uow.feedback.get_many(r.entity_id for r in rows if r.entity == "feedback")
    cases = uow.cases.get_many({r.entity_id for r in rows if r.entity == "case"}
                               | {c.case_id for c in concerns.values()} | {f.case_id for f in feedback.values()})
    recipients, messages, moves = Recipients(uow), [], []
    for row in rows:
        try:
            rule = core.reference.clocks[row.clock]
            if rule.fires and row.entity == "case" and command.at > row.due_at:
                # a trigger the configuration has the sweep fire itself once due (de-identification), as `system`
                fire_case_trigger(FireCaseTrigger(case_id=row.entity_id, trigger=rule.fires, actor=SYSTEM_ACTOR,
                                                  at=command.at), uow=uow, core=core)
                moves.append((row.id, len(steps(rule)), None))   # done: no notice is owed any more
                continue
            outcome = check(rule, row.due_at, row.cursor, command.at)
            if outcome.send is not None:
                concern = concerns.get(row.entity_id) if row.entity == "concern" else None
                item = feedback.get(row.entity_id) if row.entity == "feedback" else None
                about = concern or item
                case = cases[about.case_id if about is not None else row.entity_id]
                notice = deadline_notice(core, recipients, deadline=row, step=outcome.send, case=case, concern=concern,
                                         feedback=item)
                if notice is None:
                    log.warning("deadline %s: nobody to notify (%s)", row.id, outcome.send.name)
                else:
                    messages.append(notice[0])
                    done.recorded.append(notice[1])
            moves.append((row.id, outcome.cursor, outcome.next_at))
        except Exception:  # one bad deadline must not hold up the others
            log.exception("deadline %s could not be processed", row.id)
            done.failed.add(row.id)
    uow.outbox.add(messages, now=command.at)
    uow.deadlines.move(moves)
    return done
