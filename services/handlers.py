"""Who is told what when something happens: one table maps each event type to its messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from models.tables import CaseRow, ConcernRow, ReviewRow
from models.unit_of_work import UnitOfWork
from notifications.outbox import enqueue
from notifications.render import spoken
from services.core import Core
from services.deadlines import apply_clock_effects
from services.people import emails_with_role
from workflow import events
from workflow.clocks import due_at
from workflow.deadlines import CLOCK_EFFECTS
from workflow.roles import Role


def _case_message(headline: str, recipients: Callable[[UnitOfWork, Any, events.Transitioned], list]):
    def handle(core: Core, uow: UnitOfWork, event: events.Transitioned, record_id: int) -> None:
        case = uow.db.get(CaseRow, event.entity_id)
        due = None
        if case.review_date is not None and case.state not in ("finalized", "deidentified", "eliminated"):
            due = spoken(case_deadline(core, case), core.calendar.tz)
        values = dict(headline=headline, case_number=case.case_number, case_type=case.case_type.replace("_", " "),
                      region=case.region, state=case.state, actor=event.actor, notes=event.notes, due=due,
                      link=core.link(f"/cases/{case.id}"))
        enqueue(uow, key=f"audit:{record_id}", recipients=recipients(uow, case, event), template="case_step",
                values=values, now=event.at)
    return handle


def case_deadline(core: Core, case) -> datetime:
    return due_at(core.reference.clocks["finalize"], case.review_date, core.calendar)


def _review_sent_to_cb(core: Core, uow: UnitOfWork, event: events.Transitioned, record_id: int) -> None:
    review = uow.session.get(ReviewRow, event.entity_id)
    values = dict(region=review.region, review_month=f"{review.review_month:%Y-%m}",
                  link=core.link(f"/reviews/{review.id}"))
    enqueue(uow, key=f"audit:{record_id}", recipients=emails_with_role(uow.session, Role.CB_REVIEWER),
            template="review_to_cb", values=values, now=event.at)


def _concern_message(headline: str, to_region: bool):
    """To the team lead who notified the region and, when the region must act, its regional leadership."""
    def handle(core: Core, uow: UnitOfWork, event: events.Transitioned, record_id: int) -> None:
        concern = uow.session.get(ConcernRow, event.entity_id)
        case = uow.db.get(CaseRow, concern.case_id, ("case_number",))
        recipients = [concern.notified_by]
        if to_region:
            recipients += emails_with_role(uow.session, Role.REGIONAL_LEADER, concern.region)
        type_label = core.reference.concern_types[concern.type].label
        awaited = concern.state == "region_notified"
        values = dict(headline=headline, concern_id=concern.id, type_label=type_label,
                      case_number=case.case_number, region=concern.region, state=concern.state,
                      actor=event.actor, notes=event.notes,
                      due=spoken(concern.response_due, core.calendar.tz) if awaited else None,
                      link=core.link(f"/concerns/{concern.id}"))
        enqueue(uow, key=f"audit:{record_id}", recipients=recipients, template="concern_step", values=values,
                now=event.at)
    return handle


MESSAGES: dict[type, list[Callable]] = {
    events.CaseAssigned: [_case_message("You are assigned to a case review",
                                        lambda uow, c, e: [c.reviewer, c.first_qa, c.second_qa])],
    events.SentToFirstQa: [_case_message("A case review is ready for first-level QA", lambda uow, c, e: [c.first_qa])],
    events.ReturnedToReviewer: [_case_message("First-level QA returned a case review", lambda uow, c, e: [c.reviewer])],
    events.Resubmitted: [_case_message("A corrected case review is back for QA",
                                       lambda uow, c, e: [c.first_qa if e.dest == "first_qa" else c.second_qa])],
    events.FirstQaPassed: [_case_message("A case review is ready for second-level QA", lambda uow, c, e: [c.second_qa])],
    events.CorrectionsRequested: [_case_message("Second-level QA requested corrections",
                                                lambda uow, c, e: [c.reviewer, c.first_qa])],
    events.QaCompleted: [_case_message("QA is complete",
                                       lambda uow, c, e: emails_with_role(uow.session, Role.UNIT_SUPERVISOR))],
    events.ReviewSentToCb: [_review_sent_to_cb],
    events.RegionNotified: [_concern_message("A concern needs your region's response", to_region=True)],
    events.MoreRequested: [_concern_message("More is needed on a concern response", to_region=True)],
    events.ConcernResponded: [_concern_message("The region responded to a concern", to_region=False)],
}


#: Clocks first, so a message can name the deadline its event just started.
HANDLERS: dict[type, list[Callable]] = {
    event: [*([apply_clock_effects] if event in CLOCK_EFFECTS else []), *MESSAGES.get(event, [])]
    for event in {*CLOCK_EFFECTS, *MESSAGES}
}


def dispatch(core: Core, uow: UnitOfWork, recorded: list[tuple[events.Transitioned, int]]) -> None:
    """Run every handler of every recorded event, inside the same transaction."""
    for event, record_id in recorded:
        for handler in HANDLERS.get(type(event), ()):
            handler(core, uow, event, record_id)
