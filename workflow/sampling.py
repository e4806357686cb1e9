"""Drawing a regional review's sample from the case-management extract: who is eligible, who is eliminated
at once and why, the seeded order, the cases for review and the oversample, the worker cap.

Reproducible forever: the frame is put in a stable order by its key before the draw, each record then
gets the next number of `random.Random(seed).random()` (the one stream Python promises to keep across
versions), and records sorted by their numbers give the sample order. The same seed and the same
universe give the same order, on any machine; `ALGORITHM` names this procedure in every recorded draw.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from itertools import count, repeat
from operator import itemgetter
from typing import NamedTuple

from workflow.review_calendar import Period
from workflow.states import CaseType

ALGORITHM = "qareview-draw-1"
#: An in-home case must be open this many days, counted into the 45 days after the sample period.
IH_MINIMUM_DAYS = 45
#: The service type of the in-home extract's cases that are in scope.
IN_HOME_SERVICE = "In-Home"


class SampleRole(StrEnum):
    REVIEW = "review"
    OVERSAMPLE = "oversample"
    ELIMINATED = "eliminated"


class CustodyEpisode(NamedTuple):
    """One row of the foster-care extract, as far as the draw reads it: not its region (the draw's, or of no
    concern for a household's child) nor its county, which no rule reads."""

    child_id: str
    case_id: str
    custody_start: date
    custody_end: date | None
    date_of_birth: date | None
    worker_id: str | None


class InHomeCase(NamedTuple):
    """One row of the in-home extract, as far as the draw reads it (not its region nor its county)."""

    case_id: str
    case_start: date
    case_end: date | None
    service_type: str
    household_child_ids: tuple[str, ...]
    worker_id: str | None


class Entry(NamedTuple):
    """One record of the frame, as the draw placed it (a tuple: a large draw makes tens of thousands)."""

    case_type: str
    key: str                       # what the frame is sampled by: the child (foster care), the case (in-home)
    case_number: str
    child_id: str | None
    worker: str | None
    number: float = 0.0            # its random number: the order sorts by it
    order: int = 0                 # 1-based rank within its case type, eliminated entries included
    role: SampleRole = SampleRole.OVERSAMPLE
    reason: str | None = None      # why it was eliminated
    flag: str | None = None        # what screening should look at (not decisive)
    extension: int = 0             # 0: drawn with the sample; n: brought in by its n-th extension


#: The case types in the frame's order (foster care first), which is also the order they take the draw's numbers in.
CASE_TYPES = (CaseType.FOSTER_CARE, CaseType.IN_HOME)
FOSTER_CARE, IN_HOME = CASE_TYPES
#: An entry's number, order and role before it is drawn (`Entry`'s defaults).
_UNDRAWN = (0.0, 0, SampleRole.OVERSAMPLE)


@dataclass(frozen=True)
class Rules:
    """What a draw needs besides the universe: its periods, sizes, cap and what was drawn before."""

    period: Period
    pur: Period
    sizes: Mapping[str, int]
    worker_cap: int
    drawn_before: frozenset[str] = frozenset()   # keys (child or case ids) drawn in the 12 months before


@dataclass
class Draw:
    seed: int
    entries: list[Entry]
    frame_digest: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def period_under_review_at_draw(period: Period, review_month: date) -> Period:
    """The PUR while the case review date is not yet known: to the last day of the review month."""
    next_month = (review_month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(period.start, next_month - timedelta(days=1))


def in_foster_care_frame(episode: CustodyEpisode, period: Period) -> bool:
    return episode.custody_start <= period.end and (episode.custody_end is None or episode.custody_end > period.start)


def in_in_home_frame(case: InHomeCase, period: Period) -> bool:
    return (case.service_type == IN_HOME_SERVICE and case.case_start <= period.end
            and (case.case_end is None or case.case_end >= period.start))


def open_days(case: InHomeCase, period: Period) -> int:
    """Days open from the later of its start and the period's start to the earlier of its end and 45 days
    after the period's end, both ends included (the 45 days may finish after the sample period)."""
    first = max(case.case_start, period.start)
    last = min(case.case_end or date.max, period.end + timedelta(days=IH_MINIMUM_DAYS))
    return max((last - first).days + 1, 0)


def eighteenth_birthday(born: date) -> date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February: 1 March of that year
        return date(born.year + 18, 3, 1)


def _overlaps(episode: CustodyEpisode, pur: Period) -> bool:
    return episode.custody_start <= pur.end and (episode.custody_end is None or episode.custody_end >= pur.start)


def adult_if_born_before(day: date) -> date:
    """The earliest birth date whose eighteenth birthday is on or after `day`: those born before it were 18
    before `day`. (A 29 February birthday makes a plain "18 years earlier" wrong by a day.)"""
    born = day.replace(year=day.year - 18, day=28 if (day.month, day.day) == (2, 29) else day.day)
    while eighteenth_birthday(born - timedelta(days=1)) >= day:
        born -= timedelta(days=1)
    while eighteenth_birthday(born) < day:
        born += timedelta(days=1)
    return born


def _foster_care_entries(episodes: Iterable[CustodyEpisode], rules: Rules) -> list[Entry]:
    """One entry per child with an episode in the frame (its latest such episode names the case)."""
    latest: dict[str, CustodyEpisode] = {}
    period = rules.period
    for episode in episodes:
        if in_foster_care_frame(episode, period):
            kept = latest.get(episode.child_id)
            if kept is None or (episode.custody_start, episode.case_id) > (kept.custody_start, kept.case_id):
                latest[episode.child_id] = episode
    adult = adult_if_born_before(rules.pur.start)   # once, not a birthday per child
    drawn_before, new = rules.drawn_before, tuple.__new__   # as Entry._make, without a Python call per entry
    entries = []
    for child_id, episode in latest.items():
        reason = None
        if episode.date_of_birth is not None and episode.date_of_birth < adult:
            reason = "target_child_reached_18"
        elif child_id in drawn_before or episode.case_id in drawn_before:
            reason = "duplicate_in_measurement_period"   # the child, or a sibling's case, drawn already
        entries.append(new(Entry, (FOSTER_CARE, child_id, episode.case_id, child_id, episode.worker_id, *_UNDRAWN,
                                   reason, None, 0)))
    return entries


def _in_home_entries(cases: Iterable[InHomeCase], custody: Mapping[str, Sequence[CustodyEpisode]],
                     rules: Rules) -> list[Entry]:
    no_episodes: tuple[CustodyEpisode, ...] = ()
    period, pur, drawn_before = rules.period, rules.pur, rules.drawn_before
    new, entries = tuple.__new__, []   # as Entry._make, without a Python call per entry
    for case in cases:
        if not in_in_home_frame(case, period):
            continue
        reason = flag = None
        in_care = [e for child in case.household_child_ids for e in custody.get(child, no_episodes)
                   if _overlaps(e, pur)]
        if in_care and any(e.custody_end is None or (e.custody_end - e.custody_start).days >= 2 for e in in_care):
            reason = "ih_child_in_foster_care"
        elif open_days(case, period) < IH_MINIMUM_DAYS:
            reason = "ih_open_under_45_days"
        elif case.case_id in drawn_before:
            reason = "duplicate_in_measurement_period"   # the same (or a re-opened) case drawn already
        elif in_care:
            flag = "a household child was in foster care for one day during the period under review"
        entries.append(new(Entry, (IN_HOME, case.case_id, case.case_id, None, case.worker_id, *_UNDRAWN, reason, flag,
                                   0)))
    return entries


def frame_digest(entries: Sequence[Entry]) -> str:
    """A digest of the frame as drawn from (its keys, in their stable order)."""
    return hashlib.sha256("\n".join([e.case_type + ":" + e.key for e in entries]).encode()).hexdigest()


def frame_of(*, episodes: Iterable[CustodyEpisode], in_home: Iterable[InHomeCase],
             custody_by_child: Mapping[str, Sequence[CustodyEpisode]], rules: Rules) -> list[Entry]:
    """Every record of the sampling frame, with its automatic elimination if any, in its stable order: by case
    type (foster care first), then key."""
    by_key = itemgetter(1)
    return (sorted(_foster_care_entries(episodes, rules), key=by_key)
            + sorted(_in_home_entries(in_home, custody_by_child, rules), key=by_key))


def _placed(frame: Sequence[Entry], numbers: Sequence[float]) -> dict[str, list[int]]:
    """Each case type's records of the frame (their indexes) in their sample order: by number, ties (never seen,
    but possible) by key, as the frame's stable order lists them and the sort keeps it."""
    placed: dict[str, list[int]] = {case_type: [] for case_type in CASE_TYPES}
    for i, entry in enumerate(frame):
        placed[entry.case_type].append(i)
    for indexes in placed.values():
        indexes.sort(key=numbers.__getitem__)
    return placed


def _as_placed(frame: Sequence[Entry], indexes: Sequence[int], numbers: Sequence[float], roles: Iterable[SampleRole],
               *, first: int, extension: int) -> list[Entry]:
    """The frame's records at `indexes` as the draw placed them: each with its number, its order (from `first`
    on) and its role. Assembled a field at a time by zip and map (`tuple.__new__` is what `Entry._make` calls):
    a region's draw places 60,000 records, and making each in a Python loop cost it 0.018 s more."""
    placed = [frame[i] for i in indexes]
    if not placed:
        return []
    case_types, keys, case_numbers, child_ids, workers, _, _, _, reasons, flags, _ = zip(*placed)
    return list(map(tuple.__new__, repeat(Entry), zip(case_types, keys, case_numbers, child_ids, workers,
                                                      [numbers[i] for i in indexes], count(first), roles, reasons,
                                                      flags, repeat(extension))))


def draw(*, episodes: Iterable[CustodyEpisode], in_home: Iterable[InHomeCase],
         custody_by_child: Mapping[str, Sequence[CustodyEpisode]], rules: Rules, seed: int) -> Draw:
    """The whole ordered sample: every frame record with its number, order, role and (if eliminated) reason."""
    return draw_frame(frame_of(episodes=episodes, in_home=in_home, custody_by_child=custody_by_child, rules=rules),
                      rules=rules, seed=seed)


def draw_frame(frame: Sequence[Entry], *, rules: Rules, seed: int) -> Draw:
    """`draw`, from the frame `frame_of` made."""
    stream = random.Random(seed)
    numbers = [stream.random() for _ in frame]
    entries: list[Entry] = []
    for case_type, indexes in _placed(frame, numbers).items():
        roles = assign_roles([frame[i] for i in indexes], rules.sizes.get(case_type, 0), rules.worker_cap)
        entries += _as_placed(frame, indexes, numbers, roles, first=1, extension=0)
    return Draw(seed=seed, entries=entries, frame_digest=frame_digest(frame), counts=explain(entries))


def extend(entries: Sequence[Entry], frame: Sequence[Entry], *, seed: int) -> list[Entry]:
    """The frame's records not in the draw yet (the rest of the universe, as it stands now), continuing the
    draw's seeded order: in their stable order they take the stream's next numbers (past one number for every
    entry drawn so far), and in the order of those numbers follow each case type's last entry, as oversample
    (or eliminated, with their reason). Nothing drawn before changes."""
    have = {(e.case_type, e.key) for e in entries}
    new = [e for e in frame if (e.case_type, e.key) not in have]
    stream = random.Random(seed)
    for _ in entries:
        stream.random()
    numbers = [stream.random() for _ in new]
    extension = max((e.extension for e in entries), default=0) + 1
    added: list[Entry] = []
    for case_type, indexes in _placed(new, numbers).items():
        last = max((e.order for e in entries if e.case_type == case_type), default=0)
        roles = [SampleRole.ELIMINATED if new[i].reason else SampleRole.OVERSAMPLE for i in indexes]
        added += _as_placed(new, indexes, numbers, roles, first=last + 1, extension=extension)
    return added


def assign_roles(ordered: Sequence[Entry], size: int, cap: int) -> list[SampleRole]:
    """The role of each entry, in order: the first `size` eligible ones are for review — skipping any whose
    worker already has `cap` cases for review (it stays in the oversample); eliminated entries are so."""
    per_worker: Counter[str] = Counter()
    chosen, roles = 0, []
    for entry in ordered:
        if entry.reason is not None:
            roles.append(SampleRole.ELIMINATED)
        elif chosen < size and (entry.worker is None or per_worker[entry.worker] < cap):
            chosen += 1
            if entry.worker is not None:
                per_worker[entry.worker] += 1
            roles.append(SampleRole.REVIEW)
        else:
            roles.append(SampleRole.OVERSAMPLE)
    return roles


def next_replacement(entries: Sequence[Entry], case_type: str, cap: int, used: Iterable[str]) -> Entry | None:
    """The next oversample entry of `case_type`, in order, not used before and within the worker cap among the
    entries now for review; None when none is left."""
    used = set(used)
    per_worker = Counter(e.worker for e in entries
                         if e.case_type == case_type and e.role is SampleRole.REVIEW and e.worker is not None)
    for entry in sorted((e for e in entries if e.case_type == case_type), key=lambda e: e.order):
        if entry.role is SampleRole.OVERSAMPLE and entry.key not in used and \
                (entry.worker is None or per_worker[entry.worker] < cap):
            return entry
    return None


def explain(entries: Sequence[Entry]) -> dict[str, dict[str, int]]:
    """Per case type: how many were in the frame, eligible, eliminated (by reason), for review, skipped over the
    worker cap (eligible entries left in the oversample though a later one is for review) and left over."""
    mine: dict[str, list[Entry]] = {case_type: [] for case_type in CASE_TYPES}
    for entry in entries:
        mine[entry.case_type].append(entry)
    counts: dict[str, dict[str, int]] = {}
    for case_type, these in mine.items():
        by_role = {role: [e for e in these if e.role == role] for role in SampleRole}
        last_review = max((e.order for e in by_role[SampleRole.REVIEW]), default=0)
        reasons = Counter(e.reason for e in by_role[SampleRole.ELIMINATED] if e.reason)
        counts[case_type] = {"frame": len(these), "eligible": sum(e.reason is None for e in these),
                             "review": len(by_role[SampleRole.REVIEW]),
                             "skipped_over_cap": sum(e.order < last_review for e in by_role[SampleRole.OVERSAMPLE]),
                             "oversample": len(by_role[SampleRole.OVERSAMPLE]),
                             **{f"eliminated:{reason}": n for reason, n in sorted(reasons.items())}}
    return counts
