"""Transition throughput: qareview's service (state + audit + outbox, one commit each) against the floor
of durable writes on this disk (the same rows written with the raw driver, one commit each), in one run.

    .venv/bin/python bench/transitions.py [--count 5000] [--postgres URL]

Target: qareview reaches at least 0.5 of the raw rate on SQLite (WAL).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name would shadow the `transitions` library: run from the repository root instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import hashlib  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import psycopg  # noqa: E402

from bench.scratch import scratch_databases, sqlalchemy_url  # noqa: E402
from services import cases, people, reviews  # noqa: E402
from services.core import bootstrap  # noqa: E402
from services.setup import init_db  # noqa: E402
from workflow.roles import Role  # noqa: E402

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
CASES = 50
#: Each step changes state, records an audit record and queues one e-mail.
LOOP = [("return_to_reviewer", "qa1", {"notes": "please add evidence"}), ("resubmit", "reviewer", {})]


def prepare(url: str):
    """A migrated database with staff and CASES cases waiting in first-level QA."""
    core = bootstrap(database_url=url, password_profile="fast", clock=lambda: NOW)
    init_db(core)
    with core.uow() as uow:
        for name, role in [("lead", Role.TEAM_LEAD), ("reviewer", Role.REVIEWER), ("qa1", Role.QA),
                           ("qa2", Role.QA)]:
            people.add_user(uow.session, email=f"{name}@bench.test", name=name, roles=[role], password="x" * 8,
                            passwords=core.passwords)
        uow.commit()
    with core.uow(write=False) as uow:
        actors = {n: people.actor(uow.session, f"{n}@bench.test") for n in ("lead", "reviewer", "qa1", "qa2")}
    with core.uow() as uow:
        review = reviews.create_review(core, uow, actor=actors["lead"], region="3N", review_month="2026-11",
                                       kind="measurement", now=NOW)
        ids = [cases.add_case(core, uow, actor=actors["lead"], review_id=review.id, case_type="foster_care",
                              case_number=f"B-{n}", now=NOW).id for n in range(CASES)]
        uow.commit()
    steps = [("screen", "lead", {}), ("assign", "lead", {"reviewer": "reviewer@bench.test",
                                                          "first_qa": "qa1@bench.test",
                                                          "second_qa": "qa2@bench.test"}),
             ("submit_review", "reviewer", {"review_date": "2026-11-19"}), ("submit_first_qa", "reviewer", {})]
    for case_id in ids:
        for trigger, who, fields in steps:
            with core.uow() as uow:
                cases.fire(core, uow, case_id=case_id, trigger=trigger, actor=actors[who], fields=fields, now=NOW)
                uow.commit()
    return core, actors, ids


def run_service(core, actors, ids, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        trigger, who, fields = LOOP[(n // len(ids)) % 2]
        with core.uow() as uow:
            cases.fire(core, uow, case_id=ids[n % len(ids)], trigger=trigger, actor=actors[who], fields=fields,
                       now=NOW)
            uow.commit()
    return time.perf_counter() - started


def raw_rows(n: int, prev: str):
    """The rows one transition writes, as plain values."""
    at = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")
    digest = hashlib.sha256(f"{prev}{n}".encode()).hexdigest()
    return at, digest


def run_raw_sqlite(path: Path, ids: list[int], count: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    prev = "0" * 64
    started = time.perf_counter()
    for n in range(count):
        at, digest = raw_rows(n, prev)
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE cases SET state = ?, version = version + 1 WHERE id = ?", ("reviewed", ids[n % len(ids)]))
        db.execute("INSERT INTO audit_records (entity, entity_id, from_state, to_state, \"trigger\", actor, at, "
                   "notes, prev_hash, record_hash) VALUES ('case', ?, 'first_qa', 'reviewed', 'return_to_reviewer', "
                   "'qa1@bench.test', ?, 'n', ?, ?)", (ids[n % len(ids)], at, prev, digest))
        db.execute("INSERT INTO outbox (key, recipients, subject, body_text, body_html, status, attempts, "
                   "next_attempt_at, created_at) VALUES (?, 'reviewer@bench.test', 's', 't', 'h', 'pending', 0, ?, ?)",
                   (f"raw:{n}", at, at))
        db.execute("COMMIT")
        prev = digest
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def run_raw_postgres(url: str, ids: list[int], count: int) -> float:
    prev = "0" * 64
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
        started = time.perf_counter()
        for n in range(count):
            at, digest = raw_rows(n, prev)
            with db.transaction():
                db.execute("UPDATE cases SET state = %s, version = version + 1 WHERE id = %s",
                           ("reviewed", ids[n % len(ids)]))
                db.execute("INSERT INTO audit_records (entity, entity_id, from_state, to_state, \"trigger\", actor, "
                           "at, notes, prev_hash, record_hash) VALUES ('case', %s, 'first_qa', 'reviewed', "
                           "'return_to_reviewer', 'qa1@bench.test', %s, 'n', %s, %s)",
                           (ids[n % len(ids)], NOW, prev, digest))
                db.execute("INSERT INTO outbox (key, recipients, subject, body_text, body_html, status, attempts, "
                           "next_attempt_at, created_at) VALUES (%s, 'reviewer@bench.test', 's', 't', 'h', "
                           "'pending', 0, %s, %s)", (f"raw:{n}", NOW, NOW))
            prev = digest
        return time.perf_counter() - started


def report(name: str, count: int, ours: float, raw: float) -> float:
    ratio = (count / ours) / (count / raw)
    print(f"{name:10} qareview {count / ours:8.0f} transitions/s   raw driver {count / raw:8.0f} commits/s   "
          f"ratio {ratio:.2f}  (target >= 0.5)")
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
        core = bootstrap(database_url=f"sqlite:///{ours_db}", password_profile="fast")
        ours = run_service(core, actors, ids, args.count)
        raw = run_raw_sqlite(raw_db, ids, args.count)
        report("SQLite WAL", args.count, ours, raw)
        core.engine.dispose()
        bench_postgres(args.postgres, args.count)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_postgres(admin_url: str, count: int) -> None:
    with scratch_databases(admin_url) as new:
        if new is None:
            return
        ours, raw = new("qareview_bench_ours"), new("qareview_bench_raw")
        core, actors, ids = prepare(sqlalchemy_url(ours))
        mine = run_service(core, actors, ids, count)
        core.engine.dispose()
        core, _, ids = prepare(sqlalchemy_url(raw))
        core.engine.dispose()
        report("PostgreSQL", count, mine, run_raw_postgres(raw, ids, count))

if __name__ == "__main__":
    main()
