"""A lifecycle: one class-level `transitions` machine plus who may fire each trigger and what it needs.

The machine knows states and structural conditions (which trigger leads where from here);
the rules know people and fields. `fire` checks, in order: the trigger exists, the current
state allows it, this actor may fire it, its fields hold; only then does the state change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from transitions import Machine

from workflow.actors import Actor
from workflow.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from workflow.events import Transitioned

Validator = Callable[[Mapping[str, Any], Any, Any], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """Who may fire a trigger (`may`, described by `who`) and how its fields are checked."""

    who: str
    may: Callable[[Actor, Any], bool]
    event: type[Transitioned]
    validate: Validator | None = None


def no_fields(fields: Mapping[str, Any], entity: Any, ctx: Any) -> dict[str, Any]:
    return {}


def notes_of(fields: Mapping[str, Any], *, required: bool) -> tuple[str | None, list[str]]:
    """The optional (or required) free-text notes every trigger may carry."""
    notes = fields.get("notes")
    if notes is None or (isinstance(notes, str) and not notes.strip()):
        return None, (["notes are required for this step"] if required else [])
    if not isinstance(notes, str):
        return None, ["notes must be text"]
    return notes.strip(), []


class Lifecycle:
    def __init__(self, *, entity: str, states: list[str], transitions: list[dict], rules: dict[str, Rule]):
        self.entity = entity
        self.rules = rules
        self.states = states
        self.transitions = [_plain(t) for t in transitions]  # also what a diagram of the lifecycle draws
        self.machine = Machine(
            model=None,
            states=states,
            transitions=self.transitions,
            initial=states[0],
            auto_transitions=False,
            send_event=True,
        )
        #: The triggers leaving each state, in definition order (asked on every page and list row).
        self._from = {state: self.machine.get_triggers(state) for state in states}

    @property
    def triggers(self) -> list[str]:
        return list(self.rules)

    def allowed_triggers(self, entity: Any) -> list[str]:
        """Triggers the current state offers (whoever is asking)."""
        return self._offered(entity)

    def _offered(self, entity: Any) -> list[str]:
        """Read off the machine's own transitions and conditions, without attaching the entity."""
        state = str(entity.state)
        return [trigger for trigger in self._from[state] if self._offers(entity, state, trigger)]

    def _offers(self, entity: Any, state: str, trigger: str) -> bool:
        """Whether `trigger` leads anywhere from `state` for this entity: the conditions are the entity's
        methods named in the definition, asked as transitions would."""
        return any(all(getattr(entity, c.func)(None) == c.target for c in transition.conditions)
                   for transition in self.machine.events[trigger].transitions.get(state, ()))

    def triggers_for(self, entity: Any, actor: Actor, allowed: list[str] | None = None) -> list[str]:
        """Triggers this actor may fire now (of `allowed`, when already known): what a page offers as buttons."""
        return [t for t in (self._offered(entity) if allowed is None else allowed) if self.rules[t].may(actor, entity)]

    def fire(self, entity: Any, trigger: str, *, actor: Actor, fields: Mapping[str, Any], ctx: Any,
             now: datetime) -> Transitioned:
        rule = self.rules.get(trigger)
        if rule is None:
            raise ValidationFailed({"trigger": [f"unknown trigger {trigger!r}; known: {', '.join(self.rules)}"]})
        source = str(entity.state)
        if not self._offers(entity, source, trigger):
            raise TransitionNotAllowed(trigger, source, self._offered(entity))
        if not rule.may(actor, entity):
            raise Forbidden(f"only {rule.who} may {trigger.replace('_', ' ')}", {"trigger": trigger})
        clean = (rule.validate or no_fields)(fields, entity, ctx)
        notes, problems = notes_of(fields, required=False)
        if problems:
            raise ValidationFailed({"notes": problems})
        notes = clean.get("notes", notes)
        # The event fires on the entity directly: attaching it to the shared machine first (add_model)
        # would bind every trigger and state check onto it, for nothing but this one call. The machine
        # names states by value, so an enum member is given as its value.
        entity.state = source
        self.machine.events[trigger].trigger(entity, fields=clean, actor=actor, ctx=ctx, now=now)
        return rule.event(
            entity=self.entity, entity_id=entity.id, trigger=trigger, source=source,
            dest=str(entity.state), actor=actor.email, at=now, notes=notes,
            data={k: v for k, v in clean.items() if k != "notes"},
        )


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
