"""What every API view shares: the caller, the clock, pages, and refusing fields a trigger does not take."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_smorest import abort
from flask_login import current_user, login_required

from web.auth import core

__all__ = ["core", "login_required", "caller", "page", "after_cursor", "transition"]


def caller():
    return current_user.actor


def after_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        abort(422, messages={"query": {"cursor": ["not a cursor this API gave out"]}})
    return int(cursor)


def page(rows: Sequence, limit: int, present) -> dict:
    """`rows` fetched with limit + 1: the extra one only says there is a next page."""
    items = [present(r) for r in rows[:limit]]
    return {"items": items, "next": str(rows[limit - 1].id) if len(rows) > limit else None}


def transition(fire, body: Mapping, allowed: Mapping[str, set[str]], present, **ids) -> dict:
    """Fire the requested trigger through the service `fire` in one transaction; the entity after it."""
    fields = trigger_fields(body, allowed)
    c = core()
    with c.uow() as uow:
        row = fire(c, uow, **ids, trigger=body["trigger"], actor=caller(), fields=fields,
                   version=body.get("version"), now=c.now())
        uow.commit()
        return present(row)


def trigger_fields(body: Mapping, allowed: Mapping[str, set[str]]) -> dict:
    """The trigger's own fields; a field that trigger does not take is refused (422), not ignored."""
    trigger = body["trigger"]
    fields = {k: v for k, v in body.items() if k not in ("trigger", "version")}
    unknown = sorted(set(fields) - allowed.get(trigger, {"notes"}))
    if unknown:
        abort(422, messages={"json": {name: [f"unknown field for {trigger!r}"] for name in unknown}})
    return fields
