"""The transactional outbox: messages are rows written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from models.unit_of_work import UnitOfWork
from notifications.render import Message

_INSERT = ("INSERT INTO outbox (key, recipients, subject, body_text, body_html, status, attempts, next_attempt_at, "
           "created_at) VALUES (:key, :recipients, :subject, :body_text, :body_html, 'pending', 0, :now, :now) "
           "ON CONFLICT (key) DO NOTHING")


def enqueue(uow: UnitOfWork, *, key: str, recipients: Iterable[str], message: Message, now: datetime) -> bool:
    """Queue a message once per key (a second enqueue with the same key is a no-op: False),
    deliverable from `now`, the moment of the change it reports."""
    to = sorted({r for r in recipients if r})
    if not to:
        return False
    values = {"key": key, "recipients": ",".join(to), "subject": message.subject, "body_text": message.text,
              "body_html": message.html, "now": now}
    return uow.db.execute(_INSERT, values).rowcount == 1
