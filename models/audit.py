"""The tamper-evident audit chain: each record's hash is an HMAC-SHA256, under a key that is never in the
database, of its content and the previous record's hash. Whoever holds only the database can change a
record, but cannot compute the hashes that would hide it; deleting the newest records is caught by the
checkpoints kept outside the database (services.audit)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from models.driver import Driver
from models.tables import AuditRecord
from models.views import AuditLine, columns
from workflow.events import Transitioned

GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends, so the chain never forks.
_CHAIN_LOCK = 0x5141_7265  # "QAre"
#: The fields a record's hash covers, in order.
HASHED = ("prev_hash", "entity", "entity_id", "from_state", "to_state", "trigger", "actor", "at", "notes")
_WALK = select(*columns(AuditRecord, *AuditLine._fields)).order_by(AuditRecord.id)


def chain_key(secret: str) -> bytes:
    """The chain's key, from the configured secret (AUDIT_KEY): any text gives a key of full strength."""
    return hmac.new(b"qareview audit chain v1", secret.encode(), hashlib.sha256).digest()


def content_of(*, prev_hash: str, entity: str, entity_id: int | None, from_state: str, to_state: str,
               trigger: str, actor: str, at: datetime, notes: str | None) -> bytes:
    """What a record's hash covers, in a canonical form."""
    return json.dumps([prev_hash, entity, entity_id, from_state, to_state, trigger, actor,
                       at.astimezone(UTC).isoformat(timespec="microseconds"), notes], separators=(",", ":")).encode()


def record_hash(key: bytes, **content) -> str:
    return hmac.new(key, content_of(**content), hashlib.sha256).hexdigest()


def hash_of(key: bytes, record) -> str:
    """The hash a stored record's content should have under `key`."""
    return record_hash(key, **{name: getattr(record, name) for name in HASHED})


@dataclass(frozen=True)
class Broken:
    record_id: int | None   # None: records are missing after the last one there is
    reason: str


class AuditLog:
    """Appends to the chain inside the unit of work's transaction; walks it to verify."""

    def __init__(self, db: Driver, key: bytes):
        self._db = db
        self._key = key
        self._head: str | None = None

    def _chain_head(self) -> str:
        if self._head is None:
            if self._db.postgres:
                self._db.execute("SELECT pg_advisory_xact_lock(:k)", {"k": _CHAIN_LOCK})
            last = self._db.execute("SELECT record_hash FROM audit_records ORDER BY id DESC LIMIT 1").fetchone()
            self._head = last[0] if last else GENESIS
        return self._head

    def append(self, event: Transitioned) -> int:
        """Record one transition; the new record's id."""
        values = {"prev_hash": self._chain_head(), "entity": event.entity, "entity_id": event.entity_id,
                  "from_state": event.source, "to_state": event.dest, "trigger": event.trigger,
                  "actor": event.actor, "at": event.at, "notes": event.notes}
        values["record_hash"] = self._head = record_hash(self._key, **values)
        return self._db.insert(AuditRecord, values)

    def head(self) -> tuple[int, str]:
        """How many records the chain holds, and the hash of the newest (GENESIS when empty)."""
        count = self._db.execute("SELECT count(*) FROM audit_records").fetchone()[0]
        last = self._db.execute("SELECT record_hash FROM audit_records ORDER BY id DESC LIMIT 1").fetchone()
        return count, last[0] if last else GENESIS

    def verify(self, checkpoints: Sequence[tuple[int, str]] = (), batch: int = 2000) -> tuple[int, Broken | None]:
        """Walk the chain in order, streamed: how many records hold, and the first that does not. Each
        checkpoint (how many records the chain held, and the newest one's hash) must still be passed
        through: the chain must reach that length and have that hash there."""
        expected = dict(checkpoints)
        expected_prev, checked = GENESIS, 0
        for values in self._db.stream(_WALK, batch=batch):
            record = AuditLine._make(values)
            if record.prev_hash != expected_prev:
                return checked, Broken(record.id, "its previous-hash does not match the record before it "
                                                  "(a record was removed, inserted or reordered)")
            if not hmac.compare_digest(hash_of(self._key, record), record.record_hash):
                return checked, Broken(record.id, "its content does not match its keyed hash (the record was "
                                                  "changed, or the chain re-hashed without the key)")
            expected_prev = record.record_hash
            checked += 1
            if checked in expected and expected[checked] != record.record_hash:
                return checked, Broken(record.id, f"the chain no longer leads through checkpoint {checked}: "
                                                  "the records it sealed were replaced")
        missing = sorted(count for count in expected if count > checked)
        if missing:
            return checked, Broken(None, f"checkpoint {missing[-1]} sealed {missing[-1]} records and only "
                                         f"{checked} remain: the newest records were deleted")
        return checked, None
