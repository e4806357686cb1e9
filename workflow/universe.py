"""Reading the case-management extracts (CSV rows as dicts) into the universe the draw samples from.

All or nothing: every problem of every row is reported, as `row N: …` with the header as row 1, and a
file with any problem is refused whole. Extra columns are kept out of the way (ignored).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any



class Extract(StrEnum):
    FOSTER_CARE = "foster-care"
    IN_HOME = "in-home"


COLUMNS = {
    Extract.FOSTER_CARE: ("child_id", "case_id", "region", "county", "custody_start", "custody_end",
                          "date_of_birth", "worker_id"),
    Extract.IN_HOME: ("case_id", "region", "county", "case_start", "case_end", "service_type",
                      "household_child_ids", "worker_id"),
}
#: What identifies a record of each extract: a second row with the same key is refused.
KEYS = {Extract.FOSTER_CARE: ("child_id", "custody_start"), Extract.IN_HOME: ("case_id",)}
#: How many records go to the database at once while an extract streams in.
IMPORT_BATCH = 5000
#: The most problems a refused file reports (the rest are counted).
MOST_PROBLEMS = 200


@dataclass
class Reading:
    """What reading an extract found: its records, how many per region, and its problems."""

    problems: list[str] = field(default_factory=list)
    rows: int = 0
    per_region: dict[str, int] = field(default_factory=dict)
    more_problems: int = 0

    def problem(self, text: str) -> None:
        if len(self.problems) < MOST_PROBLEMS:
            self.problems.append(text)
        else:
            self.more_problems += 1


def missing_columns(kind: Extract, header: Iterable[str] | None) -> list[str]:
    return [c for c in COLUMNS[kind] if c not in set(header or ())]


#: Per extract: the columns that must be given, the date columns, and each (start, end) pair in order.
REQUIRED = {Extract.FOSTER_CARE: ("child_id", "case_id", "region", "custody_start"),
            Extract.IN_HOME: ("case_id", "region", "case_start")}
DATES = {Extract.FOSTER_CARE: ("custody_start", "custody_end", "date_of_birth"),
         Extract.IN_HOME: ("case_start", "case_end")}
SPANS = {Extract.FOSTER_CARE: ("custody_start", "custody_end"), Extract.IN_HOME: ("case_start", "case_end")}


def read(kind: Extract, rows: Iterable[dict[str, Any]], regions: set[str], reading: Reading) -> Iterator[tuple]:
    """The rows of an extract, checked, as tuples of its columns (COLUMNS order; dates as YYYY-MM-DD, empty
    values as None), as they are read, so a large file streams; the problems go to `reading`."""
    columns = COLUMNS[kind]
    at = {column: i for i, column in enumerate(columns)}
    required = [at[c] for c in REQUIRED[kind]]
    dates = [at[c] for c in DATES[kind]]
    start, end = (at[c] for c in SPANS[kind])
    key = [at[c] for c in KEYS[kind]]
    region = at["region"]
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows, start=2):
        reading.rows += 1
        values = [(row.get(c) or "").strip() or None for c in columns]
        problems = [f"{columns[i]} is empty" for i in required if values[i] is None]
        for i in dates:
            if values[i] is not None:
                try:
                    values[i] = date.fromisoformat(values[i]).isoformat()
                except ValueError:
                    problems.append(f"{columns[i]} {values[i]!r} is not a date (YYYY-MM-DD)")
                    values[i] = None
        if values[start] and values[end] and values[end] < values[start]:   # ISO dates sort as text
            problems.append(f"{columns[end]} {values[end]} is before {columns[start]} {values[start]}")
        if values[region] is not None and values[region] not in regions:
            problems.append(f"region {values[region]!r} is unknown")
        if not problems:
            identity = tuple(values[i] for i in key)
            if identity in seen:
                problems.append(f"duplicate {' + '.join(KEYS[kind])} {' '.join(identity)} (as in row {seen[identity]})")
            else:
                seen[identity] = number
        if problems:
            for problem in problems:
                reading.problem(f"row {number}: {problem}")
            continue
        reading.per_region[values[region]] = reading.per_region.get(values[region], 0) + 1
        if kind is Extract.IN_HOME:   # texts kept as given (empty, not missing); children as "a;b"
            values[at["service_type"]] = values[at["service_type"]] or ""
            children = values[at["household_child_ids"]] or ""
            values[at["household_child_ids"]] = ";".join(c.strip() for c in children.split(";") if c.strip())
        yield tuple(values)
