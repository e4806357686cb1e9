"""The outbox reaches a real SMTP server; nothing is lost when it is down; hopeless mail ends as failed."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from models.tables import OutboxMessage
from notifications.delivery import LEASE, MAX_ATTEMPTS, MailSettings, backoff, deliver
from notifications.messages import message
from tests.integration.conftest import NOW, SmtpServer, stored

ROOT = Path(__file__).resolve().parents[2]


def queue(core, *recipients, key="k1", headline="Reminder", template="case_step", notes="Please finalize."):
    """A case message (its subject: '<headline>: case FC-1 (3N)')."""
    values = dict(headline=headline, case_number="FC-1", case_type="foster care", region="3N", state="reviewed",
                  actor="lead@qa.test", notes=notes, due=None, link="http://qareview.test/cases/1")
    with core.uow() as uow:
        uow.outbox.add([message(key=key, recipients=recipients, template=template, values=values)], now=NOW)
        uow.commit()


def outbox(core):
    with stored(core) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def mail(server: SmtpServer) -> MailSettings:
    return MailSettings(server="127.0.0.1", port=server.port, sender="qareview@unit.test", timeout=3)


def test_messages_arrive_with_their_recipients_subject_and_both_bodies(core, smtp_server):
    queue(core, "rita@qa.test", "lee@qa.test")
    report = deliver(core.uow, mail(smtp_server), now=NOW)
    assert report.sent == ["Reminder: case FC-1 (3N)"]
    [(to, message)] = smtp_server.mailbox.messages
    assert to == ["lee@qa.test", "rita@qa.test"]
    assert message["Subject"] == "Reminder: case FC-1 (3N)" and message["From"] == "qareview@unit.test"
    assert "Notes:\r\nPlease finalize." in message.get_body(("plain",)).get_content()   # SMTP line ends
    assert "<blockquote>Please finalize.</blockquote>" in message.get_body(("html",)).get_content()
    [row] = outbox(core)
    assert row.status == "sent" and row.sent_at == NOW
    assert row.subject == "Reminder: case FC-1 (3N)" and "Please finalize." in row.body_text   # what was sent
    assert deliver(core.uow, mail(smtp_server), now=NOW + timedelta(hours=1)).sent == []   # sent once


def test_while_the_server_is_down_messages_wait_and_then_all_arrive(core):
    server = SmtpServer()                      # not started: connections are refused
    for n in range(3):
        queue(core, "rita@qa.test", key=f"k{n}", headline=f"notice {n}")
    report = deliver(core.uow, mail(server), now=NOW)
    assert len(report.retrying) == 3 and report.sent == []
    assert {(m.status, m.attempts, m.next_attempt_at) for m in outbox(core)} == {("pending", 1, NOW + backoff(1))}
    assert deliver(core.uow, mail(server), now=NOW + timedelta(seconds=30)).retrying == []   # backing off
    server.start()
    try:
        report = deliver(core.uow, mail(server), now=NOW + backoff(1))
    finally:
        server.stop()
    assert sorted(report.sent) == [f"notice {n}: case FC-1 (3N)" for n in range(3)]
    assert len(server.mailbox.messages) == 3 and {m.status for m in outbox(core)} == {"sent"}


def test_a_permanently_refused_address_ends_as_failed_and_stays_visible(core, smtp_server):
    queue(core, "bounce@qa.test")
    report = deliver(core.uow, mail(smtp_server), now=NOW)
    assert report.failed == ["Reminder: case FC-1 (3N)"]
    [row] = outbox(core)
    assert row.status == "failed" and "550" in row.last_error
    assert deliver(core.uow, mail(smtp_server), now=NOW + timedelta(days=1)).failed == []


def test_one_bad_address_among_good_ones_does_not_stop_the_message(core, smtp_server):
    queue(core, "rita@qa.test", "bounce@qa.test")
    assert deliver(core.uow, mail(smtp_server), now=NOW).sent == ["Reminder: case FC-1 (3N)"]
    [row] = outbox(core)
    assert row.status == "sent" and "bounce@qa.test" in row.last_error
    assert smtp_server.mailbox.messages[0][0] == ["rita@qa.test"]


def test_a_server_that_never_comes_back_fails_the_message_after_the_last_attempt(core):
    server, now = SmtpServer(), NOW
    queue(core, "rita@qa.test")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver(core.uow, mail(server), now=now)
        now += backoff(attempt)
    assert report.failed == ["Reminder: case FC-1 (3N)"]
    [row] = outbox(core)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()


def test_a_message_claimed_by_a_sender_that_died_is_retried_after_the_lease(core, smtp_server):
    queue(core, "rita@qa.test")
    with stored(core) as session:       # what a sender leaves behind when it dies after claiming
        row = session.exec(select(OutboxMessage)).one()
        row.attempts, row.next_attempt_at = 1, NOW + LEASE
        session.commit()
    assert deliver(core.uow, mail(smtp_server), now=NOW).sent == []
    assert deliver(core.uow, mail(smtp_server), now=NOW + LEASE).sent == ["Reminder: case FC-1 (3N)"]


@pytest.mark.parametrize("backoff_attempt", [1, 2, 3, 10])
def test_backoff_doubles_and_is_capped(backoff_attempt):
    wait = backoff(backoff_attempt)
    assert wait == min(timedelta(minutes=2 ** (backoff_attempt - 1)), timedelta(hours=6))


def test_a_message_is_rendered_when_first_claimed_and_its_values_are_escaped_in_html(core, smtp_server):
    queue(core, "rita@qa.test", notes="<script>alert(1)</script> & more")
    [row] = outbox(core)
    assert (row.template, row.subject, row.body_html) == ("case_step", None, None)   # queued, not yet rendered
    deliver(core.uow, mail(smtp_server), now=NOW)
    [(_, message)] = smtp_server.mailbox.messages
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in message.get_body(("html",)).get_content()
    assert "<script>alert(1)</script> & more" in message.get_body(("plain",)).get_content()


def test_a_message_that_cannot_be_rendered_fails_at_once_and_says_why(core, smtp_server):
    queue(core, "rita@qa.test", key="broken", template="no_such_template")
    queue(core, "rita@qa.test", key="fine")
    report = deliver(core.uow, mail(smtp_server), now=NOW)
    assert report.sent == ["Reminder: case FC-1 (3N)"] and len(report.failed) == 1
    broken = next(m for m in outbox(core) if m.key == "broken")
    assert broken.status == "failed"
    assert "cannot render" in broken.last_error and "no_such_template" in broken.last_error
    assert len(smtp_server.mailbox.messages) == 1


def test_a_sender_killed_mid_batch_repeats_at_most_the_message_in_flight_and_under_the_same_message_id(
        core, database_url, smtp_server):
    for n in range(40):
        queue(core, "rita@qa.test", key=f"m{n}", headline=f"notice {n}")
    smtp_server.mailbox.delay = 0.02
    child = subprocess.Popen([sys.executable, "-m", "tests.integration.deliverer", database_url,
                              str(smtp_server.port), NOW.isoformat()], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.readline().strip() == "ready"
    give_up = time.monotonic() + 30
    while len(smtp_server.mailbox.messages) < 10 and time.monotonic() < give_up:
        time.sleep(0.005)                                  # until a quarter of the batch is out
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    smtp_server.mailbox.delay = 0
    deliver(core.uow, mail(smtp_server), now=NOW + LEASE)   # the next pass, once the lease ran out
    received: dict[str, set[str]] = {}
    for _, email in smtp_server.mailbox.messages:
        received.setdefault(email["Subject"], set()).add(email["Message-ID"])
    assert len(received) == 40                              # every message arrived
    assert all(len(ids) == 1 for ids in received.values())  # a repeat is the same message
    assert len(smtp_server.mailbox.messages) <= 41          # and only the one in flight is repeated
    assert {m.status for m in outbox(core)} == {"sent"}


def test_a_backlog_drains_in_one_pass_whatever_its_size(core, smtp_server):
    for n in range(250):
        queue(core, "rita@qa.test", key=f"b{n}", headline=f"notice {n}")
    assert len(deliver(core.uow, mail(smtp_server), now=NOW).sent) == 250
