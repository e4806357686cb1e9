"""The concern (corrective action) lifecycle: reported → region_notified → responded → resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflow import events
from workflow.actors import Actor
from workflow.clocks import AgencyCalendar, ClockRule, due_at
from workflow.errors import Forbidden
from workflow.commands import CONCERN_TRIGGER_FIELDS
from workflow.lifecycle import Lifecycle, Rule, collect
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
    version: int = 1
    notified_by: str | None = None
    notified_at: datetime | None = None
    response_due: datetime | None = None
    corrective_action: str | None = None
    systemic_issue: str | None = None
    prevention_plan: str | None = None
    responded_at: datetime | None = None
    responded_late: bool = False
    #: What happened to it in this unit of work, for the message bus.
    events: list[events.Transitioned] = field(default_factory=list, repr=False)

    @property
    def awaiting_region(self) -> bool:
        """The region owes an answer: its response clock runs."""
        return self.state == S.REGION_NOTIFIED

    def overdue(self, now: datetime) -> bool:
        """The region owes a response and its clock has run out."""
        return self.awaiting_region and self.response_due is not None and now > self.response_due

    def _start_clock(self, ctx: ConcernContext, now: datetime) -> None:
        self.response_due = due_at(ctx.clock, now, ctx.calendar)

    def on_notify_region(self, *, actor, ctx, now, **_) -> None:
        self.notified_by = actor.email
        self.notified_at = now
        self._start_clock(ctx, now)

    def on_respond(self, *, fields, now, **_) -> None:
        self.corrective_action = fields["corrective_action"]
        self.systemic_issue = fields["systemic_issue"]
        self.prevention_plan = fields["prevention_plan"]
        self.responded_at = now
        self.responded_late = self.response_due is not None and now > self.response_due

    def on_request_more(self, *, ctx, now, **_) -> None:
        self._start_clock(ctx, now)


def may_raise(actor: Actor) -> bool:
    return actor.has(Role.REVIEWER) or actor.has(Role.TEAM_LEAD)


def raise_concern(*, case_id: int, region: str, type: str, description: str, actor: Actor,
                  now: datetime) -> Concern:
    """A new concern, `reported`, with its ConcernRaised event (its id comes when it is stored)."""
    if not may_raise(actor):
        raise Forbidden("only a reviewer or a team lead may raise a concern")
    concern = Concern(id=None, case_id=case_id, region=region, type=type, description=description,
                      raised_by=actor.email)
    concern.events.append(events.ConcernRaised(entity="concern", entity_id=None, trigger="raise", source="",
                                               dest=S.REPORTED, actor=actor.email, at=now))
    return concern


def _team_lead(actor: Actor, concern: Concern) -> bool:
    return actor.has(Role.TEAM_LEAD)


def _regional_leader_of_region(actor: Actor, concern: Concern) -> bool:
    return actor.has(Role.REGIONAL_LEADER) and actor.region == concern.region


def _respond_fields(fields: dict, concern: Concern, ctx: ConcernContext) -> dict:
    """A named systemic issue needs the region's plan to address it."""
    if fields["systemic_issue"] is not None and fields["prevention_plan"] is None:
        collect({"prevention_plan": ["a systemic issue needs a plan to prevent recurrence"]})
    return {name: fields[name] for name in ("corrective_action", "systemic_issue", "prevention_plan")}


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
        "request_more": Rule("a team lead", _team_lead, events.MoreRequested),
    },
    fields=CONCERN_TRIGGER_FIELDS,
)
