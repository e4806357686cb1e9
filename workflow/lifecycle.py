"""A lifecycle: its states and transitions, who may fire each trigger, and which fields it takes.

The definition (a list of transitions in the `transitions` library's own format) is built into a
`transitions` Machine once, which checks it and draws the lifecycle's diagram (web.diagrams). Firing
reads the same definition directly: attaching every entity to the shared machine (`add_model`) cost
~0.4 ms a transition here, most of a transition's CPU, and the only faster way went through the
library's internals.

`fire` checks, in order: the trigger exists and takes the given fields, the current state allows it,
this actor may fire it, its fields hold; only then does the state change. The past-tense event is
appended to the entity's `events`, for the message bus to handle, and returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from transitions import Machine

from workflow.actors import Actor
from workflow.commands import FieldSpec, fields_of, parse, refuse_unknown
from workflow.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from workflow.events import Transitioned

Validator = Callable[[dict[str, Any], Any, Any], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """Who may fire a trigger (`may`, described by `who`), the event it records, and the checks on its
    parsed fields beyond their kinds (`validate` returns the values the effect and the event get)."""

    who: str
    may: Callable[[Actor, Any], bool]
    event: type[Transitioned]
    validate: Validator | None = None


@dataclass(frozen=True)
class _Transition:
    dest: str | None            # None: an internal transition (the state stays)
    conditions: tuple[str, ...]  # entity methods that must answer True
    unless: tuple[str, ...]      # entity methods that must answer False
    after: str | None            # the entity's effect, called with fields, actor, ctx, now

    def applies(self, entity: Any) -> bool:
        return (all(getattr(entity, c)() for c in self.conditions)
                and not any(getattr(entity, u)() for u in self.unless))


def _names(value: str | list[str] | None) -> tuple[str, ...]:
    return () if value is None else (value,) if isinstance(value, str) else tuple(value)


class Lifecycle:
    def __init__(self, *, entity: str, states: list[str], transitions: list[dict], rules: dict[str, Rule],
                 fields: Mapping[str, tuple[FieldSpec, ...]] | None = None):
        self.entity = entity
        self.rules = rules
        self.states = states
        self.transitions = [_plain(t) for t in transitions]  # also what a diagram of the lifecycle draws
        self.fields = {trigger: fields_of(fields or {}, trigger) for trigger in rules}
        # Checks the definition (unknown states and the like raise here, at import).
        Machine(model=None, states=states, transitions=self.transitions, initial=states[0], auto_transitions=False)
        #: (state, trigger) -> the transitions that trigger may take from that state, in definition order.
        self._table: dict[tuple[str, str], list[_Transition]] = {}
        for t in self.transitions:
            for source in _names(t["source"]):
                self._table.setdefault((source, t["trigger"]), []).append(
                    _Transition(t["dest"], _names(t.get("conditions")), _names(t.get("unless")), t.get("after")))
        #: The triggers leaving each state, in definition order (asked on every page and list row).
        self._from = {state: list(dict.fromkeys(trigger for (s, trigger) in self._table if s == state))
                      for state in states}
        unknown = {trigger for (_, trigger) in self._table} - rules.keys()
        if unknown:
            raise ValueError(f"{entity}: transitions without a rule: {sorted(unknown)}")

    def allowed_triggers(self, entity: Any) -> list[str]:
        """Triggers the current state offers (whoever is asking)."""
        state = str(entity.state)
        return [trigger for trigger in self._from[state] if self._taken(entity, state, trigger)]

    def _taken(self, entity: Any, state: str, trigger: str) -> _Transition | None:
        """The transition `trigger` takes from `state` for this entity, if any."""
        return next((t for t in self._table.get((state, trigger), ()) if t.applies(entity)), None)

    def triggers_for(self, entity: Any, actor: Actor, allowed: list[str] | None = None) -> list[str]:
        """Triggers this actor may fire now (of `allowed`, when already known): what a page offers as buttons."""
        offered = self.allowed_triggers(entity) if allowed is None else allowed
        return [t for t in offered if self.rules[t].may(actor, entity)]

    def fire(self, entity: Any, trigger: str, *, actor: Actor, fields: Mapping[str, Any], ctx: Any,
             now: datetime) -> Transitioned:
        rule = self.rules.get(trigger)
        if rule is None:
            raise ValidationFailed({"trigger": [f"unknown trigger {trigger!r}; known: {', '.join(self.rules)}"]})
        specs = self.fields[trigger]
        refuse_unknown(fields, specs, trigger)
        source = str(entity.state)
        transition = self._taken(entity, source, trigger)
        if transition is None:
            raise TransitionNotAllowed(trigger, source, self.allowed_triggers(entity))
        if not rule.may(actor, entity):
            raise Forbidden(f"only {rule.who} may {trigger.replace('_', ' ')}", {"trigger": trigger})
        clean = parse(fields, specs)
        if rule.validate is not None:
            clean = {"notes": clean.get("notes"), **rule.validate(clean, entity, ctx)}
        if transition.dest is not None:
            entity.state = transition.dest
        if transition.after is not None:
            getattr(entity, transition.after)(fields=clean, actor=actor, ctx=ctx, now=now)
        event = rule.event(
            entity=self.entity, entity_id=entity.id, trigger=trigger, source=source,
            dest=str(entity.state), actor=actor.email, at=now, notes=clean.get("notes"),
            data={k: v for k, v in clean.items() if k != "notes"}, version=entity.version + 1,
        )
        entity.events.append(event)
        return event


@cache
def attributes(entity_type: type) -> tuple[str, ...]:
    """What an entity keeps (and a repository stores): its dataclass fields but its `events`."""
    return tuple(f.name for f in fields(entity_type) if f.name != "events")


def _plain(transition: dict) -> dict:
    """State enums as their values: transitions would look enum members up by name."""
    def value(v):
        return [str(x) for x in v] if isinstance(v, list) else str(v) if isinstance(v, StrEnum) else v
    return {k: value(v) for k, v in transition.items()}


def collect(errors: dict[str, list[str]]) -> None:
    """Raise one ValidationFailed for every field problem found, or nothing."""
    found = {k: v for k, v in errors.items() if v}
    if found:
        raise ValidationFailed(found)
