"""Delivering the outbox over SMTP: retried with exponential backoff, never dropped.

Messages are claimed with a lease (their next attempt is pushed past it) and the claim is committed
before any network I/O; each message is marked sent in its own transaction the moment the server took
it. So a sender that dies mid-batch leaves the rest to be retried when the lease runs out, and repeats
at most the one message in flight. SMTP itself cannot be exactly-once: that repeat carries the same
Message-ID (made from the outbox key), so the receiving side can tell it is the same message.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from notifications.render import Message, rendered

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str
    use_tls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> MailSettings:
        return cls(server=config["MAIL_SERVER"], port=int(config["MAIL_PORT"]), sender=config["MAIL_FROM"],
                   use_tls=bool(config["MAIL_USE_TLS"]), username=config.get("MAIL_USERNAME") or "",
                   password=config.get("MAIL_PASSWORD") or "")


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """1 minute after the first failure, doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def message_id(key: str) -> str:
    """The same for every copy of one outbox message, so a repeat after a crash is recognisably the same."""
    return f"<{key.replace(':', '.')}@qareview>"


def compose(message, content: Message, sender: str) -> EmailMessage:
    """The e-mail of an outbox message (its key, recipients and time) with its rendered content."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(message.recipients.split(","))
    email["Subject"] = content.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id(message.key)
    email.set_content(content.text)
    email.add_alternative(content.html, subtype="html")
    return email


def _permanent(error: Exception) -> bool:
    """5xx answers about the recipients or the message will not get better by waiting."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def deliver(units: Callable[[], Any], mail: MailSettings, *, now: datetime, batch: int = 100) -> DeliveryReport:
    """Deliver everything pending at `now`, `batch` messages at a time, so a backlog drains at the server's
    speed; `units()` opens a unit of work (the core's `uow`)."""
    report = DeliveryReport()
    while claimed := _claim(units, now, batch, report):
        if not _send(units, mail, now, claimed, report):
            break  # the server is unreachable: what is left waits for its retry
    return report


def _claim(units, now: datetime, batch: int, report: DeliveryReport) -> list[tuple[Any, Message]] | None:
    """The next batch, leased and rendered (None when nothing was pending); a message that cannot be rendered
    has failed (waiting will not fix a template), and says why."""
    claimed = []
    with units() as uow:
        found = uow.outbox.claim(now=now, limit=batch, lease=LEASE)
        for message in found:
            try:
                content = rendered(message)
            except Exception as error:  # noqa: BLE001 - any template or value fault ends this one message only
                uow.outbox.failed(message.id, error=f"cannot render: {_describe(error)}")
                report.failed.append(f"({message.template}: {message.key})")
                continue
            if message.subject is None:
                uow.outbox.rendered(message.id, subject=content.subject, text=content.text, html=content.html)
            claimed.append((message, content))
        uow.commit()
    return claimed if found else None


def _send(units, mail: MailSettings, now: datetime, claimed: list[tuple[Any, Message]],
          report: DeliveryReport) -> bool:
    """Send each claimed message, recording each outcome as soon as it is known; False if the server could
    not be reached or went away."""
    left = list(claimed)
    try:
        with _connect(mail) as smtp:
            while left:
                message, content = left[0]
                try:
                    refused = smtp.send_message(compose(message, content, mail.sender))
                except (smtplib.SMTPServerDisconnected, OSError):
                    raise
                except smtplib.SMTPException as error:
                    _record(units, now, message, content, error, report)
                else:  # delivered to the others, when some were refused: say who did not get it
                    note = f"refused: {', '.join(sorted(refused))}" if refused else None
                    _record(units, now, message, content, None, report, note=note)
                left.pop(0)
    except (smtplib.SMTPException, OSError) as error:  # could not reach the server, or lost it
        for message, content in left:
            _record(units, now, message, content, error, report)
        return False
    return True


def _record(units, now: datetime, message, content: Message, error: Exception | None, report: DeliveryReport,
            note: str | None = None) -> None:
    with units() as uow:
        if error is None:
            uow.outbox.sent(message.id, at=now, note=note)
            report.sent.append(content.subject)
        elif _permanent(error) or message.attempts >= MAX_ATTEMPTS:
            uow.outbox.failed(message.id, error=_describe(error))
            report.failed.append(content.subject)
        else:
            uow.outbox.retry(message.id, at=now + backoff(message.attempts), error=_describe(error))
            report.retrying.append(content.subject)
        uow.commit()


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _connect(mail: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(mail.server, mail.port, timeout=mail.timeout, local_hostname=socket.gethostname())
    try:
        if mail.use_tls:
            smtp.starttls()
        if mail.username:
            smtp.login(mail.username, mail.password)
    except BaseException:
        smtp.close()
        raise
    return smtp
