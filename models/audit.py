"""The tamper-evident audit chain: each record's hash is an HMAC-SHA256, under a key that is never in the
database, of its content and the previous record's hash. Whoever holds only the database can change a
record, but cannot compute the hashes that would hide it; deleting the newest records is caught by the
checkpoints kept outside the database (services.audit).

A record's notes live beside it (`audit_texts`), covered by its hash. De-identification replaces the names
in them, never silently: it appends a record (trigger `redact_names`) listing every record it redacts, and
seals each one's new text with a keyed hash of the whole record as it now reads, naming that record. The
original hash stays, so the chain still links. docs/audit-and-deidentification.md has the whole design."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import bindparam

from models.driver import Driver
from models.tables import AuditRecord, AuditText
from models.views import AuditLine, audit_lines
from workflow.events import Transitioned

GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends, so the chain never forks.
_CHAIN_LOCK = 0x5141_7265  # "QAre"
#: The fields a record's hash covers, in order.
HASHED = ("prev_hash", "entity", "entity_id", "from_state", "to_state", "trigger", "actor", "at", "notes")
_WALK = audit_lines().order_by(AuditRecord.id)
_ONE = audit_lines().where(AuditRecord.id.in_(bindparam("ids", expanding=True)))
#: The trigger of the record a de-identification appends, and how it lists the records it redacted.
REDACTION = "redact_names"
_LISTED = re.compile(r"audit records ([0-9, ]+)$")


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


def seal_of(key: bytes, record, *, notes: str | None = None, redacted_in: int | None = None) -> str:
    """The seal of a redacted record: its content as it now reads (`notes`, if given, for its notes) and the
    record that redacted it."""
    content = {name: getattr(record, name) for name in HASHED} | ({"notes": notes} if notes is not None else {})
    redacted_in = record.redacted_in if redacted_in is None else redacted_in
    return hmac.new(key, b"redacted in %d:" % redacted_in + content_of(**content), hashlib.sha256).hexdigest()


def _holds(key: bytes, record) -> bool:
    """The record's content is what its hash (or, once redacted, its seal) says."""
    if record.redacted_in is None:
        return hmac.compare_digest(hash_of(key, record), record.record_hash)
    return hmac.compare_digest(seal_of(key, record), record.sealed_hash or "")


def _redaction_problem(record, naming: set[int], redacted: Mapping[int, int]) -> str | None:
    """What is wrong with the redactions `record` answers for, or None: `naming` are the records that say
    it redacted them, `redacted` every redacted record so far and the record that redacted it. Only a
    `redact_names` record redacts, and it lists exactly the records naming it (and any it listed that a
    later one redacted again)."""
    if record.trigger != REDACTION:
        return f"records {sorted(naming)} claim it redacted them, and it is no redaction" if naming else None
    found = _LISTED.search(record.notes or "")
    listed = {int(i) for i in found.group(1).split(", ")} if found else set()
    if unlisted := naming - listed:
        return f"records {sorted(unlisted)} claim it redacted them, and it does not list them"
    if not_redacted := sorted(i for i in listed if redacted.get(i, 0) < record.id):
        return f"it lists records {not_redacted} as redacted, and they are not"
    return None


class RedactionRefused(Exception):
    """Records to be redacted no longer verify: re-sealing them would hide that."""

    def __init__(self, ids: list[int]):
        super().__init__(f"audit records {ids} do not verify: run `qareview audit verify` before de-identifying")
        self.ids = ids


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
        notes = values.pop("notes")
        record_id = self._db.insert(AuditRecord, values)
        if notes is not None:
            self._db.insert(AuditText, {"record_id": record_id, "notes": notes})
        return record_id

    def redact(self, texts: Mapping[int, str], event: Transitioned) -> int | None:
        """Replace the notes of records (their id → the new text), recorded by `event`'s record, which lists
        them; its id (None: nothing to redact). A record whose content no longer holds is not re-sealed:
        RedactionRefused, and nothing changes."""
        if not texts:
            return None
        ids = sorted(texts)
        found = {r.id: r for r in (AuditLine._make(v) for v in self._db.rows(_ONE, {"ids": ids}))}
        if broken := [i for i in ids if i not in found or not _holds(self._key, found[i])]:
            raise RedactionRefused(broken)
        listed = f"{event.notes + ': ' if event.notes else ''}audit records {', '.join(map(str, ids))}"
        by = self.append(replace(event, trigger=REDACTION, notes=listed))
        self._db.execute_many(
            "UPDATE audit_texts SET notes = :notes, redacted_in = :by, sealed_hash = :seal WHERE record_id = :id",
            [{"id": i, "notes": texts[i], "by": by,
              "seal": seal_of(self._key, found[i], notes=texts[i], redacted_in=by)} for i in ids])
        return by

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
        redacted: dict[int, int] = {}        # redacted records seen so far → the record that redacted them
        naming: dict[int, set[int]] = {}     # and the other way round, for the redacting records still ahead
        for values in self._db.stream(_WALK, batch=batch):
            record = AuditLine._make(values)
            if record.prev_hash != expected_prev:
                return checked, Broken(record.id, "its previous-hash does not match the record before it "
                                                  "(a record was removed, inserted or reordered)")
            if not _holds(self._key, record):
                return checked, Broken(record.id, "its content does not match its keyed hash (the record was "
                                                  "changed, or the chain re-hashed without the key)")
            if record.redacted_in is not None:
                if record.redacted_in <= record.id:
                    return checked, Broken(record.id, "it claims a redaction recorded before it")
                redacted[record.id] = record.redacted_in
                naming.setdefault(record.redacted_in, set()).add(record.id)
            if problem := _redaction_problem(record, naming.pop(record.id, set()), redacted):
                return checked, Broken(record.id, problem)
            expected_prev = record.record_hash
            checked += 1
            if checked in expected and expected[checked] != record.record_hash:
                return checked, Broken(record.id, f"the chain no longer leads through checkpoint {checked}: "
                                                  "the records it sealed were replaced")
        if naming:
            return checked, Broken(min(min(ids) for ids in naming.values()),
                                   "it claims a redaction that is not in the chain")
        missing = sorted(count for count in expected if count > checked)
        if missing:
            return checked, Broken(None, f"checkpoint {missing[-1]} sealed {missing[-1]} records and only "
                                         f"{checked} remain: the newest records were deleted")
        return checked, None
