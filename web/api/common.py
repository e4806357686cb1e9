"""What every API view shares: the caller, the clock, pages of a collection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_login import current_user, login_required
from flask_smorest import abort

from web.auth import core

__all__ = ["core", "login_required", "caller", "page", "after_cursor", "trigger_fields"]


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


def trigger_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """A transition request's own fields: all but the trigger and the version."""
    return {k: v for k, v in body.items() if k not in ("trigger", "version")}
