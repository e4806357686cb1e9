"""Clock rules: when a deadline falls due, in the agency's time zone.

Hour clocks are exact elapsed time (a 24-hour clock across a DST night is 24 real hours).
Day clocks count calendar (or business) days from the start's local date and end at
23:59:59 local on the last day. Month clocks end on the same day of a later month, or that
month's last day when it has no such day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

END_OF_DAY = time(23, 59, 59)


class Unit(StrEnum):
    HOURS = "hours"
    DAYS = "days"
    MONTHS = "months"


@dataclass(frozen=True)
class ClockRule:
    name: str
    length: int
    unit: Unit
    business_days: bool = False
    reminders: tuple[timedelta, ...] = ()
    overdue: tuple[timedelta, ...] = ()
    escalate_to: tuple[str, ...] = ()
    label: str = ""
    #: The case trigger the sweep fires by itself once the clock is due (None: people act, the sweep reminds).
    fires: str | None = None


@dataclass(frozen=True)
class AgencyCalendar:
    tz: ZoneInfo
    holidays: frozenset[date] = frozenset()

    def local_date(self, moment: datetime | date) -> date:
        if isinstance(moment, datetime):
            return moment.astimezone(self.tz).date()
        return moment

    def end_of_day(self, day: date) -> datetime:
        """23:59:59 local on `day`, as a UTC instant."""
        return datetime.combine(day, END_OF_DAY, tzinfo=self.tz).astimezone(UTC)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_business_days(self, day: date, n: int) -> date:
        while n > 0:
            day += timedelta(days=1)
            if self.is_business_day(day):
                n -= 1
        return day


def add_months(day: date, months: int) -> date:
    """Same day `months` later, or that month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_at(rule: ClockRule, start: datetime | date, cal: AgencyCalendar) -> datetime:
    """The UTC instant a clock of `rule` started at `start` falls due."""
    if rule.unit is Unit.HOURS:
        if not isinstance(start, datetime):
            raise TypeError("an hour clock starts at an instant, not a date")
        return start.astimezone(UTC) + timedelta(hours=rule.length)
    first = cal.local_date(start)
    if rule.unit is Unit.MONTHS:
        return cal.end_of_day(add_months(first, rule.length))
    if rule.business_days:
        return cal.end_of_day(cal.add_business_days(first, rule.length))
    return cal.end_of_day(first + timedelta(days=rule.length))


_OFFSET = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")


def parse_offset(text: str) -> timedelta:
    """'3d', '4h', '30m' -> a timedelta (config's notation for reminder offsets)."""
    match = _OFFSET.match(text)
    if not match:
        raise ValueError(f"bad offset {text!r}: use a number followed by d, h or m")
    n, unit = int(match[1]), match[2]
    return {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}[unit]
