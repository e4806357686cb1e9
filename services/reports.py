"""What the reviews found: item, outcome and practice-model performance over the cases that passed
second-level QA, and the PIP measurement worksheet. Cases count by their case review date."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import date

from services.core import Core
from workflow.pip import Counts, applicable_check, item_line, percent, share_check
from workflow.ratings import ANI, NOT_ACHIEVED, PARTIALLY, STRENGTH, SUBSTANTIALLY, Rating, initial


def _counts(rows) -> dict[int, Counter]:
    """(item, rating, count) rows as each item's counts by rating."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for item, rating, n in rows:
        counts[item][rating] += n
    return counts


def item_report(uow, core: Core, *, review_id: int | None = None, region: str | None = None,
                since: date | None = None, until: date | None = None) -> dict:
    """Per item: applicable cases, Strengths, ANIs and the Strength percentage; per outcome: how many cases
    achieved it substantially, partially or not; per practice-model principle: its items' Strength share.
    Every figure is counted by the database (models.views): no case's ratings are read one by one."""
    filters = {"review_id": review_id, "region": region, "since": since, "until": until}
    rules = core.reference.osri
    cases = sum(n for *_, n in uow.views.counted_by_kind(**filters))
    counts = _counts(uow.views.rating_counts(**filters))
    items = []
    for number in rules.items:
        strength, ani = counts[number][STRENGTH], counts[number][ANI]
        items.append({"item": number, "name": rules.items[number].name, "applicable": strength + ani,
                      "strength": strength, "ani": ani, "strength_percent": percent(strength, strength + ani)})
    achieved: dict[str, Counter] = defaultdict(Counter)
    for code, verdict, n in uow.views.outcome_counts(outcomes=list(rules.outcomes), **filters):
        achieved[code][verdict] += n
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
    return {"cases": cases, "items": items, "outcomes": outcome_rows, "principles": principles}


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _strength_percent(counts: Counter) -> float | None:
    return percent(counts[STRENGTH], counts[STRENGTH] + counts[ANI])


def by_region(uow, core: Core, *, since: date | None = None, until: date | None = None) -> dict[str, dict]:
    """Each region's Strength percentage per item (None where no case applied), for the heat map."""
    counts: dict[str, dict[int, Counter]] = {code: defaultdict(Counter) for code in core.reference.regions}
    for region, item, rating, n in uow.views.rating_counts(by="region", since=since, until=until):
        counts[region][item][rating] += n
    return {code: {item: _strength_percent(counts[code][item]) for item in core.reference.osri.items}
            for code in core.reference.regions}


def _quarterly(uow, **filters) -> dict[tuple[int, int], dict[int, Counter]]:
    """Item counts by rating per calendar quarter of the case review date."""
    counts: dict[tuple[int, int], dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for year, month, item, rating, n in uow.views.rating_counts(by="month", **filters):
        counts[(int(year), (int(month) - 1) // 3 + 1)][item][rating] += n
    return counts


def by_quarter(uow, core: Core, *, region: str | None = None, since: date | None = None,
               until: date | None = None) -> tuple[list[str], dict[int, list[float | None]]]:
    """The quarters with counted cases, and each item's Strength percentage in each, for the trend lines."""
    counts = _quarterly(uow, region=region, since=since, until=until)
    quarters = sorted(counts)
    return ([f"{year}-Q{q}" for year, q in quarters],
            {item: [_strength_percent(counts[q][item]) for q in quarters] for item in core.reference.osri.items})


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
    base = {"since": baseline_start, "until": baseline_end}
    measure = {"since": measure_start, "until": measure_end}
    base_counts, measure_counts = _counts(uow.views.rating_counts(**base)), _counts(uow.views.rating_counts(**measure))
    by_quarter = _quarterly(uow, **measure)
    quarters = sorted(by_quarter)

    def counted(counts, item) -> Counts:
        return Counts(counts[item][STRENGTH] + counts[item][ANI], counts[item][STRENGTH])

    lines, applicable = [], []
    for item in rules.measurement_items:
        per_quarter = [_strength_percent(by_quarter[q][item]) for q in quarters]
        line = item_line(item, counted(base_counts, item), counted(measure_counts, item), z=rules.z,
                         overlap_months=overlap_months, quarters=per_quarter)
        lines.append({**asdict(line), "name": rules.items[item].name,
                      "quarters": [{"quarter": f"{year}-Q{q}", "measured": m}
                                   for (year, q), m in zip(quarters, per_quarter)]})
        applicable.append(applicable_check(item, counted(base_counts, item), counted(measure_counts, item)))
    kinds = {name: uow.views.counted_by_kind(**period) for name, period in (("baseline", base), ("measure", measure))}
    metro: dict[str, Counter] = {}
    types: dict[str, Counter] = {}
    for name, rows in kinds.items():
        metro[name], types[name] = Counter(), Counter()
        for region, case_type, n in rows:
            metro[name]["metro" if regions[region].metro else "other"] += n
            types[name][case_type] += n
    type_checks = {t: share_check(types["baseline"], types["measure"], t) for t in ("foster_care", "in_home")}
    return {"items": lines, "checks": {
        "applicable_cases": applicable,
        "metro_share": {**share_check(metro["baseline"], metro["measure"], "metro"),
                        "regions": sorted(code for code, r in regions.items() if r.metro)},
        "case_type_share": {**type_checks, "ok": all(c["ok"] is not False for c in type_checks.values())},
    }, "cases": {name: sum(n for *_, n in rows) for name, rows in kinds.items()}}
