"""Who may reach what: anonymous callers, roles, regions, CSRF, headers."""

import json
import re

import pytest

from tests.integration.conftest import Staff

PUBLIC = {"pages.login", "pages.health", "pages.ready", "pages.static", "static", "api_session.create_session",
          "api-docs.openapi_json"}


def routes(app):
    """Every (endpoint, method, url) of the app, with a placeholder for each URL argument."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_route_refuses_an_anonymous_caller(app):
    client = app.test_client()
    checked = 0
    for endpoint, method, url in routes(app):
        response = client.open(url, method=method, json={} if url.startswith("/api/") else None)
        if url.startswith("/api/"):
            assert response.status_code == 401, (endpoint, method)
            assert response.json["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (endpoint, method)
        checked += 1
    assert checked >= 25


def test_a_bearer_token_is_a_login_and_a_wrong_one_is_not(app, unit):
    token = unit.token(app.extensions["qareview"], "auditor")
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["email"] == "auditor@qa.test"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_logging_out_ends_the_session(client_as):
    client = client_as("reviewer")
    assert client.delete("/api/v1/session").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


# role × endpoint: (method, path template, body, {role: status}); roles not named get `other`.
MATRIX = [
    ("GET", "/api/v1/audit", None, {"auditor": 200, "admin": 200}, 403),
    ("POST", "/api/v1/reviews", {"region": "5E", "review_month": "2027-01", "kind": "baseline"},
     {"lead": 201}, 403),
    ("POST", "/api/v1/concerns", {"case_id": "{case}", "type": "runaway", "description": "d"},
     {"lead": 201, "reviewer": 201, "leader_2e": 404, "cb": 404}, 403),
    ("POST", "/api/v1/cases/{case}/transitions", {"trigger": "screen", "version": 1},
     {"lead": 200, "leader_2e": 404, "cb": 404}, 403),
    ("GET", "/api/v1/cases/{case}", None, {"leader_2e": 404, "cb": 404}, 200),   # CB: only from cb_oversight on
    ("GET", "/api/v1/cases/{case}/identity", None, {"lead": 404}, 403),          # not de-identified yet
    ("GET", "/api/v1/concerns/{concern}", None, {"leader_2e": 404, "cb": 404}, 200),
    ("POST", "/api/v1/reviews/{review}/cases", {"case_type": "in_home", "case_number": "IH-9"},
     {"lead": 201, "leader_2e": 404}, 403),
    ("GET", "/audit", None, {"auditor": 200, "admin": 200}, 403),
    ("GET", "/admin", None, {"admin": 200}, 403),
    ("GET", "/", None, {}, 200),
]
ROLES = ["lead", "reviewer", "qa1", "supervisor", "cb", "leader", "leader_2e", "coordinator", "auditor"]


@pytest.mark.parametrize("role", [*ROLES, "admin"])
def test_role_by_endpoint(app, unit, client_as, role):
    if role == "admin":
        core = app.extensions["qareview"]
        from services import people
        from workflow.roles import Role
        with core.uow() as uow:
            people.add_user(uow, email="admin@qa.test", name="Admin", roles=[Role.ADMIN],
                            password="correct horse", passwords=core.passwords)
            uow.commit()
    client = client_as(role)
    for method, path, body, expected, other in MATRIX:
        url = path.format(case=unit.cases_3n[2], review=unit.review_3n, concern=unit.concern_3n)
        if body is not None:
            body = {k: (unit.cases_3n[2] if v == "{case}" else v) for k, v in body.items()}
        response = client.open(url, method=method, json=body)
        assert response.status_code == expected.get(role, other), (role, method, url, response.get_json())


def test_a_regional_leader_sees_and_answers_only_their_region(app, unit, client_as):
    north, east = client_as("leader"), client_as("leader_2e")   # 3N and 2E
    assert east.get(f"/api/v1/concerns/{unit.concern_3n}").status_code == 404
    refused = east.post(f"/api/v1/concerns/{unit.concern_3n}/transitions",
                        json={"trigger": "respond", "version": 2, "corrective_action": "x"})
    assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"
    assert [c["id"] for c in east.get("/api/v1/concerns").json["items"]] == [unit.concern_2e]
    assert [c["region"] for c in north.get("/api/v1/cases").json["items"]] == ["3N"] * 3
    answered = north.post(f"/api/v1/concerns/{unit.concern_3n}/transitions",
                          json={"trigger": "respond", "version": 2, "corrective_action": "Placement stabilised."})
    assert answered.status_code == 200 and answered.json["state"] == "responded"
    assert north.get(f"/reviews/{unit.review_2e}").status_code == 404


def test_auditors_see_every_record_but_not_names_in_case_data(app, unit, client_as):
    auditor = client_as("auditor")
    case = auditor.get(f"/api/v1/cases/{unit.cases_3n[0]}").json
    assert case["child_id"] == "(masked)" and case["worker"] == "(masked)"
    assert client_as("lead").get(f"/api/v1/cases/{unit.cases_3n[0]}").json["child_id"] == "CH0"
    audit = auditor.get("/api/v1/audit?limit=200").json
    assert {item["entity"] for item in audit["items"]} == {"case", "review", "concern"}
    export = auditor.get("/audit.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.data.decode().splitlines()[0].startswith("id,entity,entity_id,from,to,trigger,actor,at")


def test_auditors_read_the_notes_with_the_names_of_the_cases_people_masked(app, unit, client_as):
    lead, auditor, case_id = client_as("lead"), client_as("auditor"), unit.cases_3n[0]
    lead.post(f"/api/v1/cases/{case_id}/participants", json={"name": "Ana Díaz", "role": "target_child"})
    lead.post("/api/v1/concerns", json={"case_id": case_id, "type": "runaway", "description": "Ana left"})
    history = auditor.get(f"/api/v1/cases/{case_id}/history").json["items"]
    assert [h["notes"] for h in history if h["trigger"] == "add_participant"] == ["target child: (masked)"]
    trail = json.dumps(auditor.get("/api/v1/audit?limit=200").json, ensure_ascii=False)
    assert "Díaz" not in trail and "target child: (masked)" in trail
    for page in (f"/cases/{case_id}", "/audit", "/audit.csv"):
        assert "Díaz" not in auditor.get(page).get_data(as_text=True), page
    assert "Ana Díaz" in json.dumps(lead.get(f"/api/v1/cases/{case_id}/history").json, ensure_ascii=False)


def test_pages_and_api_send_security_headers(client_as):
    client = client_as("lead")
    for path in ("/", "/api/v1/me", "/login"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_http_only_and_same_site(app, unit):
    response = app.test_client().post("/api/v1/session", json={"email": Staff.email("lead"),
                                                                 "password": "correct horse"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_form_post_without_the_csrf_token_is_refused(database_url, tmp_path):
    from web import create_app
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "test"})   # CSRF on, as in production
    unit_ = __import__("tests.integration.web.conftest", fromlist=["Unit"]).Unit(app.extensions["qareview"])
    client = app.test_client()
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    assert client.post("/login", data={"email": "lead@qa.test", "password": "correct horse"}).status_code == 400
    assert client.post("/login", data={"email": "lead@qa.test", "password": "correct horse",
                                       "csrf_token": token}).status_code == 302
    case_id = unit_.cases_3n[1]
    refused = client.post(f"/cases/{case_id}/fire", data={"trigger": "screen"})
    assert refused.status_code == 400
    assert client.get(f"/api/v1/cases/{case_id}").json["state"] == "sampled"
    page = client.get(f"/cases/{case_id}").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    done = client.post(f"/cases/{case_id}/fire", data={"trigger": "screen", "csrf_token": token})
    assert done.status_code == 302
    assert client.get(f"/api/v1/cases/{case_id}").json["state"] == "screened"
    app.extensions["qareview"].engine.dispose()
