"""The audit trail is append-only in the database and tamper-evident through its hash chain."""

import hashlib
import hmac
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from alembic import command

from models.audit import GENESIS, content_of, hash_of
from models.database import alembic_config, make_engine
from models.tables import AuditRecord, AuditText
from scheduler.sweep import sweep
from services import audit
from services.bus import handle
from services.core import bootstrap
from tests.conftest import TEST_AUDIT_KEY
from tests.integration.conftest import NOW, Staff, new_review, stored
from web import create_app
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
    "UPDATE audit_records SET to_state = 'rewritten' WHERE id = {id}",
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
        connection.execute(text("TRUNCATE audit_records CASCADE"))


def cli(database_url, *args):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False})
    result = app.test_cli_runner().invoke(args=list(args))
    app.extensions["qareview"].engine.dispose()
    return result


def verify(database_url):
    return cli(database_url, "audit", "verify")


def without_guard(core, database_url, statement):
    drop = ("DROP TRIGGER audit_records_no_change ON audit_records" if database_url.startswith("postgresql")
            else "DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete")
    with core.engine.begin() as connection:
        for part in drop.split("; "):
            connection.execute(text(part))
        if statement.startswith("DELETE FROM audit_records"):   # their notes beside them go too
            where = statement.removeprefix("DELETE FROM audit_records")
            connection.execute(text(f"DELETE FROM audit_texts WHERE record_id IN "
                                    f"(SELECT id FROM audit_records{where})"))
        connection.execute(text(statement))


def test_an_intact_chain_verifies(core, history, database_url):
    result = verify(database_url)
    assert result.exit_code == 0, result.output
    assert f"{len(history)} records verified" in result.output


def test_a_record_changed_by_hand_breaks_the_chain_at_that_record(core, history, database_url):
    target = history[2]
    without_guard(core, database_url, f"UPDATE audit_records SET actor = 'nobody@qa.test' WHERE id = {target.id}")
    result = verify(database_url)
    assert result.exit_code == 1
    assert f"BROKEN at record {target.id}" in result.output and "changed" in result.output


def test_notes_changed_beside_their_record_break_the_chain_at_that_record(core, history, database_url):
    """The notes live beside the append-only record (de-identification may redact them, recorded); a change
    by hand, or their removal, is caught at the record they belong to."""
    with core.engine.begin() as connection:
        noted = connection.execute(text("SELECT record_id FROM audit_texts ORDER BY record_id")).scalars().all()
        connection.execute(text(f"UPDATE audit_texts SET notes = 'nothing to see' WHERE record_id = {noted[0]}"))
        connection.execute(text(f"DELETE FROM audit_texts WHERE record_id = {noted[-1]}"))
    result = verify(database_url)
    assert result.exit_code == 1 and f"BROKEN at record {noted[0]}" in result.output
    with core.engine.begin() as connection:
        connection.execute(text(f"DELETE FROM audit_texts WHERE record_id = {noted[0]}"))
    assert f"BROKEN at record {noted[0]}" in verify(database_url).output


def test_a_record_removed_by_hand_breaks_the_chain_at_the_next(core, history, database_url):
    without_guard(core, database_url, f"DELETE FROM audit_records WHERE id = {history[1].id}")
    result = verify(database_url)
    assert result.exit_code == 1
    assert f"BROKEN at record {history[2].id}" in result.output


def test_a_rehashed_forgery_is_still_caught_by_the_next_link(core, history, database_url):
    """Recomputing the forged record's own hash does not help: the next record points at the old one."""
    with core.uow(write=False) as uow:
        forged = uow.views.audit(limit=2)[1]._replace(actor="intruder@qa.test")
    new_hash = hash_of(core.audit_key, forged)
    without_guard(core, database_url, f"UPDATE audit_records SET actor = 'intruder@qa.test', "
                                      f"record_hash = '{new_hash}' WHERE id = {forged.id}")
    result = verify(database_url)
    assert result.exit_code == 1 and f"BROKEN at record {history[2].id}" in result.output


def rehash_everything(core, database_url, digest):
    """What someone holding only the database can do: rewrite every record's hashes with `digest`."""
    with stored(core) as session:
        records = session.exec(select(AuditRecord).order_by(AuditRecord.id)).all()
        notes = dict(session.exec(select(AuditText.record_id, AuditText.notes)).all())
    prev, statements = GENESIS, []
    for record in records:
        values = {name: getattr(record, name) for name in ("entity", "entity_id", "from_state", "to_state",
                                                           "trigger", "actor", "at")}
        values["notes"] = notes.get(record.id)
        new = digest(content_of(prev_hash=prev, **values))
        statements.append(f"UPDATE audit_records SET prev_hash = '{prev}', record_hash = '{new}' "
                          f"WHERE id = {record.id}")
        prev = new
    without_guard(core, database_url, statements[0])
    with core.engine.begin() as connection:
        for statement in statements[1:]:
            connection.execute(text(statement))


@pytest.mark.parametrize("digest", [
    lambda content: hashlib.sha256(content).hexdigest(),                               # the old public algorithm
    lambda content: hmac.new(b"a guessed key", content, hashlib.sha256).hexdigest(),   # any key but the real one
])
def test_a_chain_rebuilt_without_the_key_is_caught_at_its_first_record(core, history, database_url, digest):
    rehash_everything(core, database_url, digest)
    result = verify(database_url)
    assert result.exit_code == 1
    assert f"BROKEN at record {history[0].id}" in result.output and "without the key" in result.output


@pytest.mark.parametrize("deleted", [1, 3])
def test_deleting_the_newest_records_is_caught_by_the_checkpoint_that_sealed_them(core, history, database_url,
                                                                                 deleted):
    sealed = cli(database_url, "audit", "checkpoint")
    assert sealed.exit_code == 0
    assert sealed.output.splitlines()[-1] == f"checkpoint {len(history)} {history[-1].record_hash}"
    newest = ", ".join(str(r.id) for r in history[-deleted:])
    without_guard(core, database_url, f"DELETE FROM audit_records WHERE id IN ({newest})")
    result = verify(database_url)
    assert result.exit_code == 1 and "newest records were deleted" in result.output
    assert f"checkpoint {len(history)}" in result.output


def test_a_chain_replaced_after_a_checkpoint_no_longer_leads_through_it(core, history, database_url, staff):
    cli(database_url, "audit", "checkpoint")
    # even with the key: records removed and the chain grown again past the sealed length
    without_guard(core, database_url, f"DELETE FROM audit_records WHERE id = {history[-1].id}")
    new_review(core, staff.lead, region="2E")
    result = verify(database_url)
    assert result.exit_code == 1 and "no longer leads through checkpoint" in result.output


def test_a_checkpoint_line_not_sealed_with_the_key_is_refused(core, history, database_url):
    cli(database_url, "audit", "checkpoint")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False})
    path = audit.checkpoint_file(app.extensions["qareview"])
    app.extensions["qareview"].engine.dispose()
    count, record_hash, at, _ = path.read_text().split()
    path.write_text(f"{int(count) - 1} {record_hash} {at} {'0' * 64}\n")
    result = verify(database_url)
    assert result.exit_code == 1 and "not sealed by this audit key" in result.output


def test_databases_sharing_a_folder_keep_checkpoints_of_their_own(tmp_path):
    cores = [bootstrap(database_url=f"sqlite:///{tmp_path / name}", audit_key=TEST_AUDIT_KEY,
                       checkpoint_dir=tmp_path / "shared") for name in ("a.sqlite3", "b.sqlite3")]
    assert audit.checkpoint_file(cores[0]) != audit.checkpoint_file(cores[1])
    for core in cores:
        core.engine.dispose()


def test_the_sweep_seals_a_checkpoint_at_least_daily(core, history, tmp_path):
    core.checkpoint_dir = tmp_path
    sweep(core, now=NOW)
    sweep(core, now=NOW + timedelta(hours=23))          # the last one is still fresh
    assert [c.count for c in audit.checkpoints(core)] == [len(history)]
    sweep(core, now=NOW + timedelta(days=1, minutes=1))
    assert len(audit.checkpoints(core)) == 2
    assert audit.verify(core) == (len(history), None)


def test_upgrading_reseals_an_existing_public_chain_with_the_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:                     # a database as the previous release left it
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        prev = GENESIS
        for n in range(3):
            values = {"entity": "case", "entity_id": n, "from_state": "", "to_state": "sampled", "trigger": "add",
                      "actor": "lead@qa.test", "at": NOW + timedelta(minutes=n), "notes": None}
            record = hashlib.sha256(content_of(prev_hash=prev, **values)).hexdigest()
            connection.execute(text('INSERT INTO audit_records (entity, entity_id, from_state, to_state, "trigger", '
                                    "actor, at, notes, prev_hash, record_hash) VALUES (:entity, :entity_id, "
                                    ":from_state, :to_state, :trigger, :actor, :at, :notes, :prev, :hash)"),
                               {**values, "at": values["at"].strftime("%Y-%m-%d %H:%M:%S.%f"), "prev": prev,
                                "hash": record})
            prev = record
    engine.dispose()
    result = verify(url)                                   # create_app migrates it, with the key
    assert result.exit_code == 0 and "3 records verified" in result.output, result.output


@pytest.mark.postgres
def test_on_postgresql_the_app_role_appends_to_the_trail_and_can_do_nothing_else_to_it(postgres_url):
    import psycopg

    from tests.conftest import POSTGRES_ADMIN
    role = f"qareview_app_{os.getpid()}"
    database = postgres_url.rsplit("/", 1)[1]
    base = POSTGRES_ADMIN.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/{database}", autocommit=True) as owner:
        owner.execute(f"DROP ROLE IF EXISTS {role}")
        owner.execute(f"CREATE ROLE {role} LOGIN")
        script = Path(__file__).resolve().parents[2] / "docs" / "postgresql-app-role.sql"
        grants = script.read_text().replace("qareview_app", role)
        owner.execute(grants)
    app_url = postgres_url.replace("postgres@", f"{role}@", 1)
    try:
        app = create_app({"DATABASE_URL": app_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                          "PASSWORD_HASH_PROFILE": "fast"})
        core = app.extensions["qareview"]
        staff = Staff(core)
        new_review(core, staff.lead)                       # the service works, and appends to the trail
        assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
        for statement in ("UPDATE audit_records SET actor = 'x'", "DELETE FROM audit_records",
                          "ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_change",
                          "TRUNCATE audit_records"):
            with pytest.raises(DatabaseError, match="permission denied|must be owner"), core.engine.begin() as c:
                c.execute(text(statement))
        core.engine.dispose()
    finally:
        with psycopg.connect(f"{base}/{database}", autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE IF EXISTS {role}")


def redacted_history(core, history):
    """The history with its first noted record's names redacted, as a de-identification records it."""
    from workflow.events import Transitioned
    with core.uow() as uow:
        noted = [r for r in uow.views.audit(limit=100) if r.notes]
        target = noted[0]
        by = uow.audit.redact({target.id: "(redacted)"}, Transitioned(
            entity="case", entity_id=target.entity_id, trigger="redact_names", source="x", dest="x",
            actor="lead@qa.test", at=NOW, notes="names replaced"))
        uow.commit()
    return target.id, by


def test_a_recorded_redaction_verifies_and_says_what_it_redacted(core, history, database_url):
    target, by = redacted_history(core, history)
    result = verify(database_url)
    assert result.exit_code == 0, result.output
    with core.uow(write=False) as uow:
        records = {r.id: r for r in uow.views.audit(limit=100)}
    assert records[target].notes == "(redacted)" and records[target].redacted_in == by
    assert records[by].trigger == "redact_names" and records[by].notes.endswith(f"audit records {target}")


@pytest.mark.parametrize("tamper", [
    "UPDATE audit_texts SET notes = 'something else' WHERE record_id = {target}",      # the redacted text edited
    "UPDATE audit_texts SET redacted_in = NULL, sealed_hash = NULL WHERE record_id = {target}",   # hidden
    "UPDATE audit_texts SET redacted_in = {by}, sealed_hash = (SELECT sealed_hash FROM audit_texts "
    "WHERE record_id = {target}), notes = 'x' WHERE record_id = {other}",              # claimed for another record
])
def test_a_redaction_changed_by_hand_breaks_the_chain(core, history, database_url, tamper):
    target, by = redacted_history(core, history)
    with core.engine.begin() as connection:
        other = connection.execute(text(f"SELECT max(record_id) FROM audit_texts WHERE record_id < {by} "
                                        f"AND record_id <> {target}")).scalar()
        connection.execute(text(tamper.format(target=target, by=by, other=other)))
    result = verify(database_url)
    assert result.exit_code == 1 and "BROKEN" in result.output, result.output


def test_redacted_notes_keep_the_schema_from_going_below_what_proves_them(core, history, database_url):
    """Without redactions the notes go back into the records and up again, still verifying; once names were
    redacted, 0009 has nowhere to keep the seals: the downgrade is refused and nothing changes."""
    config = alembic_config(database_url)

    def migrate(step, revision):
        with core.engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    migrate(command.downgrade, "0009")
    migrate(command.upgrade, "head")
    assert verify(database_url).exit_code == 0
    redacted_history(core, history)
    with pytest.raises(RuntimeError, match="cannot downgrade below 0010"):
        migrate(command.downgrade, "0009")
    assert verify(database_url).exit_code == 0
