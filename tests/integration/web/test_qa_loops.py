"""The two QA loops: a return goes back to the level that returned it, its notes reach the right people by
e-mail, stay on the case page until the resubmission, and stay in the history."""

import json

from tests.integration.web.test_case_people import fire, outbox


def test_each_return_goes_back_to_its_level_and_its_notes_reach_the_right_people(app, unit, client_as):
    case_id = unit.cases_3n[0]
    lead, reviewer, qa1, qa2 = (client_as(n) for n in ("lead", "reviewer", "qa1", "qa2"))
    fire(lead, case_id, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test", second_qa="qa2@qa.test")
    fire(reviewer, case_id, "submit_review", review_date="2026-11-18")
    fire(reviewer, case_id, "submit_first_qa")

    def last_message():
        found = outbox(app, "case_step")[-1]
        return found.recipients.split(","), json.loads(found.context)

    returned = fire(qa1, case_id, "return_to_reviewer", notes="Item 12: cite the assessment dates.")
    assert returned.json["state"] == "reviewed" and "submit_first_qa" not in returned.json["allowed_triggers"]
    assert last_message()[0] == ["reviewer@qa.test"]
    assert last_message()[1]["notes"] == "Item 12: cite the assessment dates."
    page = reviewer.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Returned by first-level QA" in page and "cite the assessment dates" in page
    back = fire(reviewer, case_id, "resubmit")
    assert back.json["state"] == "first_qa" and last_message()[0] == ["qa1@qa.test"]
    assert "Returned by first-level QA" not in reviewer.get(f"/cases/{case_id}").get_data(as_text=True)

    fire(qa1, case_id, "pass_first_qa")
    assert last_message()[0] == ["qa2@qa.test"]
    corrected = fire(qa2, case_id, "request_corrections", notes="Item 14 disagrees with the visit log.")
    assert corrected.json["state"] == "reviewed"
    assert last_message()[0] == ["qa1@qa.test", "reviewer@qa.test"]
    assert "Corrections requested by second-level QA" in reviewer.get(f"/cases/{case_id}").get_data(as_text=True)
    again = fire(reviewer, case_id, "resubmit")
    assert again.json["state"] == "second_qa" and last_message()[0] == ["qa2@qa.test"]   # straight back

    notes = [(h["trigger"], h["notes"]) for h in reviewer.get(f"/api/v1/cases/{case_id}/history").json["items"]]
    assert ("return_to_reviewer", "Item 12: cite the assessment dates.") in notes
    assert ("request_corrections", "Item 14 disagrees with the visit log.") in notes
    assert fire(qa2, case_id, "complete_qa").json["state"] == "cb_oversight"
    assert last_message()[0] == ["supervisor@qa.test"]
