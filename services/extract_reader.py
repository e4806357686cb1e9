"""An extract read and checked in a second process while this one stores what that process sends.

Parsing the CSV and checking every row (workflow.universe.read) take about as long as storing the rows; in two
processes they run side by side, on two cores: importing 1,000,000 custody episodes and 400,000 in-home cases
took 6.2-6.8 s in one process and takes 4.9-5.4 s so on SQLite (bench/sampling.py). The reading process is this
module run by the same Python (`python -m services.extract_reader`), not a multiprocessing child, so that it
never re-runs the caller's script; it reads the file itself and writes its checked rows to its standard output
in pickled batches, then what reading found (rows, rows per region, problems). Memory stays flat: the pipe holds
a batch or two, and the reading process waits while it is full. Its errors go to the caller's standard error.
"""

from __future__ import annotations

import csv
import json
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import fields
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from workflow.universe import Extract, Reading, read

#: Rows per batch: enough that pickling them, not passing them, is the cost; few enough to stay small.
BATCH = 2000
#: The pipe's capacity where the system lets it be set (Linux): a few batches, so that neither process waits for
#: the other to take or give one (with the usual 64 KiB the two moved in step: 0.9 s more for 1.4 million rows).
PIPE_BYTES = 1 << 20


class ReadingStopped(RuntimeError):
    """The reading process ended without saying it was done (it failed, or was killed)."""


def checked_rows(kind: Extract, path: Path, regions: set[str], reading: Reading,
                 progress: Callable[[int], object]) -> Iterator[list]:
    """The checked rows of the extract at `path` (after its header), as workflow.universe.read gives them, read
    in a second process; once they are all given, `reading` holds what reading found. `progress` is told how
    many more bytes of the file each batch covered."""
    reader = subprocess.Popen([sys.executable, "-m", __name__, str(kind), str(path), json.dumps(sorted(regions))],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, pipesize=PIPE_BYTES)
    told = 0
    try:
        while True:
            try:
                message = pickle.load(reader.stdout)
            except EOFError:
                raise ReadingStopped(f"the extract's reading process stopped (exit code {reader.wait()})") from None
            if message[0] == "done":
                for name in fields(Reading):
                    setattr(reading, name.name, getattr(message[1], name.name))
                return
            _, rows, at = message
            progress(at - told)
            told = at
            yield from rows
    finally:   # also when the caller stops early: the reader, waiting on a full pipe, is stopped
        if reader.poll() is None:
            reader.kill()
        reader.stdout.close()
        reader.wait()


def _read(kind: Extract, path: str, regions: set[str], out: BinaryIO) -> None:
    """In the reading process: read and check the file's rows, write them in batches, then what was found. A
    file that stops being readable as CSV part way is a problem of the row where it stopped."""
    reading = Reading()
    with open(path, newline="", encoding="utf-8-sig") as file:
        rows = csv.reader(file)
        header = [name.strip() for name in next(rows, [])]
        checked = read(kind, header, rows, regions, reading)
        try:
            while batch := list(islice(checked, BATCH)):
                pickle.dump(("rows", batch, file.buffer.tell()), out, pickle.HIGHEST_PROTOCOL)
        except (csv.Error, UnicodeDecodeError) as error:
            reading.problem(reading.rows + 2, f"not readable as CSV ({error})")
    pickle.dump(("done", reading), out, pickle.HIGHEST_PROTOCOL)
    out.flush()


if __name__ == "__main__":
    _read(Extract(sys.argv[1]), sys.argv[2], set(json.loads(sys.argv[3])), sys.stdout.buffer)
