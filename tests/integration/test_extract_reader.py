"""An extract read for an import, in this process or in a second one: the same rows, the same findings."""

import csv
import subprocess
import sys

import pytest

from services import extract_reader
from services.extract_reader import ReadingStopped, checked_rows
from tests.integration.test_sampling import FC, foster_care_rows, write
from workflow.universe import Extract, Reading

REGIONS = {"3N", "3S"}


def read_all(path, *, apart):
    reading, told = Reading(), []
    rows = list(checked_rows(Extract.FOSTER_CARE, path, REGIONS, reading, told.append, apart=apart))
    return rows, reading, told


@pytest.mark.parametrize("apart", [True, False], ids=["apart", "here"])
def test_an_extract_of_several_batches_reads_the_same_apart_as_here(tmp_path, apart):
    rows = foster_care_rows(extract_reader.BATCH + 500)
    rows[7][2] = "9Z"                     # row 9: an unknown region
    rows[2400][4] = "2025-02-30"          # row 2402: not a date
    path = write(tmp_path / "fc.csv", FC, rows)
    read, reading, told = read_all(path, apart=apart)
    assert read == read_all(path, apart=not apart)[0]
    assert len(read) == len(rows) - 2 and read[0][-1] == 2 and read[-1][-1] == len(rows) + 1
    assert reading.rows == len(rows) and reading.per_region == {"3N": len(rows) - 2}
    assert reading.report() == ["row 9: region '9Z' is unknown",
                                "row 2402: custody_start '2025-02-30' is not a date (YYYY-MM-DD)"]
    assert len(told) == 3 and told[-1] == 0 and sum(told) == path.stat().st_size   # each batch: how far it read


@pytest.mark.parametrize("apart", [True, False], ids=["apart", "here"])
def test_a_file_that_stops_being_csv_part_way_is_a_problem_of_that_row(tmp_path, apart):
    rows, limit = foster_care_rows(3), csv.field_size_limit()
    rows[2][3] = "x" * (limit + 1)
    _, reading, _ = read_all(write(tmp_path / "long.csv", FC, rows), apart=apart)   # the import is refused
    assert reading.rows == 2
    assert reading.report() == [f"row 4: not readable as CSV (field larger than field limit ({limit}))"]


def test_when_the_reading_process_fails_the_import_is_told_and_nothing_hangs(tmp_path, monkeypatch):
    path = write(tmp_path / "fc.csv", FC, foster_care_rows(3))
    monkeypatch.setattr(sys, "executable", "/bin/false")     # a "Python" that exits at once, saying nothing
    with pytest.raises(ReadingStopped, match="exit code 1"):
        read_all(path, apart=True)


def test_a_caller_that_stops_early_stops_the_reading_process(tmp_path, monkeypatch):
    started = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)
    monkeypatch.setattr(subprocess, "Popen", Recorded)
    path = write(tmp_path / "fc.csv", FC, foster_care_rows(4 * extract_reader.BATCH))
    rows = checked_rows(Extract.FOSTER_CARE, path, REGIONS, Reading(), lambda read: None, apart=True)
    assert next(rows)[-1] == 2
    rows.close()                                             # as when storing the rows fails
    [reader] = started
    assert reader.returncode is not None and reader.stdout.closed


def test_a_file_of_a_header_alone_reads_no_rows_and_its_progress_still_ends(tmp_path):
    path = write(tmp_path / "fc.csv", FC, [])
    for apart in (True, False):
        read, reading, told = read_all(path, apart=apart)
        assert read == [] and reading.rows == 0 and sum(told) == path.stat().st_size
