"""The probes that once gave a 500, a redirect off the site or a formula in a spreadsheet, on both databases:
each now gets one of the SPEC's answers and changes nothing."""

import json

import pytest

from tests.integration.web.test_api_contract import error

NESTED = "[" * 5000 + "]" * 5000


def post_raw(client, path, body: str):
    return client.post(path, data=body.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.parametrize("path", ["/api/v1/session", "/api/v1/concerns", "/api/v1/reviews",
                                  "/api/v1/cases/{case}/transitions", "/api/v1/concerns/{concern}/transitions",
                                  "/api/v1/reviews/{review}/cases"])
def test_json_nested_without_end_is_malformed_on_every_post(client_as, unit, path):
    url = path.format(case=unit.cases_3n[0], concern=unit.concern_3n, review=unit.review_3n)
    error(post_raw(client_as("lead"), url, NESTED), 400, "bad_request")


@pytest.mark.parametrize("trigger", ["eliminate", "propose_elimination"])
@pytest.mark.parametrize("reason", [["opened_in_error"], {"code": "opened_in_error"}, 7])
def test_a_list_or_an_object_where_a_reason_is_expected_is_invalid(client_as, unit, trigger, reason):
    who = "lead" if trigger == "eliminate" else "coordinator"
    case_id = unit.cases_3n[1]
    response = client_as(who).post(f"/api/v1/cases/{case_id}/transitions", json={
        "trigger": trigger, "version": 1, "reason": reason, "notes": "n", "cb_consulted": True})
    assert "reason" in error(response, 422, "validation_error")["details"]
    assert client_as("lead").get(f"/api/v1/cases/{case_id}").json["version"] == 1


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/concerns", '{"case_id": %(case)d, "type": "runaway", "description": "a \\ud800 b"}'),
    ("/api/v1/reviews/%(review)d/cases", '{"case_type": "in_home", "case_number": "IH-\\ud800"}'),
    ("/api/v1/concerns", '{"case_id": %(case)d, "type": "runaway", "description": "a \\u0000 b"}'),
    ("/api/v1/cases/%(case)d/transitions", '{"trigger": "screen", "version": 1, "notes": "x\\u0000"}'),
    ("/api/v1/session", '{"email": "lead@qa.test\\u0000", "password": "correct horse"}'),
])
def test_text_no_database_can_store_is_refused(client_as, unit, path, body):
    values = {"case": unit.cases_3n[1], "review": unit.review_3n}
    error(post_raw(client_as("lead"), path % values, body % values), 400, "bad_request")
    assert client_as("lead").get(f"/api/v1/cases/{unit.cases_3n[1]}").json["state"] == "sampled"


@pytest.mark.parametrize("query", ["/api/v1/cases?region=%00", "/api/v1/concerns?region=3N%00",
                                   "/api/v1/audit?actor=lead%00", "/cases?x=%00"])
def test_nul_in_a_query_string_is_refused(client_as, query):
    client = client_as("auditor") if "audit" in query else client_as("lead")
    assert client.get(query).status_code == 400


def test_nul_in_the_login_form_is_refused(app, unit):
    response = app.test_client().post("/login", data={"email": "lead@qa.test\x00", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_moments_outside_what_the_database_holds_are_invalid(client_as, since):
    details = error(client_as("auditor").get("/api/v1/audit", query_string={"since": since}), 422,
                    "validation_error")["details"]
    assert "since" in details


def test_the_audit_page_refuses_a_moment_past_year_9999(client_as):
    assert client_as("auditor").get("/audit", query_string={"since": "9999-12-31T23:59"}).status_code == 422


def test_a_body_over_one_mebibyte_is_413_and_stored_nowhere(client_as, unit):
    lead = client_as("lead")
    body = json.dumps({"case_id": unit.cases_3n[1], "type": "runaway", "description": "x" * (1024 * 1024)})
    before = lead.get("/api/v1/concerns").json["items"]
    error(post_raw(lead, "/api/v1/concerns", body), 413, "payload_too_large")
    assert lead.get("/api/v1/concerns").json["items"] == before


def test_text_over_ten_thousand_characters_is_invalid(client_as, unit):
    response = client_as("lead").post("/api/v1/concerns", json={
        "case_id": unit.cases_3n[1], "type": "runaway", "description": "x" * 10_001})
    assert "description" in error(response, 422, "validation_error")["details"]


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
                                    "/%0d%0a/evil.example"])
def test_after_login_only_a_path_on_this_site_is_followed(app, unit, target):
    client = app.test_client()
    response = client.post("/login?next=" + target, data={"email": "lead@qa.test", "password": "correct horse"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_after_login_a_path_on_this_site_is_followed(app, unit):
    response = app.test_client().post(f"/login?next=/cases/{unit.cases_3n[0]}",
                                      data={"email": "lead@qa.test", "password": "correct horse"})
    assert response.headers["Location"] == f"/cases/{unit.cases_3n[0]}"


def test_the_audit_export_keeps_formulas_as_text(app, client_as, unit):
    lead = client_as("lead")
    for case_id, notes in ((unit.cases_3n[1], '=HYPERLINK("http://evil.example","x")'), (unit.cases_3n[2], "@SUM(A1)")):
        answer = lead.post(f"/api/v1/cases/{case_id}/transitions", json={"trigger": "screen", "version": 1,
                                                                          "notes": notes})
        assert answer.status_code == 200
    exported = client_as("auditor").get("/audit.csv").data.decode()
    assert "'=HYPERLINK(" in exported and ",=HYPERLINK" not in exported
    assert ",'@SUM(A1)," in exported


@pytest.mark.parametrize(("text", "kept"), [("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@A1", "'@A1"),
                                            ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("", "")])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(text, kept):
    from web.pages import csv_cell
    assert csv_cell(text) == kept


def test_pages_and_answers_with_case_data_are_not_cached(client_as, unit):
    lead = client_as("lead")
    for path in ("/", f"/cases/{unit.cases_3n[0]}", f"/api/v1/cases/{unit.cases_3n[0]}", "/api/v1/cases"):
        assert lead.get(path).headers["Cache-Control"] == "no-store"
