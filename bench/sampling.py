"""Sampling at scale: importing the extracts and drawing one region's sample, against the floor of just parsing
the same CSV files with the standard library's `csv` module, each in a fresh process (for its peak memory).

    .venv/bin/python bench/sampling.py [--children 1000000] [--in-home 400000] [--postgres URL]

Targets: a draw under 0.5 s; import within 3x of the parse floor; memory that does not grow with the file. The draw
is also shown against its own floor: the reads and the write it cannot avoid, on the plain driver.

On a shared 2-core machine one run of either varies by a third, so each is measured RUNS times and the medians are
printed with their ranges: each import into a new database, its ratio taken against the parse just before it (pairs
keep the ratio when the machine's speed drifts), and each draw on a new copy of the imported database (a first
draw each time).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from bench.scratch import ADMIN, BENCH_AUDIT_KEY, scratch_databases, sqlalchemy_url  # noqa: E402

TODAY = date(2026, 12, 1)
#: How many times each figure is measured (its median is printed).
RUNS = 3


def measure(mode: str, url: str, folder: Path) -> None:
    """In a child process: parse, import or draw; its time and peak memory as JSON."""
    from services.core import bootstrap
    files = {"foster-care": folder / "foster-care.csv", "in-home": folder / "in-home.csv"}
    started = time.perf_counter()
    if mode == "draw-floor":
        result = draw_floor(url)
    elif mode == "parse":
        rows = 0
        for path in files.values():
            with path.open(newline="") as file:
                rows += sum(1 for _ in csv.DictReader(file))
        result = {"rows": rows}
    else:
        from services import sampling
        from services.setup import init_db
        core = bootstrap(database_url=url, audit_key=BENCH_AUDIT_KEY, password_profile="fast")
        if mode == "import":
            init_db(core)
            started = time.perf_counter()
            rows = sum(sampling.import_universe(core, kind=kind, path=path, by="bench").rows
                       for kind, path in files.items())
            result = {"rows": rows}
        else:
            from services import people
            from services.bus import execute
            from workflow.commands import DrawSample, PlanReview
            from workflow.roles import Role
            with core.uow() as uow:
                people.add_user(uow, email="lead@bench.test", name="Lead", roles=[Role.TEAM_LEAD],
                                password="bench-password", passwords=core.passwords)
                uow.commit()
            with core.uow(write=False) as uow:
                lead = people.actor(uow, "lead@bench.test")
            review = execute(core, PlanReview(region="3N", review_month=f"{TODAY:%Y-%m}", kind="measurement",
                                              actor=lead, at=time_now()))
            started = time.perf_counter()
            drawn = execute(core, DrawSample(review_id=review.id, seed=1, actor=lead, at=time_now()))
            result = {"frame": sum(c["frame"] for c in drawn.counts.values())}
        core.engine.dispose()
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    result = {"seconds": time.perf_counter() - started,   # the draw floor times itself
              "peak_mib": peak / 1024} | result   # the larger of this process and the import's reading process
    print(json.dumps(result))


def draw_floor(url: str) -> dict:
    """The work no draw can avoid, on the plain driver: read the region's candidate rows of both extracts for the
    sample period, and write the ordered list of as many entries (one compressed JSON document, as it is kept)."""
    import sqlite3
    import psycopg
    from workflow.review_calendar import sample_period
    period = sample_period(TODAY)
    plain = url.replace("+psycopg", "")
    db = sqlite3.connect(plain.removeprefix("sqlite:///")) if plain.startswith("sqlite") else psycopg.connect(plain)
    mark = "?" if plain.startswith("sqlite") else "%s"
    started = time.perf_counter()
    read = 0
    for table, start, end, compare in (("universe_foster_care", "custody_start", "custody_end", ">"),
                                       ("universe_in_home", "case_start", "case_end", ">=")):
        read += len(db.execute(f"SELECT * FROM {table} WHERE region = {mark} AND {start} <= {mark} AND ({end} IS NULL "
                               f"OR {end} {compare} {mark})", ("3N", period.end, period.start)).fetchall())
    blob = "BLOB" if plain.startswith("sqlite") else "BYTEA"
    db.execute(f"CREATE TEMP TABLE entries (sample_id INTEGER, extension INTEGER, entries {blob})")
    entries = [("foster_care", n, f"CH{n:07d}", f"FC{n:07d}", f"CH{n:07d}", "W3N0001", n / read, "oversample", None,
                None, 0) for n in range(read)]
    document = zlib.compress(json.dumps(entries, separators=(",", ":")).encode(), 1)
    db.execute(f"INSERT INTO entries VALUES ({mark}, {mark}, {mark})", (1, 0, document))
    db.commit()
    seconds = time.perf_counter() - started
    db.close()
    return {"rows": read, "seconds": seconds}


def time_now():
    from datetime import UTC, datetime
    return datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)


def child(mode: str, url: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--measure", mode, url, str(folder)], capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def seconds(runs: list[dict]) -> list[float]:
    return [run["seconds"] for run in runs]


def spread(values: list[float], unit: str = " s", digits: int = 2) -> str:
    """The median of `values`, and their range."""
    return f"{statistics.median(values):.{digits}f}{unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def bench(name: str, folder: Path, new: Callable[..., str]) -> None:
    """RUNS pairs of a parse and an import, then RUNS draws and RUNS of the draw's floor. `new(name, template=None)`
    gives the URL of a new database of that name (a copy of the database `template`), replacing any of that name."""
    parses, imports = [], []
    for _ in range(RUNS):
        parses.append(child("parse", "", folder))
        imports.append(child("import", imported := new("imported"), folder))
    drawn = [child("draw", new("drawn", template="imported"), folder) for _ in range(RUNS)]
    floors = [child("draw-floor", imported, folder) for _ in range(RUNS)]
    parse_s, import_s, draw_s, floor_s = map(seconds, (parses, imports, drawn, floors))
    ratios = [i / p for i, p in zip(import_s, parse_s)]
    print(f"{name}, medians of {RUNS} runs (ranges):\n"
          f"  parse floor {spread(parse_s)}, {max(p['peak_mib'] for p in parses):.0f} MiB at most\n"
          f"  import      {spread(import_s)}, {max(i['peak_mib'] for i in imports):.0f} MiB at most: "
          f"{spread(ratios, 'x', 1)} the parse before it (target <= 3x)\n"
          f"  draw of one region ({drawn[0]['frame']} in its frame) {spread(draw_s, digits=3)} "
          f"(target < 0.5 s): {statistics.median(draw_s) / statistics.median(floor_s):.1f}x its floor's median\n"
          f"  draw floor  {spread(floor_s, digits=3)}: reading its {floors[0]['rows']} candidate rows and "
          f"writing a list of as many entries on the plain driver")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--in-home", type=int, default=400_000, dest="in_home")
    parser.add_argument("--postgres", default=ADMIN)
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure[0], args.measure[1], Path(args.measure[2]))
        return
    from services.synthetic import episodes, in_home_cases
    from workflow.universe import COLUMNS, Extract
    regions = ["1N", "1S", "2E", "2W", "3N", "3S", "4N", "4S", "5E", "5W", "6", "7C", "7E", "7W"]
    with tempfile.TemporaryDirectory(prefix="qareview-sampling-") as tmp:
        folder = Path(tmp)
        for kind, rows in ((Extract.FOSTER_CARE, episodes(children=args.children, seed=1, today=TODAY,
                                                            regions=regions)),
                           (Extract.IN_HOME, in_home_cases(cases=args.in_home, children=args.children, seed=1,
                                                           today=TODAY, regions=regions))):
            with (folder / f"{kind}.csv").open("w", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(COLUMNS[kind])
                writer.writerows(rows)
        print(f"{args.children:,} children's custody episodes and {args.in_home:,} in-home cases")

        def new_sqlite(name: str, template: str | None = None) -> str:
            path = folder / f"{name}.sqlite3"
            path.unlink(missing_ok=True)
            if template:   # its process closed it: nothing is left in a write-ahead log
                shutil.copyfile(folder / f"{template}.sqlite3", path)
            return f"sqlite:///{path}"

        bench("SQLite", folder, new_sqlite)
        with scratch_databases(args.postgres) as new:
            if new is not None:

                def new_postgres(name: str, template: str | None = None) -> str:
                    return sqlalchemy_url(new(f"qareview_bench_{name}", template and f"qareview_bench_{template}"))

                bench("PostgreSQL", folder, new_postgres)


if __name__ == "__main__":
    main()
