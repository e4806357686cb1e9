"""Clocks started and stopped by transitions; the sweep records each notice once, whatever happens."""

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlmodel import func, select

from models.tables import CaseRow, Deadline, OutboxMessage
from notifications.render import rendered
from scheduler.sweep import sweep
from tests.integration.conftest import NOW, Staff, new_review, stored
from web import create_app
from services.bus import handle
from workflow.commands import FireCaseTrigger, FireConcernTrigger, RaiseConcern

ROOT = Path(__file__).resolve().parents[2]


def end_of_day(y, m, d):
    """23:59:59 in Chicago on that day, as a UTC instant."""
    return datetime(y, m, d, 23, 59, 59, tzinfo=ZoneInfo("America/Chicago")).astimezone(UTC)


def fire(core, case_id, trigger, actor, at, **fields):
    with core.uow() as uow:
        handle(core, uow, FireCaseTrigger(case_id=case_id, trigger=trigger, actor=actor,
                                                 fields=fields, at=at))
        uow.commit()


def reviewed_case(core, staff, review_date="2026-11-19", region="3N"):
    _, (case_id,) = new_review(core, staff.lead, region=region)
    fire(core, case_id, "screen", staff.lead, NOW)
    fire(core, case_id, "assign", staff.lead, NOW, **staff.assignment())
    fire(core, case_id, "submit_review", staff.reviewer, NOW, review_date=review_date)
    return case_id


def notices(core, prefix="deadline:"):
    """The queued notices, each with its message as it will be sent."""
    with stored(core) as session:
        rows = list(session.exec(select(OutboxMessage).where(OutboxMessage.key.startswith(prefix))
                                     .order_by(OutboxMessage.id)))
    return [SimpleNamespace(recipients=row.recipients, **vars(rendered(row))) for row in rows]


def deadlines(core, **where):
    with stored(core) as session:
        return list(session.exec(select(Deadline).filter_by(**where).order_by(Deadline.id)))


def test_submitting_a_review_starts_the_finalize_clock_and_finalizing_hands_over_to_deidentify(core, staff):
    case_id = reviewed_case(core, staff)
    [clock] = deadlines(core, entity="case", entity_id=case_id)
    assert clock.clock == "finalize" and clock.due_at == end_of_day(2027, 1, 18)
    finalized_at = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    for trigger, who in [("submit_first_qa", "reviewer"), ("pass_first_qa", "qa1"), ("complete_qa", "qa2")]:
        fire(core, case_id, trigger, getattr(staff, who), NOW)
    fire(core, case_id, "finalize", staff.lead, finalized_at)
    finalize, deidentify = deadlines(core, entity="case", entity_id=case_id)
    assert finalize.stopped_at == finalized_at and finalize.next_notice_at is None
    assert deidentify.clock == "deidentify" and deidentify.stopped_at is None
    assert deidentify.due_at == end_of_day(2026, 12, 15)


def test_when_configured_the_sweep_deidentifies_a_finalized_case_by_itself_on_its_due_date(core, staff):
    from dataclasses import replace
    core.reference.clocks["deidentify"] = replace(core.reference.clocks["deidentify"], fires="deidentify")
    case_id = reviewed_case(core, staff)
    for trigger, who in [("submit_first_qa", "reviewer"), ("pass_first_qa", "qa1"), ("complete_qa", "qa2"),
                         ("finalize", "lead")]:
        fire(core, case_id, trigger, getattr(staff, who), NOW)
    due = end_of_day(2026, 12, 4)                     # 14 days from 20 November
    sweep(core, now=due)
    with stored(core) as session:
        assert session.get(CaseRow, case_id).state == "finalized"
    sweep(core, now=due + timedelta(seconds=1))
    with stored(core) as session:
        case = session.get(CaseRow, case_id)
    assert case.state == "deidentified" and case.case_number != "FC-000"
    with core.uow(write=False) as uow:
        done = uow.views.audit(entity="case", entity_id=case_id, trigger="deidentify", limit=5)
    assert [r.actor for r in done] == ["system"]
    assert [d.stopped_at is not None for d in deadlines(core, entity="case", entity_id=case_id)] == [True, True]
    told = notices(core)                              # the reminder before, no overdue notice for what is done
    assert [n.subject.split(":")[0] for n in told] == ["Reminder"] and case.case_number in told[0].subject


def test_cb_feedback_runs_its_month_reminds_the_team_leads_and_stops_when_addressed(core, staff):
    from workflow.commands import AddressFeedback, GiveFeedback
    case_id = reviewed_case(core, staff)
    for trigger, who in [("submit_first_qa", "reviewer"), ("pass_first_qa", "qa1"), ("complete_qa", "qa2")]:
        fire(core, case_id, trigger, getattr(staff, who), NOW)
    with core.uow() as uow:
        item = handle(core, uow, GiveFeedback(case_id=case_id, text="Item 4 needs dates.", actor=staff.cb, at=NOW))
        uow.commit()
    [clock] = deadlines(core, entity="feedback", entity_id=item.id)
    assert clock.clock == "cb_feedback" and clock.due_at == end_of_day(2026, 12, 20)
    sweep(core, now=end_of_day(2026, 12, 13))                        # 7 days before
    [reminder] = notices(core)
    assert reminder.recipients == "lead@qa.test" and reminder.subject.startswith("Reminder: CB feedback")
    with core.uow() as uow:
        handle(core, uow, AddressFeedback(feedback_id=item.id, resolution="Dated.", actor=staff.lead,
                                          at=NOW + timedelta(days=25)))
        uow.commit()
    assert deadlines(core, entity="feedback", entity_id=item.id)[0].stopped_at is not None
    sweep(core, now=end_of_day(2026, 12, 21))
    assert len(notices(core)) == 1                                   # no overdue notice once addressed


def test_eliminating_a_case_stops_its_clocks(core, staff):
    case_id = reviewed_case(core, staff)
    with stored(core) as session:   # an assigned case may be eliminated; put this one back to assigned
        row = session.get(CaseRow, case_id)
        row.state = "assigned"
        session.commit()
    fire(core, case_id, "eliminate", staff.lead, NOW, reason="opened_in_error", notes="x", cb_consulted=True)
    assert [d.stopped_at for d in deadlines(core, entity="case", entity_id=case_id)] == [NOW]


def test_a_concern_clock_restarts_when_more_is_asked_and_stops_with_the_response(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    with core.uow() as uow:
        concern_id = handle(core, uow, RaiseConcern(actor=staff.lead, case_id=case_id, type="safety_issue",
                                     description="d", at=NOW)).id
        uow.commit()
    steps = [("notify_region", staff.lead, {}, NOW),
             ("respond", staff.leader, {"corrective_action": "done"}, NOW + timedelta(hours=3)),
             ("request_more", staff.lead, {"notes": "and the siblings?"}, NOW + timedelta(hours=5))]
    for trigger, actor, fields, at in steps:
        with core.uow() as uow:
            handle(core, uow, FireConcernTrigger(concern_id=concern_id, trigger=trigger, actor=actor,
                                                 fields=fields, at=at))
            uow.commit()
    first, second = deadlines(core, entity="concern", entity_id=concern_id)
    assert first.stopped_at == NOW + timedelta(hours=3)
    assert second.stopped_at is None and second.due_at == NOW + timedelta(hours=29)
    assert second.clock == "concern_response_safety"


def test_each_notice_is_recorded_once_however_often_and_whenever_the_sweep_runs(core, staff, freezer):
    reviewed_case(core, staff)
    due = end_of_day(2027, 1, 18)
    moments = [due - timedelta(days=14), due - timedelta(days=3), due + timedelta(seconds=1),
               due + timedelta(days=7, seconds=1)]
    for moment in moments:
        for later in (timedelta(0), timedelta(0), timedelta(minutes=5), timedelta(hours=1)):
            freezer.move_to(moment + later)
            sweep(core, now=datetime.now(UTC))
    sent = notices(core)
    assert [n.subject.split(":")[0] for n in sent] == ["Reminder", "Reminder", "Overdue", "Overdue (escalated)"]
    assert [n.recipients for n in sent[:3]] == ["reviewer@qa.test"] * 3          # the one who must act
    assert sent[3].recipients == "reviewer@qa.test,supervisor@qa.test"           # escalated
    assert "Case FC-000" in sent[0].subject and "Monday 18 January 2027, 23:59 CST" in sent[0].text
    freezer.move_to(due + timedelta(days=60))
    assert sweep(core, now=datetime.now(UTC)).recorded == []


def test_after_downtime_one_overdue_notice_not_a_flood(core, staff):
    reviewed_case(core, staff)
    report = sweep(core, now=datetime(2027, 2, 10, tzinfo=UTC))     # everything missed, escalation due
    assert [s.split(":")[0] for s in report.recorded] == ["Overdue (escalated)"]


def test_concern_notices_go_to_the_regions_leaders_and_the_lead_who_notified(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    with core.uow() as uow:
        concern = handle(core, uow, RaiseConcern(actor=staff.reviewer, case_id=case_id, type="runaway",
                                  description="d", at=NOW))
        handle(core, uow, FireConcernTrigger(concern_id=concern.id, trigger="notify_region", actor=staff.lead,
                      at=NOW))
        uow.commit()
    report = sweep(core, now=NOW + timedelta(days=11))
    [overdue] = notices(core)
    assert overdue.subject.startswith("Overdue: Concern #") and overdue.subject.startswith(report.recorded[0])
    assert overdue.recipients == "lead@qa.test,leader@qa.test"


def test_the_cli_sweeps_lists_deadlines_overdue_first_and_shows_the_outbox(core, staff, database_url):
    reviewed_case(core, staff)
    other = reviewed_case(core, staff, review_date="2026-11-02", region="2E")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                      "MAIL_PORT": 9})   # nothing listens there: delivery is retried later
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sweep", "--now", "2027-01-10T12:00:00-06:00"])
    assert result.exit_code == 0, result.output
    assert "recorded 2 notice(s)" in result.output and "retrying" in result.output
    assert runner.invoke(args=["sweep", "--now", "2027-01-10T12:00:00-06:00"]).output.count("recorded:") == 0
    listing = runner.invoke(args=["deadlines"]).output.splitlines()
    assert len(listing) == 2 and listing[0].split()[1] == "2027-01-01"   # the earlier one first
    assert str(other) in listing[0]
    assert "Reminder" in runner.invoke(args=["outbox", "--status", "pending"]).output
    assert runner.invoke(args=["sweep", "--now", "yesterday"]).exit_code == 2
    app.extensions["qareview"].engine.dispose()


def due_deadlines(core, count):
    """`count` finalize deadlines past due whose reminders were sent: each owes one overdue notice now."""
    staff = Staff(core)
    case_id = reviewed_case(core, staff)
    due = NOW - timedelta(days=1)
    rows = [{"entity": "case", "entity_id": case_id, "clock": "finalize", "started_at": due - timedelta(days=60),
             "due_at": due, "cursor": 2, "next_notice_at": due + timedelta(seconds=1)} for _ in range(count)]
    with stored(core) as session:
        session.execute(insert(Deadline), rows)
        session.commit()
    return {d.id for d in deadlines(core) if d.cursor == 2}


def sweeper(url, batch=50, wait=False):
    return subprocess.Popen([sys.executable, "-m", "tests.integration.sweeper", url, NOW.isoformat(), str(batch),
                             *(["wait"] if wait else [])], cwd=ROOT, stdin=subprocess.PIPE if wait else None,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def per_deadline(core):
    """How many notices each deadline has in the outbox."""
    with stored(core) as session:
        keys = session.exec(select(OutboxMessage.key).where(OutboxMessage.key.startswith("deadline:"))).all()
    counts = {}
    for key in keys:
        deadline_id = int(key.split(":")[1])
        counts[deadline_id] = counts.get(deadline_id, 0) + 1
    return counts


@pytest.mark.postgres
def test_several_sweep_processes_at_once_record_every_notice_exactly_once(pg_core, postgres_url):
    wanted = due_deadlines(pg_core, 1000)
    processes = [sweeper(postgres_url, batch=20, wait=True) for _ in range(3)]
    for p in processes:   # all started up; then all go at once (a lone early starter could do it all)
        assert p.stdout.readline().strip() == "ready"
    for p in processes:
        p.stdin.write("go\n")
        p.stdin.flush()
    recorded = [int(p.communicate(timeout=120)[0].split()[-1]) for p in processes]
    assert sum(recorded) == 1000
    assert sum(1 for r in recorded if r) >= 2          # the work really was shared
    assert per_deadline(pg_core) == dict.fromkeys(wanted, 1)
    assert {d.cursor for d in deadlines(pg_core) if d.id in wanted} == {3}


def test_a_sweep_killed_at_random_points_loses_and_duplicates_nothing(core, database_url):
    rng = random.Random(1234)
    all_wanted, interrupted = set(), 0
    for run in range(20):
        wanted = due_deadlines(core, 200) if run == 0 else _more(core, 200)
        all_wanted |= wanted
        child = sweeper(database_url, batch=2)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, 0.08))       # somewhere in its work (or just after it)
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        done_by_child = len(wanted & set(per_deadline(core)))
        interrupted += 0 < done_by_child < len(wanted)
        sweep(core, now=NOW)                   # the next run
        counts = per_deadline(core)
        assert all(counts.get(d) == 1 for d in wanted), f"run {run}: lost or duplicated"
    assert per_deadline(core) == dict.fromkeys(all_wanted, 1)
    print(f"{interrupted} of 20 sweeps were killed half-way")
    assert interrupted >= 3, "the kills should land in the middle of the work at least sometimes"


def _more(core, count):
    """More due deadlines on the case that already exists."""
    with stored(core) as session:
        case_id = session.exec(select(func.min(CaseRow.id))).one()
    due = NOW - timedelta(days=1)
    before = {d.id for d in deadlines(core)}
    with stored(core) as session:
        session.execute(insert(Deadline), [
            {"entity": "case", "entity_id": case_id, "clock": "finalize", "started_at": due - timedelta(days=60),
             "due_at": due, "cursor": 2, "next_notice_at": due + timedelta(seconds=1)} for _ in range(count)])
        session.commit()
    return {d.id for d in deadlines(core)} - before


def test_open_deadlines_lists_live_clocks_by_due_time(core, staff):
    reviewed_case(core, staff, "2026-11-10")
    reviewed_case(core, staff, "2026-11-03", region="2E")
    with core.uow(write=False) as uow:
        dues = [d.due_at.date() for d in uow.views.open_deadlines()]
    assert dues == sorted(dues) and dues[0] == date(2027, 1, 3)
