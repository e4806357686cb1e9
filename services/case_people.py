"""The people of a case, their interviews, and first-level QA's staffing and shadowing of the reviewer."""

from __future__ import annotations

from services import cases
from services.core import Core
from workflow import events
from workflow.case_lifecycle import CaseReview
from workflow.case_people import Interview, Participant, checked_interview, checked_participant, labels_of, \
    open_interviews
from workflow.commands import TEXT_MAX, AddParticipant, RecordInterview, RecordStaffing
from workflow.errors import Forbidden, NotAllowed
from workflow.lifecycle import collect
from workflow.roles import Role
from workflow.states import CaseState

#: A case's people and interviews are recorded until it is finalized (nothing is done on an eliminated one).
_CLOSED = (CaseState.FINALIZED, CaseState.DEIDENTIFIED, CaseState.ELIMINATED)
#: First-level QA staffs the case with the reviewer and shadows the interviews while the review is under way.
_STAFFED = (CaseState.ASSIGNED, CaseState.REVIEWED)


def _recorder(case: CaseReview, actor, *, interviews: bool) -> bool:
    """Team leads and the case's reviewer record its people; for its interviews, its region's site
    coordinators too (they arrange them)."""
    return (actor.has(Role.TEAM_LEAD) or actor.email == case.reviewer
            or (interviews and actor.has(Role.SITE_COORDINATOR) and actor.region == case.region))


def records(case: CaseReview, actor, *, interviews: bool = False) -> bool:
    """Whether `actor` may record the case's people (or their interviews) now: what the case page offers."""
    return _recorder(case, actor, interviews=interviews) and case.state not in _CLOSED


def _open_case(uow, command, *, interviews: bool = False) -> CaseReview:
    """The case, if the actor records its people (or interviews) and it is not closed; Forbidden or
    NotAllowed otherwise."""
    case = cases.get_case(uow, case_id=command.case_id, viewer=command.actor)
    if not _recorder(case, command.actor, interviews=interviews):
        raise Forbidden("only a team lead or the case's reviewer records its people and interviews")
    if case.state in _CLOSED:
        raise NotAllowed(f"the case is {case.state}: its people and interviews are no longer changed",
                         {"state": case.state})
    return case


def _recorded(case: CaseReview, kind: type, trigger: str, command, notes: str, record: int) -> None:
    """The case's history records the step (`record`: the row it wrote); the case's state and version stay."""
    case.events.append(kind(entity="case", entity_id=case.id, trigger=trigger, source=case.state, dest=case.state,
                            actor=command.actor.email, at=command.at, notes=notes, data={"record": record}))


def add_participant(command: AddParticipant, *, uow, core: Core) -> Participant:
    case = _open_case(uow, command)
    rules = core.reference.case_people
    name, role = checked_participant(command.name, command.role, rules)
    added = uow.case_people.add_participant(case_id=case.id, name=name, role=role, by=command.actor.email,
                                            at=command.at)
    _recorded(case, events.ParticipantAdded, "add_participant", command, f"{rules.roles[role]}: {name}", added.id)
    return added


def record_interview(command: RecordInterview, *, uow, core: Core) -> Interview:
    case = _open_case(uow, command, interviews=True)
    rules = core.reference.case_people
    people = {p.id: p for p in uow.case_people.participants(case.id)}
    collect({"participant_id": [] if command.participant_id in people else
             [f"no participant {command.participant_id} in case {case.id}"]})
    fields = checked_interview(status=command.status, scheduled_for=command.scheduled_for, location=command.location,
                               exception=command.exception, notes=command.notes, rules=rules)
    interview = uow.case_people.add_interview(case_id=case.id, participant_id=command.participant_id, fields=fields,
                                              by=command.actor.email, at=command.at)
    person = people[command.participant_id]
    told = {"scheduled": f"scheduled for {fields['scheduled_for']:%Y-%m-%d %H:%M} ({fields['location']})"
            if fields["scheduled_for"] else "scheduled", "held": "held",
            "exception": f"an exception: {rules.acceptable.get(fields['exception'], '')}"}[fields["status"]]
    _recorded(case, events.InterviewRecorded, "record_interview", command,
              f"interview of the {labels_of(list(people.values()), rules)[person.id]} ({person.name}) {told}"
              + (f"; {fields['notes']}" if fields["notes"] else ""), interview.id)
    return interview


def record_staffing(command: RecordStaffing, *, uow, core: Core) -> int:
    """First QA's peer staffing, or its shadowing with the written performance feedback (e-mailed to the
    reviewer and the unit supervisors)."""
    case = cases.get_case(uow, case_id=command.case_id, viewer=command.actor)
    if command.actor.email != case.first_qa:
        raise Forbidden("only the case's first-level QA records its staffing and shadowing")
    if case.state not in _STAFFED:
        raise NotAllowed(f"the case is {case.state}: staffing and shadowing come while the review is under way",
                         {"state": case.state})
    notes = command.notes.strip() if isinstance(command.notes, str) else ""
    shadowing = command.kind == "shadowing"
    collect({"kind": [] if command.kind in ("staffing", "shadowing") else ["must be staffing or shadowing"],
             "hours": ["the shadowing time, in hours, more than 0 and at most 24"]
             if shadowing and not (isinstance(command.hours, int | float) and 0 < command.hours <= 24) else [],
             "notes": ["the written performance feedback is required after shadowing"] if shadowing and not notes
             else [f"at most {TEXT_MAX} characters"] if len(notes) > TEXT_MAX else []})
    staffing_id = uow.case_people.add_staffing(case_id=case.id, kind=command.kind, held_on=command.held_on,
                                               hours=command.hours if shadowing else None, notes=notes or None,
                                               by=command.actor.email, at=command.at)
    if shadowing:
        _recorded(case, events.ShadowingFeedbackGiven, "give_performance_feedback", command,
                  f"shadowed the interviews on {command.held_on} ({command.hours:g} h); feedback: {notes}", staffing_id)
    else:
        _recorded(case, events.StaffingRecorded, "record_staffing", command,
                  f"peer staffing with the reviewer on {command.held_on}" + (f": {notes}" if notes else ""),
                  staffing_id)
    return staffing_id


def still_open(uow, core: Core, case: CaseReview) -> list[str]:
    """The case's required interviews still open: `submit_review` warns of them, never refuses."""
    return open_interviews(case.case_type, uow.case_people.participants(case.id),
                           uow.case_people.interviews(case.id), core.reference.case_people)


def people_of(uow, core: Core, *, case_id: int, viewer) -> tuple[list[Participant], list[Interview], list[str]]:
    """The case's people, their interviews, and the required interviews still open."""
    case = cases.get_case(uow, case_id=case_id, viewer=viewer)
    people, interviews = uow.case_people.participants(case.id), uow.case_people.interviews(case.id)
    return people, interviews, open_interviews(case.case_type, people, interviews, core.reference.case_people)

