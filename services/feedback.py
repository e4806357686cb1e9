"""The Children's Bureau's secondary oversight: feedback items per case, addressed by the team leads."""

from __future__ import annotations

from services import cases
from services.core import Core
from workflow.clocks import due_at
from workflow.commands import AddressFeedback, GiveFeedback
from workflow.errors import NotFound
from workflow.feedback import Feedback, address, receive


def give(command: GiveFeedback, *, uow, core: Core) -> Feedback:
    case = cases.get_case(uow, case_id=command.case_id, viewer=command.actor)
    return uow.feedback.add(receive(case_id=case.id, review_id=case.review_id, case_state=case.state,
                                    text=command.text, actor=command.actor, now=command.at,
                                    due=due_at(core.reference.clocks["cb_feedback"], command.at, core.calendar)))


def get(uow, *, feedback_id: int, viewer) -> Feedback:
    """The feedback item, or NotFound when it does not exist or its case is hidden from the viewer."""
    item = uow.feedback.get(feedback_id)
    if item is None:
        raise NotFound(f"no feedback {feedback_id}")
    cases.get_case(uow, case_id=item.case_id, viewer=viewer)
    return item


def address_item(command: AddressFeedback, *, uow, core: Core) -> Feedback:
    item = get(uow, feedback_id=command.feedback_id, viewer=command.actor)
    address(item, resolution=command.resolution, actor=command.actor, now=command.at)
    uow.feedback.save(item)
    return item


def of_case(uow, *, case_id: int, viewer) -> list[Feedback]:
    case = cases.get_case(uow, case_id=case_id, viewer=viewer)
    return uow.feedback.of_case(case.id)
