"""A regional review's state follows its cases, forward only, skipping states when the cases do."""

from datetime import UTC, date, datetime

import pytest

from workflow.actors import SYSTEM_ACTOR
from workflow.events import ReviewSentToCb
from workflow.review_lifecycle import RegionalReview, follow_cases, target_state

NOW = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.mark.parametrize(("cases", "expected"), [
    ([], "planned"),
    (["sampled"], "sampling"),
    (["eliminated"], "sampling"),
    (["sampled", "screened"], "sampling"),
    (["sampled", "assigned"], "in_review"),
    (["second_qa", "cb_oversight"], "in_review"),
    (["cb_oversight", "cb_oversight", "eliminated"], "cb_oversight"),
    (["cb_oversight", "finalized"], "cb_oversight"),
    (["finalized", "deidentified", "eliminated"], "finalized"),
    (["deidentified", "eliminated"], "closed"),
])
def test_target_state_from_the_cases(cases, expected):
    assert target_state(cases) == expected


def review(state="planned"):
    return RegionalReview(id=1, region="3N", review_month=date(2026, 11, 1), kind="measurement", state=state)


def test_the_review_skips_states_when_its_cases_do():
    r = review("sampling")
    event = follow_cases(r, ["cb_oversight"], actor=SYSTEM_ACTOR, now=NOW)
    assert r.state == "cb_oversight"
    assert isinstance(event, ReviewSentToCb)
    assert (event.source, event.dest) == ("sampling", "cb_oversight")


def test_the_review_never_moves_backward():
    r = review("cb_oversight")
    assert follow_cases(r, ["cb_oversight", "sampled"], actor=SYSTEM_ACTOR, now=NOW) is None
    assert r.state == "cb_oversight"


def test_no_event_when_nothing_changes():
    r = review("in_review")
    assert follow_cases(r, ["assigned"], actor=SYSTEM_ACTOR, now=NOW) is None


@pytest.mark.parametrize(("review_month", "start", "end"), [
    (date(2019, 1, 1), date(2018, 1, 1), date(2018, 6, 30)),
    (date(2019, 9, 1), date(2018, 9, 1), date(2019, 2, 28)),
    (date(2021, 9, 1), date(2020, 9, 1), date(2021, 2, 28)),
    (date(2025, 9, 1), date(2024, 9, 1), date(2025, 2, 28)),
    (date(2024, 9, 1), date(2023, 9, 1), date(2024, 2, 29)),
])
def test_the_sample_period_is_six_real_calendar_months_a_year_before(review_month, start, end):
    period = RegionalReview(id=1, region="3S", review_month=review_month, kind="measurement").sample_period()
    assert (period.start, period.end) == (start, end)


def test_an_overridden_start_still_ends_six_months_later_less_a_day():
    r = RegionalReview(id=1, region="3S", review_month=date(2019, 9, 1), kind="measurement",
                       period_start=date(2018, 8, 31))
    assert r.sample_period().end == date(2019, 2, 27)


@pytest.mark.parametrize(("review_state", "case_state", "could"), [
    ("in_review", "first_qa", False), ("in_review", "reviewed", False), ("in_review", "cb_oversight", True),
    ("in_review", "eliminated", True), ("sampling", "assigned", True), ("sampling", "screened", False),
    ("cb_oversight", "finalized", True), ("cb_oversight", "cb_oversight", False), ("planned", "sampled", True),
])
def test_only_a_case_moving_past_the_reviews_stage_can_move_it(review_state, case_state, could):
    """The shortcut must agree with target_state: when it says no, no mix of other cases moves the review."""
    from workflow.review_lifecycle import could_advance
    assert could_advance(review_state, case_state) is could
    if not could:  # other cases that hold the review where it is, as they must have
        holding = {"sampling": "sampled", "in_review": "assigned", "cb_oversight": "cb_oversight"}[review_state]
        for others in ([holding], [holding, "eliminated"], [holding, case_state]):
            r = review(review_state)
            follow_cases(r, [*others, case_state], actor=SYSTEM_ACTOR, now=NOW)
            assert r.state == review_state
