"""Reading the case-management extracts (CSV rows as dicts) into the universe the draw samples from.

All or nothing: every problem of every row is reported, as `row N: …` with the header as row 1, and a
file with any problem is refused whole. Extra columns are kept out of the way (ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from workflow.sampling import CustodyEpisode, InHomeCase


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


def _day(value: str, column: str, problems: list[str], *, required: bool) -> date | None:
    value = (value or "").strip()
    if not value:
        if required:
            problems.append(f"{column} is empty")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{column} {value!r} is not a date (YYYY-MM-DD)")
        return None


def _text(row: dict[str, Any], column: str, problems: list[str], *, required: bool = True) -> str | None:
    value = (row.get(column) or "").strip()
    if not value and required:
        problems.append(f"{column} is empty")
    return value or None


def read(kind: Extract, rows: Iterable[dict[str, Any]], regions: set[str], reading: Reading) -> Iterator[Any]:
    """The records of an extract, as they are read (so a large file streams); problems go to `reading`."""
    seen: dict[tuple[str, ...], int] = {}
    parse: Callable = _episode if kind is Extract.FOSTER_CARE else _in_home_case
    for number, row in enumerate(rows, start=2):
        reading.rows += 1
        problems: list[str] = []
        record = parse(row, problems)
        region = (row.get("region") or "").strip()
        if region and region not in regions:
            problems.append(f"region {region!r} is unknown")
        if record is not None and not problems:
            key = tuple(str(getattr(record, column)) for column in KEYS[kind])
            if key in seen:
                problems.append(f"duplicate {' + '.join(KEYS[kind])} {' '.join(key)} (as in row {seen[key]})")
            seen.setdefault(key, number)
        for problem in problems:
            reading.problem(f"row {number}: {problem}")
        if not problems:
            reading.per_region[record.region] = reading.per_region.get(record.region, 0) + 1
            yield record


def _episode(row: dict[str, Any], problems: list[str]) -> CustodyEpisode | None:
    child, case, region = (_text(row, c, problems) for c in ("child_id", "case_id", "region"))
    start = _day(row.get("custody_start"), "custody_start", problems, required=True)
    end = _day(row.get("custody_end"), "custody_end", problems, required=False)
    born = _day(row.get("date_of_birth"), "date_of_birth", problems, required=False)
    if start and end and end < start:
        problems.append(f"custody_end {end} is before custody_start {start}")
    if problems:
        return None
    return CustodyEpisode(child, case, region, start, end, born, _text(row, "worker_id", problems, required=False),
                          _text(row, "county", problems, required=False))


def _in_home_case(row: dict[str, Any], problems: list[str]) -> InHomeCase | None:
    case, region = (_text(row, c, problems) for c in ("case_id", "region"))
    start = _day(row.get("case_start"), "case_start", problems, required=True)
    end = _day(row.get("case_end"), "case_end", problems, required=False)
    if start and end and end < start:
        problems.append(f"case_end {end} is before case_start {start}")
    if problems:
        return None
    children = tuple(c.strip() for c in (row.get("household_child_ids") or "").split(";") if c.strip())
    return InHomeCase(case, region, start, end, (row.get("service_type") or "").strip(), children,
                      _text(row, "worker_id", problems, required=False), _text(row, "county", problems, required=False))
