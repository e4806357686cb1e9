"""Reading the case-management extracts (CSV rows) into the universe the draw samples from.

All or nothing: every problem of every row is reported, as `row N: …` with the header as row 1, and a
file with any problem is refused whole. Extra columns are kept out of the way (ignored).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from operator import itemgetter


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
#: The most problems a refused file reports (the rest are counted).
MOST_PROBLEMS = 200


@dataclass
class Reading:
    """What reading an extract found: how many rows, how many per region, and its problems (by row)."""

    problems: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0
    per_region: dict[str, int] = field(default_factory=dict)
    more_problems: int = 0

    def problem(self, row: int, text: str) -> None:
        if len(self.problems) < MOST_PROBLEMS:
            self.problems.append((row, text))
        else:
            self.more_problems += 1

    def report(self) -> list[str]:
        """Every problem as `row N: …`, in row order, and how many more there were past the most reported."""
        lines = [f"row {row}: {text}" for row, text in sorted(self.problems, key=lambda p: p[0])]
        return lines + ([f"… and {self.more_problems} more problem(s)"] if self.more_problems else [])


def header_of(rows: Iterator[Sequence[str]]) -> list[str]:
    """The names of an extract's columns: the cells of its first row (as the csv module reads it), trimmed."""
    return [name.strip() for name in next(rows, [])]


def missing_columns(kind: Extract, header: Iterable[str] | None) -> list[str]:
    return [c for c in COLUMNS[kind] if c not in set(header or ())]


def duplicate(kind: Extract, key: Sequence[str | None], first_row: int) -> str:
    """The problem of a row whose key an earlier row has (the check runs where the rows are stored, so that
    memory does not grow with the file)."""
    return f"duplicate {' + '.join(KEYS[kind])} {' '.join(k or '' for k in key)} (as in row {first_row})"


#: Per extract: the columns that must be given, the date columns, and each (start, end) pair in order.
REQUIRED = {Extract.FOSTER_CARE: ("child_id", "case_id", "region", "custody_start"),
            Extract.IN_HOME: ("case_id", "region", "case_start")}
DATES = {Extract.FOSTER_CARE: ("custody_start", "custody_end", "date_of_birth"),
         Extract.IN_HOME: ("case_start", "case_end")}
SPANS = {Extract.FOSTER_CARE: ("custody_start", "custody_end"), Extract.IN_HOME: ("case_start", "case_end")}


#: At most this many well-formed date texts are remembered (an extract has a few thousand distinct dates).
_KNOWN_DATES = 100_000


def read(kind: Extract, header: Sequence[str], rows: Iterable[Sequence[str]], regions: set[str],
         reading: Reading) -> Iterator[list]:
    """The rows of an extract (as the csv module reads them, after `header`), checked, as lists of the row's
    columns (COLUMNS order; dates as YYYY-MM-DD, empty values as None) followed by the row's number, as they are
    read, so a large file streams; the problems go to `reading`. Duplicate keys are not looked for here
    (`duplicate`)."""
    columns = COLUMNS[kind]
    at = {column: i for i, column in enumerate(columns)}
    position = {name: i for i, name in reversed(list(enumerate(header)))}   # a repeated column: its first
    wanted = [position[c] for c in columns]
    required = [at[c] for c in REQUIRED[kind]]
    dates = [at[c] for c in DATES[kind]]
    start, end = (at[c] for c in SPANS[kind])
    region = at["region"]
    in_home = kind is Extract.IN_HOME
    service, children = at.get("service_type"), at.get("household_child_ids")
    given, cells, fromisoformat, strip = itemgetter(*required), itemgetter(*wanted), date.fromisoformat, str.strip
    per_region = reading.per_region
    well_formed: set[str] = set()   # date texts seen already as YYYY-MM-DD: an extract repeats a few thousand
    number = 1
    try:
        for number, row in enumerate(rows, start=2):
            try:
                values = [v or None for v in map(strip, cells(row))]
            except IndexError:   # a short row: its missing cells are empty
                values = [(row[i].strip() or None) if i < len(row) else None for i in wanted]
            problems = [f"{columns[i]} is empty" for i in required if values[i] is None] \
                if None in given(values) else []
            for i in dates:
                text = values[i]
                if text is not None and text not in well_formed:
                    try:   # a date as YYYY-MM-DD: text already so is kept, not made again
                        day = fromisoformat(text)
                        if len(text) != 10 or text[4] != "-" or text[7] != "-":
                            values[i] = day.isoformat()
                        elif len(well_formed) < _KNOWN_DATES:
                            well_formed.add(text)
                    except ValueError:
                        problems.append(f"{columns[i]} {text!r} is not a date (YYYY-MM-DD)")
                        values[i] = None
            if values[start] and values[end] and values[end] < values[start]:   # ISO dates sort as text
                problems.append(f"{columns[end]} {values[end]} is before {columns[start]} {values[start]}")
            if values[region] is not None and values[region] not in regions:
                problems.append(f"region {values[region]!r} is unknown")
            if problems:
                for problem in problems:
                    reading.problem(number, problem)
                continue
            per_region[values[region]] = per_region.get(values[region], 0) + 1
            if in_home:   # texts kept as given (empty, not missing); children as "a;b"
                values[service] = values[service] or ""
                listed = values[children]
                values[children] = ";".join(filter(None, map(strip, listed.split(";")))) if listed else ""
            values.append(number)
            yield values
    finally:   # also when the file stops being readable part way
        reading.rows = number - 1
