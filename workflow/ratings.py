"""OSRI ratings: each item of a case Strength, Area Needing Improvement or Not Applicable, who may rate in
which state, and how the items roll up into the outcomes. The items, their outcomes and which case types
each applies to come from `config/osri.toml`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from workflow.commands import TEXT_MAX
from workflow.errors import Forbidden, NotAllowed
from workflow.lifecycle import collect
from workflow.states import CaseState

STRENGTH, ANI, NA = "strength", "ani", "na"
RATINGS = (STRENGTH, ANI, NA)
SUBSTANTIALLY, PARTIALLY, NOT_ACHIEVED, NOT_APPLICABLE = ("substantially_achieved", "partially_achieved",
                                                          "not_achieved", "not_applicable")
#: Who rates in which state: the case's assignee of that name. Once QA is complete the ratings are locked.
RATER = {CaseState.ASSIGNED: "reviewer", CaseState.REVIEWED: "reviewer", CaseState.FIRST_QA: "first_qa",
         CaseState.SECOND_QA: "second_qa"}
#: The states whose cases count in reports: they passed second-level QA.
COUNTED_STATES = (CaseState.CB_OVERSIGHT, CaseState.FINALIZED, CaseState.DEIDENTIFIED)


@dataclass(frozen=True)
class Item:
    number: int
    name: str
    outcome: str
    applies_to: frozenset[str]


@dataclass(frozen=True)
class Principle:
    code: str
    label: str
    items: tuple[int, ...]


@dataclass(frozen=True)
class OsriRules:
    items: Mapping[int, Item]
    outcomes: Mapping[str, str]                  # code → label, in order
    principles: Mapping[str, Principle]
    measurement_items: tuple[int, ...]
    z: float

    def applies(self, item: int, case_type: str) -> bool:
        return case_type in self.items[item].applies_to


class Rating(NamedTuple):
    rating: str | None
    rationale: str | None = None


def initial(case_type: str, rules: OsriRules) -> dict[int, Rating]:
    """A case's ratings before anyone rates: items that do not apply to its type are NA, the rest unrated."""
    return {n: Rating(None if rules.applies(n, case_type) else NA) for n in rules.items}


def may_rate(case, actor) -> bool:
    """Whether `actor` is the one who rates the case in its state (what the case page offers)."""
    role = RATER.get(case.state)
    return role is not None and actor.email == getattr(case, role)


def rater(case, actor) -> str:
    """Which of the case's people rates now (the actor must be that one): Forbidden for anyone else;
    NotAllowed (409) once QA is complete, or before the case is assigned."""
    role = RATER.get(case.state)
    if role is None:
        locked = case.state in COUNTED_STATES
        raise NotAllowed("the ratings are locked: QA is complete" if locked else
                         f"the case is {case.state}: it is rated once assigned", {"state": case.state})
    if actor.email != getattr(case, role):
        raise Forbidden(f"in {case.state} only the case's {role.replace('_', ' ')} rates it")
    return role


def changed(current: Mapping[int, Rating], sent: Mapping[str, Mapping], *, case_type: str,
            rules: OsriRules) -> dict[int, Rating]:
    """The ratings `sent` (item number as text → {"rating", "rationale"?}) that differ from `current`, checked:
    ValidationFailed names each bad item. Items not sent keep their rating."""
    problems: dict[str, list[str]] = {}
    found: dict[int, Rating] = {}
    for key, given in sent.items():
        number = int(key) if isinstance(key, str) and key.isdigit() else None
        if number not in rules.items:
            problems[str(key)] = [f"no OSRI item {key}: items are 1 to {max(rules.items)}"]
            continue
        rating = given.get("rating") if isinstance(given, Mapping) else None
        rationale = given.get("rationale") if isinstance(given, Mapping) else None
        if rating not in RATINGS:
            problems[key] = [f"rating must be one of: {', '.join(RATINGS)}"]
        elif rating != NA and not rules.applies(number, case_type):
            problems[key] = [f"item {number} does not apply to a {case_type.replace('_', ' ')} case: it is na"]
        elif rationale is not None and (not isinstance(rationale, str) or len(rationale) > TEXT_MAX):
            problems[key] = [f"the rationale is text of at most {TEXT_MAX} characters"]
        else:
            kept = (rationale.strip() or None) if isinstance(rationale, str) else current[number].rationale
            new = Rating(rating, kept)
            if new != current[number]:
                found[number] = new
    collect(problems)
    return found


def outcome(ratings: Mapping[int, Rating], outcome_code: str, rules: OsriRules) -> str | None:
    """An outcome from its items' ratings: Substantially Achieved when every applicable item is a Strength,
    Not Achieved when every one is an ANI, Partially otherwise (never for a one-item outcome), Not Applicable
    when none applies; None while an item of it is unrated."""
    mine = [ratings[n].rating for n, item in rules.items.items() if item.outcome == outcome_code]
    if any(r is None for r in mine):
        return None
    rated = [r for r in mine if r != NA]
    if not rated:
        return NOT_APPLICABLE
    if all(r == STRENGTH for r in rated):
        return SUBSTANTIALLY
    if all(r == ANI for r in rated):
        return NOT_ACHIEVED
    return PARTIALLY


def outcomes(ratings: Mapping[int, Rating], rules: OsriRules) -> dict[str, str | None]:
    return {code: outcome(ratings, code, rules) for code in rules.outcomes}


def described(number: int, old: Rating, new: Rating) -> str:
    """One change in the words of the case's history: item, old → new, rationale."""
    return f"item {number}: {old.rating or 'unrated'} → {new.rating}" + (f" ({new.rationale})" if new.rationale
                                                                        and new.rationale != old.rationale else "")
