"""A synthetic case-management extract: realistic custody episodes and in-home cases for every region, made up
from a seed (no real person's data). The demo, the tests and the sampling benchmark draw from it.

What it holds, so the draw's rules all have something to bite on: open and closed episodes, children who
re-enter care, siblings sharing a case, children turning 18, in-home cases shorter than 45 days, household
children briefly (one day) or long in care, other service types, and caseworkers with many cases.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from workflow.universe import COLUMNS, Extract


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 1)))


def episodes(*, children: int, seed: int, today: date, regions: list[str]) -> Iterator[list[str]]:
    """Foster-care rows, in the extract's column order."""
    rng = random.Random(seed)
    earliest = today - timedelta(days=3 * 365)
    per_region = max(children // (len(regions) * 12), 4)    # about a dozen children per caseworker
    pools = {region: [f"W{region}{w:04d}" for w in range(per_region)] for region in regions}
    for n in range(children):
        region = regions[n % len(regions)]
        workers = pools[region]
        child, case = f"CH{n:07d}", f"FC{n // (2 if n % 7 == 0 else 1):07d}"   # every seventh pair are siblings
        born = today - timedelta(days=rng.randrange(200, 20 * 365))   # some are 18 or older (extended care)
        start = _day(rng, earliest, today - timedelta(days=30))
        for _ in range(2 if rng.random() < 0.15 else 1):                          # re-entries
            end = None if rng.random() < 0.55 else min(start + timedelta(days=rng.randrange(1, 500)), today)
            worker = workers[0] if rng.random() < 0.1 else rng.choice(workers)    # one worker with many cases
            yield [child, case, region, f"County {rng.randrange(1, 9)}", start.isoformat(),
                   end.isoformat() if end else "", born.isoformat(), worker]
            start = None if end is None else end + timedelta(days=rng.randrange(30, 200))
            if start is None or start >= today:
                break


def in_home_cases(*, cases: int, children: int, seed: int, today: date, regions: list[str]) -> Iterator[list[str]]:
    """In-home rows, in the extract's column order; some household children are foster-care children."""
    rng = random.Random(seed + 1)
    earliest = today - timedelta(days=3 * 365)
    for n in range(cases):
        region = regions[n % len(regions)]
        start = _day(rng, earliest, today - timedelta(days=10))
        length = rng.choice([rng.randrange(5, 44), rng.randrange(45, 700)])       # some shorter than 45 days
        end = None if rng.random() < 0.4 else min(start + timedelta(days=length), today)
        household = [f"CH{rng.randrange(children):07d}" for _ in range(rng.randrange(0, 3))] \
            if rng.random() < 0.2 else []
        service = "In-Home" if rng.random() < 0.9 else "Adoption Subsidy"
        yield [f"IH{n:07d}", region, f"County {rng.randrange(1, 9)}", start.isoformat(), end.isoformat() if end else "",
               service, ";".join(household), f"W{region}{rng.randrange(40):03d}"]


def write_universe(folder: Path, *, children: int, seed: int, today: date, regions: list[str]) -> dict[str, Path]:
    """Both extracts as CSV files in `folder`; their paths by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {Extract.FOSTER_CARE: episodes(children=children, seed=seed, today=today, regions=regions),
            Extract.IN_HOME: in_home_cases(cases=max(children * 2 // 5, 1), children=children, seed=seed,
                                           today=today, regions=regions)}
    written = {}
    for kind, content in rows.items():
        path = folder / f"{kind}.csv"
        with path.open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(COLUMNS[kind])
            writer.writerows(content)
        written[kind] = path
    return written
