"""The deadline sweep against a million open deadlines, 1,000 of them due, in one run:

- the sweep (an index range scan on next_notice_at, recording 1,000 notices in the outbox), and
- the naive approach (load every open deadline, filter in Python),

each in a fresh process on a fresh copy of the data, on SQLite and (when reachable) PostgreSQL.
Prints both times (the sweep's the median of 5 warm runs), their ratio (target: the sweep >= 100x faster, and < 0.5 s on SQLite), and the
sweep process's peak memory with 1,000,000 and with 10,000 open deadlines (it must not grow).

    .venv/bin/python bench/sweep.py [--open 1000000] [--due 1000]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from bench.scratch import BENCH_AUDIT_KEY, ADMIN, scratch_databases, sqlalchemy_url  # noqa: E402

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
RUNS = 5


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite storage format


def deadline_rows(case_id: int, total: int, due: int):
    """(entity, entity_id, clock, started_at, due_at, cursor, next_notice_at) for `total` open deadlines,
    `due` of which owe their overdue notice at NOW; the rest fall due over the coming months."""
    for n in range(total):
        if n < due:
            due_at, cursor = NOW - timedelta(days=1), 2
            next_at = due_at + timedelta(seconds=1)
        else:
            due_at, cursor = NOW + timedelta(days=15 + n % 90, seconds=n % 86400), 0
            next_at = due_at - timedelta(days=14)
        yield "case", case_id, "finalize", due_at - timedelta(days=60), due_at, cursor, next_at


def build(url: str) -> int:
    """A migrated database with staff and one case under review; the case's id."""
    from services import people
    from services.bus import handle
    from services.core import bootstrap
    from services.setup import init_db
    from workflow.commands import AddCase, PlanReview
    from workflow.roles import Role
    core = bootstrap(database_url=url, audit_key=BENCH_AUDIT_KEY, password_profile="fast", clock=lambda: NOW)
    init_db(core)
    with core.uow() as uow:
        for name, role in [("lead", Role.TEAM_LEAD), ("reviewer", Role.REVIEWER), ("qa1", Role.QA),
                           ("qa2", Role.QA), ("sup", Role.UNIT_SUPERVISOR)]:
            people.add_user(uow, email=f"{name}@bench.test", name=name, roles=[role], password="bench-password",
                            passwords=core.passwords)
        uow.commit()
    with core.uow(write=False) as uow:
        lead = people.actor(uow, "lead@bench.test")
    with core.uow() as uow:
        review = handle(core, uow, PlanReview(region="3N", review_month="2026-11", kind="measurement", actor=lead,
                                              at=NOW))
        case_id = handle(core, uow, AddCase(review_id=review.id, case_type="foster_care", case_number="FC-1",
                                            actor=lead, at=NOW)).id
        uow.commit()
    core.engine.dispose()
    return case_id


def fill_sqlite(path: Path, case_id: int, total: int, due: int) -> None:
    db = sqlite3.connect(path)
    rows = ((e, i, c, _stamp(s), _stamp(d), k, _stamp(x)) for e, i, c, s, d, k, x in deadline_rows(case_id, total, due))
    db.executemany("INSERT INTO deadlines (entity, entity_id, clock, started_at, due_at, cursor, next_notice_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.execute("ANALYZE")
    db.close()


def fill_postgres(url: str, case_id: int, total: int, due: int) -> None:
    import psycopg
    with psycopg.connect(url) as db, db.cursor() as cursor:
        with cursor.copy("COPY deadlines (entity, entity_id, clock, started_at, due_at, cursor, next_notice_at) "
                         "FROM STDIN") as copy:
            for row in deadline_rows(case_id, total, due):
                copy.write_row(row)
        db.commit()
        cursor.execute("ANALYZE deadlines")
        db.commit()


def measure(mode: str, url: str) -> None:
    """Run in a child process: time one sweep (or the naive scan) and report peak memory, as JSON."""
    from sqlmodel import Session, select

    from models.tables import Deadline
    from scheduler.sweep import sweep
    from services.core import bootstrap
    core = bootstrap(database_url=url, audit_key=BENCH_AUDIT_KEY, password_profile="fast")
    if mode == "naive":
        started = time.perf_counter()
        with Session(core.engine) as session:   # the naive way: every open deadline through the ORM
            every = session.exec(select(Deadline).where(Deadline.stopped_at.is_(None))).all()
            found = len([d for d in every if d.next_notice_at is not None and d.next_notice_at <= NOW])
        times = [time.perf_counter() - started]
    else:
        # A scheduler process is long-lived: warm it with a sweep that finds nothing due, then time
        # RUNS sweeps, putting the due deadlines back (untimed) before each.
        assert not sweep(core, now=NOW - timedelta(days=365)).recorded
        times = []
        for _ in range(RUNS):
            reset(core)
            started = time.perf_counter()
            found = len(sweep(core, now=NOW).recorded)
            times.append(time.perf_counter() - started)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": statistics.median(times), "min": min(times), "found": found,
                      "peak_mib": peak_kib / 1024}))


def reset(core) -> None:
    """Make the due deadlines due again, as before the first sweep."""
    from sqlalchemy import delete, update

    from models.tables import Deadline, OutboxMessage
    with core.engine.begin() as connection:
        connection.execute(delete(OutboxMessage))
        connection.execute(update(Deadline).where(Deadline.due_at < NOW)
                           .values(cursor=2, next_notice_at=NOW - timedelta(days=1) + timedelta(seconds=1)))
    if core.engine.dialect.name == "postgresql":  # clear the dead rows the reset itself left behind
        with core.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE deadlines, outbox")


def child(mode: str, url: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", mode, url], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(engine: str, total: int, sweep: dict, naive: dict, small: dict | None) -> None:
    ratio = naive["seconds"] / sweep["seconds"]
    print(f"{engine:10} {total:,} open, {sweep['found']} due: sweep {sweep['seconds']:.3f} s "
          f"(median of {RUNS}, min {sweep['min']:.3f}), "
          f"naive scan {naive['seconds']:.2f} s (found {naive['found']}), sweep is {ratio:.0f}x faster "
          f"(target >= 100x{', < 0.5 s' if engine == 'SQLite' else ''})")
    if small:
        print(f"{'':10} sweep peak memory: {sweep['peak_mib']:.0f} MiB with {total:,} open, "
              f"{small['peak_mib']:.0f} MiB with {small['total']:,} open (ratio {sweep['peak_mib'] / small['peak_mib']:.2f}); "
              f"naive scan peak {naive['peak_mib']:.0f} MiB")


def bench_sqlite(folder: Path, total: int, due: int, small_total: int) -> None:
    templates = {}
    for n in (total, small_total):
        path = folder / f"template-{n}.sqlite3"
        fill_sqlite(path, build(f"sqlite:///{path}"), n, due)
        templates[n] = path

    def fresh(n: int) -> str:
        copy = folder / f"run-{n}-{time.monotonic_ns()}.sqlite3"
        shutil.copy(templates[n], copy)
        return f"sqlite:///{copy}"

    sweep, naive, small = child("sweep", fresh(total)), child("naive", fresh(total)), child("sweep", fresh(small_total))
    report("SQLite", total, sweep, naive, small | {"total": small_total})


def bench_postgres(total: int, due: int, small_total: int) -> None:
    with scratch_databases(ADMIN) as new:
        if new is None:
            return

        def database(n: int, tag: str) -> str:
            url = new(f"qareview_bench_sweep_{tag}")
            fill_postgres(url, build(sqlalchemy_url(url)), n, due)
            return sqlalchemy_url(url)

        sweep = child("sweep", database(total, "a"))
        naive = child("naive", database(total, "b"))
        small = child("sweep", database(small_total, "c"))
        report("PostgreSQL", total, sweep, naive, small | {"total": small_total})

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=1_000_000, dest="total")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--small", type=int, default=10_000, help="open deadlines for the memory comparison")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    folder = Path(tempfile.mkdtemp(prefix="qareview-sweep-"))
    try:
        bench_sqlite(folder, args.total, args.due, args.small)
        bench_postgres(args.total, args.due, args.small)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
