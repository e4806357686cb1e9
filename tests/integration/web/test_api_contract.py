"""The API's shapes: errors, transitions, pages, and the SPEC's public fields."""

from datetime import timedelta, timezone

import pytest

from tests.integration.conftest import NOW, Staff
from services.bus import handle
from workflow.commands import FireCaseTrigger


@pytest.fixture
def lead(client_as):
    return client_as("lead")


def error(response, status, code):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def test_malformed_json_is_a_400(lead, unit):
    error(lead.post(f"/api/v1/cases/{unit.cases_3n[0]}/transitions", data="{nope",
                    content_type="application/json"), 400, "bad_request")


@pytest.mark.parametrize(("body", "field"), [
    ({"trigger": "assign", "version": 2, "reviewer": "a", "first_qa": "b", "second_qa": "c", "colour": "red"},
     "colour"),
    ({"trigger": "assign", "version": 2, "reason": "opened_in_error"}, "reason"),   # another trigger's field
    ({"trigger": "eliminate", "version": 2, "reason": ["opened_in_error"], "notes": "x", "cb_consulted": True},
     "reason"),
    ({"trigger": 5, "version": 2}, "trigger"),
    ({"trigger": "screen", "version": "two"}, "version"),
    ({"trigger": "screen"}, "version"),              # never changed blind: the version seen is required
    ({"version": 1}, "trigger"),
    ({"trigger": "teleport", "version": 2}, "trigger"),
])
def test_unknown_fields_wrong_types_and_unknown_triggers_are_422(lead, unit, body, field):
    details = error(lead.post(f"/api/v1/cases/{unit.cases_3n[0]}/transitions", json=body), 422,
                    "validation_error")["details"]
    assert field in details


def test_a_trigger_the_state_does_not_offer_is_409_with_the_state_and_allowed_triggers(lead, unit):
    details = error(lead.post(f"/api/v1/cases/{unit.cases_3n[1]}/transitions",
                              json={"trigger": "finalize", "version": 1}),
                    409, "transition_not_allowed")["details"]
    assert details == {"state": "sampled", "allowed_triggers": ["screen", "eliminate", "propose_elimination"]}


def test_a_stale_version_is_409_and_changes_nothing(lead, unit):
    case_id = unit.cases_3n[1]
    error(lead.post(f"/api/v1/cases/{case_id}/transitions", json={"trigger": "screen", "version": 7}),
          409, "stale_version")
    assert lead.get(f"/api/v1/cases/{case_id}").json["state"] == "sampled"


def test_someone_elses_step_is_403(client_as, unit):
    error(client_as("reviewer").post(f"/api/v1/cases/{unit.cases_3n[1]}/transitions",
                                     json={"trigger": "screen", "version": 1}),
          403, "forbidden")


def test_a_concern_transition_without_its_version_is_refused_and_changes_nothing(client_as, unit):
    leader = client_as("leader")
    details = error(leader.post(f"/api/v1/concerns/{unit.concern_3n}/transitions",
                                json={"trigger": "respond", "corrective_action": "Placement stabilised."}),
                    422, "validation_error")["details"]
    assert "version" in details
    assert leader.get(f"/api/v1/concerns/{unit.concern_3n}").json["state"] == "region_notified"


def test_a_response_names_its_systemic_issue_and_needs_a_plan_beside_it(client_as, unit):
    leader, url = client_as("leader"), f"/api/v1/concerns/{unit.concern_3n}/transitions"
    body = {"trigger": "respond", "version": 2, "corrective_action": "Moved to a kinship placement.",
            "systemic_issue": "No kinship search before removal"}
    assert "prevention_plan" in error(leader.post(url, json=body), 422, "validation_error")["details"]
    answered = leader.post(url, json={**body, "prevention_plan": "Kinship search within 48 hours of removal."})
    assert answered.status_code == 200
    assert (answered.json["systemic_issue"], answered.json["prevention_plan"]) == (
        "No kinship search before removal", "Kinship search within 48 hours of removal.")


def test_unknown_ids_are_404(lead):
    error(lead.get("/api/v1/cases/999999"), 404, "not_found")
    error(lead.get("/api/v1/concerns/999999"), 404, "not_found")
    error(lead.get("/api/v1/reviews/999999"), 404, "not_found")
    error(lead.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_successful_transition_answers_the_case_with_its_new_version_and_history(lead, unit):
    case_id = unit.cases_3n[0]
    assignment = {"reviewer": "reviewer@qa.test", "first_qa": "qa1@qa.test", "second_qa": "qa2@qa.test"}
    response = lead.post(f"/api/v1/cases/{case_id}/transitions", json={"trigger": "assign", "version": 2,
                                                                       **assignment})
    assert response.status_code == 200
    case = response.json
    assert {"id", "state", "case_type", "region", "review_id", "version", "allowed_triggers", "deadlines"} <= set(case)
    assert (case["state"], case["version"], case["allowed_triggers"]) == ("assigned", 3, [
        "eliminate", "propose_elimination", "submit_review"])
    assert set(case["deadlines"]) == {"finalize_due", "deidentify_due"}
    history = lead.get(f"/api/v1/cases/{case_id}/history").json
    assert history["next"] is None
    assert [(h["from"], h["to"], h["trigger"]) for h in history["items"]] == [
        (None, "sampled", "add"), ("sampled", "screened", "screen"), ("screened", "assigned", "assign")]
    assert all(set(h) == {"from", "to", "trigger", "actor", "at", "notes"} for h in history["items"])
    assert history["items"][-1]["at"].endswith("+00:00")


def test_collections_page_with_a_cursor(lead, unit):
    first = lead.get("/api/v1/cases?limit=2").json
    assert len(first["items"]) == 2 and first["next"]
    second = lead.get(f"/api/v1/cases?limit=2&cursor={first['next']}").json
    assert second["next"] is None
    assert [c["id"] for c in first["items"] + second["items"]] == sorted(
        [*unit.cases_3n, unit.case_2e])
    error(lead.get("/api/v1/cases?cursor=abc"), 422, "validation_error")
    error(lead.get("/api/v1/cases?limit=0"), 422, "validation_error")


def test_lists_filter_by_each_field_and_keep_to_the_callers_region(lead, unit, client_as):
    def ids(client, path):
        response = client.get(path)
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    everything = sorted([*unit.cases_3n, unit.case_2e])
    assert ids(lead, "/api/v1/cases?state=screened") == [unit.cases_3n[0]]
    assert ids(lead, "/api/v1/cases?region=2E") == [unit.case_2e]
    assert ids(lead, f"/api/v1/cases?review={unit.review_3n}&state=sampled") == unit.cases_3n[1:]
    assert ids(lead, "/api/v1/cases?case_type=foster_care") == everything
    assert ids(lead, "/api/v1/cases?case_type=in_home") == []
    assert ids(client_as("leader"), "/api/v1/cases") == unit.cases_3n            # 3N's leader: 3N only
    assert ids(client_as("leader"), "/api/v1/cases?region=2E") == []
    assert ids(lead, "/api/v1/concerns?region=3N") == [unit.concern_3n]
    assert ids(lead, "/api/v1/concerns?state=region_notified&overdue=false") == [unit.concern_3n, unit.concern_2e]
    assert ids(client_as("leader_2e"), "/api/v1/concerns") == [unit.concern_2e]


def test_reviews_and_hand_added_cases(lead, unit):
    created = lead.post("/api/v1/reviews", json={"region": "3S", "review_month": "2019-09", "kind": "measurement"})
    assert created.status_code == 201
    review = created.json
    assert review["sample_period"] == {"start": "2018-09-01", "end": "2019-02-28"}
    assert (review["state"], review["pur_start"], review["review_month"]) == ("planned", "2018-09-01", "2019-09")
    assert review["case_counts"] == {}
    added = lead.post(f"/api/v1/reviews/{review['id']}/cases", json={"case_type": "foster_care",
                                                                    "case_number": "FC-77", "worker": "W9"})
    assert added.status_code == 201 and added.json["state"] == "sampled" and added.json["review_id"] == review["id"]
    assert lead.get(f"/api/v1/reviews/{review['id']}").json["state"] == "sampling"
    listed = {r["id"]: r["case_counts"] for r in lead.get("/api/v1/reviews?limit=200").json["items"]}
    assert listed[review["id"]] == {"sampled": 1}
    assert listed[unit.review_3n] == {"screened": 1, "sampled": 2}      # each review's own, in one page
    error(lead.post("/api/v1/reviews", json={"region": "3S", "review_month": "2019-09", "kind": "measurement"}),
          422, "validation_error")
    error(lead.post("/api/v1/reviews", json={"region": "9Z", "review_month": "2019-13", "kind": "x"}),
          422, "validation_error")


def test_concerns_answer_with_their_clock_and_overdue_flag(app, lead, unit, client_as):
    concern = lead.get(f"/api/v1/concerns/{unit.concern_2e}").json
    assert concern["type"] == "safety_issue" and concern["response_due"] == "2026-11-21T16:00:00+00:00"
    assert concern["overdue"] is False
    app.extensions["qareview"].clock = lambda: __import__("datetime").datetime.fromisoformat(
        "2026-11-21T16:00:01+00:00")
    late = lead.get("/api/v1/concerns?overdue=true").json["items"]
    assert [c["id"] for c in late] == [unit.concern_2e]
    created = client_as("reviewer").post("/api/v1/concerns", json={"case_id": unit.cases_3n[0], "type": "tpr_tracking",
                                                                   "description": "TPR overdue"})
    assert created.status_code == 201 and created.json["state"] == "reported"
    error(lead.post("/api/v1/concerns", json={"case_id": unit.cases_3n[0], "type": "gossip", "description": "x"}),
          422, "validation_error")


def test_login_throttling_counts_failures_per_account_never_successes(app, unit):
    client = app.test_client()

    def attempt(password, email="qa1@qa.test", address="10.0.0.1"):
        return client.post("/api/v1/session", json={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": address})

    for _ in range(6):
        assert attempt("correct horse").status_code == 200   # successes never count
    for _ in range(5):
        error(attempt("wrong"), 401, "unauthorized")
    throttled = attempt("correct horse")
    error(throttled, 429, "too_many_requests")
    assert int(throttled.headers["Retry-After"]) > 0
    assert attempt("correct horse", "qa2@qa.test").status_code == 200   # other accounts are unaffected
    assert attempt("correct horse", address="10.0.0.2").status_code == 200   # and the owner, from elsewhere


def test_one_address_failing_on_many_accounts_is_stopped_without_stopping_anyone_else(app, unit):
    client = app.test_client()
    for n in range(20):
        client.post("/api/v1/session", json={"email": f"nobody{n}@qa.test", "password": "guess"},
                    environ_base={"REMOTE_ADDR": "10.6.6.6"})
    refused = client.post("/api/v1/session", json={"email": "qa1@qa.test", "password": "correct horse"},
                          environ_base={"REMOTE_ADDR": "10.6.6.6"})
    error(refused, 429, "too_many_requests")
    assert client.post("/api/v1/session", json={"email": "qa1@qa.test", "password": "correct horse"},
                       environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted(database_url):
    from web import create_app
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "t", "TRUSTED_PROXIES": 1})
    Staff(app.extensions["qareview"])
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "192.0.2.1"}  # every request reaches the app from the proxy
    for _ in range(5):
        client.post("/api/v1/session", json={"email": "qa1@qa.test", "password": "wrong"}, environ_base=proxy,
                    headers={"X-Forwarded-For": "203.0.113.9"})
    assert client.post("/api/v1/session", json={"email": "qa1@qa.test", "password": "correct horse"},
                       environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 200
    app.extensions["qareview"].engine.dispose()


def test_the_openapi_document_describes_every_endpoint(app):
    doc = app.test_client().get("/api/v1/openapi.json").json
    paths = set(doc["paths"])
    assert {"/api/v1/session", "/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/transitions",
            "/api/v1/cases/{case_id}/history", "/api/v1/concerns", "/api/v1/concerns/{concern_id}",
            "/api/v1/concerns/{concern_id}/transitions", "/api/v1/reviews", "/api/v1/reviews/{review_id}",
            "/api/v1/reviews/{review_id}/cases", "/api/v1/audit"} <= paths


def test_the_openapi_document_says_which_values_are_valid_and_how_long_they_may_be(app):
    schemas = app.test_client().get("/api/v1/openapi.json").json["components"]["schemas"]
    case_request, concern_request = schemas["CaseTransitionRequest"], schemas["ConcernTransitionRequest"]
    assert "assign" in case_request["properties"]["trigger"]["enum"]
    assert concern_request["properties"]["trigger"]["enum"] == ["notify_region", "respond", "accept", "request_more"]
    assert "version" in case_request["required"] and "version" in concern_request["required"]
    assert "opened_in_error" in case_request["properties"]["reason"]["enum"]
    assert "safety_issue" in schemas["ConcernCreate"]["properties"]["type"]["enum"]
    assert "3S" in schemas["ReviewCreate"]["properties"]["region"]["enum"]
    assert case_request["properties"]["notes"]["maxLength"] == 10_000
    assert schemas["ConcernCreate"]["properties"]["description"]["maxLength"] == 10_000
    assert concern_request["properties"]["systemic_issue"]["type"] == "string"


def test_the_audit_trail_is_searched_by_entity_actor_trigger_and_time(app, unit, client_as):
    core = app.extensions["qareview"]
    lead, (_, second, third) = unit.staff.lead, unit.cases_3n
    for case_id, at in ((second, NOW + timedelta(hours=1)), (third, NOW + timedelta(days=2))):
        with core.uow() as uow:
            handle(core, uow, FireCaseTrigger(case_id=case_id, trigger="screen", actor=lead, fields={}, at=at))
            uow.commit()
    auditor = client_as("auditor")

    def found(**query):
        response = auditor.get("/api/v1/audit", query_string={"limit": 200, **query})
        assert response.status_code == 200, response.json
        return [(item["entity_id"], item["at"]) for item in response.json["items"]]

    screens = found(entity="case", trigger="screen")
    assert screens == [(unit.cases_3n[0], NOW.isoformat()), (second, (NOW + timedelta(hours=1)).isoformat()),
                       (third, (NOW + timedelta(days=2)).isoformat())]
    later = (NOW + timedelta(minutes=30)).astimezone(timezone(timedelta(hours=-6))).isoformat()  # any offset
    assert found(trigger="screen", since=later) == screens[1:]
    assert found(trigger="screen", since=later, until=(NOW + timedelta(days=1)).isoformat()) == screens[1:2]
    assert [at for _, at in found(entity="case", entity_id=third)][-1] == screens[2][1]
    assert {entity_id for entity_id, _ in found(entity="case", entity_id=third)} == {third}
    assert found(trigger="screen", actor=Staff.email("lead")) == screens
    assert found(trigger="screen", actor=Staff.email("reviewer")) == []
    csv = auditor.get("/audit.csv", query_string={"trigger": "screen", "since": "2026-11-21"}).data.decode()
    assert [line.split(",")[2] for line in csv.splitlines()[1:]] == [str(third)]    # a local date: from its start
