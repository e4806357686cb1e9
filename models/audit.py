"""The tamper-evident audit chain: each record's SHA-256 covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam
from sqlmodel import Session, select

from models.filters import FilteredList
from models.tables import AuditRecord
from workflow.events import Transitioned

GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends, so the chain never forks.
_CHAIN_LOCK = 0x5141_7265  # "QAre"


#: The fields a record's hash covers, in order.
HASHED = ("prev_hash", "entity", "entity_id", "from_state", "to_state", "trigger", "actor", "at", "notes")


def record_hash(*, prev_hash: str, entity: str, entity_id: int | None, from_state: str, to_state: str,
                trigger: str, actor: str, at: datetime, notes: str | None) -> str:
    content = [prev_hash, entity, entity_id, from_state, to_state, trigger, actor,
               at.astimezone(UTC).isoformat(timespec="microseconds"), notes]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def hash_of(record: AuditRecord) -> str:
    """The hash a stored record's content should have."""
    return record_hash(**{name: getattr(record, name) for name in HASHED})


class AuditLog:
    """Appends to the chain inside the unit of work's transaction, with driver-level statements."""

    def __init__(self, uow):
        self._uow = uow
        self._head: str | None = None

    def _chain_head(self) -> str:
        if self._head is None:
            db = self._uow.db
            if db.postgres:
                db.execute("SELECT pg_advisory_xact_lock(:k)", {"k": _CHAIN_LOCK})
            last = db.execute("SELECT record_hash FROM audit_records ORDER BY id DESC LIMIT 1").fetchone()
            self._head = last[0] if last else GENESIS
        return self._head

    def append(self, event: Transitioned) -> int:
        """Record one transition; the new record's id."""
        values = {"prev_hash": self._chain_head(), "entity": event.entity, "entity_id": event.entity_id,
                  "from_state": event.source, "to_state": event.dest, "trigger": event.trigger,
                  "actor": event.actor, "at": event.at, "notes": event.notes}
        values["record_hash"] = self._head = record_hash(**values)
        return self._uow.db.insert(AuditRecord, values)


_RECORDS = FilteredList(
    select(*AuditRecord.__table__.columns).order_by(AuditRecord.id).limit(bindparam("limit")),
    entity=lambda p: AuditRecord.entity == p, entity_id=lambda p: AuditRecord.entity_id == p,
    actor=lambda p: AuditRecord.actor == p, trigger=lambda p: AuditRecord.trigger == p,
    since=lambda p: AuditRecord.at >= p, until=lambda p: AuditRecord.at <= p, after=lambda p: AuditRecord.id > p)


def audit_records(uow, *, entity: str | None = None, entity_id: int | None = None, actor: str | None = None,
                  trigger: str | None = None, since: datetime | None = None, until: datetime | None = None,
                  after: int | None = None, limit: int = 100) -> list:
    """Audit records (named tuples of AuditRecord's columns) in recording order, filtered; `after` is the
    id the previous page ended on."""
    return _RECORDS.rows(uow, limit=limit, entity=entity, entity_id=entity_id, actor=actor, trigger=trigger,
                         since=since, until=until, after=after)


@dataclass(frozen=True)
class Broken:
    record_id: int
    reason: str


def verify_chain(session: Session, batch: int = 2000) -> tuple[int, Broken | None]:
    """Walk the chain in order: how many records hold, and the first that does not."""
    expected_prev, checked = GENESIS, 0
    query = select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=batch)
    with session.exec(query) as records:  # streamed, and its server-side cursor closed on an early return
        for record in records:
            if record.prev_hash != expected_prev:
                return checked, Broken(record.id, "its previous-hash does not match the record before it "
                                                  "(a record was removed, inserted or reordered)")
            if hash_of(record) != record.record_hash:
                return checked, Broken(record.id, "its content does not match its hash (the record was changed)")
            expected_prev = record.record_hash
            checked += 1
    return checked, None
