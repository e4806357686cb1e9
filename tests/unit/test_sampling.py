"""The draw: who is in the frame, who is eliminated at once and why, the seeded order, the worker cap."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.review_calendar import Period, sample_period
from workflow.sampling import (CustodyEpisode, InHomeCase, Rules, SampleRole, adult_if_born_before, draw,
                               eighteenth_birthday,
                               next_replacement, open_days, period_under_review_at_draw)

JAN_2019 = date(2019, 1, 1)
PERIOD = sample_period(date(2019, 1, 1))                 # 2018-01-01 .. 2018-06-30
PUR = period_under_review_at_draw(PERIOD, JAN_2019)    # 2018-01-01 .. 2019-01-31


def episode(child, start, end=None, case=None, born=None, worker="W1"):
    return CustodyEpisode(child, case or f"C-{child}", start, end, born, worker)


def home(case, start, end=None, children=(), worker="W1", service="In-Home"):
    return InHomeCase(case, start, end, service, tuple(children), worker)


def rules(fc=15, ih=10, cap=3, drawn=()):
    return Rules(period=PERIOD, pur=PUR, sizes={"foster_care": fc, "in_home": ih}, worker_cap=cap,
                 drawn_before=frozenset(drawn))


def entries_of(result, case_type=None):
    return [e for e in result.entries if case_type is None or e.case_type == case_type]


@pytest.mark.parametrize(("month", "start", "end"), [
    (date(2019, 1, 1), date(2018, 1, 1), date(2018, 6, 30)),
    (date(2019, 9, 1), date(2018, 9, 1), date(2019, 2, 28)),
    (date(2020, 9, 1), date(2019, 9, 1), date(2020, 2, 29)),     # a leap year's February
    (date(2021, 3, 1), date(2020, 3, 1), date(2020, 8, 31)),
])
def test_the_sample_period_is_six_calendar_months_from_the_review_month_a_year_before(month, start, end):
    assert sample_period(month) == Period(start, end)


def test_every_review_month_of_two_years_gives_six_months_ending_the_day_before_the_seventh():
    for year in (2027, 2028):
        for m in range(1, 13):
            period = sample_period(date(year, m, 1))
            assert period.start == date(year - 1, m, 1) and (period.end + timedelta(days=1)).day == 1
            assert (period.end.year - period.start.year) * 12 + period.end.month - period.start.month == 5


def test_the_start_may_be_overridden_and_the_end_follows_it():
    assert sample_period(date(2019, 1, 1), start=date(2018, 2, 15)) == Period(date(2018, 2, 15), date(2018, 8, 14))


def test_at_draw_time_the_pur_ends_on_the_last_day_of_the_review_month():
    assert PUR == Period(date(2018, 1, 1), date(2019, 1, 31))
    assert period_under_review_at_draw(sample_period(date(2020, 2, 1)), date(2020, 2, 1)).end == date(2020, 2, 29)


def test_custody_ending_exactly_on_the_period_start_is_outside_the_frame_and_a_day_later_inside():
    result = draw(episodes=[episode("A", date(2017, 5, 1), PERIOD.start), episode("B", date(2017, 5, 1),
                                                                                   PERIOD.start + timedelta(days=1)),
                            episode("C", PERIOD.end), episode("D", PERIOD.end + timedelta(days=1))],
                  in_home=[], custody_by_child={}, rules=rules(), seed=1)
    assert sorted(e.key for e in result.entries) == ["B", "C"]


def test_a_child_with_several_episodes_is_one_entry_named_by_its_latest_episode():
    result = draw(episodes=[episode("A", date(2017, 1, 1), date(2018, 2, 1), case="OLD"),
                            episode("A", date(2018, 4, 1), case="NEW")], in_home=[], custody_by_child={},
                  rules=rules(), seed=1)
    [entry] = result.entries
    assert (entry.key, entry.case_number, entry.child_id) == ("A", "NEW", "A")


def test_only_in_home_services_open_in_the_period_are_in_the_in_home_frame():
    cases = [home("I1", date(2017, 1, 1), PERIOD.start), home("I2", date(2017, 1, 1), PERIOD.start - timedelta(1)),
             home("I3", PERIOD.end), home("I4", PERIOD.start, service="Adoption")]
    assert sorted(e.key for e in draw(episodes=[], in_home=cases, custody_by_child={}, rules=rules(),
                                      seed=1).entries) == ["I1", "I3"]


@pytest.mark.parametrize(("start", "end", "days", "eliminated"), [
    (date(2018, 6, 1), date(2018, 7, 14), 44, True),
    (date(2018, 6, 1), date(2018, 7, 15), 45, False),            # the 45th day: kept
    (date(2018, 6, 20), None, 56, False),                         # open: counted to 45 days after the period
    (date(2017, 1, 1), date(2018, 2, 13), 44, True),              # counted from the period's start
])
def test_an_in_home_case_open_fewer_than_45_days_is_eliminated(start, end, days, eliminated):
    case = home("I", start, end)
    assert open_days(case, PERIOD) == days
    [entry] = draw(episodes=[], in_home=[case], custody_by_child={}, rules=rules(), seed=1).entries
    assert (entry.reason == "ih_open_under_45_days") is eliminated


@pytest.mark.parametrize(("start", "end", "reason", "flagged"), [
    (date(2018, 3, 1), date(2018, 3, 3), "ih_child_in_foster_care", False),   # two days: more than 24 hours
    (date(2018, 3, 1), None, "ih_child_in_foster_care", False),               # still open
    (date(2018, 3, 1), date(2018, 3, 2), None, True),                         # one day: flagged for screening
    (date(2016, 1, 1), date(2017, 1, 1), None, False),                        # before the PUR
])
def test_an_in_home_case_with_a_child_in_foster_care_more_than_24_hours_is_eliminated(start, end, reason, flagged):
    kid = episode("K", start, end)
    [entry] = [e for e in draw(episodes=[], in_home=[home("I", date(2018, 1, 1), children=["K"])],
                               custody_by_child={"K": [kid]}, rules=rules(), seed=1).entries]
    assert entry.reason == reason and (entry.flag is not None) is flagged


def test_a_child_whose_18th_birthday_is_the_day_before_the_pur_is_eliminated_and_on_the_day_kept():
    before = date(2000, 1, 1) - timedelta(days=1)                 # 18 on 2017-12-31
    result = draw(episodes=[episode("A", date(2017, 6, 1), born=before), episode("B", date(2017, 6, 1),
                                                                                  born=date(2000, 1, 1))],
                  in_home=[], custody_by_child={}, rules=rules(), seed=1)
    reasons = {e.key: e.reason for e in result.entries}
    assert reasons == {"A": "target_child_reached_18", "B": None}
    assert eighteenth_birthday(date(2004, 2, 29)) == date(2022, 3, 1)


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2090, 12, 31)),
       st.one_of(st.integers(-3, 3), st.integers(-400, 400)))
def test_the_adult_birth_date_cutoff_agrees_with_the_birthday_itself(day, offset):
    """The draw compares birth dates with one cutoff instead of working out each child's birthday; for every
    birth date, 29 February included, both say the same."""
    born = adult_if_born_before(day) + timedelta(days=offset)
    assert (eighteenth_birthday(born) < day) == (born < adult_if_born_before(day))


def test_a_child_case_or_siblings_case_drawn_in_the_measurement_window_is_a_duplicate():
    result = draw(episodes=[episode("A", date(2018, 1, 1)), episode("S", date(2018, 1, 1), case="SIB"),
                            episode("N", date(2018, 1, 1))],
                  in_home=[home("I1", date(2018, 1, 1)), home("I2", date(2018, 1, 1))], custody_by_child={},
                  rules=rules(drawn=["A", "SIB", "I1"]), seed=1)
    reasons = {e.key: e.reason for e in result.entries}
    assert reasons == {"A": "duplicate_in_measurement_period", "S": "duplicate_in_measurement_period", "N": None,
                       "I1": "duplicate_in_measurement_period", "I2": None}
    assert all(e.role is SampleRole.ELIMINATED for e in result.entries if e.reason)


def universe(children=40, workers=8):
    return [episode(f"K{n:03d}", date(2018, 1, 1), worker=f"W{n % workers}") for n in range(children)]


def test_the_same_seed_and_universe_give_the_same_order_and_another_seed_another():
    one = draw(episodes=universe(), in_home=[], custody_by_child={}, rules=rules(), seed=7)
    again = draw(episodes=list(reversed(universe())), in_home=[], custody_by_child={}, rules=rules(), seed=7)
    other = draw(episodes=universe(), in_home=[], custody_by_child={}, rules=rules(), seed=8)
    assert [e.key for e in one.entries] == [e.key for e in again.entries]
    assert one.frame_digest == again.frame_digest
    assert [e.key for e in one.entries] != [e.key for e in other.entries]
    assert [e.order for e in one.entries] == list(range(1, 41))


def test_every_eligible_record_is_drawn_equally_often_over_many_seeds():
    """Chi-square over 2,000 draws of 5 from 20: the counts must not stray from 500 each more than chance
    allows (19 degrees of freedom: the 0.1 % critical value is 43.8)."""
    records = universe(children=20, workers=20)
    counts = {e.child_id: 0 for e in records}
    for seed in range(2000):
        for e in draw(episodes=records, in_home=[], custody_by_child={}, rules=rules(fc=5), seed=seed).entries:
            counts[e.key] += e.role is SampleRole.REVIEW
    expected = 2000 * 5 / 20
    assert sum((n - expected) ** 2 / expected for n in counts.values()) < 43.8


def test_no_more_than_the_cap_of_cases_for_review_come_from_one_caseworker():
    records = [episode(f"K{n:02d}", date(2018, 1, 1), worker="BUSY" if n < 10 else f"W{n}") for n in range(20)]
    result = draw(episodes=records, in_home=[], custody_by_child={}, rules=rules(fc=8, cap=2), seed=3)
    review = [e for e in result.entries if e.role is SampleRole.REVIEW]
    assert len(review) == 8 and sum(e.worker == "BUSY" for e in review) == 2
    skipped = [e for e in result.entries if e.worker == "BUSY" and e.role is SampleRole.OVERSAMPLE]
    assert skipped and min(e.order for e in skipped) < max(e.order for e in review)   # skipped in favour of later


def test_a_replacement_is_the_next_unused_entry_of_the_same_type_within_the_cap():
    result = draw(episodes=universe(children=6, workers=6), in_home=[home(f"I{n}", date(2018, 1, 1))
                                                                     for n in range(3)],
                  custody_by_child={}, rules=rules(fc=3, ih=1), seed=5)
    fc = sorted(entries_of(result, "foster_care"), key=lambda e: e.order)
    first_oversample = next(e for e in fc if e.role is SampleRole.OVERSAMPLE)
    assert next_replacement(result.entries, "foster_care", 3, used=[]) == first_oversample
    assert next_replacement(result.entries, "foster_care", 3, used=[first_oversample.key]).order > \
        first_oversample.order
    everyone = [e.key for e in fc]
    assert next_replacement(result.entries, "foster_care", 3, used=everyone) is None     # none left: says so
    assert next_replacement(result.entries, "in_home", 3, used=[]).case_type == "in_home"
