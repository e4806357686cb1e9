"""The transactional outbox: messages are rows written in the caller's transaction.

A message is queued as its template's name and values, not rendered: rendering is work the
transaction need not wait for, and happens once, when the message is first claimed for delivery."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from models.unit_of_work import UnitOfWork

_INSERT = ("INSERT INTO outbox (key, recipients, template, context, status, attempts, next_attempt_at, created_at) "
           "VALUES (:key, :recipients, :template, :context, 'pending', 0, :now, :now) ON CONFLICT (key) DO NOTHING")


def queued(*, key: str, recipients: Iterable[str], template: str, values: Mapping[str, Any]) -> dict | None:
    """The outbox columns of one message (None when it has nobody to go to)."""
    to = sorted({r for r in recipients if r})
    if not to:
        return None
    return {"key": key, "recipients": ",".join(to), "template": template, "context": json.dumps(values)}


def enqueue(uow: UnitOfWork, *, key: str, recipients: Iterable[str], template: str, values: Mapping[str, Any],
            now: datetime) -> bool:
    """Queue a message once per key (a second enqueue with the same key is a no-op: False),
    deliverable from `now`, the moment of the change it reports."""
    message = queued(key=key, recipients=recipients, template=template, values=values)
    if message is None:
        return False
    return uow.db.execute(_INSERT, {**message, "now": now}).rowcount == 1
