"""The command line, run through the app's own CLI runner so create_app's overrides hold."""

import os
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlmodel import select

from models.tables import ApiToken, AuditRecord, CaseRow, ConcernRow, ReviewRow, User, UserRole
from services import people
from tests.integration.conftest import stored
from web import create_app
from workflow.roles import Role


@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast"})
    yield app
    app.extensions["qareview"].engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def rows(app, query):
    with stored(app.extensions["qareview"]) as session:
        return session.exec(query).all()


def test_init_db_loads_regions_and_calendar_and_can_be_repeated(app):
    for _ in range(2):
        result = run(app, "init-db")
        assert result.exit_code == 0, result.output
        assert "14 regions" in result.output


def test_users_add_with_several_roles(app):
    result = run(app, "users", "add", "Pat@Example.org", "--name", "Pat Doe", "--role", "reviewer", "--role", "qa",
                 "--password", "s3cret-enough")
    assert result.exit_code == 0, result.output
    with app.extensions["qareview"].uow(write=False) as uow:
        who = people.actor(uow, "pat@example.org")
    assert who.roles == {"reviewer", "qa"}


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "regional_leader"], "needs a region"),
    (["--role", "regional_leader", "--region", "9Z"], "unknown region"),
    (["--role", "reviewer", "--password", "short"], "at least 12"),
    (["--role", "reviewer", "--password", "password1234"], "too easy to guess"),
    (["--role", "reviewer", "--password", " " * 12], "too easy to guess"),
    (["--role", "reviewer", "--password", "lee@example.org"], "e-mail"),
])
def test_users_add_refuses_bad_input_and_changes_nothing(app, args, message):
    base = ["users", "add", "lee@example.org", "--name", "Lee"]
    if "--password" not in args:
        args = [*args, "--password", "long-enough-pw"]
    result = run(app, *base, *args)
    assert result.exit_code == 1 and message in result.output
    assert rows(app, select(User)) == []


def test_users_add_refuses_an_unknown_role_and_a_duplicate(app):
    assert run(app, "users", "add", "a@example.org", "--name", "A", "--role", "wizard", "--password",
               "long-enough").exit_code == 2
    assert run(app, "users", "add", "a@example.org", "--name", "A", "--role", "qa", "--password",
               "long-enough-pw").exit_code == 0
    again = run(app, "users", "add", "A@example.org", "--name", "A", "--role", "qa", "--password", "long-enough-pw")
    assert again.exit_code == 1 and "already exists" in again.output


def test_users_token_prints_a_token_that_is_stored_only_hashed(app):
    run(app, "users", "add", "t@example.org", "--name", "T", "--role", "auditor", "--password", "long-enough-pw")
    result = run(app, "users", "token", "t@example.org")
    assert result.exit_code == 0
    token = result.output.split()[-1]
    digests = rows(app, select(ApiToken.token_hash))
    assert token not in digests and len(digests) == 1
    now = app.extensions["qareview"].now()
    with app.extensions["qareview"].uow(write=False) as uow:
        assert people.user_for_token(uow, token, now=now)[0].email == "t@example.org"
        assert people.user_for_token(uow, token + "x", now=now) is None
        assert people.user_for_token(uow, token, now=now + timedelta(days=91)) is None   # expired by then
    assert run(app, "users", "token", "nobody@example.org").exit_code == 1


def test_a_password_can_be_given_on_standard_input_or_at_a_prompt_instead_of_the_command_line(app):
    piped = app.test_cli_runner().invoke(args=["users", "add", "p@example.org", "--name", "P", "--role", "qa",
                                               "--password-stdin"], input="amber-otter-sings-7\n")
    assert piped.exit_code == 0, piped.output
    asked = app.test_cli_runner().invoke(args=["users", "add", "q@example.org", "--name", "Q", "--role", "qa"],
                                         input="amber-otter-sings-8\namber-otter-sings-8\n")
    assert asked.exit_code == 0 and "amber-otter" not in asked.output   # asked without echo
    assert len(rows(app, select(User))) == 2


def snapshot(app):
    cases = rows(app, select(CaseRow.case_number, CaseRow.state, CaseRow.review_date).order_by(CaseRow.id))
    reviews = rows(app, select(ReviewRow.region, ReviewRow.review_month, ReviewRow.state).order_by(ReviewRow.id))
    concerns = rows(app, select(ConcernRow.type, ConcernRow.state, ConcernRow.response_due).order_by(ConcernRow.id))
    audit = rows(app, select(AuditRecord.trigger, AuditRecord.at).order_by(AuditRecord.id))
    return [tuple(r) for r in cases], [tuple(r) for r in reviews], [tuple(r) for r in concerns], \
        [tuple(r) for r in audit]


@freeze_time("2026-11-22 15:30:00")
def test_demo_has_every_role_every_case_state_and_near_and_past_deadlines(app):
    result = run(app, "demo")
    assert result.exit_code == 0, result.output
    assert "demo-lantern-2026" in result.output
    cases, reviews, concerns, _ = snapshot(app)
    assert {state for _, state, _ in cases} == {"sampled", "screened", "assigned", "reviewed", "first_qa",
                                                "second_qa", "cb_oversight", "finalized", "deidentified",
                                                "eliminated"}
    assert {state for *_, state in reviews} == {"in_review", "cb_oversight"}
    assert {state for _, state, _ in concerns} == {"reported", "region_notified", "responded", "resolved"}
    assert set(rows(app, select(UserRole.role))) == set(Role)
    assert run(app, "audit", "verify").exit_code == 0
    again = run(app, "demo")
    assert again.exit_code == 0 and "already loaded" in again.output
    assert snapshot(app)[0] == cases


def test_demo_is_the_same_on_every_run_relative_to_today(tmp_path):
    snapshots = []
    for n in range(2):
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/demo{n}.sqlite3", "TESTING": True,
                          "PASSWORD_HASH_PROFILE": "fast"})
        with freeze_time("2026-11-22 15:30:00"):
            assert run(app, "demo").exit_code == 0
        snapshots.append(snapshot(app))
        app.extensions["qareview"].engine.dispose()
    assert snapshots[0] == snapshots[1]
    deidentified = [number for number, state, _ in snapshots[0][0] if state == "deidentified"]
    assert len(deidentified) == 1 and re.fullmatch(r"[A-Z0-9]{10}", deidentified[0])


def test_a_backup_taken_while_serving_restores_to_an_instance_whose_chain_verifies(app, database_url, tmp_path):
    import subprocess

    import psycopg

    from tests.conftest import POSTGRES_ADMIN
    run(app, "demo")
    before = snapshot(app)
    target = tmp_path / "backup.dump"
    result = run(app, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert run(app, "backup", str(target)).exit_code != 0           # never overwrites
    if database_url.startswith("sqlite"):
        restored_url = f"sqlite:///{target}"                      # restore: the copy is the database
    else:
        name = f"qareview_restored_{os.getpid()}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        base = POSTGRES_ADMIN.rsplit("/", 1)[0]
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={base}/{name}", str(target)], check=True)
        restored_url = f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    restored = create_app({"DATABASE_URL": restored_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                           "PASSWORD_HASH_PROFILE": "fast"})
    try:
        verified = run(restored, "audit", "verify")
        assert verified.exit_code == 0 and "intact" in verified.output
        assert snapshot(restored) == before
    finally:
        restored.extensions["qareview"].engine.dispose()
        if not database_url.startswith("sqlite"):
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
