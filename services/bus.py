"""The message bus: each command goes to its handler; the events its entities record go to theirs.

A command handler loads entities through the unit of work's repositories, asks the domain, and saves
them; the entities collect past-tense events as they change. The bus then hands each event to every
handler `EVENT_HANDLERS` lists for its type or any type it derives from (the audit record first, since
it is listed for every transition), in the same transaction, until no event is left: handlers may change
entities in turn (a review following its cases), and their events are handled too. Nothing is committed
here: the caller owns the transaction (`execute` is the usual caller).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from notifications.messages import MESSAGES
from services import (case_people, cases, concerns, deadlines, deidentify, feedback, ratings, reviews,
                      sampling)
from services.core import Core
from workflow import commands, events
from workflow.deadlines import CLOCK_EFFECTS

Handler = Callable[..., None]


def record_in_audit(event: events.Transitioned, *, uow, core: Core) -> None:
    uow.audit.append(event)


COMMAND_HANDLERS: dict[type, Callable[..., Any]] = {
    commands.FireCaseTrigger: cases.fire,
    commands.AddCase: cases.add,
    commands.FireConcernTrigger: concerns.fire,
    commands.RaiseConcern: concerns.raise_concern,
    commands.PlanReview: reviews.plan,
    commands.SweepDeadlines: deadlines.sweep_batch,
    commands.DrawSample: sampling.draw_sample,
    commands.ExtendDraw: sampling.extend_draw,
    commands.ScheduleOnSite: reviews.schedule_onsite,
    commands.RecordPlanningCall: reviews.record_planning_call,
    commands.AddParticipant: case_people.add_participant,
    commands.RecordInterview: case_people.record_interview,
    commands.RecordStaffing: case_people.record_staffing,
    commands.GiveFeedback: feedback.give,
    commands.AddressFeedback: feedback.address_item,
    commands.RateCase: ratings.rate,
}

#: Each event type's handlers; an event is handled by those of its own type and of every type it derives
#: from, the most general first.
EVENT_HANDLERS: dict[type, list[Handler]] = {
    events.Transitioned: [record_in_audit],
    events.CaseEvent: [reviews.follow_cases],
    events.CaseDeidentified: [cases.keep_identity, deidentify.deidentify],
    events.CaseEliminated: [sampling.replace_eliminated],
}
# Clocks before messages, so a message can name the deadline its event just started.
for _event in CLOCK_EFFECTS:
    EVENT_HANDLERS.setdefault(_event, []).append(deadlines.apply_clock_effects)
for _event, _message in MESSAGES.items():
    EVENT_HANDLERS.setdefault(_event, []).append(_message)


def handlers_of(event_type: type) -> tuple[Handler, ...]:
    return tuple(h for kind in reversed(event_type.__mro__) for h in EVENT_HANDLERS.get(kind, ()))


def handle(core: Core, uow, command: Any) -> Any:
    """Run one command and every event it leads to, in `uow`'s transaction; the command's result."""
    result = COMMAND_HANDLERS[type(command)](command, uow=uow, core=core)
    handled = True
    while handled:
        handled = False
        for entity in list(uow.seen):
            while entity.events:
                event = entity.events.pop(0)
                if event.entity_id is None:  # recorded before the entity was stored
                    event = replace(event, entity_id=entity.id)
                for handler in handlers_of(type(event)):
                    handler(event, uow=uow, core=core)
                handled = True
    return result


def execute(core: Core, command: Any) -> Any:
    """Run one command in a transaction of its own and commit it; the command's result."""
    with core.uow() as uow:
        result = handle(core, uow, command)
        uow.commit()
    return result
