"""The Children's Bureau's feedback on a case in secondary oversight: received open, addressed by a team lead
with what was changed. Each item runs the 1-month clock; a case is not finalized while any is open."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflow import events
from workflow.actors import Actor
from workflow.commands import TEXT_MAX
from workflow.errors import Forbidden, NotAllowed
from workflow.lifecycle import collect
from workflow.roles import Role
from workflow.states import CaseState

OPEN, ADDRESSED = "open", "addressed"


@dataclass(eq=False)
class Feedback:
    id: int | None
    case_id: int
    review_id: int
    text: str
    state: str
    received_by: str
    received_at: datetime
    due: datetime
    resolution: str | None = None
    addressed_by: str | None = None
    addressed_at: datetime | None = None
    version: int = 1
    events: list[events.Transitioned] = field(default_factory=list, repr=False)


def _text(value, name: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    collect({name: ["is required"] if not text else [f"at most {TEXT_MAX} characters"] if len(text) > TEXT_MAX
             else []})
    return text


def receive(*, case_id: int, review_id: int, case_state: str, text, actor: Actor, now: datetime,
            due: datetime) -> Feedback:
    """A CB reviewer's feedback item on a case in secondary oversight."""
    if not actor.has(Role.CB_REVIEWER):
        raise Forbidden("only a Children's Bureau reviewer gives CB feedback")
    if case_state != CaseState.CB_OVERSIGHT:
        raise NotAllowed(f"the case is {case_state}: CB feedback is given while it is in cb_oversight",
                         {"state": case_state})
    item = Feedback(id=None, case_id=case_id, review_id=review_id, text=_text(text, "text"), state=OPEN,
                    received_by=actor.email, received_at=now, due=due)
    item.events.append(events.FeedbackReceived(entity="feedback", entity_id=None, trigger="give_feedback", source="",
                                               dest=OPEN, actor=actor.email, at=now, notes=item.text))
    return item


def address(item: Feedback, *, resolution, actor: Actor, now: datetime) -> None:
    """A team lead says what was changed for the feedback; it is then addressed."""
    if not actor.has(Role.TEAM_LEAD):
        raise Forbidden("only a team lead addresses CB feedback")
    if item.state != OPEN:
        raise NotAllowed(f"feedback {item.id} was addressed already", {"state": item.state})
    item.resolution = _text(resolution, "resolution")
    item.state, item.addressed_by, item.addressed_at = ADDRESSED, actor.email, now
    item.events.append(events.FeedbackAddressed(entity="feedback", entity_id=item.id, trigger="address_feedback",
                                                source=OPEN, dest=ADDRESSED, actor=actor.email, at=now,
                                                notes=item.resolution, version=item.version + 1))
