"""What the reviews found: item, outcome and practice-model performance over the cases that passed
second-level QA, and the PIP measurement worksheet. Cases count by their case review date."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

from services.core import Core
from workflow.pip import Counts, applicable_check, item_line, percent, share_check
from workflow.ratings import ANI, NOT_ACHIEVED, PARTIALLY, STRENGTH, SUBSTANTIALLY, Rating, initial, outcomes


def _by_case(core: Core, cases, rated) -> dict[int, dict[int, Rating]]:
    """Each counted case's ratings: its stored ones over the defaults of its type."""
    rules = core.reference.osri
    ratings = {c.id: initial(c.case_type, rules) for c in cases}
    for line in rated:
        ratings[line.case_id][line.item] = Rating(line.rating, line.rationale)
    return ratings


def _item_counts(ratings: Iterable[dict[int, Rating]]) -> dict[int, Counter]:
    counts: dict[int, Counter] = defaultdict(Counter)
    for case in ratings:
        for item, r in case.items():
            counts[item][r.rating] += 1
    return counts


def item_report(uow, core: Core, *, review_id: int | None = None, region: str | None = None,
                since: date | None = None, until: date | None = None) -> dict:
    """Per item: applicable cases, Strengths, ANIs and the Strength percentage; per outcome: how many cases
    achieved it substantially, partially or not; per practice-model principle: its items' Strength share."""
    filters = {"review_id": review_id, "region": region, "since": since, "until": until}
    cases = uow.views.counted_cases(**filters)
    ratings = _by_case(core, cases, uow.views.rated(**filters))
    rules = core.reference.osri
    counts = _item_counts(ratings.values())
    items = []
    for number in rules.items:
        strength, ani = counts[number][STRENGTH], counts[number][ANI]
        items.append({"item": number, "name": rules.items[number].name, "applicable": strength + ani,
                      "strength": strength, "ani": ani, "strength_percent": percent(strength, strength + ani)})
    achieved: dict[str, Counter] = defaultdict(Counter)
    for case in ratings.values():
        for code, value in outcomes(case, rules).items():
            achieved[code][value] += 1
    outcome_rows = [{"outcome": code, "label": label,
                     "applicable": sum(achieved[code][v] for v in (SUBSTANTIALLY, PARTIALLY, NOT_ACHIEVED)),
                     **{v: achieved[code][v] for v in (SUBSTANTIALLY, PARTIALLY, NOT_ACHIEVED)}}
                    for code, label in rules.outcomes.items()]
    principles = []
    for principle in rules.principles.values():
        strength = sum(counts[n][STRENGTH] for n in principle.items)
        applicable = strength + sum(counts[n][ANI] for n in principle.items)
        principles.append({"principle": principle.code, "label": principle.label, "items": list(principle.items),
                           "applicable": applicable, "strength": strength,
                           "strength_percent": percent(strength, applicable)})
    return {"cases": len(cases), "items": items, "outcomes": outcome_rows, "principles": principles}


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _strength_percent(counts: Counter) -> float | None:
    return percent(counts[STRENGTH], counts[STRENGTH] + counts[ANI])


def by_region(uow, core: Core, *, since: date | None = None, until: date | None = None) -> dict[str, dict]:
    """Each region's Strength percentage per item (None where no case applied), for the heat map."""
    cases = uow.views.counted_cases(since=since, until=until)
    ratings = _by_case(core, cases, uow.views.rated(since=since, until=until))
    region_of = {c.id: c.region for c in cases}
    counts = {code: _item_counts(r for case_id, r in ratings.items() if region_of[case_id] == code)
              for code in core.reference.regions}
    return {code: {item: _strength_percent(counts[code][item]) for item in core.reference.osri.items}
            for code in core.reference.regions}


def by_quarter(uow, core: Core, *, region: str | None = None, since: date | None = None,
               until: date | None = None) -> tuple[list[str], dict[int, list[float | None]]]:
    """The quarters with counted cases, and each item's Strength percentage in each, for the trend lines."""
    cases = [c for c in uow.views.counted_cases(region=region, since=since, until=until) if c.review_date]
    ratings = _by_case(core, cases, uow.views.rated(region=region, since=since, until=until))
    quarters = sorted({_quarter(c.review_date) for c in cases})
    counts = {q: _item_counts(ratings[c.id] for c in cases if _quarter(c.review_date) == q) for q in quarters}
    return ([f"{year}-Q{q}" for year, q in quarters],
            {item: [_strength_percent(counts[q][item]) for q in quarters] for item in core.reference.osri.items})


def flat_export(uow, core: Core, **filters) -> list[dict]:
    """Every counted case × item with its rating and rationale, like the federal system's analysis export."""
    cases = uow.views.counted_cases(**filters)
    ratings = _by_case(core, cases, uow.views.rated(**filters))
    rules = core.reference.osri
    return [{"case_id": c.id, "case_number": c.case_number, "case_type": c.case_type, "region": c.region,
             "review_id": c.review_id, "review_date": c.review_date, "item": item,
             "outcome": rules.items[item].outcome, "rating": r.rating, "rationale": r.rationale}
            for c in cases for item, r in ratings[c.id].items()]


def pip_worksheet(uow, core: Core, *, baseline_start: date, baseline_end: date, measure_start: date,
                  measure_end: date, overlap_months: int = 0) -> dict:
    """The PIP measurement worksheet for the configured measurement items, with its tolerance checks."""
    rules, regions = core.reference.osri, core.reference.regions
    periods = {"baseline": (baseline_start, baseline_end), "measure": (measure_start, measure_end)}
    found = {}
    for name, (start, end) in periods.items():
        cases = uow.views.counted_cases(since=start, until=end)
        found[name] = (cases, _by_case(core, cases, uow.views.rated(since=start, until=end)))
    (base_cases, base), (measure_cases, measure) = found["baseline"], found["measure"]
    base_counts, measure_counts = _item_counts(base.values()), _item_counts(measure.values())
    quarters = sorted({_quarter(c.review_date) for c in measure_cases if c.review_date})
    by_quarter: dict[tuple[int, int], list[dict[int, Rating]]] = defaultdict(list)
    for case in measure_cases:
        if case.review_date:
            by_quarter[_quarter(case.review_date)].append(measure[case.id])
    quarter_counts = {q: _item_counts(by_quarter[q]) for q in quarters}

    def counted(counts, item) -> Counts:
        return Counts(counts[item][STRENGTH] + counts[item][ANI], counts[item][STRENGTH])

    lines, applicable = [], []
    for item in rules.measurement_items:
        per_quarter = [percent(counted(quarter_counts[q], item).strength, counted(quarter_counts[q], item).applicable)
                       for q in quarters]
        line = item_line(item, counted(base_counts, item), counted(measure_counts, item), z=rules.z,
                         overlap_months=overlap_months, quarters=per_quarter)
        lines.append({**asdict(line), "name": rules.items[item].name,
                      "quarters": [{"quarter": f"{year}-Q{q}", "measured": m}
                                   for (year, q), m in zip(quarters, per_quarter)]})
        applicable.append(applicable_check(item, counted(base_counts, item), counted(measure_counts, item)))

    def metro(cases) -> Counter:
        return Counter("metro" if regions[c.region].metro else "other" for c in cases)

    def types(cases) -> Counter:
        return Counter(c.case_type for c in cases)

    type_checks = {t: share_check(types(base_cases), types(measure_cases), t) for t in ("foster_care", "in_home")}
    return {"items": lines, "checks": {
        "applicable_cases": applicable,
        "metro_share": {**share_check(metro(base_cases), metro(measure_cases), "metro"),
                        "regions": sorted(code for code, r in regions.items() if r.metro)},
        "case_type_share": {**type_checks, "ok": all(c["ok"] is not False for c in type_checks.values())},
    }, "cases": {"baseline": len(base_cases), "measure": len(measure_cases)}}

