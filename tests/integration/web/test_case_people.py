"""The back half of a case: its people and interviews, QA's staffing and shadowing, the Children's Bureau's
oversight and feedback, finalization."""

from __future__ import annotations

from sqlmodel import select

from models.tables import OutboxMessage
from tests.integration.conftest import stored


def fire(client, case_id, trigger, **fields):
    version = client.get(f"/api/v1/cases/{case_id}").json["version"]
    return client.post(f"/api/v1/cases/{case_id}/transitions", json={"trigger": trigger, "version": version,
                                                                       **fields})


def through_qa(client_as, case_id, *, screened=True):
    """Take a case from sampled (or screened) to cb_oversight, every step by the person whose step it is."""
    lead, reviewer, qa1, qa2 = (client_as(n) for n in ("lead", "reviewer", "qa1", "qa2"))
    if not screened:
        assert fire(lead, case_id, "screen").status_code == 200
    steps = [(lead, "assign", {"reviewer": "reviewer@qa.test", "first_qa": "qa1@qa.test", "second_qa": "qa2@qa.test"}),
        (reviewer, "submit_review", {"review_date": "2026-11-18"}), (reviewer, "submit_first_qa", {}),
        (qa1, "pass_first_qa", {}), (qa2, "complete_qa", {})]
    for client, trigger, fields in steps:
        done = fire(client, case_id, trigger, **fields)
        assert done.status_code == 200, (trigger, done.json)
    return done.json


def eliminate_others(client_as, unit):
    lead = client_as("lead")
    for case_id in unit.cases_3n[1:]:
        done = fire(lead, case_id, "eliminate", reason="opened_in_error", notes="opened by mistake", cb_consulted=True)
        assert done.status_code == 200, done.json


def outbox(app, template=None):
    with stored(app.extensions["qareview"]) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [r for r in rows if template is None or r.template == template]


def test_a_case_records_its_people_and_interviews_and_says_which_are_still_open(app, unit, client_as):
    lead, case_id = client_as("lead"), unit.cases_3n[0]
    child = lead.post(f"/api/v1/cases/{case_id}/participants", json={"name": "Ana Díaz", "role": "target_child"})
    assert child.status_code == 201 and child.json == {"id": child.json["id"], "name": "Ana Díaz",
                                                       "role": "target_child"}
    worker = lead.post(f"/api/v1/cases/{case_id}/participants", json={"name": "Sam Lee", "role": "caseworker"}).json
    assert lead.post(f"/api/v1/cases/{case_id}/participants", json={"name": "X", "role": "uncle"}).status_code == 422

    refused = lead.post(f"/api/v1/cases/{case_id}/interviews",
                        json={"participant_id": child.json["id"], "status": "exception",
                              "exception": "non_english_speaker"})
    assert refused.status_code == 422 and "interpreter" in refused.json["error"]["details"]["exception"][0]
    unscheduled = lead.post(f"/api/v1/cases/{case_id}/interviews",
                            json={"participant_id": child.json["id"], "status": "scheduled"})
    assert unscheduled.status_code == 422
    assert set(unscheduled.json["error"]["details"]) == {"scheduled_for", "location"}
    scheduled = lead.post(f"/api/v1/cases/{case_id}/interviews",
                          json={"participant_id": child.json["id"], "status": "scheduled",
                                "scheduled_for": "2026-11-23T15:00:00-06:00", "location": "home"})
    assert scheduled.status_code == 201 and scheduled.json["role"] == "target_child"
    held = lead.post(f"/api/v1/cases/{case_id}/interviews",
                     json={"participant_id": worker["id"], "status": "exception",
                           "exception": "cannot_be_located_despite_efforts", "notes": "three visits"})
    assert held.status_code == 201 and held.json["exception"] == "cannot_be_located_despite_efforts"
    other_case = lead.post(f"/api/v1/cases/{unit.cases_3n[1]}/interviews",
                           json={"participant_id": child.json["id"], "status": "held"})
    assert other_case.status_code == 422 and "participant_id" in other_case.json["error"]["details"]

    listed = lead.get(f"/api/v1/cases/{case_id}/interviews").json["items"]
    assert [i["status"] for i in listed] == ["scheduled", "exception"]
    page = lead.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Interviews still open" in page and "the target child" in page
    history = [h["trigger"] for h in lead.get(f"/api/v1/cases/{case_id}/history").json["items"]]
    assert history.count("add_participant") == 2 and history.count("record_interview") == 2
    assert client_as("auditor").get(f"/api/v1/cases/{case_id}/participants").json["items"][0]["name"] == "(masked)"
    assert client_as("qa1").post(f"/api/v1/cases/{case_id}/participants",
                                 json={"name": "Y", "role": "mother"}).status_code == 403


def test_first_qa_staffs_and_shadows_and_its_feedback_reaches_the_reviewer_and_the_supervisors(app, unit, client_as):
    lead, case_id = client_as("lead"), unit.cases_3n[0]
    assert fire(lead, case_id, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test",
                second_qa="qa2@qa.test").status_code == 200
    qa1 = client_as("qa1")
    assert qa1.post(f"/api/v1/cases/{case_id}/staffing", json={"kind": "staffing", "held_on": "2026-11-19",
                                                                "notes": "went over the case plan"}).status_code == 201
    no_feedback = qa1.post(f"/api/v1/cases/{case_id}/staffing", json={"kind": "shadowing", "held_on": "2026-11-20",
                                                                       "hours": 3})
    assert no_feedback.status_code == 422 and "notes" in no_feedback.json["error"]["details"]
    assert qa1.post(f"/api/v1/cases/{case_id}/staffing",
                    json={"kind": "shadowing", "held_on": "2026-11-20", "hours": 3,
                          "notes": "Clear questions; let the mother finish her answers."}).status_code == 201
    assert client_as("qa2").post(f"/api/v1/cases/{case_id}/staffing",
                                 json={"kind": "staffing", "held_on": "2026-11-19"}).status_code == 403
    told = outbox(app, "case_step")[-1]
    assert told.recipients == "reviewer@qa.test,supervisor@qa.test" and "let the mother finish" in told.context
    page = lead.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "let the mother finish" in page and "3 h" in page


def test_the_cb_sees_a_case_from_oversight_on_and_finalizing_waits_for_its_feedback(app, unit, client_as):
    case_id, cb, lead = unit.cases_3n[0], client_as("cb"), client_as("lead")
    assert cb.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert cb.get("/api/v1/cases").json["items"] == [] and cb.get("/api/v1/concerns").json["items"] == []
    assert cb.get(f"/api/v1/reviews/{unit.review_3n}/sample").status_code == 403
    eliminate_others(client_as, unit)
    assert through_qa(client_as, case_id)["state"] == "cb_oversight"
    assert lead.get(f"/api/v1/reviews/{unit.review_3n}").json["state"] == "cb_oversight"
    to_cb = outbox(app, "review_to_cb")
    assert len(to_cb) == 1 and to_cb[0].recipients == "cb@qa.test"
    assert cb.get(f"/api/v1/cases/{case_id}").status_code == 200

    given = cb.post(f"/api/v1/cases/{case_id}/feedback", json={"text": "Item 12 rating needs its rationale."})
    assert given.status_code == 201 and given.json["state"] == "open"
    assert given.json["due"] == "2026-12-21T05:59:59+00:00"   # a month on: 20 December, 23:59:59 in Chicago
    assert lead.post(f"/api/v1/cases/{case_id}/feedback", json={"text": "x"}).status_code == 403
    assert cb.post(f"/api/v1/cases/{unit.case_2e}/feedback", json={"text": "x"}).status_code == 404
    refused = fire(lead, case_id, "finalize")
    assert refused.status_code == 422 and "cb_feedback" in refused.json["error"]["details"]
    assert cb.post(f"/api/v1/feedback/{given.json['id']}/address", json={"resolution": "y"}).status_code == 403
    addressed = lead.post(f"/api/v1/feedback/{given.json['id']}/address",
                          json={"resolution": "Rationale added to item 12."})
    assert addressed.status_code == 200 and addressed.json["state"] == "addressed"
    assert addressed.json["addressed_by"] == "lead@qa.test"
    again = lead.post(f"/api/v1/feedback/{given.json['id']}/address", json={"resolution": "z"})
    assert again.status_code == 409
    done = outbox(app, "feedback_addressed")
    assert len(done) == 1 and done[0].recipients == "cb@qa.test"
    lead.post(f"/api/v1/cases/{case_id}/participants", json={"name": "Hope Lane", "role": "mother"})
    assert "Names that are also common words:</strong> Hope (mother), Lane (mother)" in \
        lead.get(f"/cases/{case_id}").get_data(as_text=True)
    assert fire(lead, case_id, "finalize").json["state"] == "finalized"
    assert lead.get(f"/api/v1/reviews/{unit.review_3n}").json["state"] == "finalized"
    assert fire(cb, case_id, "deidentify").status_code == 403


def test_submitting_a_review_with_interviews_open_warns_and_does_not_refuse(app, unit, client_as):
    lead, case_id = client_as("lead"), unit.cases_3n[0]
    child = lead.post(f"/api/v1/cases/{case_id}/participants", json={"name": "Ana Díaz", "role": "target_child"}).json
    lead.post(f"/api/v1/cases/{case_id}/interviews",
              json={"participant_id": child["id"], "status": "scheduled", "scheduled_for": "2026-11-17T10:00:00Z",
                    "location": "phone"})
    assert fire(lead, case_id, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test",
                second_qa="qa2@qa.test").status_code == 200
    submitted = fire(client_as("reviewer"), case_id, "submit_review", review_date="2026-11-18")
    assert submitted.status_code == 200 and submitted.json["state"] == "reviewed"
    assert submitted.json["warnings"] == ["the target child: target child (Ana Díaz) — scheduled",
                                          "the caseworker (or their supervisor): nobody recorded yet"]
