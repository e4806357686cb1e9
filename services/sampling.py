"""The universe (imports of the case-management extracts) and drawing a review's sample from it."""

from __future__ import annotations

import csv
import gc
import hashlib
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from services import reviews
from services.core import Core
from services.extract_reader import checked_rows
from workflow.case_lifecycle import add_case
from workflow.clocks import add_months
from workflow.commands import DrawSample, ExtendDraw
from workflow.errors import Forbidden, NotAllowed, ValidationFailed
from workflow.review_calendar import Period, sample_period
from workflow.review_lifecycle import RegionalReview, record
from workflow.roles import Role
from workflow import events
from workflow.actors import Actor
from workflow.sampling import (ALGORITHM, Draw, Entry, Rules, SampleRole, draw_frame, extend, frame_of,
                               next_replacement, period_under_review_at_draw)
from workflow.states import CaseState
from workflow.universe import MOST_PROBLEMS, Extract, Reading, duplicate, header_of, missing_columns

#: Seeds are kept as database integers.
MAX_SEED = 2**31 - 1
#: A child or case drawn in another review of the 12 months ending with this one is a duplicate.
MEASUREMENT_MONTHS = 12


@dataclass(frozen=True)
class Imported:
    rows: int
    per_region: dict[str, int]
    digest: str


class Refused(Exception):
    """The extract was refused whole; `problems` says why, row by row."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def import_universe(core: Core, *, kind: Extract, path: Path, by: str,
                    progress: Callable[[int], object] = lambda read: None) -> Imported:
    """Replace the `kind` universe with the extract at `path`, all or nothing: Refused (nothing written) when
    any row has a problem. Importing the same extract again gives the same universe. The file streams (read and
    checked by services.extract_reader); `progress` is told how many more of the file's bytes each step covered
    (a progress bar)."""
    kind = Extract(kind)
    digest = _digest(path)
    with path.open(newline="", encoding="utf-8-sig") as file:
        try:
            header = header_of(csv.reader(file))
        except (csv.Error, UnicodeDecodeError) as error:
            raise Refused([f"row 1: not readable as CSV ({error})"]) from None
    missing = missing_columns(kind, header)
    if missing:
        raise Refused([f"row 1: missing column {', '.join(missing)}"])
    reading = Reading()
    with core.uow() as uow:
        uow.universe.clear(kind)   # rows with problems are left out: the rest still show repeated keys
        # read apart where storing takes this process's time (services.extract_reader says why)
        uow.universe.load(kind, checked_rows(kind, path, set(core.reference.regions), reading, progress,
                                             apart=uow.universe.stored_in_this_process))
        if not uow.universe.indexed(kind):
            repeated, total = uow.universe.repeated_keys(kind, limit=MOST_PROBLEMS)
            for row, first, key in repeated:
                reading.problem(row, duplicate(kind, key, first))
            reading.more_problems += total - len(repeated)
        if reading.problems:
            raise Refused(reading.report())  # the unit of work is not committed: nothing changed
        uow.universe.record_import(kind=kind, digest=digest, rows=reading.rows, by=by, at=core.now())
        uow.commit()
    return Imported(rows=reading.rows, per_region=dict(sorted(reading.per_region.items())), digest=digest)


@contextmanager
def _many_rows() -> Iterator[None]:
    """A draw makes a few hundred thousand tuples (rows, entries), and reading a sample a hundred thousand, none in
    a cycle: the cyclic collector, run every few hundred allocations, walks them again and again (a third of a
    draw's time; 0.35 s to 0.14 s for the review page of a 62,387-entry sample). Paused, and what was made
    meanwhile moved to the oldest generation (freeze, unfreeze) rather than walked once more as young on
    resuming (0.025 s): these objects die by reference count once the answer is sent."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _lead_review(uow, command) -> RegionalReview:
    if not command.actor.has(Role.TEAM_LEAD):
        raise Forbidden("only a team lead may draw, re-draw or extend a sample")
    return reviews.visible_review(uow, review_id=command.review_id, viewer=command.actor)


def _frame(uow, core: Core, review: RegionalReview, period: Period) -> tuple[list[Entry], Rules]:
    """The review's sampling frame as the universe stands now, and the rules it is drawn by."""
    pur = period_under_review_at_draw(period, review.review_month)
    in_home = uow.universe.in_home_in(review.region, period.start, period.end)
    drawn_before = uow.samples.drawn_between(since=add_months(review.review_month, 1 - MEASUREMENT_MONTHS),
                                             until=review.review_month, review_id=review.id)
    rules = Rules(period=period, pur=pur, sizes=core.reference.sample_sizes[review.kind],
                  worker_cap=core.reference.worker_cap, drawn_before=frozenset(drawn_before))
    frame = frame_of(episodes=uow.universe.episodes_in(review.region, period.start, period.end), in_home=in_home,
                     custody_by_child=uow.universe.episodes_of(c for case in in_home for c in case.household_child_ids),
                     rules=rules)
    return frame, rules


def _drawn_case(uow, review: RegionalReview, entry: Entry, *, actor: str, at, how: str) -> int:
    return uow.cases.add(add_case(review_id=review.id, region=review.region, case_type=entry.case_type,
                                  case_number=entry.case_number, worker=entry.worker, child_id=entry.child_id,
                                  actor=Actor(email=actor), now=at, how=how)).id


def _supersede(uow, current, at) -> list[int]:
    """Supersede a sample about to be drawn again; the ids of its cases, to withdraw. Refused (NotAllowed)
    once any of them has been screened, eliminated, proposed for elimination or had anything else recorded on it."""
    drawn = [e.case_id for e in uow.views.sample_cases(current.id) if e.case_id is not None]
    if touched := uow.cases.touched(drawn):
        raise NotAllowed(f"this review's sample is never drawn again: {len(touched)} of its cases "
                         "(screened, eliminated or with something recorded on them) would be lost",
                         {"sample": ["cases of it have been screened"], "cases": sorted(touched)})
    uow.samples.supersede(current.id, at=at)
    return drawn


@_many_rows()
def draw_sample(command: DrawSample, *, uow, core: Core) -> Draw:
    """Draw the review's sample and create a case (in `sampled`) for each entry for review. A review whose
    sample none of whose cases has been touched may be drawn again: the sample it replaces is kept (superseded)
    and its cases are withdrawn, and the re-draw is recorded with both seeds."""
    review = _lead_review(uow, command)
    seed = secrets.randbelow(MAX_SEED) if command.seed is None else command.seed
    if not 0 <= seed <= MAX_SEED:
        raise ValidationFailed({"seed": [f"from 0 to {MAX_SEED}"]})
    current = uow.views.sample(review.id)
    withdrawn = _supersede(uow, current, command.at) if current is not None else []
    if command.period_start is not None and command.period_start != review.period_start:
        review.period_start = command.period_start
    period = sample_period(review.review_month, core.reference.sample_period_months, review.period_start)
    frame, rules = _frame(uow, core, review, period)
    result = draw_frame(frame, rules=rules, seed=seed)
    sample_id = uow.samples.add(review_id=review.id, seed=seed, algorithm=ALGORITHM, frame_digest=result.frame_digest,
                                period_start=period.start, period_end=period.end, drawn_by=command.actor.email,
                                drawn_at=command.at)
    cases = [(e, _drawn_case(uow, review, e, actor=command.actor.email, at=command.at,
                             how=f"drawn: {e.case_type.replace('_', ' ')} #{e.order}"))
             for e in result.entries if e.role is SampleRole.REVIEW]
    uow.samples.add_entries(sample_id, 0, result.entries, cases)
    # only now, so that the new cases' ids are above the withdrawn ones: SQLite never gives those out again
    uow.cases.withdraw(withdrawn)
    told = (f"seed {seed}, {ALGORITHM}, frame {result.frame_digest[:12]}…, sample period {period.start} to "
            f"{period.end}: " + ", ".join(f"{n['review']} {t.replace('_', ' ')}" for t, n in result.counts.items()))
    if current is None:
        record(review, events.SampleDrawn, trigger="draw_sample", actor=command.actor, now=command.at, notes=told)
    else:
        record(review, events.SampleRedrawn, trigger="redraw_sample", actor=command.actor, now=command.at,
               notes=f"replaces the sample drawn with seed {current.seed} ({len(withdrawn)} cases withdrawn)"
                     f"{': ' + command.reason if command.reason else ''}; {told}")
    uow.reviews.save(review)
    return result


@_many_rows()
def extend_draw(command: ExtendDraw, *, uow, core: Core) -> list[Entry]:
    """Extend the draw to the records of the universe (in the sample's period) not in it yet, continuing its
    seeded order; then every drawn case eliminated without a replacement gets one, if there is one now."""
    review = _lead_review(uow, command)
    current = uow.views.sample(review.id)
    if current is None:
        raise NotAllowed("this review has no sample to extend: draw it first")
    entries = as_drawn(uow.views.sample_entries(current.id))
    frame, _ = _frame(uow, core, review, Period(current.period_start, current.period_end))
    added = extend(entries, frame, seed=current.seed)
    if not added:
        raise NotAllowed("every record of the universe in this sample period is in the draw already: "
                         "nothing to extend it with (import a newer extract first)")
    uow.samples.add_entries(current.id, added[0].extension, added)
    counts = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in Counter(e.case_type for e in added).items())
    record(review, events.DrawExtended, trigger="extend_draw", actor=command.actor, now=command.at,
           notes=f"extension {added[0].extension}: {counts} added in the same seeded order")
    uow.reviews.save(review)
    for line in uow.views.sample_cases(current.id):
        if line.role == SampleRole.ELIMINATED and line.case_id is not None and line.replaced_by is None:
            _replace(uow, core, current.id, line, actor=command.actor.email, at=command.at)
    return added


@_many_rows()
def sample_of(uow, *, review_id: int, viewer) -> tuple | None:
    """The review's sample and its entries, or None while none is drawn. Once a case is de-identified, its
    entry names it by its new identifier for everyone but the team leads (who may read the map anyway)."""
    review = reviews.visible_review(uow, review_id=review_id, viewer=viewer)
    if viewer.only_oversees:
        raise Forbidden("the Children's Bureau oversees the reviewed cases, not the sample they were drawn from")
    sample = uow.views.sample(review.id)
    if sample is None:
        return None
    entries = uow.views.sample_entries(sample.id)
    if not viewer.has(Role.TEAM_LEAD):
        hidden = {i: c for i, c in uow.cases.get_many(e.case_id for e in entries if e.case_id).items()
                  if c.deidentified_at is not None}
        entries = [e._replace(case_number=hidden[e.case_id].case_number, child_id=None, worker=None)
                   if e.case_id in hidden else e for e in entries]
    return sample, entries


#: Each role by its stored value: calling SampleRole(value) for each of a region's 60,000 entries took 0.1 s.
_ROLES = {role.value: role for role in SampleRole}


@_many_rows()
def as_drawn(entries) -> list[Entry]:
    """Stored entries as the domain's, to ask it about them."""
    make = Entry._make
    return [make((e.case_type, e.key, e.case_number, e.child_id, e.worker, e.number, e.position, _ROLES[e.role],
                  e.reason, e.flag, e.extension)) for e in entries]


@_many_rows()
def _replace(uow, core: Core, sample_id: int, line, *, actor: str, at) -> int | None:
    """Bring in the next unused, eligible oversample entry of the eliminated entry's case type (within the
    worker cap) as a case in `sampled`; the entry records what replaced it (None: nothing was left)."""
    lines = uow.views.sample_entries(sample_id)
    used = {e.key for e in lines if e.case_type == line.case_type and e.case_id is not None}
    drawn = [d._replace(role=SampleRole.ELIMINATED) if e.id == line.id else d
             for d, e in zip(as_drawn(lines), lines, strict=True)]
    following = next_replacement(drawn, line.case_type, core.reference.worker_cap, used)
    eliminated = uow.cases.get(line.case_id)
    replaced_by = None
    if following is not None:
        review = uow.reviews.get(eliminated.review_id)
        replaced_by = _drawn_case(uow, review, following, actor=actor, at=at,
                                  how=f"drawn: replaces case {eliminated.case_number} (#{following.order})")
        uow.samples.for_review(sample_id, next(e for e in lines if e.key == following.key
                                               and e.case_type == following.case_type), case_id=replaced_by)
    uow.samples.eliminated(line.id, reason=eliminated.elimination_reason, replaced_by=replaced_by)
    return replaced_by


def replace_eliminated(event: events.CaseEliminated, *, uow, core: Core) -> None:
    """An eliminated case that was drawn is replaced by the next unused, eligible oversample entry of its case
    type; when none is left the elimination stands and the sample says so (its entry has no replacement)."""
    found = uow.views.sample_entry_of_case(event.entity_id)
    if found is not None:   # a case added by hand has nothing to replace it from
        _replace(uow, core, found[0], found[1], actor=event.actor, at=event.at)


def replacement_of(uow, case) -> dict | None:
    """For an eliminated case that was drawn: the case that replaced it, or that none was left."""
    found = uow.views.sample_entry_of_case(case.id) if case.state == CaseState.ELIMINATED else None
    if found is None:
        return None
    by = found[1].replaced_by
    return {"case_id": by, "message": f"replaced by case {by}" if by else
            "no eligible oversample entry of this case type is left: the team lead may extend the draw"}
