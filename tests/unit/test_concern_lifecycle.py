"""Concerns: raised, sent to the region, answered by THAT region's leadership, accepted or sent back."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.unit.domain_fixtures import LEAD, REFERENCE, REVIEWER, SUPERVISOR
from workflow.actors import Actor
from workflow.clocks import AgencyCalendar
from workflow.concern_lifecycle import CONCERN_LIFECYCLE, ConcernContext, raise_concern
from workflow.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from workflow.roles import Role

CAL = AgencyCalendar(ZoneInfo("America/Chicago"))
LEADER_3N = Actor("lena@unit.test", frozenset({Role.REGIONAL_LEADER}), region="3N")
LEADER_2E = Actor("leo@unit.test", frozenset({Role.REGIONAL_LEADER}), region="2E")
T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # 09:00 in Chicago
RESPONSE = {"corrective_action": "Safety plan put in place the same day."}


def concern(type="safety_issue"):
    return raise_concern(case_id=3, region="3N", type=type, description="bruises noted", actor=REVIEWER, now=T0)


def fire(c, trigger, actor, now, **fields):
    ctx = ConcernContext(clock=REFERENCE.concern_clock(c.type), calendar=CAL)
    return CONCERN_LIFECYCLE.fire(c, trigger, actor=actor, fields=fields, ctx=ctx, now=now)


def test_a_safety_issue_gives_the_region_24_hours():
    c = concern()
    fire(c, "notify_region", LEAD, T0)
    assert c.state == "region_notified" and c.response_due == T0 + timedelta(hours=24)
    assert not c.overdue(T0 + timedelta(hours=24)) and c.overdue(T0 + timedelta(hours=24, seconds=1))


def test_other_types_give_ten_days_to_the_end_of_the_local_day():
    c = concern("runaway")
    fire(c, "notify_region", LEAD, T0)
    assert c.response_due == datetime(2026, 11, 13, 5, 59, 59, tzinfo=UTC)  # 12 Nov 23:59:59 CST


def test_a_late_response_is_accepted_and_recorded_as_late():
    c = concern()
    fire(c, "notify_region", LEAD, T0)
    fire(c, "respond", LEADER_3N, T0 + timedelta(hours=30), **RESPONSE)
    assert c.state == "responded" and c.responded_late
    fire(c, "accept", LEAD, T0 + timedelta(hours=31))
    assert c.state == "resolved"


def test_asking_for_more_restarts_the_clock_from_that_moment():
    c = concern()
    fire(c, "notify_region", LEAD, T0)
    fire(c, "respond", LEADER_3N, T0 + timedelta(hours=2), **RESPONSE)
    later = T0 + timedelta(hours=5)
    fire(c, "request_more", LEAD, later, notes="Who checked the other children?")
    assert c.state == "region_notified" and c.response_due == later + timedelta(hours=24)


def test_only_the_concerns_region_may_respond():
    c = concern()
    fire(c, "notify_region", LEAD, T0)
    with pytest.raises(Forbidden):
        fire(c, "respond", LEADER_2E, T0, **RESPONSE)
    with pytest.raises(Forbidden):
        fire(c, "respond", LEAD, T0, **RESPONSE)
    assert c.state == "region_notified"


@pytest.mark.parametrize(("fields", "field"), [
    ({}, "corrective_action"),
    ({"corrective_action": "  "}, "corrective_action"),
    ({"corrective_action": "x", "systemic_issue": True}, "systemic_issue"),
    ({"corrective_action": "x", "systemic_issue": "No placements for sibling groups"}, "prevention_plan"),
])
def test_a_response_needs_its_fields(fields, field):
    c = concern()
    fire(c, "notify_region", LEAD, T0)
    with pytest.raises(ValidationFailed) as refused:
        fire(c, "respond", LEADER_3N, T0, **fields)
    assert field in refused.value.details


def test_request_more_needs_notes_and_team_lead_steps_need_a_team_lead():
    c = concern()
    with pytest.raises(Forbidden):
        fire(c, "notify_region", SUPERVISOR, T0)
    fire(c, "notify_region", LEAD, T0)
    fire(c, "respond", LEADER_3N, T0, **RESPONSE)
    with pytest.raises(ValidationFailed):
        fire(c, "request_more", LEAD, T0)


def test_triggers_out_of_order_are_refused():
    with pytest.raises(TransitionNotAllowed) as refused:
        fire(concern(), "accept", LEAD, T0)
    assert refused.value.details == {"state": "reported", "allowed_triggers": ["notify_region"]}


def test_only_reviewers_and_team_leads_raise_concerns():
    with pytest.raises(Forbidden):
        raise_concern(case_id=1, region="3N", type="runaway", description="d", actor=LEADER_3N, now=T0)


def test_a_response_names_the_systemic_issue_in_words_beside_the_plan_to_address_it():
    c = concern()
    fire(c, "notify_region", LEAD, T0)
    fire(c, "respond", LEADER_3N, T0, corrective_action="Child moved to a kinship home.",
         systemic_issue="  No kinship search before removal ", prevention_plan="Kinship search within 48 hours.")
    assert (c.systemic_issue, c.prevention_plan) == ("No kinship search before removal",
                                                     "Kinship search within 48 hours.")
    assert [e.trigger for e in c.events] == ["raise", "notify_region", "respond"]   # for the message bus
