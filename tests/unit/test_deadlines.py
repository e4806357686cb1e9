"""Which notice a clock owes at a moment, and that repeated sweeps never owe the same one twice."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from workflow.clocks import ClockRule, Unit
from workflow.deadlines import Kind, check, steps

RULE = ClockRule("finalize", 60, Unit.DAYS, reminders=(timedelta(days=3), timedelta(days=14)),
                 overdue=(timedelta(0), timedelta(days=7)))
DUE = datetime(2027, 1, 20, 5, 59, 59, tzinfo=UTC)
DAY = timedelta(days=1)


def test_notices_come_in_the_order_of_their_moments_and_the_last_escalates():
    plan = steps(RULE)
    assert [s.name for s in plan] == ["reminder-14d", "reminder-3d", "overdue-0d", "overdue-7d"]
    assert [s.kind for s in plan] == [Kind.REMINDER, Kind.REMINDER, Kind.OVERDUE, Kind.ESCALATION]
    assert [s.moment(DUE) for s in plan] == sorted(s.moment(DUE) for s in plan)


def test_nothing_before_the_first_reminder():
    outcome = check(RULE, DUE, 0, DUE - 15 * DAY)
    assert outcome.send is None and outcome.cursor == 0 and outcome.next_at == DUE - 14 * DAY


def test_a_reminder_at_its_moment_and_not_again_at_the_same_instant():
    first = check(RULE, DUE, 0, DUE - 14 * DAY)
    assert first.send.name == "reminder-14d" and first.next_at == DUE - 3 * DAY
    again = check(RULE, DUE, first.cursor, DUE - 14 * DAY)
    assert again.send is None and again.cursor == first.cursor


def test_the_overdue_notice_comes_only_once_the_due_instant_is_over():
    assert check(RULE, DUE, 2, DUE).send is None
    assert check(RULE, DUE, 2, DUE + timedelta(seconds=1)).send.name == "overdue-0d"


def test_after_downtime_only_the_latest_reminder_goes_out():
    outcome = check(RULE, DUE, 0, DUE - 2 * DAY)
    assert outcome.send.name == "reminder-3d" and outcome.cursor == 2


def test_a_reminder_whose_deadline_also_passed_is_dropped_for_the_overdue_notice():
    outcome = check(RULE, DUE, 0, DUE + DAY)
    assert outcome.send.name == "overdue-0d" and outcome.cursor == 3 and outcome.next_at == DUE + 7 * DAY + \
        timedelta(seconds=1)


def test_after_long_downtime_one_notice_not_a_flood():
    outcome = check(RULE, DUE, 0, DUE + 30 * DAY)
    assert outcome.send.kind is Kind.ESCALATION and outcome.cursor == 4 and outcome.next_at is None


instants = st.lists(st.integers(min_value=-20 * 24, max_value=20 * 24), min_size=1, max_size=30)


@given(instants)
def test_any_run_of_sweeps_sends_each_notice_at_most_once_in_order(hours):
    cursor, sent = 0, []
    for h in sorted(hours):
        outcome = check(RULE, DUE, cursor, DUE + timedelta(hours=h))
        assert outcome.cursor >= cursor
        if outcome.send:
            sent.append(outcome.send.name)
        cursor = outcome.cursor
    names = [s.name for s in steps(RULE)]
    assert len(sent) == len(set(sent))
    assert sent == sorted(sent, key=names.index)
    last = DUE + timedelta(hours=max(hours))
    if last > DUE + 7 * DAY:
        assert sent[-1] == "overdue-7d"   # whatever was missed, the escalation is not
