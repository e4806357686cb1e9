"""Reading an extract for an import: its rows checked (workflow.universe.read), in batches, here or in a second
process while this one stores what that process sends.

Parsing the CSV and checking every row take about as long as storing the rows. Where the database stores in this
process (SQLite), reading in a second one puts the other core to work: importing 1,000,000 custody episodes and
400,000 in-home cases went from 6.2-6.8 s to 4.6-5.2 s (bench/sampling.py). PostgreSQL's server stores in a
process of its own already, and a third process on two cores made its import slower (4.9 s to 6.6 s): there the
rows are read here.

The reading process is this module run by the same Python (`python -m services.extract_reader`), not a
multiprocessing child, so that it never re-runs the caller's script; it writes its batches to its standard output,
pickled, then what reading found (rows, rows per region, problems). Memory stays flat: the pipe holds a few
batches, and the reading process waits while it is full. Its errors go to the caller's standard error.
"""

from __future__ import annotations

import csv
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import fields
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from workflow.universe import Extract, Reading, header_of, read

#: Rows per batch: enough that pickling them, not passing them, is the cost; few enough to stay small.
BATCH = 2000
#: The pipe's capacity where the system lets it be set (Linux): a few batches, so that neither process waits for
#: the other to take or give one (with the usual 64 KiB the two moved in step: 0.8 s more for 1.4 million rows).
PIPE_BYTES = 1 << 20


class ReadingStopped(RuntimeError):
    """The reading process ended without saying it was done (it failed, or was killed)."""


def checked_rows(kind: Extract, path: Path, regions: set[str], reading: Reading,
                 progress: Callable[[int], object], *, apart: bool) -> Iterator[list]:
    """The checked rows of the extract at `path` (after its header), as workflow.universe.read gives them, read
    in a second process if `apart`; once they are all given, `reading` holds what reading found. `progress` is
    told how many more bytes of the file each batch covered."""
    told = 0
    apart = apart and bool(sys.executable)   # an embedding Python may not know its own
    for rows, at in (_batches_apart if apart else _batches)(kind, str(path), regions, reading):
        progress(at - told)
        told = at
        yield from rows
    progress(path.stat().st_size - told)   # what no batch covered: a file of a header alone, say


def _batches(kind: Extract, path: str, regions: set[str], reading: Reading) -> Iterator[tuple[list, int]]:
    """The file's checked rows in batches, each with how far into the file (in bytes) it reached. A file that
    stops being readable as CSV part way is a problem of the row where it stopped."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        rows = csv.reader(file)
        checked = read(kind, header_of(rows), rows, regions, reading)
        try:
            while batch := list(islice(checked, BATCH)):
                yield batch, file.buffer.tell()
        except (csv.Error, UnicodeDecodeError) as error:
            reading.problem(reading.rows + 2, f"not readable as CSV ({error})")


def _batches_apart(kind: Extract, path: str, regions: set[str], reading: Reading) -> Iterator[tuple[list, int]]:
    """`_batches`, read by a second process."""
    # the code is found where this process found it, installed or not
    paths = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]))
    reader = subprocess.Popen([sys.executable, "-m", __name__, str(kind), path, json.dumps(sorted(regions))],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, pipesize=PIPE_BYTES,
                              env={**os.environ, "PYTHONPATH": paths})
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
            yield message[1:]
    finally:   # also when the caller stops early: the reader, waiting on a full pipe, is stopped
        if reader.poll() is None:
            reader.kill()
        reader.stdout.close()
        reader.wait()


def _send(kind: Extract, path: str, regions: set[str], out: BinaryIO) -> None:
    """In the reading process: the batches, then what reading found."""
    reading = Reading()
    for batch, at in _batches(kind, path, regions, reading):
        pickle.dump(("rows", batch, at), out, pickle.HIGHEST_PROTOCOL)
    pickle.dump(("done", reading), out, pickle.HIGHEST_PROTOCOL)
    out.flush()


if __name__ == "__main__":
    _send(Extract(sys.argv[1]), sys.argv[2], set(json.loads(sys.argv[3])), sys.stdout.buffer)
