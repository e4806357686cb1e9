"""Transition throughput: qareview's service (state + audit + outbox, one commit each) against the floor
of durable writes on this disk: the very rows qareview wrote, written again into a twin database with the
raw driver, one commit each. The two alternate in rounds within one run (paired), so drift on a noisy
machine falls on both.

    .venv/bin/python bench/transitions.py [--count 5000] [--postgres URL]

Target: qareview reaches at least 0.5 of the raw rate on SQLite (WAL).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name would shadow the `transitions` library: run from the repository root instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import psycopg  # noqa: E402

from bench.scratch import BENCH_AUDIT_KEY, scratch_databases, sqlalchemy_url  # noqa: E402
from services import people  # noqa: E402
from services.bus import execute, handle  # noqa: E402
from services.core import bootstrap  # noqa: E402
from services.setup import init_db  # noqa: E402
from workflow.commands import AddCase, FireCaseTrigger, PlanReview  # noqa: E402
from workflow.roles import Role  # noqa: E402

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
CASES = 50
#: Each step changes state, records an audit record and queues one e-mail.
LOOP = [("return_to_reviewer", "qa1", {"notes": "please add evidence"}), ("resubmit", "reviewer", {})]


def prepare(url: str):
    """A migrated database with staff and CASES cases waiting in first-level QA."""
    core = bootstrap(database_url=url, audit_key=BENCH_AUDIT_KEY, password_profile="fast", clock=lambda: NOW)
    init_db(core)
    with core.uow() as uow:
        for name, role in [("lead", Role.TEAM_LEAD), ("reviewer", Role.REVIEWER), ("qa1", Role.QA),
                           ("qa2", Role.QA)]:
            people.add_user(uow, email=f"{name}@bench.test", name=name, roles=[role], password="bench-password",
                            passwords=core.passwords)
        uow.commit()
    with core.uow(write=False) as uow:
        actors = {n: people.actor(uow, f"{n}@bench.test") for n in ("lead", "reviewer", "qa1", "qa2")}
    with core.uow() as uow:
        review = handle(core, uow, PlanReview(region="3N", review_month="2026-11", kind="measurement",
                                              actor=actors["lead"], at=NOW))
        ids = [handle(core, uow, AddCase(review_id=review.id, case_type="foster_care", case_number=f"B-{n}",
                                         actor=actors["lead"], at=NOW)).id for n in range(CASES)]
        uow.commit()
    steps = [("screen", "lead", {}), ("assign", "lead", {"reviewer": "reviewer@bench.test",
                                                          "first_qa": "qa1@bench.test",
                                                          "second_qa": "qa2@bench.test"}),
             ("submit_review", "reviewer", {"review_date": "2026-11-19"}), ("submit_first_qa", "reviewer", {})]
    for case_id in ids:
        for trigger, who, fields in steps:
            execute(core, FireCaseTrigger(case_id=case_id, trigger=trigger, actor=actors[who], fields=fields, at=NOW))
    return core, actors, ids


def run_service(core, actors, ids, first: int, count: int) -> float:
    started = time.perf_counter()
    for n in range(first, first + count):
        trigger, who, fields = LOOP[(n // len(ids)) % 2]
        execute(core, FireCaseTrigger(case_id=ids[n % len(ids)], trigger=trigger, actor=actors[who], fields=fields,
                                      at=NOW))
    return time.perf_counter() - started


_AUDIT = ("entity", "entity_id", "from_state", "to_state", "trigger", "actor", "at", "notes", "prev_hash",
          "record_hash")
_OUTBOX = ("key", "recipients", "template", "context", "subject", "body_text", "body_html", "status", "attempts",
           "next_attempt_at", "created_at")


class Replay:
    """The floor: the rows qareview just wrote (case state, audit record, outbox message), written again
    into a twin database with the raw driver, one commit per transition, with nothing else around them."""

    def __init__(self, ours, raw, placeholder: str, begin: str):
        self.ours, self.raw, self.begin = ours, raw, begin
        self.seen_audit, self.seen_outbox = self._last("audit_records"), self._last("outbox")
        p = placeholder
        self.update = f"UPDATE cases SET state = {p}, returned_by = {p}, version = version + 1 WHERE id = {p}"
        columns = ", ".join(f'"{c}"' for c in _AUDIT)  # "trigger" is a keyword
        self.audit = f"INSERT INTO audit_records ({columns}) VALUES ({', '.join([p] * len(_AUDIT))})"
        self.outbox = f"INSERT INTO outbox ({', '.join(_OUTBOX)}) VALUES ({', '.join([p] * len(_OUTBOX))})"

    def _last(self, table: str) -> int:
        return self.ours.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]

    def _since(self, table: str, columns, after: int) -> list:
        quoted = ", ".join(f'"{c}"' for c in ("id", *columns))
        return self.ours.execute(f"SELECT {quoted} FROM {table} WHERE id > {after} ORDER BY id").fetchall()

    def run(self) -> float:
        """Replay what was written since the last call; the time the raw writes took."""
        audits = self._since("audit_records", _AUDIT, self.seen_audit)
        messages = self._since("outbox", _OUTBOX, self.seen_outbox)
        self.ours.commit()  # end the read transaction (PostgreSQL)
        assert len(audits) == len(messages), "each transition writes one audit record and one message"
        self.seen_audit, self.seen_outbox = audits[-1][0], messages[-1][0]
        started = time.perf_counter()
        for audit, message in zip(audits, messages):
            entity_id, to_state = audit[2], audit[4]
            self.raw.execute(self.begin)
            self.raw.execute(self.update, (to_state, "first_qa" if to_state == "reviewed" else None, entity_id))
            self.raw.execute(self.audit, audit[1:])
            self.raw.execute(self.outbox, message[1:])
            self.raw.execute("COMMIT")
        return time.perf_counter() - started


def paired(core, actors, ids, replay: Replay, count: int, rounds: int = 10) -> tuple[float, float]:
    """Alternate rounds of qareview and of its raw replay, so the machine's drift hits both alike."""
    ours = raw = 0.0
    per_round = count // rounds
    for r in range(rounds):
        ours += run_service(core, actors, ids, r * per_round, per_round)
        raw += replay.run()
    return ours, raw


def report(name: str, count: int, ours: float, raw: float) -> float:
    ratio = (count / ours) / (count / raw)
    print(f"{name:10} qareview {count / ours:8.0f} transitions/s   raw driver {count / raw:8.0f} commits/s   "
          f"ratio {ratio:.3f}  (target >= 0.5)")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="admin URL; a scratch database is created beside it")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qareview-bench-"))
    try:
        ours_db, raw_db = folder / "ours.sqlite3", folder / "raw.sqlite3"
        core, actors, ids = prepare(f"sqlite:///{ours_db}")
        core.engine.dispose()
        shutil.copy(ours_db, raw_db)
        core = bootstrap(database_url=f"sqlite:///{ours_db}", audit_key=BENCH_AUDIT_KEY, password_profile="fast")
        raw = sqlite3.connect(raw_db, isolation_level=None)
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("PRAGMA synchronous = FULL")  # as qareview's own connections
        replay = Replay(sqlite3.connect(ours_db), raw, "?", "BEGIN IMMEDIATE")
        report("SQLite WAL", args.count, *paired(core, actors, ids, replay, args.count))
        core.engine.dispose()
        bench_postgres(args.postgres, args.count)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_postgres(admin_url: str, count: int) -> None:
    with scratch_databases(admin_url) as new:
        if new is None:
            return
        ours, raw = new("qareview_bench_ours"), new("qareview_bench_raw")
        prepare(sqlalchemy_url(raw))[0].engine.dispose()
        core, actors, ids = prepare(sqlalchemy_url(ours))
        with psycopg.connect(ours) as mine, psycopg.connect(raw, autocommit=True) as theirs:
            replay = Replay(mine, theirs, "%s", "BEGIN")
            report("PostgreSQL", count, *paired(core, actors, ids, replay, count))
        core.engine.dispose()


if __name__ == "__main__":
    main()
