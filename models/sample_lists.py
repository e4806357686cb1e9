"""A draw's ordered list as it is kept: one document per draw and per extension, written once, never changed.

The list is the artifact an auditor checks, so it is stored exactly as the draw made it, and nothing done to the
sample later (eliminations, replacements, a re-draw) touches it; the entries that became cases have rows of
their own (`sample_entries`) saying what became of them. One document instead of a row per entry: a region's
draw writes ~60,000 entries, and as rows they cost more than the rest of the draw (bench/sampling.py).

The document is zlib-compressed UTF-8 JSON that names its fields, so it reads without this code (and still
does if the fields change): `{"fields": [...], "entries": [[values in that order, null where absent], ...]}`.
`zlib.decompress` and any JSON reader open it.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence

#: The values of each entry, in the order the document lists them (the domain's `Entry`, whose `order` is the
#: entry's position within its case type).
FIELDS = ("case_type", "key", "case_number", "child_id", "worker", "number", "position", "role", "reason", "flag",
          "extension")
#: zlib's fastest level: a region's list (~5 MB of JSON) in ~30 ms, to about a quarter of its size.
_LEVEL = 1


def encode(entries: Sequence[Sequence]) -> bytes:
    """The document of entries given as sequences of `FIELDS`' values (the domain's entries are)."""
    document = {"fields": FIELDS, "entries": entries}
    return zlib.compress(json.dumps(document, separators=(",", ":"), check_circular=False).encode(), _LEVEL)


def decode(document: bytes) -> list[list]:
    """The entries of a document, each a list of `FIELDS`' values (None for a field the document lacks)."""
    found = json.loads(zlib.decompress(document))
    if tuple(found["fields"]) == FIELDS:
        return found["entries"]
    at = {name: i for i, name in enumerate(found["fields"])}
    return [[entry[at[name]] if name in at else None for name in FIELDS] for entry in found["entries"]]
