"""The transactional outbox: messages are rows written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from models.tables import OutboxMessage
from notifications.render import Message


def enqueue(session: Session, *, key: str, recipients: Iterable[str], message: Message, now: datetime) -> bool:
    """Queue a message once per key (a second enqueue with the same key is a no-op: False),
    deliverable from `now`, the moment of the change it reports."""
    to = sorted({r for r in recipients if r})
    if not to:
        return False
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).values(
        key=key, recipients=",".join(to), subject=message.subject, body_text=message.text,
        body_html=message.html, status="pending", attempts=0, next_attempt_at=now, created_at=now,
    ).on_conflict_do_nothing(index_elements=["key"])
    return session.connection().execute(statement).rowcount == 1  # Core: no ORM bookkeeping needed
