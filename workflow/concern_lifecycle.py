"""The concern (corrective action) lifecycle: reported → region_notified → responded → resolved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflow import events
from workflow.actors import Actor
from workflow.clocks import AgencyCalendar, ClockRule, due_at
from workflow.errors import Forbidden
from workflow.lifecycle import Lifecycle, Rule, collect, notes_of
from workflow.roles import Role
from workflow.states import ConcernState as S


@dataclass(frozen=True)
class ConcernContext:
    """The response clock for this concern's type, in the agency's calendar."""

    clock: ClockRule
    calendar: AgencyCalendar


@dataclass(eq=False)
class Concern:
    id: int | None
    case_id: int
    region: str
    type: str
    description: str
    raised_by: str
    state: str = S.REPORTED
    notified_by: str | None = None
    notified_at: datetime | None = None
    response_due: datetime | None = None
    corrective_action: str | None = None
    systemic_issue: bool = False
    prevention_plan: str | None = None
    responded_at: datetime | None = None
    responded_late: bool = False

    def overdue(self, now: datetime) -> bool:
        """The region owes a response and its clock has run out."""
        return self.state == S.REGION_NOTIFIED and self.response_due is not None and now > self.response_due

    def _start_clock(self, event) -> None:
        ctx: ConcernContext = event.kwargs["ctx"]
        self.response_due = due_at(ctx.clock, event.kwargs["now"], ctx.calendar)

    def on_notify_region(self, event) -> None:
        self.notified_by = event.kwargs["actor"].email
        self.notified_at = event.kwargs["now"]
        self._start_clock(event)

    def on_respond(self, event) -> None:
        fields, now = event.kwargs["fields"], event.kwargs["now"]
        self.corrective_action = fields["corrective_action"]
        self.systemic_issue = fields["systemic_issue"]
        self.prevention_plan = fields["prevention_plan"]
        self.responded_at = now
        self.responded_late = self.response_due is not None and now > self.response_due

    def on_request_more(self, event) -> None:
        self._start_clock(event)


def may_raise(actor: Actor) -> bool:
    return actor.has(Role.REVIEWER) or actor.has(Role.TEAM_LEAD)


def raise_concern(*, case_id: int, region: str, type: str, description: str, actor: Actor,
                  now: datetime) -> tuple[Concern, events.ConcernRaised]:
    if not may_raise(actor):
        raise Forbidden("only a reviewer or a team lead may raise a concern")
    concern = Concern(id=None, case_id=case_id, region=region, type=type, description=description,
                      raised_by=actor.email)
    event = events.ConcernRaised(entity="concern", entity_id=None, trigger="raise", source="",
                                 dest=S.REPORTED, actor=actor.email, at=now)
    return concern, event


def _team_lead(actor: Actor, concern: Concern) -> bool:
    return actor.has(Role.TEAM_LEAD)


def _regional_leader_of_region(actor: Actor, concern: Concern) -> bool:
    return actor.has(Role.REGIONAL_LEADER) and actor.region == concern.region


def _text(fields: Mapping[str, Any], name: str, *, required: bool) -> tuple[str | None, list[str]]:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ([f"{name.replace('_', ' ')} is required"] if required else [])
    if not isinstance(value, str):
        return None, ["must be text"]
    return value.strip(), []


def _respond_fields(fields: Mapping[str, Any], concern: Concern, ctx: ConcernContext) -> dict:
    action, action_problems = _text(fields, "corrective_action", required=True)
    systemic = fields.get("systemic_issue", False)
    systemic_problems = [] if isinstance(systemic, bool) else ["must be true or false"]
    plan, plan_problems = _text(fields, "prevention_plan", required=systemic is True)
    if systemic is True and plan_problems:
        plan_problems = ["a systemic issue needs a plan to prevent recurrence"]
    collect({"corrective_action": action_problems, "systemic_issue": systemic_problems,
             "prevention_plan": plan_problems})
    return {"corrective_action": action, "systemic_issue": systemic is True, "prevention_plan": plan}


def _notes_required(fields: Mapping[str, Any], concern: Concern, ctx: ConcernContext) -> dict:
    notes, problems = notes_of(fields, required=True)
    collect({"notes": problems})
    return {"notes": notes}


CONCERN_LIFECYCLE = Lifecycle(
    entity="concern",
    states=[s.value for s in S],
    transitions=[
        {"trigger": "notify_region", "source": S.REPORTED, "dest": S.REGION_NOTIFIED, "after": "on_notify_region"},
        {"trigger": "respond", "source": S.REGION_NOTIFIED, "dest": S.RESPONDED, "after": "on_respond"},
        {"trigger": "accept", "source": S.RESPONDED, "dest": S.RESOLVED},
        {"trigger": "request_more", "source": S.RESPONDED, "dest": S.REGION_NOTIFIED, "after": "on_request_more"},
    ],
    rules={
        "notify_region": Rule("a team lead", _team_lead, events.RegionNotified),
        "respond": Rule("regional leadership of the concern's region", _regional_leader_of_region,
                        events.ConcernResponded, _respond_fields),
        "accept": Rule("a team lead", _team_lead, events.ConcernAccepted),
        "request_more": Rule("a team lead", _team_lead, events.MoreRequested, _notes_required),
    },
)
