"""The audit trail is append-only in the database and tamper-evident through its hash chain."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from models.tables import AuditRecord
from tests.integration.conftest import NOW, Staff, new_review, stored
from web import create_app
from services.bus import handle
from workflow.commands import FireCaseTrigger


@pytest.fixture
def history(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    with core.uow() as uow:
        handle(core, uow, FireCaseTrigger(case_id=case_id, trigger="screen", actor=staff.lead,
                                          fields={"notes": "ok"}, at=NOW))
        uow.commit()
    with stored(core) as session:
        return session.exec(select(AuditRecord).order_by(AuditRecord.id)).all()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_records SET notes = 'rewritten' WHERE id = {id}",
    "UPDATE audit_records SET actor = 'someone@else.test'",
    "DELETE FROM audit_records WHERE id = {id}",
    "DELETE FROM audit_records",
])
def test_audit_rows_cannot_be_changed_or_removed_through_sql(core, history, statement):
    with pytest.raises(DatabaseError, match="append-only"), core.engine.begin() as connection:
        connection.execute(text(statement.format(id=history[1].id)))
    with stored(core) as session:
        assert session.exec(select(AuditRecord).order_by(AuditRecord.id)).all() == history


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(pg_core):
    new_review(pg_core, Staff(pg_core).lead)
    with pytest.raises(DatabaseError, match="append-only"), pg_core.engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_records"))


def verify(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False})
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    app.extensions["qareview"].engine.dispose()
    return result


def without_guard(core, database_url, statement):
    drop = ("DROP TRIGGER audit_records_no_change ON audit_records" if database_url.startswith("postgresql")
            else "DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete")
    with core.engine.begin() as connection:
        for part in drop.split("; "):
            connection.execute(text(part))
        connection.execute(text(statement))


def test_an_intact_chain_verifies(core, history, database_url):
    result = verify(database_url)
    assert result.exit_code == 0, result.output
    assert f"{len(history)} records verified" in result.output


def test_a_record_changed_by_hand_breaks_the_chain_at_that_record(core, history, database_url):
    target = history[2]
    without_guard(core, database_url, f"UPDATE audit_records SET notes = 'nothing to see' WHERE id = {target.id}")
    result = verify(database_url)
    assert result.exit_code == 1
    assert f"BROKEN at record {target.id}" in result.output and "changed" in result.output


def test_a_record_removed_by_hand_breaks_the_chain_at_the_next(core, history, database_url):
    without_guard(core, database_url, f"DELETE FROM audit_records WHERE id = {history[1].id}")
    result = verify(database_url)
    assert result.exit_code == 1
    assert f"BROKEN at record {history[2].id}" in result.output


def test_a_rehashed_forgery_is_still_caught_by_the_next_link(core, history, database_url):
    """Recomputing the forged record's own hash does not help: the next record points at the old one."""
    from models.audit import hash_of
    forged = history[1]
    forged.actor = "intruder@qa.test"
    new_hash = hash_of(forged)
    without_guard(core, database_url, f"UPDATE audit_records SET actor = 'intruder@qa.test', "
                                      f"record_hash = '{new_hash}' WHERE id = {forged.id}")
    result = verify(database_url)
    assert result.exit_code == 1 and f"BROKEN at record {history[2].id}" in result.output
