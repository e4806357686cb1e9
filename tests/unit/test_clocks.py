"""Clock arithmetic in the agency's time zone (America/Chicago)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.unit.domain_fixtures import REFERENCE
from workflow.clocks import AgencyCalendar, ClockRule, Unit, add_months, due_at, parse_offset

CHICAGO = ZoneInfo("America/Chicago")
CAL = AgencyCalendar(CHICAGO, REFERENCE.holidays)
HOURS_24 = ClockRule("safety", 24, Unit.HOURS)


def local(*args):
    return datetime(*args, tzinfo=CHICAGO)


def test_a_24_hour_clock_across_spring_forward_is_24_real_hours():
    start = local(2026, 3, 7, 12, 0)            # CST, the day before the clocks go forward
    due = due_at(HOURS_24, start, CAL)
    assert due - start.astimezone(UTC) == timedelta(hours=24)
    assert due.astimezone(CHICAGO) == local(2026, 3, 8, 13, 0)   # 13:00 CDT on the wall clock


def test_a_24_hour_clock_across_fall_back_is_24_real_hours():
    start = local(2026, 10, 31, 12, 0)          # CDT
    due = due_at(HOURS_24, start, CAL)
    assert due - start.astimezone(UTC) == timedelta(hours=24)
    assert due.astimezone(CHICAGO) == local(2026, 11, 1, 11, 0)  # 11:00 CST on the wall clock


def test_day_clocks_end_at_the_end_of_the_local_day():
    rule = REFERENCE.clocks["finalize"]         # 60 days
    due = due_at(rule, date(2026, 11, 20), CAL)
    assert due.astimezone(CHICAGO) == local(2027, 1, 19, 23, 59, 59)


def test_a_day_clock_counts_from_the_local_date_not_the_utc_one():
    rule = REFERENCE.clocks["deidentify"]       # 14 days
    late_evening = local(2026, 11, 2, 22, 30)   # already 3 November in UTC
    assert due_at(rule, late_evening, CAL).astimezone(CHICAGO) == local(2026, 11, 16, 23, 59, 59)


def test_day_clocks_cross_29_february():
    rule = ClockRule("d", 1, Unit.DAYS)
    assert due_at(rule, date(2028, 2, 28), CAL).astimezone(CHICAGO).date() == date(2028, 2, 29)
    assert due_at(rule, date(2027, 2, 28), CAL).astimezone(CHICAGO).date() == date(2027, 3, 1)


@pytest.mark.parametrize(("start", "end"), [
    (date(2026, 1, 31), date(2026, 2, 28)),
    (date(2028, 1, 31), date(2028, 2, 29)),
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 15), date(2027, 1, 15)),
    (date(2028, 2, 29), date(2028, 3, 29)),
])
def test_the_one_month_clock_ends_the_same_day_next_month_or_its_last_day(start, end):
    due = due_at(REFERENCE.clocks["cb_feedback"], start, CAL)
    assert due.astimezone(CHICAGO) == datetime.combine(end, datetime.max.time().replace(microsecond=0),
                                                       tzinfo=CHICAGO)


def test_business_days_skip_weekends_and_holidays():
    rule = ClockRule("b", 3, Unit.DAYS, business_days=True)
    # Tue 24 Nov 2026 → Wed 25, (Thu 26 Thanksgiving), Fri 27, (weekend), Mon 30
    assert due_at(rule, date(2026, 11, 24), CAL).astimezone(CHICAGO).date() == date(2026, 11, 30)


def test_add_months_backwards():
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 15), -3) == date(2025, 10, 15)


def test_an_hour_clock_needs_an_instant():
    with pytest.raises(TypeError):
        due_at(HOURS_24, date(2026, 1, 1), CAL)


@pytest.mark.parametrize(("text", "delta"), [("3d", timedelta(days=3)), ("4h", timedelta(hours=4)),
                                             ("30m", timedelta(minutes=30)), (" 0h ", timedelta(0))])
def test_reminder_offsets(text, delta):
    assert parse_offset(text) == delta


def test_bad_offsets_are_refused():
    with pytest.raises(ValueError):
        parse_offset("3 weeks")
