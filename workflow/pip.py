"""The Program Improvement Plan's measurement (the procedures' goal worksheet and its notes): per item the
baseline, its sampling error at 80 % confidence, the goal and the goal adjusted for the months the baseline
and the PIP period overlap, the measured performance and whether the goal is met; and the tolerance checks
the Children's Bureau applies before it accepts a measurement. Percentages are 0–100, unrounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: A measurement needs at least this share of the baseline's applicable cases (a 2 % tolerance).
APPLICABLE_SHARE = 0.98
#: The share of metropolitan cases, and of each case type, stays within this many points of the baseline's.
SHARE_TOLERANCE = 5.0
#: A goal above this is met once performance stayed above the baseline this many quarters running.
HIGH_GOAL, QUARTERS_RUNNING = 90.0, 3
#: The overlap adjustment reduces the sampling error by up to half, over up to this many months.
OVERLAP_MONTHS = 12


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100 * part / whole


def sampling_error(strength: int, applicable: int, z: float) -> float | None:
    """Z·√(p(1−p)/n), in percentage points."""
    if applicable == 0:
        return None
    p = strength / applicable
    return 100 * z * math.sqrt(p * (1 - p) / applicable)


def adjusted(baseline: float, error: float, overlap_months: int) -> float:
    """The goal for `overlap_months` of overlap: the sampling error reduced by up to a half."""
    return baseline + error * (1 - 0.5 * min(max(overlap_months, 0), OVERLAP_MONTHS) / OVERLAP_MONTHS)


def three_quarters_above(quarters: Sequence[float | None], baseline: float) -> bool:
    """Performance above the baseline in three consecutive quarters (a quarter with no case breaks the run)."""
    running = 0
    for measured in quarters:
        running = running + 1 if measured is not None and measured > baseline else 0
        if running >= QUARTERS_RUNNING:
            return True
    return False


@dataclass(frozen=True)
class Counts:
    applicable: int
    strength: int


@dataclass(frozen=True)
class ItemLine:
    item: int
    applicable: int
    strength: int
    baseline: float | None
    sampling_error: float | None
    goal: float | None
    adjusted_goal: float | None
    measure_applicable: int
    measure_strength: int
    measured: float | None
    met: bool | None
    met_by_quarters: bool = False    # met by the three-quarter rule rather than the adjusted goal


def item_line(item: int, base: Counts, measure: Counts, *, z: float, overlap_months: int,
              quarters: Sequence[float | None] = ()) -> ItemLine:
    baseline, error = percent(base.strength, base.applicable), sampling_error(base.strength, base.applicable, z)
    goal = None if baseline is None else baseline + error
    goal_adjusted = None if baseline is None else adjusted(baseline, error, overlap_months)
    measured = percent(measure.strength, measure.applicable)
    by_quarters = goal is not None and goal > HIGH_GOAL and three_quarters_above(quarters, baseline)
    met = None if measured is None or goal_adjusted is None else (measured >= goal_adjusted or by_quarters)
    return ItemLine(item, base.applicable, base.strength, baseline, error, goal, goal_adjusted, measure.applicable,
                    measure.strength, measured, met, bool(by_quarters and met and measured < goal_adjusted))


def applicable_check(item: int, base: Counts, measure: Counts) -> dict:
    minimum = APPLICABLE_SHARE * base.applicable
    return {"item": item, "baseline": base.applicable, "measure": measure.applicable, "minimum": minimum,
            "ok": measure.applicable >= minimum}


def share_check(base: Mapping[str, int], measure: Mapping[str, int], key: str) -> dict:
    """The share of `key` among the cases, in the baseline and the measurement, within ±5 points."""
    shares = [percent(counts.get(key, 0), sum(counts.values())) for counts in (base, measure)]
    ok = None if None in shares else abs(shares[1] - shares[0]) <= SHARE_TOLERANCE
    return {"baseline": shares[0], "measure": shares[1], "ok": ok}
