"""A draw's ordered list as it is kept: one document per draw and per extension, written once, never changed.

The list is the artifact an auditor checks, so it is stored exactly as the draw made it, and nothing done to the
sample later (eliminations, replacements, a re-draw) touches it; the entries that became cases have rows of
their own (`sample_entries`) saying what became of them. One document instead of a row per entry: a region's
draw writes ~60,000 entries, and as rows they cost more than the rest of the draw (bench/sampling.py).

The document is Zstandard-compressed UTF-8 JSON that names its fields, so it reads without this code (and still
does if the fields change): `{"fields": [...], "entries": [[values in that order, null where absent], ...]}`.
Any zstd tool (Python's own `compression.zstd` from 3.14 on, whose backport this uses) and any JSON reader open
it. Documents written before migration 0014 are zlib-compressed, and read as well.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import orjson
from backports import zstd

#: The values of each entry, in the order the document lists them (the domain's `Entry`, whose `order` is the
#: entry's position within its case type).
FIELDS = ("case_type", "key", "case_number", "child_id", "worker", "number", "position", "role", "reason", "flag",
          "extension")
#: Zstandard's fast level: a region's list (~7 MB of JSON) in ~0.01 s to a fifth of its size, where zlib's fastest
#: took 0.037 s to a quarter (bench/sampling.py).
_LEVEL = 1
#: How a Zstandard frame begins (the older documents are zlib streams, which begin otherwise).
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def encode(entries: Sequence[Sequence]) -> bytes:
    """The document of entries given as sequences of `FIELDS`' values (the domain's entries are). orjson writes
    it: a region's 60,000 entries in 0.02 s, where the standard library's json took 0.075 s; it writes the
    domain's named tuples as the tuples they are (`default`), and every float so that it reads back exactly."""
    document = {"fields": FIELDS, "entries": entries}
    return zstd.compress(orjson.dumps(document, default=tuple), _LEVEL)


def decode(document: bytes) -> list[list]:
    """The entries of a document, each a list of `FIELDS`' values (None for a field the document lacks)."""
    text = zstd.decompress(document) if document.startswith(_ZSTD_MAGIC) else zlib.decompress(document)
    found = orjson.loads(text)
    if tuple(found["fields"]) == FIELDS:
        return found["entries"]
    at = {name: i for i, name in enumerate(found["fields"])}
    return [[entry[at[name]] if name in at else None for name in FIELDS] for entry in found["entries"]]
