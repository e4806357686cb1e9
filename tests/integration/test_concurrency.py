"""Concurrent updates are caught by the version column, never lost; the audit chain never forks."""

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from models.database import BUSY_TIMEOUT_MS, _begin_immediate
from models.tables import AuditRecord, CaseRow
from tests.integration.conftest import NOW, Staff, new_review, stored
from workflow.errors import StaleVersion
from services.bus import handle
from workflow.commands import FireCaseTrigger


def load_version(core, case_id):
    with stored(core) as session:
        return session.get(CaseRow, case_id).version


def attempt(core, case_id, trigger, actor, version, **fields):
    with core.uow() as uow:
        handle(core, uow, FireCaseTrigger(case_id=case_id, trigger=trigger, actor=actor, fields=fields,
                                          version=version, at=NOW))
        uow.commit()


def history(core, case_id):
    with stored(core) as session:
        return session.exec(select(AuditRecord.trigger, AuditRecord.to_state).where(
            AuditRecord.entity == "case", AuditRecord.entity_id == case_id).order_by(AuditRecord.id)).all()


def test_two_people_acting_on_the_same_version_one_wins_one_is_told(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    seen_by_first, seen_by_second = load_version(core, case_id), load_version(core, case_id)
    attempt(core, case_id, "screen", staff.lead, seen_by_first)
    with pytest.raises(StaleVersion):
        attempt(core, case_id, "eliminate", staff.lead, seen_by_second, reason="opened_in_error", notes="dup",
                cb_consulted=True)
    with stored(core) as session:
        row = session.get(CaseRow, case_id)
    assert (row.state, row.version) == ("screened", 2)
    assert [tuple(h) for h in history(core, case_id)] == [("add", "sampled"), ("screen", "screened")]


@pytest.mark.postgres
def test_the_database_refuses_the_loser_of_a_real_race(pg_core):
    """Both transactions pass the version check; the row lock and `version` decide, not the check."""
    staff = Staff(pg_core)
    _, (case_id,) = new_review(pg_core, staff.lead)
    first_flushed, second_loaded = threading.Event(), threading.Event()
    outcome = {}

    def first():
        with pg_core.uow() as uow:
            handle(pg_core, uow, FireCaseTrigger(case_id=case_id, trigger="screen", actor=staff.lead, version=1,
                       at=NOW))
            first_flushed.set()
            second_loaded.wait(10)
            uow.commit()
        outcome["first"] = "committed"

    def second():
        first_flushed.wait(10)
        with pg_core.uow() as uow:
            uow.cases.get(case_id)                     # reads version 1: the first has not committed
            second_loaded.set()
            try:
                handle(pg_core, uow, FireCaseTrigger(case_id=case_id, trigger="eliminate", actor=staff.lead, version=1,
                           fields={"reason": "opened_in_error", "notes": "dup", "cb_consulted": True}, at=NOW))
                uow.commit()
                outcome["second"] = "committed"
            except StaleVersion:
                outcome["second"] = "stale"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome == {"first": "committed", "second": "stale"}
    assert [tuple(h) for h in history(pg_core, case_id)] == [("add", "sampled"), ("screen", "screened")]


@pytest.mark.postgres
def test_twenty_threads_on_one_case_exactly_one_commits(pg_core):
    staff = Staff(pg_core)
    _, (case_id,) = new_review(pg_core, staff.lead)
    lead = staff.lead
    start = threading.Barrier(20)

    def contender(_):
        start.wait(10)
        try:
            attempt(pg_core, case_id, "screen", lead, 1)
            return "committed"
        except StaleVersion:
            return "stale"

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(contender, range(20)))
    assert sorted(results).count("committed") == 1 and results.count("stale") == 19
    assert [tuple(h) for h in history(pg_core, case_id)] == [("add", "sampled"), ("screen", "screened")]


@pytest.mark.postgres
def test_twenty_threads_on_twenty_cases_all_commit_and_the_chain_holds(pg_core):
    staff = Staff(pg_core)
    _, case_ids = new_review(pg_core, staff.lead, cases_count=20)
    lead = staff.lead
    start = threading.Barrier(20)

    def screen(case_id):
        start.wait(10)
        attempt(pg_core, case_id, "screen", lead, 1)

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(screen, case_ids))
    with stored(pg_core) as session:
        states = set(session.exec(select(CaseRow.state)))
    with pg_core.uow(write=False) as uow:
        checked, broken = uow.audit.verify()
    assert states == {"screened"}
    assert broken is None and checked == 1 + 20 + 1 + 20   # plan, adds, sampling, screens


def test_concurrent_writers_on_sqlite_queue_instead_of_failing(sqlite_core):
    core = sqlite_core
    lead = Staff(core).lead
    _, case_ids = new_review(core, lead, cases_count=8)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda case_id: attempt(core, case_id, "screen", lead, 1), case_ids))
    with stored(core) as session:
        assert set(session.exec(select(CaseRow.state))) == {"screened"}
    with core.uow(write=False) as uow:
        assert uow.audit.verify()[1] is None


def busy_timeout(uow) -> int:
    """The busy timeout of the connection the unit began its transaction on (its first statement begins it)."""
    uow.regions.exists("3N")
    return uow._connection.connection.driver_connection.execute("PRAGMA busy_timeout").fetchone()[0]


def test_a_sqlite_writer_waits_for_the_write_lock_and_begins_once_it_is_free(sqlite_url, sqlite_core):
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    begun = threading.Event()

    def write():
        with sqlite_core.uow() as uow:
            uow.regions.exists("3N")               # the first statement begins the transaction
            begun.set()

    trying = threading.Thread(target=write)
    trying.start()
    assert not begun.wait(0.2)                     # still waiting: the lock is taken
    holder.execute("COMMIT")
    assert begun.wait(10)
    trying.join()


def test_writers_wait_in_their_own_steps_and_readers_keep_sqlites_busy_timeout(sqlite_core):
    with sqlite_core.uow() as uow:
        assert busy_timeout(uow) == 0              # the writer waited in _begin_immediate, and holds the lock
    with sqlite_core.uow(write=False) as uow:
        assert busy_timeout(uow) == BUSY_TIMEOUT_MS
    with sqlite_core.uow() as uow:
        assert busy_timeout(uow) == 0


def test_a_sqlite_writer_gives_up_when_the_lock_stays_taken(sqlite_url):
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _begin_immediate(waiter, wait=0.05)
    assert not waiter.in_transaction
    holder.execute("ROLLBACK")


@pytest.mark.postgres
def test_the_last_two_cases_completing_qa_at_once_send_their_review_to_cb_exactly_once(pg_core, monkeypatch):
    """Each transaction has moved its own case before it looks at the others. Were they not ordered, both
    would see the other's case still in second-level QA and the review would never move; the audit chain's
    lock, taken when the case's record is appended (before the review follows), orders them: the second
    sees the first's case committed. The test holds the first back at that moment to make the race real."""
    from models.repositories import CaseRepository
    from models.tables import OutboxMessage, ReviewRow
    staff = Staff(pg_core)
    review_id, case_ids = new_review(pg_core, staff.lead, cases_count=2)
    steps = [("screen", staff.lead, {}), ("assign", staff.lead, staff.assignment()),
             ("submit_review", staff.reviewer, {"review_date": NOW.date()}), ("submit_first_qa", staff.reviewer, {}),
             ("pass_first_qa", staff.qa1, {})]
    for case_id in case_ids:
        for trigger, actor, fields in steps:
            attempt(pg_core, case_id, trigger, actor, None, **fields)
    both_moved = threading.Barrier(2, timeout=1.5)
    reading = CaseRepository.states_in_review

    def after_the_other(self, review):
        try:
            both_moved.wait()          # the second one only arrives once the first has committed
        except threading.BrokenBarrierError:
            pass
        return reading(self, review)

    monkeypatch.setattr(CaseRepository, "states_in_review", after_the_other)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda case_id: attempt(pg_core, case_id, "complete_qa", staff.qa2, None), case_ids))
    with stored(pg_core) as session:
        assert session.get(ReviewRow, review_id).state == "cb_oversight"
        to_cb = session.exec(select(OutboxMessage).where(OutboxMessage.template == "review_to_cb")).all()
        moves = session.exec(select(AuditRecord).where(AuditRecord.entity == "review",
                                                       AuditRecord.trigger == "send_to_cb")).all()
    assert len(to_cb) == 1 and len(moves) == 1
