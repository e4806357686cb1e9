"""Recording transitions: the audit record and the messages they cause, in the caller's transaction."""

from __future__ import annotations

from dataclasses import replace

from models.unit_of_work import UnitOfWork
from services.core import Core
from services.handlers import dispatch
from workflow.events import Transitioned


def record(core: Core, uow: UnitOfWork, *transitions: Transitioned | None, entity_id: int | None = None) -> None:
    """Append each transition to the audit chain, then run its handlers (outbox messages, clocks).

    Pending ORM changes are flushed first, so handlers reading with driver statements see them."""
    uow.flush()
    recorded = []
    for event in filter(None, transitions):
        if event.entity_id is None:
            event = replace(event, entity_id=entity_id)
        recorded.append((event, uow.audit.append(event)))
    dispatch(core, uow, recorded)
