"""The universe (imports of the case-management extracts) and drawing a review's sample from it."""

from __future__ import annotations

import csv
import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from services import reviews
from services.core import Core
from workflow.case_lifecycle import add_case
from workflow.clocks import add_months
from workflow.commands import DrawSample
from workflow.errors import Forbidden, ValidationFailed
from workflow.review_calendar import sample_period
from workflow.roles import Role
from workflow import events
from workflow.actors import Actor
from workflow.sampling import (ALGORITHM, Draw, Entry, Rules, SampleRole, draw, next_replacement,
                               period_under_review_at_draw)
from workflow.states import CaseState
from workflow.universe import IMPORT_BATCH, Extract, Reading, missing_columns, read

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
                    progress: Callable[[Iterator], Iterator] = lambda rows: rows) -> Imported:
    """Replace the `kind` universe with the extract at `path`, all or nothing: Refused (nothing written) when
    any row has a problem. Importing the same extract again gives the same universe. The file streams:
    `progress` may wrap its rows (a progress bar)."""
    kind = Extract(kind)
    digest = _digest(path)
    reading = Reading()
    with path.open(newline="", encoding="utf-8-sig") as file, core.uow() as uow:
        rows = csv.DictReader(file)
        missing = missing_columns(kind, rows.fieldnames)
        if missing:
            raise Refused([f"row 1: missing column {', '.join(missing)}"])
        uow.universe.clear(kind)
        batch = []
        try:
            for record in read(kind, progress(iter(rows)), set(core.reference.regions), reading):
                batch.append(record)
                if len(batch) == IMPORT_BATCH:
                    if not reading.problems:   # once refused, only the problems are still of use
                        uow.universe.add(kind, batch)
                    batch = []
        except (csv.Error, UnicodeDecodeError) as error:
            reading.problem(f"row {reading.rows + 1}: not readable as CSV ({error})")
        if reading.problems:
            if reading.more_problems:
                reading.problems.append(f"… and {reading.more_problems} more problem(s)")
            raise Refused(reading.problems)  # the unit of work is not committed: nothing changed
        uow.universe.add(kind, batch)
        uow.universe.record_import(kind=kind, digest=digest, rows=reading.rows, by=by, at=core.now())
        uow.commit()
    return Imported(rows=reading.rows, per_region=dict(sorted(reading.per_region.items())), digest=digest)


def draw_sample(command: DrawSample, *, uow, core: Core) -> Draw:
    """Draw the review's sample and create a case (in `sampled`) for each entry for review."""
    if not command.actor.has(Role.TEAM_LEAD):
        raise Forbidden("only a team lead may draw a sample")
    review = reviews.visible_review(uow, review_id=command.review_id, viewer=command.actor)
    if uow.views.sample(review.id) is not None:
        raise ValidationFailed({"sample": ["this review's sample is drawn already: it is never drawn again in place"]})
    seed = secrets.randbelow(MAX_SEED) if command.seed is None else command.seed
    if not 0 <= seed <= MAX_SEED:
        raise ValidationFailed({"seed": [f"from 0 to {MAX_SEED}"]})
    if command.period_start is not None and command.period_start != review.period_start:
        review.period_start = command.period_start
        uow.reviews.save(review)
    period = sample_period(review.review_month, core.reference.sample_period_months, review.period_start)
    pur = period_under_review_at_draw(period, review.review_month)
    in_home = uow.universe.in_home_in(review.region, period.start, period.end)
    drawn_before = uow.samples.drawn_between(since=add_months(review.review_month, 1 - MEASUREMENT_MONTHS),
                                             until=review.review_month, review_id=review.id)
    result = draw(episodes=uow.universe.episodes_in(review.region, period.start, period.end), in_home=in_home,
                  custody_by_child=uow.universe.episodes_of(c for case in in_home for c in case.household_child_ids),
                  rules=Rules(period=period, pur=pur, sizes=core.reference.sample_sizes[review.kind],
                              worker_cap=core.reference.worker_cap, drawn_before=frozenset(drawn_before)),
                  seed=seed)
    rows = []
    for entry in result.entries:
        case_id = None
        if entry.role is SampleRole.REVIEW:
            case_id = uow.cases.add(add_case(review_id=review.id, region=review.region, case_type=entry.case_type,
                                             case_number=entry.case_number, worker=entry.worker,
                                             child_id=entry.child_id, actor=command.actor, now=command.at,
                                             how=f"drawn: {entry.case_type.replace('_', ' ')} #{entry.order}")).id
        rows.append({"case_type": entry.case_type, "position": entry.order, "key": entry.key,
                     "case_number": entry.case_number, "child_id": entry.child_id, "worker": entry.worker,
                     "number": entry.number, "role": entry.role, "reason": entry.reason, "flag": entry.flag,
                     "case_id": case_id})
    uow.samples.add(review_id=review.id, seed=seed, algorithm=ALGORITHM, frame_digest=result.frame_digest,
                    period_start=period.start, period_end=period.end, drawn_by=command.actor.email,
                    drawn_at=command.at, entries=rows)
    return result


def sample_of(uow, *, review_id: int, viewer) -> tuple | None:
    """The review's sample and its entries, or None while none is drawn."""
    review = reviews.visible_review(uow, review_id=review_id, viewer=viewer)
    sample = uow.views.sample(review.id)
    return None if sample is None else (sample, uow.views.sample_entries(sample.id))


def as_drawn(entries) -> list[Entry]:
    """Stored entries as the domain's, to ask it about them."""
    return [Entry(e.case_type, e.key, e.case_number, e.child_id, e.worker, e.number, e.position, SampleRole(e.role),
                  e.reason, e.flag) for e in entries]


def replace_eliminated(event: events.CaseEliminated, *, uow, core: Core) -> None:
    """An eliminated case that was drawn is replaced by the next unused, eligible oversample entry of its case
    type (within the worker cap), which becomes a case in `sampled`; when none is left the elimination stands
    and the sample says so (its entry has no replacement)."""
    found = uow.views.sample_entry_of_case(event.entity_id)
    if found is None:
        return  # added by hand: nothing to replace it from
    sample_id, entry = found
    entries = uow.views.sample_entries(sample_id)
    used = {e.key for e in entries if e.case_id is not None}
    drawn = [replace(d, role=SampleRole.ELIMINATED) if e.id == entry.id else d
             for d, e in zip(as_drawn(entries), entries, strict=True)]
    following = next_replacement(drawn, entry.case_type, core.reference.worker_cap, used)
    replaced_by = None
    if following is not None:
        eliminated = uow.cases.get(event.entity_id)
        review = uow.reviews.get(eliminated.review_id)
        replaced_by = uow.cases.add(add_case(
            review_id=review.id, region=review.region, case_type=following.case_type,
            case_number=following.case_number, worker=following.worker, child_id=following.child_id,
            actor=Actor(email=event.actor), now=event.at,
            how=f"drawn: replaces case {eliminated.case_number} (#{following.order})")).id
        uow.samples.for_review(next(e.id for e in entries if e.key == following.key
                                    and e.case_type == following.case_type), case_id=replaced_by)
    uow.samples.eliminated(entry.id, reason=event.data["reason"], replaced_by=replaced_by)


def replacement_of(uow, case) -> dict | None:
    """For an eliminated case that was drawn: the case that replaced it, or that none was left."""
    found = uow.views.sample_entry_of_case(case.id) if case.state == CaseState.ELIMINATED else None
    if found is None:
        return None
    by = found[1].replaced_by
    return {"case_id": by, "message": f"replaced by case {by}" if by else
            "no eligible oversample entry of this case type is left: the team lead may extend the draw"}
