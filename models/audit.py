"""The tamper-evident audit chain: each record's SHA-256 covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
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


def record_hash(*, prev_hash: str, entity: str, entity_id: int | None, from_state: str, to_state: str,
                trigger: str, actor: str, at: datetime, notes: str | None) -> str:
    content = [prev_hash, entity, entity_id, from_state, to_state, trigger, actor,
               at.astimezone(UTC).isoformat(timespec="microseconds"), notes]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def hash_of(record) -> str:
    """The hash a stored record's content should have."""
    return record_hash(**{name: getattr(record, name) for name in HASHED})


@dataclass(frozen=True)
class Broken:
    record_id: int
    reason: str


class AuditLog:
    """Appends to the chain inside the unit of work's transaction; walks it to verify."""

    def __init__(self, db: Driver):
        self._db = db
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
        values["record_hash"] = self._head = record_hash(**values)
        return self._db.insert(AuditRecord, values)

    def verify(self, batch: int = 2000) -> tuple[int, Broken | None]:
        """Walk the chain in order, streamed: how many records hold, and the first that does not."""
        expected_prev, checked = GENESIS, 0
        for values in self._db.stream(_WALK, batch=batch):
            record = AuditLine._make(values)
            if record.prev_hash != expected_prev:
                return checked, Broken(record.id, "its previous-hash does not match the record before it "
                                                  "(a record was removed, inserted or reordered)")
            if hash_of(record) != record.record_hash:
                return checked, Broken(record.id, "its content does not match its hash (the record was changed)")
            expected_prev = record.record_hash
            checked += 1
        return checked, None
