"""the audit chain is keyed: each record's hash becomes an HMAC under the configured audit key

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Until now a record's hash was a plain SHA-256 of its content and the previous hash: anyone who could
write the table could re-forge the whole chain. The chain is rebuilt record by record, in order, with
the key qareview migrates with (never stored in the database); the append-only triggers are lifted for
the rebuild and put back. A chain already broken stays broken: its records are re-sealed as they are, so
`audit verify` would no longer see the break — so the rebuild refuses a broken chain and says where.
"""
import hashlib
import hmac
import json
from datetime import UTC, datetime

from alembic import context, op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
FIELDS = ("entity", "entity_id", "from_state", "to_state", "trigger", "actor", "at", "notes")
APPEND_ONLY = "audit records are append-only"


def _content(prev_hash, row) -> bytes:
    values = dict(zip(FIELDS, row[1:9]))
    at = values["at"]
    at = datetime.fromisoformat(at) if isinstance(at, str) else at   # SQLite keeps moments as text
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return json.dumps([prev_hash, values["entity"], values["entity_id"], values["from_state"], values["to_state"],
                       values["trigger"], values["actor"], at.isoformat(timespec="microseconds"), values["notes"]],
                      separators=(",", ":")).encode()


def _rebuild(seal, check) -> None:
    """Walk the chain in order; each record's hash must hold under `check`, and is replaced by `seal`'s."""
    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, entity, entity_id, from_state, to_state, "trigger", actor, at, notes, '
                                'prev_hash, record_hash FROM audit_records ORDER BY id')).fetchall()
    if not rows:
        return
    _unprotect()
    old_prev, new_prev, updates = GENESIS, GENESIS, []
    for row in rows:
        if row[9] != old_prev or check(old_prev, row) != row[10]:
            raise RuntimeError(f"audit record {row[0]} does not hold: the chain is broken there and is not "
                               "re-sealed (run `qareview audit verify` before upgrading)")
        new_hash = seal(new_prev, row)
        updates.append({"id": row[0], "prev": new_prev, "hash": new_hash})
        old_prev, new_prev = row[10], new_hash
    # Two passes, so the unique index never sees a new hash equal to an old one not yet replaced.
    bind.execute(sa.text("UPDATE audit_records SET record_hash = 'rekey-' || id WHERE id = :id"),
                 [{"id": u["id"]} for u in updates])
    bind.execute(sa.text("UPDATE audit_records SET prev_hash = :prev, record_hash = :hash WHERE id = :id"), updates)
    _protect()


def _plain(prev_hash, row) -> str:
    return hashlib.sha256(_content(prev_hash, row)).hexdigest()


def _key() -> bytes:
    key = context.config.attributes.get("audit_key")
    if key is None:
        raise RuntimeError("this migration re-seals the audit chain with the audit key: run it through "
                           "`qareview init-db`, which knows the key (AUDIT_KEY), not through alembic alone")
    return key


def upgrade() -> None:
    key = _key()
    _rebuild(lambda prev, row: hmac.new(key, _content(prev, row), hashlib.sha256).hexdigest(), _plain)


def downgrade() -> None:
    key = _key()
    _rebuild(_plain, lambda prev, row: hmac.new(key, _content(prev, row), hashlib.sha256).hexdigest())


def _protect() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_records ENABLE TRIGGER audit_records_no_change")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_records_no_{verb.lower()} BEFORE {verb} ON audit_records
                           BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""")


def _unprotect() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_change")
    else:
        op.execute("DROP TRIGGER audit_records_no_update")
        op.execute("DROP TRIGGER audit_records_no_delete")
