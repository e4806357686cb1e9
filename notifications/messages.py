"""Who is told what: the e-mail a transition or a deadline notice causes, as outbox messages.

Every message is built here, from what the unit of work's repositories hold, and queued through the
one outbox insert (`uow.outbox.add`) in the transaction of the change it reports. A message is its
template's name and values: it is rendered once, when first claimed for delivery (notifications.delivery).

Handlers take the event, the unit of work and the core (reference data, the calendar, links); the
message bus (services.bus) maps each event type to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from notifications.render import spoken
from workflow import events
from workflow.clocks import due_at
from workflow.deadlines import CASE_ACTOR, Kind, Step
from workflow.roles import Role
from workflow.states import CaseState

HEADINGS = {Kind.REMINDER: "Reminder", Kind.OVERDUE: "Overdue", Kind.ESCALATION: "Overdue (escalated)"}


def message(*, key: str, recipients: Iterable[str | None], template: str, values: dict[str, Any],
            case_id: int | None = None) -> dict | None:
    """One outbox message (None when it has nobody to go to); `case_id`: the case it is about."""
    to = sorted({r for r in recipients if r})
    return {"key": key, "recipients": to, "template": template, "values": values, "case_id": case_id} if to else None


def _key(event: events.Transitioned) -> str:
    """Names the change the message reports, so it is queued once however often it is handled (a step that
    leaves the case as it is names the row it recorded)."""
    if "record" in event.data:
        return f"{event.entity}:{event.entity_id}:{event.trigger}:{event.data['record']}"
    return f"{event.entity}:{event.entity_id}:v{event.version}"


def _queue(uow, event: events.Transitioned, found: dict | None) -> None:
    if found is not None:
        uow.outbox.add([found], now=event.at)


def case_step(headline: str, recipients: Callable[[Any, Any, events.Transitioned], Iterable[str | None]]):
    """A message about a case's step, to `recipients(uow, case, event)` (a feedback item's: about its case)."""
    def handle(event: events.Transitioned, *, uow, core) -> None:
        case = uow.cases.get(uow.feedback.get(event.entity_id).case_id if event.entity == "feedback"
                             else event.entity_id)
        due = None
        if case.review_date is not None and not case.closed:
            due = spoken(due_at(core.reference.clocks["finalize"], case.review_date, core.calendar), core.calendar.tz)
        values = dict(headline=headline, case_number=case.case_number, case_type=case.case_type.replace("_", " "),
                      region=case.region, state=case.state, actor=event.actor, notes=event.notes, due=due,
                      link=core.link(f"/cases/{case.id}"))
        _queue(uow, event, message(key=_key(event), recipients=recipients(uow, case, event), template="case_step",
                                   values=values, case_id=case.id))
    return handle


def review_sent_to_cb(event: events.Transitioned, *, uow, core) -> None:
    """Secondary oversight begins: the Children's Bureau's reviewers are told."""
    review = uow.reviews.get(event.entity_id)
    values = dict(region=review.region, review_month=f"{review.review_month:%Y-%m}",
                  link=core.link(f"/reviews/{review.id}"))
    _queue(uow, event, message(key=_key(event), recipients=uow.people.emails_with_role(Role.CB_REVIEWER),
                               template="review_to_cb", values=values))


def feedback_addressed(event: events.Transitioned, *, uow, core) -> None:
    """Once every feedback item of a review is addressed, the Children's Bureau's reviewers are told."""
    item = uow.feedback.get(event.entity_id)
    if uow.feedback.open_in_review(item.review_id):
        return
    review = uow.reviews.get(item.review_id)
    values = dict(region=review.region, review_month=f"{review.review_month:%Y-%m}", actor=event.actor,
                  items=uow.feedback.count_in_review(review.id), link=core.link(f"/reviews/{review.id}"))
    _queue(uow, event, message(key=f"review:{review.id}:feedback-addressed:{item.id}",
                               recipients=uow.people.emails_with_role(Role.CB_REVIEWER),
                               template="feedback_addressed", values=values))


def review_schedule(event: events.Transitioned, *, uow, core) -> None:
    """The region's leaders are told the review's schedule (on-site days, planning calls) when it changes."""
    review = uow.reviews.get(event.entity_id)
    period = review.sample_period(core.reference.sample_period_months)
    onsite = f"{review.onsite_start} to {review.onsite_end}" if review.onsite_start else None
    calls = [{"held_on": str(c.held_on), "participants": c.participants,
              "eliminations_discussed": c.eliminations_discussed} for c in uow.views.planning_calls(review.id)]
    values = dict(region=review.region, review_month=f"{review.review_month:%Y-%m}", onsite=onsite, calls=calls,
                  sample_period=f"{period.start} to {period.end}", actor=event.actor, change=event.notes,
                  link=core.link(f"/reviews/{review.id}"))
    _queue(uow, event, message(key=_key(event), recipients=uow.people.emails_with_role(Role.REGIONAL_LEADER,
                                                                                         review.region),
                               template="review_schedule", values=values))


def concern_step(headline: str, *, to_region: bool):
    """To the team lead who notified the region and, when the region must act, its regional leadership."""
    def handle(event: events.Transitioned, *, uow, core) -> None:
        concern = uow.concerns.get(event.entity_id)
        case = uow.cases.get(concern.case_id)
        recipients = [concern.notified_by]
        if to_region:
            recipients += uow.people.emails_with_role(Role.REGIONAL_LEADER, concern.region)
        values = dict(headline=headline, concern_id=concern.id,
                      type_label=core.reference.concern_types[concern.type].label, case_number=case.case_number,
                      region=concern.region, state=concern.state, actor=event.actor, notes=event.notes,
                      due=spoken(concern.response_due, core.calendar.tz) if concern.awaiting_region else None,
                      link=core.link(f"/concerns/{concern.id}"))
        _queue(uow, event, message(key=_key(event), recipients=recipients, template="concern_step", values=values,
                                   case_id=case.id))
    return handle


class Recipients:
    """Who a batch of deadline notices goes to; role lists are read once per batch."""

    def __init__(self, uow):
        self._uow = uow
        self._roles: dict[tuple[Role, str | None], list[str]] = {}

    def with_role(self, role: Role, region: str | None = None) -> list[str]:
        if (role, region) not in self._roles:
            self._roles[(role, region)] = self._uow.people.emails_with_role(role, region)
        return self._roles[(role, region)]

    def acting_on_case(self, case) -> list[str]:
        """The case's assignee whose step it is, or the team leads."""
        assignee = CASE_ACTOR.get(case.state)
        return [getattr(case, assignee)] if assignee else self.with_role(Role.TEAM_LEAD)

    def acting_on_concern(self, concern) -> list[str]:
        return [*self.with_role(Role.REGIONAL_LEADER, concern.region), concern.notified_by]


def deadline_notice(core, recipients: Recipients, *, deadline, step: Step, case, concern=None,
                    feedback=None) -> tuple[dict, str] | None:
    """A reminder, overdue notice or escalation of one deadline (of `case`, or of `concern` or CB `feedback` on
    `case`), and its headline for the sweep's report; None when nobody is to be told."""
    rule = core.reference.clocks[deadline.clock]
    if feedback is not None:
        told = recipients.with_role(Role.TEAM_LEAD)
        what = f"CB feedback #{feedback.id} on case {case.case_number}"
        state, link, region = feedback.state, core.link(f"/cases/{case.id}"), case.region
    elif concern is not None:
        told = recipients.acting_on_concern(concern)
        what = f"Concern #{concern.id} ({core.reference.concern_types[concern.type].label}) on case {case.case_number}"
        state, link, region = concern.state, core.link(f"/concerns/{concern.id}"), concern.region
    else:
        told = recipients.acting_on_case(case)
        what, state, link, region = f"Case {case.case_number}", case.state, core.link(f"/cases/{case.id}"), case.region
    if step.kind is Kind.ESCALATION:
        told = [*told, *(email for role in rule.escalate_to for email in recipients.with_role(Role(role)))]
    due = spoken(deadline.due_at, core.calendar.tz)
    found = message(key=f"deadline:{deadline.id}:{step.name}", recipients=told, template="deadline_notice",
                    values=dict(heading=HEADINGS[step.kind], kind=step.kind.value, what=what, clock_label=rule.label,
                                due=due, state=state.replace("_", " "), link=link,
                                subject_tail=f"due {due} (region {region})"), case_id=case.id)
    return None if found is None else (found, f"{HEADINGS[step.kind]}: {what}")


#: Each event that tells someone, and how.
MESSAGES: dict[type, Callable] = {
    events.CaseAssigned: case_step("You are assigned to a case review",
                                   lambda uow, c, e: [c.reviewer, c.first_qa, c.second_qa]),
    events.SentToFirstQa: case_step("A case review is ready for first-level QA", lambda uow, c, e: [c.first_qa]),
    events.ReturnedToReviewer: case_step("First-level QA returned a case review", lambda uow, c, e: [c.reviewer]),
    events.Resubmitted: case_step("A corrected case review is back for QA",
                                  lambda uow, c, e: [c.first_qa if e.dest == CaseState.FIRST_QA else c.second_qa]),
    events.FirstQaPassed: case_step("A case review is ready for second-level QA", lambda uow, c, e: [c.second_qa]),
    events.CorrectionsRequested: case_step("Second-level QA requested corrections",
                                           lambda uow, c, e: [c.reviewer, c.first_qa]),
    events.QaCompleted: case_step("QA is complete",
                                  lambda uow, c, e: uow.people.emails_with_role(Role.UNIT_SUPERVISOR)),
    events.ShadowingFeedbackGiven: case_step(
        "First-level QA's performance feedback after shadowing",
        lambda uow, c, e: [c.reviewer, *uow.people.emails_with_role(Role.UNIT_SUPERVISOR)]),
    events.FeedbackReceived: case_step("The Children's Bureau left feedback on a case",
                                       lambda uow, c, e: uow.people.emails_with_role(Role.TEAM_LEAD)),
    events.FeedbackAddressed: feedback_addressed,
    events.ReviewSentToCb: review_sent_to_cb,
    events.ReviewScheduled: review_schedule,
    events.RegionNotified: concern_step("A concern needs your region's response", to_region=True),
    events.MoreRequested: concern_step("More is needed on a concern response", to_region=True),
    events.ConcernResponded: concern_step("The region responded to a concern", to_region=False),
}
