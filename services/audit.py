"""Checkpoints of the audit chain, kept outside the database, and verification against them.

A checkpoint says how many records the chain held and the newest one's hash, sealed with an HMAC under
the audit key. Kept in a file of its own per database (in AUDIT_CHECKPOINT_DIR), it catches what the
chain alone cannot: the newest records deleted, or the whole chain rebuilt. The sweep seals one at least
daily; `qareview audit checkpoint` seals one at once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from services.core import Core

#: The sweep seals a checkpoint when the last one is older than this.
CHECKPOINT_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class Checkpoint:
    count: int
    record_hash: str
    at: datetime

    def line(self, key: bytes) -> str:
        body = f"{self.count} {self.record_hash} {self.at.isoformat()}"
        return f"{body} {hmac.new(key, body.encode(), hashlib.sha256).hexdigest()}"


class CheckpointForged(Exception):
    """A line of the checkpoint file is not sealed by this key."""


def checkpoint_file(core: Core) -> Path | None:
    """This database's checkpoint file: one per database, named by what the database is (never mixed with
    another's in a shared folder)."""
    if core.checkpoint_dir is None:
        return None
    url = core.engine.url
    where = str(Path(url.database).resolve()) if url.get_backend_name() == "sqlite" else \
        f"{url.host}:{url.port or 5432}/{url.database}"
    name = hashlib.sha256(f"{url.get_backend_name()}:{where}".encode()).hexdigest()[:16]
    return core.checkpoint_dir / f"audit-checkpoints-{name}.txt"


def checkpoints(core: Core) -> list[Checkpoint]:
    """The sealed checkpoints, oldest first; CheckpointForged names the first line the key did not seal."""
    path = checkpoint_file(core)
    if path is None or not path.exists():
        return []
    found = []
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        count, record_hash, at, _ = (text.split(" ") + ["", "", "", ""])[:4]
        try:
            checkpoint = Checkpoint(int(count), record_hash, datetime.fromisoformat(at))
        except ValueError as error:
            raise CheckpointForged(f"line {number} of {path} is not a checkpoint") from error
        if not hmac.compare_digest(checkpoint.line(core.audit_key), text):
            raise CheckpointForged(f"line {number} of {path} is not sealed by this audit key")
        found.append(checkpoint)
    return found


def seal(core: Core, *, now: datetime) -> Checkpoint:
    """Seal the chain as it stands now: append a checkpoint to this database's file (flushed to disk)."""
    path = checkpoint_file(core)
    if path is None:
        raise RuntimeError("no checkpoint folder is configured (AUDIT_CHECKPOINT_DIR)")
    with core.uow(write=False) as uow:
        count, record_hash = uow.audit.head()
    checkpoint = Checkpoint(count, record_hash, now)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a") as file:
        file.write(checkpoint.line(core.audit_key) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return checkpoint


def seal_if_due(core: Core, *, now: datetime) -> Checkpoint | None:
    """A new checkpoint if the last is older than CHECKPOINT_EVERY (or there is none); what the sweep calls."""
    if core.checkpoint_dir is None:
        return None
    sealed = checkpoints(core)
    if sealed and now - sealed[-1].at < CHECKPOINT_EVERY:
        return None
    return seal(core, now=now)


def verify(core: Core):
    """Walk the chain against its checkpoints: (records that hold, the first break or None)."""
    with core.uow(write=False) as uow:
        return uow.audit.verify([(c.count, c.record_hash) for c in checkpoints(core)])
