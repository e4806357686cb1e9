"""What the reviews found, at scale: 50,000 rated cases (18 items each) on SQLite and PostgreSQL. Times the
statewide item report, a region's report and the PIP worksheet, against the floor measured in the same run:
one SQL aggregate over the ratings (items by rating) on the plain driver.

    .venv/bin/python bench/reports.py [--cases 50000] [--postgres URL]

Targets: each within 3x of the floor and under 300 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from bench.scratch import BENCH_AUDIT_KEY, scratch_databases, sqlalchemy_url  # noqa: E402

FLOOR_SQL = ("SELECT r.item, r.rating, count(*) FROM ratings r JOIN cases c ON c.id = r.case_id "
             "WHERE c.state IN ('cb_oversight', 'finalized', 'deidentified') GROUP BY r.item, r.rating")
RATINGS = ("strength", "strength", "strength", "ani", "ani", "na")


def populate(core, cases: int) -> None:
    """Reviews for two years in every region, and `cases` finalized cases rated on every item, written in
    bulk on the plain driver (the lifecycle is not what is measured here)."""
    from models.repositories import rating_bits
    from services.setup import init_db
    from workflow.ratings import Rating, initial, outcomes
    init_db(core)
    rng = random.Random(1)
    regions = list(core.reference.regions)
    stamp = datetime(2026, 12, 1, tzinfo=UTC)
    with core.engine.begin() as connection:
        db = connection.connection.driver_connection
        mark = "%s" if core.engine.dialect.name == "postgresql" else "?"

        def many(sql, rows):
            cursor = db.cursor()
            cursor.executemany(sql.replace("?", mark), rows)

        months = [date(2025 + m // 12, m % 12 + 1, 1) for m in range(24)]
        many("INSERT INTO regional_reviews (region, review_month, kind, state, version, created_at) "
             "VALUES (?, ?, 'measurement', 'finalized', 1, ?)",
             [(region, month, stamp) for month in months for region in regions])
        reviews = list(connection.exec_driver_sql("SELECT id, region, review_month FROM regional_reviews"))
        case_rows, ratings = [], []
        for n in range(cases):
            review_id, region, month = reviews[n % len(reviews)]
            month = month if isinstance(month, date) else date.fromisoformat(month)
            case_type = "foster_care" if n % 3 else "in_home"
            rated = {item: Rating("na" if case_type == "in_home" and 4 <= item <= 11 else rng.choice(RATINGS))
                     for item in range(1, 19)}
            rolled_up = outcomes(initial(case_type, core.reference.osri) | rated, core.reference.osri)
            case_rows.append((review_id, region, case_type, f"R-{n:06d}", "finalized", month + timedelta(days=n % 27),
                              stamp, 1, *rating_bits(rated, list(rolled_up.values())).values()))
            ratings.append(rated)
        many("INSERT INTO cases (review_id, region, case_type, case_number, state, review_date, created_at, version, "
             "strength_items, ani_items, outcomes_substantially, outcomes_partially, outcomes_not_achieved) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", case_rows)
        ids = [i for (i,) in connection.exec_driver_sql("SELECT id FROM cases ORDER BY id")]
        many("INSERT INTO ratings (case_id, item, rating, rationale, rated_by, rated_at) VALUES (?, ?, ?, ?, ?, ?)",
             [(case_id, item, r.rating, None, "reviewer@bench.test", stamp)
              for case_id, rated in zip(ids, ratings) for item, r in rated.items()])
    if core.engine.dialect.name == "postgresql":
        with core.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def median_seconds(work, runs: int = 5) -> float:
    work()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench(name: str, url: str, cases: int) -> None:
    from services import reports
    from services.core import bootstrap
    core = bootstrap(database_url=url, audit_key=BENCH_AUDIT_KEY, password_profile="fast")
    populate(core, cases)

    def floor():
        with core.engine.connect() as connection:
            connection.exec_driver_sql(FLOOR_SQL).fetchall()

    def statewide():
        with core.uow(write=False) as uow:
            reports.item_report(uow, core)

    def region():
        with core.uow(write=False) as uow:
            reports.item_report(uow, core, region="3N")

    def pip():
        with core.uow(write=False) as uow:
            reports.pip_worksheet(uow, core, baseline_start=date(2025, 1, 1), baseline_end=date(2025, 12, 31),
                                  measure_start=date(2026, 1, 1), measure_end=date(2026, 12, 31), overlap_months=3)

    base = median_seconds(floor)
    print(f"{name:10} floor (one aggregate over {cases * 18:,} ratings) {base * 1000:7.1f} ms")
    for label, work in (("statewide item report", statewide), ("region report (3N)", region), ("PIP worksheet", pip)):
        took = median_seconds(work)
        print(f"{'':10} {label:24} {took * 1000:7.1f} ms = {took / base:4.1f}x the floor "
              f"(targets: <= 3x, < 300 ms)")
    core.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qareview-reports-") as tmp:
        bench("SQLite", f"sqlite:///{Path(tmp) / 'reports.sqlite3'}", args.cases)
    with scratch_databases(args.postgres) as new:
        if new is not None:
            bench("PostgreSQL", sqlalchemy_url(new("qareview_bench_reports")), args.cases)


if __name__ == "__main__":
    main()
