"""The names of a case's people in every form free text gives them: what de-identification replaces.

Built from what qareview knows — the participants' names — never guessed by a model. Each name gives its
variants: the whole name, each part, hyphenated parts whole and split, the sides of an apostrophe (O'Brien,
Brien). They are matched on word boundaries in a folded copy of the text: any letter case, accents or none
(José, Jose, JOSÉ), straight or curly apostrophes. Longest first, so "Mary-Jane Smith" goes whole before
"Mary" alone; a possessive stays on the label ("Mary's" becomes "mother's"). A part that is also a common
word (Will, Hope, May) is replaced all the same — a name left behind is worse than an odd sentence — and
flagged, so that the team lead reads those texts again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_APOSTROPHES = "'\u2019\u02bc\u2018`\u00b4"
#: A variant needs at least this many letters: a lone initial would replace every "a" and "j".
_SHORTEST = 2
_EDGES = ".,;:!?()[]{}\"“”«»"


def fold(text: str) -> tuple[str, list[int]]:
    """`text` as it is matched (lower case, accents dropped, one apostrophe) and, for each of its
    characters, the index of the character of `text` it comes from."""
    folded: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char in _APOSTROPHES:
            char = "'"
        for part in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(part):
                continue
            for low in part.lower():
                folded.append(low)
                where.append(index)
    return "".join(folded), where


def parts(name: str) -> set[str]:
    """Every form of `name` that is replaced, folded: the whole, its words, hyphenated words whole and split,
    the sides of an apostrophe."""
    whole = " ".join(fold(name)[0].split())
    found = {whole}
    for word in whole.split(" "):
        word = word.strip(_EDGES)
        found.add(word)
        for piece in word.split("-"):
            found.add(piece)
            found.update(piece.split("'"))
            found.add(piece.replace("'", ""))
    return {p for p in found if sum(c.isalnum() for c in p) >= _SHORTEST}


@dataclass(frozen=True)
class Flag:
    """A name part that is also a common word: it is replaced everywhere; the team lead should reread."""

    part: str
    label: str


class Replacer:
    """Replaces every variant of the given names by the label of the person it names."""

    def __init__(self, people: Sequence[tuple[str, str]], common_words: Iterable[str] = (),
                 exact: Sequence[tuple[str, str]] = ()):
        """`people`: (name, label) pairs; where two names share a variant (a family name), the first wins.
        `exact`: (text, replacement) pairs replaced only whole (a former case number, never split)."""
        labels: dict[str, str] = {" ".join(fold(text)[0].split()): new for text, new in exact if text.strip()}
        for name, label in people:
            for variant in sorted(parts(name), key=len, reverse=True):
                labels.setdefault(variant, label)
        self._labels = labels
        common = {fold(w)[0] for w in common_words}
        self.flags = [Flag(v, label) for v, label in sorted(labels.items()) if v in common]
        alternatives = sorted(labels, key=lambda v: (-len(v), v))
        self._pattern = re.compile(
            r"(?<!\w)(" + "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in alternatives) + r")(?!\w)"
        ) if alternatives else None

    def __call__(self, text: str | None) -> str | None:
        """`text` with every name replaced; the very same text when it holds none."""
        if not text or self._pattern is None:
            return text
        folded, where = fold(text)
        pieces, done = [], 0
        for match in self._pattern.finditer(folded):
            start, end = where[match.start()], where[match.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1
            pieces += [text[done:start], self._labels[" ".join(match.group(1).split())]]
            done = end
        return text if not pieces else "".join(pieces) + text[done:]

    def names_in(self, text: str | None) -> bool:
        return bool(text) and self._pattern is not None and self._pattern.search(fold(text)[0]) is not None
