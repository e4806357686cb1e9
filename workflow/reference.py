"""Reference data read from `config/`: regions, the review calendar, sample sizes, clocks, codes.

Another state changes these files, not the code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from workflow.case_people import InterviewRules, Requirement
from workflow.clocks import AgencyCalendar, ClockRule, Unit, parse_offset
from workflow.ratings import Item, OsriRules, Principle
from workflow.roles import Role


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    metro: bool = False


@dataclass(frozen=True)
class ConcernType:
    code: str
    label: str
    clock: str


@dataclass(frozen=True)
class Reference:
    regions: dict[str, Region]
    calendar: dict[int, tuple[str, ...]]
    sample_period_months: int
    sample_sizes: dict[str, dict[str, int]]   # by kind of review, then case type
    worker_cap: int
    elimination_reasons: dict[str, str]
    clocks: dict[str, ClockRule]
    holidays: frozenset[date]
    concern_types: dict[str, ConcernType]
    case_people: InterviewRules
    osri: OsriRules

    def agency_calendar(self, timezone: str) -> AgencyCalendar:
        return AgencyCalendar(ZoneInfo(timezone), self.holidays)

    def concern_clock(self, concern_type: str) -> ClockRule:
        return self.clocks[self.concern_types[concern_type].clock]


def _read(folder: Path, name: str) -> dict:
    with (folder / name).open("rb") as f:
        return tomllib.load(f)


def _case_people(people: dict) -> InterviewRules:
    roles = dict(people["roles"])
    required = {case_type: tuple(Requirement(r["what"], tuple(r["roles"]), bool(r["each"]), bool(r["needed"]))
                                 for r in rows) for case_type, rows in people["required"].items()}
    for case_type, rows in required.items():
        for requirement in rows:
            if unknown := set(requirement.roles) - set(roles):
                raise ValueError(f"case_people.toml: required.{case_type} names unknown roles {sorted(unknown)}")
    return InterviewRules(roles=roles, required=required, acceptable=dict(people["exceptions"]["acceptable"]),
                          refused=dict(people["exceptions"]["refused"]),
                          common_words=frozenset(people.get("names", {}).get("common_words", [])))


def _osri(osri: dict) -> OsriRules:
    outcomes = dict(osri["outcomes"])
    types = ["foster_care", "in_home"]
    items = {int(n): Item(int(n), i["name"], i["outcome"], frozenset(i.get("applies_to", types)))
             for n, i in osri["items"].items()}
    for item in items.values():
        if item.outcome not in outcomes:
            raise ValueError(f"osri.toml: item {item.number} names unknown outcome {item.outcome!r}")
    principles = {code: Principle(code, p["label"], tuple(p["items"])) for code, p in osri["principles"].items()}
    for code, principle in principles.items():
        if unknown := set(principle.items) - set(items):
            raise ValueError(f"osri.toml: principle {code} names unknown items {sorted(unknown)}")
    measured = tuple(osri["measurement_items"])
    if unknown := set(measured) - set(items):
        raise ValueError(f"osri.toml: measurement_items names unknown items {sorted(unknown)}")
    return OsriRules(items=dict(sorted(items.items())), outcomes=outcomes, principles=principles,
                     measurement_items=measured, z=float(osri["z"]))


def load_reference(folder: Path) -> Reference:
    """Read and check every reference file; a mistake names the file and the entry."""
    regions = _read(folder, "regions.toml")
    sampling = _read(folder, "sampling.toml")
    clocks = _read(folder, "clocks.toml")
    concerns = _read(folder, "concerns.toml")
    region_map = {r["code"]: Region(r["code"], r["name"], r.get("metro", False)) for r in regions["regions"]}
    calendar = {int(month): tuple(codes) for month, codes in regions["calendar"].items()}
    for month, codes in calendar.items():
        unknown = set(codes) - set(region_map)
        if unknown or not 1 <= month <= 12:
            raise ValueError(f"regions.toml: calendar month {month} names unknown regions {sorted(unknown)}")
    rules = {
        name: ClockRule(
            name=name, length=int(c["length"]), unit=Unit(c["unit"]), business_days=c.get("business_days", False),
            reminders=tuple(parse_offset(o) for o in c.get("reminders", [])),
            overdue=tuple(parse_offset(o) for o in c.get("overdue", [])),
            escalate_to=tuple(Role(r) for r in c.get("escalate_to", [])),
            label=c.get("label", name.replace("_", " ")),
            fires=c.get("fires"),
        )
        for name, c in clocks["clocks"].items()
    }
    worker_cap = int(sampling["worker_cap"])
    if not 2 <= worker_cap <= 3:
        raise ValueError("sampling.toml: worker_cap must be 2 or 3")
    types = {code: ConcernType(code, t["label"], t["clock"]) for code, t in concerns["types"].items()}
    for t in types.values():
        if t.clock not in rules:
            raise ValueError(f"concerns.toml: type {t.code} uses unknown clock {t.clock!r}")
    return Reference(
        regions=region_map,
        calendar=calendar,
        sample_period_months=int(sampling["sample_period_months"]),
        sample_sizes={kind: {t: int(n) for t, n in sizes.items()} for kind, sizes in sampling["sample_size"].items()},
        worker_cap=worker_cap,
        elimination_reasons=dict(_read(folder, "eliminations.toml")["reasons"]),
        clocks=rules,
        holidays=frozenset(date.fromisoformat(d) for d in clocks.get("holidays", {}).get("dates", [])),
        concern_types=types,
        case_people=_case_people(_read(folder, "case_people.toml")),
        osri=_osri(_read(folder, "osri.toml")),
    )
