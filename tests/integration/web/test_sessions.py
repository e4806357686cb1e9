"""Sessions that end: logging out, a password change and deactivation end them on the server; tokens can be
revoked and expire."""

from datetime import timedelta

from services import people
from tests.integration.conftest import NOW, Staff
from tests.integration.web.test_api_contract import error


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def test_after_logging_out_the_same_cookie_is_refused(app, unit, client_as):
    lead = client_as("lead")
    kept = cookie_of(lead)                                   # a copy, as an attacker who stole it would keep
    assert lead.delete("/api/v1/session").status_code == 204
    error(with_cookie(app, kept).get("/api/v1/me"), 401, "unauthorized")
    error(lead.get("/api/v1/me"), 401, "unauthorized")


def test_logging_out_of_the_pages_ends_that_session_only(app, unit, client_as):
    first, second = client_as("reviewer"), client_as("reviewer")
    kept = cookie_of(first)
    first.get("/")
    assert first.post("/logout").status_code == 302
    assert with_cookie(app, kept).get("/").status_code == 302                # back to the login page
    assert second.get("/api/v1/me").status_code == 200                       # the other session lives on


def test_a_password_change_ends_every_session_of_that_person(app, unit, client_as):
    reviewer, other = client_as("reviewer"), client_as("qa1")
    changed = run(app, "users", "password", Staff.email("reviewer"), "--password-stdin",
                  input="amber-otter-sings-7\n")
    assert changed.exit_code == 0, changed.output
    error(reviewer.get("/api/v1/me"), 401, "unauthorized")
    assert other.get("/api/v1/me").status_code == 200
    assert app.test_client().post("/api/v1/session", json={"email": Staff.email("reviewer"),
                                                           "password": "amber-otter-sings-7"}).status_code == 200


def test_a_weak_new_password_is_refused_and_nothing_changes(app, unit, client_as):
    reviewer = client_as("reviewer")
    refused = run(app, "users", "password", Staff.email("reviewer"), "--password", "password1234")
    assert refused.exit_code == 1 and "too easy to guess" in refused.output
    assert reviewer.get("/api/v1/me").status_code == 200


def test_deactivation_refuses_login_and_ends_sessions_and_tokens_at_once(app, unit, client_as):
    token = unit.token(app.extensions["qareview"], "qa1")
    session = client_as("qa1")
    assert run(app, "users", "deactivate", Staff.email("qa1")).exit_code == 0
    error(session.get("/api/v1/me"), 401, "unauthorized")
    error(app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "unauthorized")
    error(app.test_client().post("/api/v1/session", json={"email": Staff.email("qa1"), "password": "correct horse"}),
          401, "unauthorized")


def test_revoked_tokens_stop_working_at_once_and_a_used_token_says_when(app, unit):
    core = app.extensions["qareview"]
    token = unit.token(core, "lead")
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    with core.uow(write=False) as uow:
        assert people.user_for_token(uow, token, now=NOW)[1] is None         # its use at NOW is noted
    result = run(app, "users", "revoke-tokens", Staff.email("lead"))
    assert result.exit_code == 0 and "revoked 1 token" in result.output
    error(app.test_client().get("/api/v1/me", headers=bearer), 401, "unauthorized")


def test_a_token_stops_working_when_it_expires(app, unit):
    core = app.extensions["qareview"]
    token = unit.token(core, "lead")
    core.clock = lambda: NOW + timedelta(days=90, seconds=1)
    error(app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "unauthorized")
