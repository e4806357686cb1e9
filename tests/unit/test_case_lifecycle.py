"""The case review lifecycle, state by trigger: what moves, what is refused, and nothing changing on refusal."""

from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest

from tests.unit.domain_fixtures import (ASSIGNMENT, AUDITOR, COORDINATOR, FIRST_QA, LEAD, OTHER_QA, OTHER_REVIEWER,
                                        REVIEWER, SECOND_QA, SUPERVISOR, case_in, context)
from workflow import events
from workflow.actors import SYSTEM_ACTOR, Actor, Directory
from workflow.case_lifecycle import CASE_LIFECYCLE
from workflow.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from workflow.roles import Role
from workflow.states import CaseState

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)

# The SPEC's table, written out independently of the machine: (state, returned_by, trigger) -> new state.
ALLOWED = {
    ("sampled", None, "screen"): "screened",
    ("sampled", None, "eliminate"): "eliminated",
    ("sampled", None, "propose_elimination"): "sampled",
    ("screened", None, "eliminate"): "eliminated",
    ("screened", None, "propose_elimination"): "screened",
    ("screened", None, "assign"): "assigned",
    ("assigned", None, "eliminate"): "eliminated",
    ("assigned", None, "propose_elimination"): "assigned",
    ("assigned", None, "submit_review"): "reviewed",
    ("reviewed", None, "submit_first_qa"): "first_qa",
    ("reviewed", "first_qa", "resubmit"): "first_qa",
    ("reviewed", "second_qa", "resubmit"): "second_qa",
    ("first_qa", None, "return_to_reviewer"): "reviewed",
    ("first_qa", None, "pass_first_qa"): "second_qa",
    ("second_qa", None, "request_corrections"): "reviewed",
    ("second_qa", None, "complete_qa"): "cb_oversight",
    ("cb_oversight", None, "finalize"): "finalized",
    ("finalized", None, "deidentify"): "deidentified",
}

# Who fires each trigger, and with which valid fields.
FIRED_BY = {
    "screen": (LEAD, {}),
    "eliminate": (LEAD, {"reason": "opened_in_error", "notes": "duplicate record", "cb_consulted": True}),
    "propose_elimination": (COORDINATOR, {"reason": "icpc_other_state", "notes": "courtesy supervision"}),
    "assign": (LEAD, ASSIGNMENT),
    "submit_review": (REVIEWER, {"review_date": "2026-11-20"}),
    "submit_first_qa": (REVIEWER, {}),
    "return_to_reviewer": (FIRST_QA, {"notes": "item 4 needs evidence"}),
    "resubmit": (REVIEWER, {}),
    "pass_first_qa": (FIRST_QA, {}),
    "request_corrections": (SECOND_QA, {"notes": "item 12 rating"}),
    "complete_qa": (SECOND_QA, {}),
    "finalize": (LEAD, {}),
    "deidentify": (LEAD, {}),
}

SITUATIONS = [(s.value, None) for s in CaseState] + [("reviewed", "first_qa"), ("reviewed", "second_qa")]
MATRIX = [(state, returned, trigger) for state, returned in SITUATIONS for trigger in FIRED_BY]


def test_the_matrix_covers_every_trigger_the_machine_knows():
    assert set(FIRED_BY) == set(CASE_LIFECYCLE.rules)


@pytest.mark.parametrize(("state", "returned_by", "trigger"), MATRIX)
def test_every_state_and_trigger(state, returned_by, trigger):
    case = case_in(state, returned_by=returned_by)
    before = asdict(case)
    actor, fields = FIRED_BY[trigger]
    expected = ALLOWED.get((state, returned_by, trigger))
    if expected is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            CASE_LIFECYCLE.fire(case, trigger, actor=actor, fields=fields, ctx=context(), now=NOW)
        assert refused.value.details["state"] == state
        assert trigger not in refused.value.details["allowed_triggers"]
        assert asdict(case) == before
    else:
        event = CASE_LIFECYCLE.fire(case, trigger, actor=actor, fields=fields, ctx=context(), now=NOW)
        assert case.state == expected
        assert (event.source, event.dest, event.trigger, event.actor) == (state, expected, trigger, actor.email)


@pytest.mark.parametrize(("state", "returned_by"), SITUATIONS)
def test_allowed_triggers_are_exactly_the_specified_ones(state, returned_by):
    expected = {t for (s, r, t) in ALLOWED if (s, r) == (state, returned_by)}
    assert set(CASE_LIFECYCLE.allowed_triggers(case_in(state, returned_by=returned_by))) == expected


def test_a_refusal_names_the_current_state_and_what_is_allowed():
    with pytest.raises(TransitionNotAllowed) as refused:
        CASE_LIFECYCLE.fire(case_in("sampled"), "finalize", actor=LEAD, fields={}, ctx=context(), now=NOW)
    assert refused.value.details == {"state": "sampled", "allowed_triggers": ["screen", "eliminate",
                                                                              "propose_elimination"]}
    assert "sampled" in refused.value.message


def test_unknown_trigger_is_a_validation_error():
    with pytest.raises(ValidationFailed) as refused:
        CASE_LIFECYCLE.fire(case_in("sampled"), "teleport", actor=LEAD, fields={}, ctx=context(), now=NOW)
    assert "trigger" in refused.value.details


class TestReturnLoops:
    def walk(self, case, *steps):
        for trigger in steps:
            actor, fields = FIRED_BY[trigger]
            CASE_LIFECYCLE.fire(case, trigger, actor=actor, fields=fields, ctx=context(), now=NOW)
        return case

    def test_first_qa_return_goes_back_to_first_qa_and_hides_submit_first_qa(self):
        case = self.walk(case_in("first_qa"), "return_to_reviewer")
        assert case.state == "reviewed"
        assert CASE_LIFECYCLE.allowed_triggers(case) == ["resubmit"]
        assert self.walk(case, "resubmit").state == "first_qa"

    def test_second_qa_corrections_go_straight_back_to_second_qa(self):
        case = self.walk(case_in("second_qa"), "request_corrections", "resubmit")
        assert case.state == "second_qa"

    def test_after_resubmission_the_normal_path_resumes(self):
        case = self.walk(case_in("first_qa"), "return_to_reviewer", "resubmit", "pass_first_qa",
                         "request_corrections", "resubmit", "complete_qa")
        assert case.state == "cb_oversight"
        assert case.returned_by is None


class TestWhoMayFire:
    @pytest.mark.parametrize("trigger", ["screen", "eliminate", "assign", "finalize", "deidentify"])
    @pytest.mark.parametrize("actor", [REVIEWER, FIRST_QA, SUPERVISOR, AUDITOR, COORDINATOR])
    def test_team_lead_steps_refuse_everyone_else(self, trigger, actor):
        state = {"screen": "sampled", "eliminate": "screened", "assign": "screened", "finalize": "cb_oversight",
                 "deidentify": "finalized"}[trigger]
        case = case_in(state)
        with pytest.raises(Forbidden):
            CASE_LIFECYCLE.fire(case, trigger, actor=actor, fields=FIRED_BY[trigger][1], ctx=context(), now=NOW)
        assert case.state == state

    @pytest.mark.parametrize(("state", "trigger"), [
        ("assigned", "submit_review"), ("reviewed", "submit_first_qa"),
        ("first_qa", "return_to_reviewer"), ("first_qa", "pass_first_qa"),
        ("second_qa", "request_corrections"), ("second_qa", "complete_qa"),
    ])
    @pytest.mark.parametrize("actor", [OTHER_REVIEWER, OTHER_QA, LEAD])
    def test_review_and_qa_steps_belong_to_the_assigned_people(self, state, trigger, actor):
        with pytest.raises(Forbidden) as refused:
            CASE_LIFECYCLE.fire(case_in(state), trigger, actor=actor, fields=FIRED_BY[trigger][1],
                                ctx=context(), now=NOW)
        assert "may" in refused.value.message

    def test_first_qa_cannot_do_second_qa_steps(self):
        with pytest.raises(Forbidden):
            CASE_LIFECYCLE.fire(case_in("second_qa"), "complete_qa", actor=FIRST_QA, fields={}, ctx=context(),
                                now=NOW)

    def test_the_scheduler_may_deidentify(self):
        case = case_in("finalized")
        CASE_LIFECYCLE.fire(case, "deidentify", actor=SYSTEM_ACTOR, fields={}, ctx=context(), now=NOW)
        assert case.state == "deidentified"

    def test_site_coordinator_proposes_only_in_their_region(self):
        elsewhere = Actor("sam@unit.test", frozenset({Role.SITE_COORDINATOR}), region="2E")
        with pytest.raises(Forbidden):
            CASE_LIFECYCLE.fire(case_in("sampled"), "propose_elimination", actor=elsewhere,
                                fields=FIRED_BY["propose_elimination"][1], ctx=context(), now=NOW)

    def test_triggers_for_offers_only_what_this_person_may_do(self):
        case = case_in("first_qa")
        assert CASE_LIFECYCLE.triggers_for(case, FIRST_QA) == ["return_to_reviewer", "pass_first_qa"]
        assert CASE_LIFECYCLE.triggers_for(case, REVIEWER) == []


class TestAssignGuards:
    def assign(self, fields, directory=None):
        case = case_in("screened")
        kwargs = {"directory": directory} if directory else {}
        try:
            return CASE_LIFECYCLE.fire(case, "assign", actor=LEAD, fields=fields, ctx=context(**kwargs), now=NOW)
        finally:
            self.case = case

    def test_three_people_are_recorded(self):
        self.assign(ASSIGNMENT)
        assert (self.case.reviewer, self.case.first_qa, self.case.second_qa) == (
            REVIEWER.email, FIRST_QA.email, SECOND_QA.email)

    def test_the_same_person_twice_is_refused(self):
        with pytest.raises(ValidationFailed) as refused:
            self.assign(ASSIGNMENT | {"second_qa": FIRST_QA.email})
        assert "three different people" in str(refused.value.details)
        assert self.case.state == "screened" and self.case.reviewer is None

    def test_missing_people_are_named(self):
        with pytest.raises(ValidationFailed) as refused:
            self.assign({"reviewer": REVIEWER.email})
        assert set(refused.value.details) == {"first_qa", "second_qa"}

    def test_reviewer_needs_the_reviewer_role_and_qa_the_qa_role(self):
        with pytest.raises(ValidationFailed) as refused:
            self.assign({"reviewer": FIRST_QA.email, "first_qa": REVIEWER.email, "second_qa": SECOND_QA.email})
        assert set(refused.value.details) == {"reviewer", "first_qa"}

    def test_unknown_people_are_refused(self):
        with pytest.raises(ValidationFailed) as refused:
            self.assign(ASSIGNMENT | {"first_qa": "nobody@unit.test"})
        assert "no user" in refused.value.details["first_qa"][0]

    @pytest.mark.parametrize("conflict", [
        {"conflict_cases": frozenset({7})},
        {"conflict_regions": frozenset({"3N"})},
        {"conflict_participants": frozenset({"W-1"})},
    ])
    def test_a_declared_conflict_of_interest_bars_any_role(self, conflict):
        conflicted = Actor(SECOND_QA.email, SECOND_QA.roles, **conflict)
        directory = Directory({**context().directory.people, SECOND_QA.email: conflicted})
        with pytest.raises(ValidationFailed) as refused:
            self.assign(ASSIGNMENT, directory)
        assert "conflict of interest" in refused.value.details["second_qa"][0]

    def test_a_conflict_elsewhere_does_not_matter(self):
        elsewhere = Actor(SECOND_QA.email, SECOND_QA.roles, conflict_regions=frozenset({"2E"}),
                          conflict_cases=frozenset({8}))
        self.assign(ASSIGNMENT, Directory({**context().directory.people, SECOND_QA.email: elsewhere}))
        assert self.case.state == "assigned"


class TestEliminationGuards:
    def eliminate(self, **fields):
        case = case_in("screened")
        try:
            return CASE_LIFECYCLE.fire(case, "eliminate", actor=LEAD, fields=fields, ctx=context(), now=NOW)
        finally:
            self.case = case

    def test_records_the_reason_and_notes(self):
        event = self.eliminate(reason="icpc_other_state", notes="Georgia holds custody", cb_consulted=True)
        assert isinstance(event, events.CaseEliminated)
        assert self.case.elimination_reason == "icpc_other_state"
        assert event.notes == "Georgia holds custody"

    @pytest.mark.parametrize(("fields", "field"), [
        ({"notes": "n", "cb_consulted": True}, "reason"),
        ({"reason": "because", "notes": "n", "cb_consulted": True}, "reason"),
        ({"reason": "opened_in_error", "cb_consulted": True}, "notes"),
        ({"reason": "opened_in_error", "notes": "   ", "cb_consulted": True}, "notes"),
        ({"reason": "opened_in_error", "notes": "n"}, "cb_consulted"),
        ({"reason": "opened_in_error", "notes": "n", "cb_consulted": "yes"}, "cb_consulted"),
    ])
    def test_incomplete_eliminations_are_refused(self, fields, field):
        with pytest.raises(ValidationFailed) as refused:
            self.eliminate(**fields)
        assert field in refused.value.details
        assert self.case.state == "screened"

    def test_unavailable_key_individuals_never_decide_alone(self):
        with pytest.raises(ValidationFailed) as refused:
            self.eliminate(reason="key_individuals_unavailable", notes="no answer", cb_consulted=True)
        assert "supporting_reason" in refused.value.details
        self.eliminate(reason="key_individuals_unavailable", supporting_reason="icpc_other_state",
                       notes="no answer; out of state", cb_consulted=True)
        assert self.case.state == "eliminated"


class TestOtherFields:
    @pytest.mark.parametrize("trigger", ["return_to_reviewer", "request_corrections"])
    @pytest.mark.parametrize("notes", [None, "", "  ", 42])
    def test_returns_need_notes(self, trigger, notes):
        state = "first_qa" if trigger == "return_to_reviewer" else "second_qa"
        actor = FIRST_QA if state == "first_qa" else SECOND_QA
        case = case_in(state)
        with pytest.raises(ValidationFailed) as refused:
            CASE_LIFECYCLE.fire(case, trigger, actor=actor, fields={"notes": notes}, ctx=context(), now=NOW)
        assert "notes" in refused.value.details
        assert case.state == state

    @pytest.mark.parametrize(("review_date", "message"), [
        (None, "required"), ("22/11/2026", "YYYY-MM-DD"), ("2026-10-31", "review month"),
        ("2026-12-01", "review month"), ("2026-11-23", "future"),
    ])
    def test_the_review_date_falls_in_the_review_month_and_not_in_the_future(self, review_date, message):
        case = case_in("assigned")
        with pytest.raises(ValidationFailed) as refused:
            CASE_LIFECYCLE.fire(case, "submit_review", actor=REVIEWER, fields={"review_date": review_date},
                                ctx=context(), now=NOW)
        assert message in refused.value.details["review_date"][0]
        assert case.review_date is None

    def test_today_is_a_valid_review_date(self):
        case = case_in("assigned")
        CASE_LIFECYCLE.fire(case, "submit_review", actor=REVIEWER, fields={"review_date": "2026-11-22"},
                            ctx=context(), now=NOW)
        assert case.review_date == date(2026, 11, 22)

    def test_finalize_waits_for_cb_feedback_to_be_addressed(self):
        case = case_in("cb_oversight")
        with pytest.raises(ValidationFailed):
            CASE_LIFECYCLE.fire(case, "finalize", actor=LEAD, fields={}, ctx=context(unaddressed_feedback=2),
                                now=NOW)
        CASE_LIFECYCLE.fire(case, "finalize", actor=LEAD, fields={}, ctx=context(), now=NOW)
        assert case.finalized_at == NOW

    def test_deidentify_replaces_identifying_values_and_reports_the_old_ones(self):
        case = case_in("finalized")
        event = CASE_LIFECYCLE.fire(case, "deidentify", actor=LEAD, fields={}, ctx=context(), now=NOW)
        assert case.case_number == "DTEST00001" and case.case_number.isalnum()
        assert case.child_id is None and case.worker is None
        assert event.data["previous"] == {"case_number": "FC-0007", "child_id": "CH-1", "worker": "W-1"}

    def test_any_trigger_may_carry_notes(self):
        event = CASE_LIFECYCLE.fire(case_in("sampled"), "screen", actor=LEAD, fields={"notes": " meets criteria "},
                                    ctx=context(), now=NOW)
        assert event.notes == "meets criteria"

    def test_the_proposal_is_recorded_but_the_state_stays(self):
        case = case_in("sampled")
        CASE_LIFECYCLE.fire(case, "propose_elimination", actor=COORDINATOR,
                            fields={"reason": "icpc_other_state", "notes": "courtesy supervision"},
                            ctx=context(), now=NOW)
        assert case.state == "sampled"
        assert (case.proposed_elimination_reason, case.proposed_by) == ("icpc_other_state", COORDINATOR.email)
