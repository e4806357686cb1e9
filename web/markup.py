"""Small HTML pieces repeated in every row of a list, written in Python: in a page of 200 rows, Jinja
macro calls and url_for builds were most of its time (a macro call costs ~10x a function call). They
are filters, which Jinja calls directly (a global goes through its slower context.call).
Values go through markupsafe's escape (Markup.format is several times slower)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import request
from markupsafe import Markup, escape

from web.auth import core


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(core().calendar.tz).strftime("%a %d %b %Y %H:%M %Z")


@lru_cache(maxsize=512)
def words(code: str) -> str:
    """A code as words (`foster_care`: "foster care"). Codes are few: each is worked out once."""
    return code.replace("_", " ")


@lru_cache(maxsize=512)
def state(name: str) -> Markup:
    return Markup(f'<span class="state state-{escape(name)}">{escape(name.replace("_", " "))}</span>')


def due_cell(due: datetime | None, now: datetime) -> Markup:
    """A table cell with a due time, marked when it has passed."""
    if due is None:
        return Markup("<td>—</td>")
    if due < now:
        return Markup(f'<td class="overdue">{escape(local_time(due))} <strong>overdue</strong></td>')
    return Markup(f"<td>{escape(local_time(due))}</td>")


def case_url(case_id: int) -> str:
    """url_for('pages.case_page', case_id=…) without building it through the URL map for each row."""
    return f"{request.script_root}/cases/{case_id}"


def concern_url(concern_id: int) -> str:
    """url_for('pages.concern_page', concern_id=…), likewise."""
    return f"{request.script_root}/concerns/{concern_id}"
