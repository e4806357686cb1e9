"""Sample periods and periods under review (PUR), in real calendar dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from workflow.clocks import add_months


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def first_of_month(text: str) -> date:
    """'YYYY-MM' -> the first day of that month; ValueError otherwise."""
    year, _, month = text.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError("review month must be YYYY-MM")
    return date(int(year), int(month), 1)


def sample_period(review_month: date, months: int = 6, start: date | None = None) -> Period:
    """Six calendar months from the first day of the review month one year earlier (or `start`)."""
    start = start or review_month.replace(year=review_month.year - 1)
    return Period(start, add_months(start, months) - timedelta(days=1))


def in_review_month(day: date, review_month: date) -> bool:
    return (day.year, day.month) == (review_month.year, review_month.month)

