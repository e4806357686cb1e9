"""The people of a case, their interviews, first QA's staffing, the Children's Bureau's feedback, and the
identity a de-identified case had."""

from flask_smorest import Blueprint

from services import case_people, cases, feedback
from services.bus import execute
from web.api.common import caller, core, login_required
from web.api.schemas import (FeedbackAddressSchema, FeedbackCreateSchema, FeedbackReadSchema, IdentityReadSchema,
                             InterviewCreateSchema, InterviewReadSchema, ParticipantCreateSchema,
                             ParticipantReadSchema, StaffingCreateSchema, StaffingReadSchema, page_of)
from workflow.commands import AddParticipant, AddressFeedback, GiveFeedback, RecordInterview, RecordStaffing
from workflow.errors import Forbidden, NotFound
from workflow.roles import Role

blp = Blueprint("api_case_people", __name__, description="Case people, interviews, CB feedback, identity")
MASK = "(masked)"


def _participant(person, viewer) -> dict:
    return {"id": person.id, "role": person.role, "name": MASK if viewer.sees_masked else person.name}


def _interview(interview, roles: dict[int, str]) -> dict:
    return {**interview._asdict(), "role": roles.get(interview.participant_id)}


def _feedback(item) -> dict:
    return {name: getattr(item, name) for name in FeedbackReadSchema().fields}


@blp.route("/cases/<id:case_id>/participants", methods=["POST"])
@login_required
@blp.arguments(ParticipantCreateSchema())
@blp.response(201, ParticipantReadSchema)
def add_participant(body, case_id):
    """A person of the case (team lead or the case's reviewer, until the case is finalized)."""
    added = execute(core(), AddParticipant(case_id=case_id, name=body["name"], role=body["role"], actor=caller(),
                                           at=core().now()))
    return _participant(added, caller())


@blp.route("/cases/<id:case_id>/participants", methods=["GET"])
@login_required
@blp.response(200, page_of(ParticipantReadSchema))
def participants(case_id):
    """The case's people (names masked for auditors)."""
    viewer = caller()
    with core().uow(write=False) as uow:
        people, _, _ = case_people.people_of(uow, core(), case_id=case_id, viewer=viewer)
    return {"items": [_participant(p, viewer) for p in people], "next": None}


@blp.route("/cases/<id:case_id>/interviews", methods=["POST"])
@login_required
@blp.arguments(InterviewCreateSchema())
@blp.response(201, InterviewReadSchema)
def record_interview(body, case_id):
    """A step of a participant's interview: scheduled (when, where), held, or an acceptable exception (a
    refused one is a 422 saying why)."""
    recorded = execute(core(), RecordInterview(case_id=case_id, actor=caller(), at=core().now(), **body))
    with core().uow(write=False) as uow:
        people, _, _ = case_people.people_of(uow, core(), case_id=case_id, viewer=caller())
    return _interview(recorded, {p.id: p.role for p in people})


@blp.route("/cases/<id:case_id>/interviews", methods=["GET"])
@login_required
@blp.response(200, page_of(InterviewReadSchema))
def interviews(case_id):
    """Every step of the case's interviews, oldest first."""
    with core().uow(write=False) as uow:
        people, recorded, _ = case_people.people_of(uow, core(), case_id=case_id, viewer=caller())
    roles = {p.id: p.role for p in people}
    return {"items": [_interview(i, roles) for i in recorded], "next": None}


@blp.route("/cases/<id:case_id>/staffing", methods=["POST"])
@login_required
@blp.arguments(StaffingCreateSchema())
@blp.response(201, StaffingReadSchema)
def record_staffing(body, case_id):
    """First QA's peer staffing with the reviewer, or its shadowing and written performance feedback."""
    return {"id": execute(core(), RecordStaffing(case_id=case_id, actor=caller(), at=core().now(), **body))}


@blp.route("/cases/<id:case_id>/feedback", methods=["POST"])
@login_required
@blp.arguments(FeedbackCreateSchema())
@blp.response(201, FeedbackReadSchema)
def give_feedback(body, case_id):
    """A CB reviewer's feedback item on a case in cb_oversight; it runs the 1-month clock."""
    return _feedback(execute(core(), GiveFeedback(case_id=case_id, text=body["text"], actor=caller(),
                                                  at=core().now())))


@blp.route("/cases/<id:case_id>/feedback", methods=["GET"])
@login_required
@blp.response(200, page_of(FeedbackReadSchema))
def list_feedback(case_id):
    with core().uow(write=False) as uow:
        return {"items": [_feedback(f) for f in feedback.of_case(uow, case_id=case_id, viewer=caller())],
                "next": None}


@blp.route("/feedback/<id:feedback_id>/address", methods=["POST"])
@login_required
@blp.arguments(FeedbackAddressSchema())
@blp.response(200, FeedbackReadSchema)
def address_feedback(body, feedback_id):
    """A team lead says what was changed; the item is then addressed."""
    return _feedback(execute(core(), AddressFeedback(feedback_id=feedback_id, resolution=body["resolution"],
                                                     actor=caller(), at=core().now())))


@blp.route("/cases/<id:case_id>/identity", methods=["GET"])
@login_required
@blp.response(200, IdentityReadSchema)
def identity(case_id):
    """The identifier a de-identified case now has and the case number it had: team leads only."""
    viewer = caller()
    if not viewer.has(Role.TEAM_LEAD):
        raise Forbidden("only team leads read the identity of a de-identified case")
    with core().uow(write=False) as uow:
        case = cases.get_case(uow, case_id=case_id, viewer=viewer)
        found = cases.original_identity(uow, case=case, viewer=viewer)
    if found is None:
        raise NotFound(f"case {case_id} is not de-identified")
    return {"identifier": found["identifier"], "case_number": found["case_number"]}
