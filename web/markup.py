"""Small HTML pieces repeated in every row of a list, written in Python: in a page of 100 rows, Jinja
macro calls, url_for builds and even Jinja's own per-value output were most of its time (a macro call
costs ~10x a function call, and each `{{ }}` an escape and a Markup). They are filters, which Jinja
calls directly (a global goes through its slower context.call).
Values are escaped with markupsafe's escape where the piece is a filter of its own (Markup.format is
several times slower); inside a whole row, with html.escape, making one Markup for the row rather than
one per value.

Templates get `now` in the unit's time zone (see pages.globals_for_templates): due cells show their
moments in now's zone, so no row looks the zone up again."""

from __future__ import annotations

import html
from datetime import datetime, tzinfo
from functools import lru_cache

from flask import request
from markupsafe import Markup, escape

from web.auth import core

def _shown(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")


def local_time(moment: datetime | None) -> str:
    return "" if moment is None else _shown(moment, core().calendar.tz)


@lru_cache(maxsize=512)
def words(code: str) -> str:
    """A code as words (`foster_care`: "foster care"). Codes are few: each is worked out once."""
    return code.replace("_", " ")


@lru_cache(maxsize=512)
def _code_html(code: str) -> str:
    """A code (region, type) as escaped words: codes are few, so each is escaped once."""
    return html.escape(words(code))


@lru_cache(maxsize=512)
def state(name: str) -> Markup:
    return Markup(f'<span class="state state-{escape(name)}">{escape(words(name))}</span>')


def due_cell(due: datetime | None, now: datetime) -> Markup:
    """A table cell with a due time in now's zone, marked when it has passed."""
    return Markup(_due_cell(due, now))


def _due_cell(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "<td>—</td>"
    shown = html.escape(_shown(due, now.tzinfo))
    if due < now:
        return f'<td class="overdue">{shown} <strong>overdue</strong></td>'
    return f"<td>{shown}</td>"


def case_url(case_id: int) -> str:
    """url_for('pages.case_page', case_id=…) without building it through the URL map for each row."""
    return f"{request.script_root}/cases/{case_id}"


def concern_url(concern_id: int) -> str:
    """url_for('pages.concern_page', concern_id=…), likewise."""
    return f"{request.script_root}/concerns/{concern_id}"


def case_rows(cases, now: datetime) -> Markup:
    """Cases in a list of work (link, region, type, state, due cell), one table row each, made in one call."""
    cases_url = f"{request.script_root}/cases/"
    return Markup("\n".join(
        f'<tr><td><a href="{cases_url}{case.id}">{html.escape(case.case_number)}</a></td>'
        f"<td>{_code_html(case.region)}</td><td>{_code_html(case.case_type)}</td>"
        f"<td>{state(case.state)}</td>{_due_cell(case.due, now)}</tr>" for case in cases))
