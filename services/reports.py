"""What the reviews found: item, outcome and practice-model performance over the cases that passed
second-level QA, and the PIP measurement worksheet. Cases count by their case review date.

Every figure comes from tallies the database makes in one pass over the counted cases (models.views
`tallies`: how many cases, each item's Strengths and ANIs, each outcome's verdicts, per group asked for);
here they are only added up and turned into percentages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

from services.core import Core
from workflow.pip import Counts, applicable_check, item_line, percent, share_check
from workflow.ratings import NOT_ACHIEVED, PARTIALLY, SUBSTANTIALLY, Rating, initial

VERDICTS = (SUBSTANTIALLY, PARTIALLY, NOT_ACHIEVED)


class _Sum:
    """Tallies added up: cases, and per item (Strengths, ANIs), per outcome its verdicts."""

    def __init__(self, tallies: Iterable = ()):
        self.cases = 0
        self.items: Counter = Counter()        # (item, "strength" | "ani") → n
        self.outcomes: Counter = Counter()     # (outcome index, verdict) → n
        for tally in tallies:
            self.add(tally)

    def add(self, tally) -> None:
        self.cases += tally.cases
        for number, (strength, ani) in enumerate(tally.items, start=1):
            self.items[number, "strength"] += strength
            self.items[number, "ani"] += ani
        for index, counts in enumerate(tally.outcomes):
            for verdict, n in zip(VERDICTS, counts):
                self.outcomes[index, verdict] += n

    def counts(self, item: int) -> Counts:
        strength = self.items[item, "strength"]
        return Counts(strength + self.items[item, "ani"], strength)

    def strength_percent(self, item: int) -> float | None:
        counted = self.counts(item)
        return percent(counted.strength, counted.applicable)


def _tallies(uow, core: Core, by: tuple[str, ...] = (), *, items: int | None = None, outcomes: bool = True,
             **filters):
    """The tallies of every item (or the first `items`) and, unless told not to, of every outcome."""
    rules = core.reference.osri
    return uow.views.tallies(by=by, items=items or max(rules.items), outcomes=len(rules.outcomes) if outcomes else 0,
                             **filters)


def item_report(uow, core: Core, *, review_id: int | None = None, region: str | None = None,
                since: date | None = None, until: date | None = None) -> dict:
    """Per item: applicable cases, Strengths, ANIs and the Strength percentage; per outcome: how many cases
    achieved it substantially, partially or not; per practice-model principle: its items' Strength share."""
    rules = core.reference.osri
    total = _Sum(_tallies(uow, core, review_id=review_id, region=region, since=since, until=until))
    items = []
    for n, item in rules.items.items():
        counted = total.counts(n)
        items.append({"item": n, "name": item.name, "applicable": counted.applicable, "strength": counted.strength,
                      "ani": counted.applicable - counted.strength, "strength_percent": total.strength_percent(n)})
    outcome_rows = [{"outcome": code, "label": label,
                     "applicable": sum(total.outcomes[index, v] for v in VERDICTS),
                     **{v: total.outcomes[index, v] for v in VERDICTS}}
                    for index, (code, label) in enumerate(rules.outcomes.items())]
    principles = []
    for principle in rules.principles.values():
        strength = sum(total.counts(n).strength for n in principle.items)
        applicable = sum(total.counts(n).applicable for n in principle.items)
        principles.append({"principle": principle.code, "label": principle.label, "items": list(principle.items),
                           "applicable": applicable, "strength": strength,
                           "strength_percent": percent(strength, applicable)})
    return {"cases": total.cases, "items": items, "outcomes": outcome_rows, "principles": principles}


def by_region(uow, core: Core, *, since: date | None = None, until: date | None = None) -> dict[str, dict]:
    """Each region's Strength percentage per item (None where no case applied), for the heat map."""
    sums = {code: _Sum() for code in core.reference.regions}
    for tally in _tallies(uow, core, by=("region",), since=since, until=until):
        sums[tally.keys[0]].add(tally)
    return {code: {item: sums[code].strength_percent(item) for item in core.reference.osri.items}
            for code in core.reference.regions}


def _quarters(uow, tallies) -> dict[int, tuple[int, int]]:
    """The calendar quarter of each tallied review (its cases' review dates fall in its month)."""
    return {review_id: (month.year, (month.month - 1) // 3 + 1)
            for review_id, month in uow.views.review_months(t.keys[0] for t in tallies).items()}


def by_quarter(uow, core: Core, *, region: str | None = None, since: date | None = None,
               until: date | None = None) -> tuple[list[str], dict[int, list[float | None]]]:
    """The quarters with counted cases, and each item's Strength percentage in each, for the trend lines."""
    sums: dict[tuple[int, int], _Sum] = defaultdict(_Sum)
    tallies = _tallies(uow, core, by=("review",), region=region, since=since, until=until)
    quarter_of = _quarters(uow, tallies)
    for tally in tallies:
        sums[quarter_of[tally.keys[0]]].add(tally)
    quarters = sorted(sums)
    return ([f"{year}-Q{q}" for year, q in quarters],
            {item: [sums[q].strength_percent(item) for q in quarters] for item in core.reference.osri.items})


def flat_export(uow, core: Core, **filters) -> list[dict]:
    """Every counted case × item with its rating and rationale, like the federal system's analysis export."""
    cases = uow.views.counted_cases(**filters)
    ratings = {c.id: initial(c.case_type, core.reference.osri) for c in cases}
    for line in uow.views.rated(**filters):
        ratings[line.case_id][line.item] = Rating(line.rating, line.rationale)
    rules = core.reference.osri
    return [{"case_id": c.id, "case_number": c.case_number, "case_type": c.case_type, "region": c.region,
             "review_id": c.review_id, "review_date": c.review_date, "item": item,
             "outcome": rules.items[item].outcome, "rating": r.rating, "rationale": r.rationale}
            for c in cases for item, r in ratings[c.id].items()]


def pip_worksheet(uow, core: Core, *, baseline_start: date, baseline_end: date, measure_start: date,
                  measure_end: date, overlap_months: int = 0) -> dict:
    """The PIP measurement worksheet for the configured measurement items, with its tolerance checks."""
    rules, regions = core.reference.osri, core.reference.regions
    by, measured = ("review", "region", "case_type"), max(rules.measurement_items)   # no outcome: half the work
    base_tallies = _tallies(uow, core, by=by, items=measured, outcomes=False, since=baseline_start, until=baseline_end)
    measure_tallies = _tallies(uow, core, by=by, items=measured, outcomes=False, since=measure_start,
                               until=measure_end)
    base, measure = _Sum(base_tallies), _Sum(measure_tallies)
    by_quarter: dict[tuple[int, int], _Sum] = defaultdict(_Sum)
    quarter_of = _quarters(uow, measure_tallies)
    for tally in measure_tallies:
        by_quarter[quarter_of[tally.keys[0]]].add(tally)
    quarters = sorted(by_quarter)
    lines, applicable = [], []
    for item in rules.measurement_items:
        per_quarter = [by_quarter[q].strength_percent(item) for q in quarters]
        line = item_line(item, base.counts(item), measure.counts(item), z=rules.z, overlap_months=overlap_months,
                         quarters=per_quarter)
        lines.append({**asdict(line), "name": rules.items[item].name,
                      "quarters": [{"quarter": f"{year}-Q{q}", "measured": m}
                                   for (year, q), m in zip(quarters, per_quarter)]})
        applicable.append(applicable_check(item, base.counts(item), measure.counts(item)))
    metro: dict[str, Counter] = {"baseline": Counter(), "measure": Counter()}
    types: dict[str, Counter] = {"baseline": Counter(), "measure": Counter()}
    for name, tallies in (("baseline", base_tallies), ("measure", measure_tallies)):
        for tally in tallies:
            region, case_type = tally.keys[1], tally.keys[2]
            metro[name]["metro" if regions[region].metro else "other"] += tally.cases
            types[name][case_type] += tally.cases
    type_checks = {t: share_check(types["baseline"], types["measure"], t) for t in ("foster_care", "in_home")}
    return {"items": lines, "checks": {
        "applicable_cases": applicable,
        "metro_share": {**share_check(metro["baseline"], metro["measure"], "metro"),
                        "regions": sorted(code for code, r in regions.items() if r.metro)},
        "case_type_share": {**type_checks, "ok": all(c["ok"] is not False for c in type_checks.values())},
    }, "cases": {"baseline": base.cases, "measure": measure.cases}}
