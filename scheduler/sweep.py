"""The deadline sweep: record every reminder, overdue notice and escalation that is due, once.

Exactly-once comes from the database, not from the scheduler: each notice goes into the outbox
under the unique key (deadline, step), in the same transaction that moves the deadline's cursor.
Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises writers), so any
number of sweeps may run at once; one killed half-way leaves its batch untouched for the next.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from models.tables import CaseRow, ConcernRow, Deadline, OutboxMessage
from models.unit_of_work import UnitOfWork
from notifications.outbox import queued
from notifications.render import spoken
from services.core import Core
from services.people import emails_with_role
from workflow.deadlines import CASE_ACTOR, Kind, Step, check
from workflow.roles import Role

log = logging.getLogger(__name__)
_MOVE_ALL = text("""
    UPDATE deadlines SET cursor = moved.cursor, next_notice_at = moved.next_at
    FROM unnest(CAST(:ids AS integer[]), CAST(:cursors AS integer[]), CAST(:nexts AS timestamptz[]))
         AS moved (id, cursor, next_at)
    WHERE deadlines.id = moved.id""")
HEADINGS = {Kind.REMINDER: "Reminder", Kind.OVERDUE: "Overdue", Kind.ESCALATION: "Overdue (escalated)"}


@dataclass
class SweepReport:
    recorded: list[str] = field(default_factory=list)   # headlines (subjects) of the notices recorded
    failed: list[int] = field(default_factory=list)     # deadlines that could not be processed


class _People:
    """Recipients for one batch: entities loaded in one query each, role lists once per sweep."""

    def __init__(self, uow: UnitOfWork, rows: list, roles: dict):
        self.session, self.roles = uow.session, roles
        self.cases = self._load(CaseRow, {r.entity_id for r in rows if r.entity == "case"})
        self.concerns = self._load(ConcernRow, {r.entity_id for r in rows if r.entity == "concern"})
        self.cases |= self._load(CaseRow, {c.case_id for c in self.concerns.values()} - set(self.cases))

    def _load(self, model, ids: set[int]) -> dict:
        return {row.id: row for row in self.session.exec(select(model).where(model.id.in_(ids)))} if ids else {}

    def with_role(self, role: Role, region: str | None = None) -> list[str]:
        key = (role, region)
        if key not in self.roles:
            self.roles[key] = emails_with_role(self.session, role, region)
        return self.roles[key]

    def acting(self, row) -> list[str]:
        if row.entity == "concern":
            concern = self.concerns[row.entity_id]
            return [*self.with_role(Role.REGIONAL_LEADER, concern.region), concern.notified_by]
        case = self.cases[row.entity_id]
        assignee = CASE_ACTOR.get(case.state)
        return [getattr(case, assignee)] if assignee else self.with_role(Role.TEAM_LEAD)


def _notice(core: Core, people: _People, row, step: Step) -> tuple[dict, str] | None:
    """The outbox row of one notice and its headline for the report (None when nobody is to be told)."""
    rule = core.reference.clocks[row.clock]
    recipients = people.acting(row)
    if step.kind is Kind.ESCALATION:
        for role in rule.escalate_to:
            recipients = [*recipients, *people.with_role(Role(role))]
    if row.entity == "concern":
        concern = people.concerns[row.entity_id]
        case = people.cases[concern.case_id]
        what = f"Concern #{concern.id} ({core.reference.concern_types[concern.type].label}) on case " \
               f"{case.case_number}"
        state, link, tail = concern.state, core.link(f"/concerns/{concern.id}"), f"region {concern.region}"
    else:
        case = people.cases[row.entity_id]
        what, state = f"Case {case.case_number}", case.state
        link, tail = core.link(f"/cases/{case.id}"), f"region {case.region}"
    due = spoken(row.due_at, core.calendar.tz)
    message = queued(key=f"deadline:{row.id}:{step.name}", recipients=recipients, template="deadline_notice",
                     values=dict(heading=HEADINGS[step.kind], kind=step.kind.value, what=what, clock_label=rule.label,
                                 due=due, state=state.replace("_", " "), link=link, subject_tail=f"due {due} ({tail})"))
    return None if message is None else (message, f"{HEADINGS[step.kind]}: {what}")


def sweep(core: Core, *, now: datetime, batch: int = 500) -> SweepReport:
    """Record what is due at `now`, batch by batch, one transaction per batch."""
    report, roles, failed = SweepReport(), {}, set()
    while True:
        with core.uow() as uow:
            rows = _claim(uow, now, batch, failed)
            if not rows:
                break
            people = _People(uow, rows, roles)
            messages, headlines, moves = [], [], []
            for row in rows:
                try:
                    outcome = check(core.reference.clocks[row.clock], row.due_at, row.cursor, now)
                    if outcome.send is not None:
                        if notice := _notice(core, people, row, outcome.send):
                            messages.append(notice[0])
                            headlines.append(notice[1])
                        else:
                            log.warning("deadline %s: nobody to notify (%s)", row.id, outcome.send.name)
                    moves.append({"b_id": row.id, "b_cursor": outcome.cursor, "b_next": outcome.next_at})
                except Exception:  # one bad deadline must not hold up the others
                    log.exception("deadline %s could not be processed", row.id)
                    failed.add(row.id)
            _write(uow, messages, moves, now)
            uow.commit()
            report.recorded += headlines
    report.failed = sorted(failed)
    return report


def _claim(uow: UnitOfWork, now: datetime, batch: int, failed: Iterable[int]) -> list:
    """The next batch of due deadlines, as plain rows (no ORM objects: they are only read)."""
    table = Deadline.__table__
    query = select(table).where(table.c.next_notice_at <= now).order_by(table.c.next_notice_at).limit(batch)
    if failed:
        query = query.where(table.c.id.not_in(list(failed)))
    if uow.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(uow.session.connection().execute(query))


def _write(uow: UnitOfWork, messages: list[dict], moves: list[dict], now: datetime) -> None:
    connection = uow.session.connection()
    if messages:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        rows = [m | {"status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now} for m in messages]
        connection.execute(insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"]), rows)
    if not moves:
        return
    table = Deadline.__table__
    if connection.dialect.name == "postgresql":  # one statement for the batch, not one per row
        connection.execute(_MOVE_ALL, {"ids": [m["b_id"] for m in moves], "cursors": [m["b_cursor"] for m in moves],
                                       "nexts": [m["b_next"] for m in moves]})
    else:
        connection.execute(update(table).where(table.c.id == bindparam("b_id"))
                           .values(cursor=bindparam("b_cursor"), next_notice_at=bindparam("b_next")), moves)
