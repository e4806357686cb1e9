"""Delivering the outbox over SMTP: retried with exponential backoff, never dropped.

Messages are claimed with a lease (their next attempt is pushed past it) and the claim is committed
before any network I/O, so a sender that dies mid-batch leaves its messages to be retried when the
lease runs out. SMTP cannot be exactly-once; the Message-ID derived from the outbox key lets mail
clients fold the rare repeat.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
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


def compose(message, content: Message, sender: str) -> EmailMessage:
    """The e-mail of an outbox message (its key, recipients and time) with its rendered content."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(message.recipients.split(","))
    email["Subject"] = content.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=message.key.replace(":", "."), domain="qareview")
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
    """One delivery pass over what is pending; `units()` opens a unit of work (the core's `uow`)."""
    report = DeliveryReport()
    claimed: list[tuple[Any, Message]] = []
    with units() as uow:
        for message in uow.outbox.claim(now=now, limit=batch, lease=LEASE):
            try:
                content = rendered(message)
            except Exception as error:  # noqa: BLE001 - any template or value fault ends this one message only
                # waiting will not fix a template: the message has failed, and says why
                uow.outbox.failed(message.id, error=f"cannot render: {_describe(error)}")
                report.failed.append(f"({message.template}: {message.key})")
                continue
            if message.subject is None:
                uow.outbox.rendered(message.id, subject=content.subject, text=content.text, html=content.html)
            claimed.append((message, content))
        uow.commit()
    if not claimed:
        return report
    outcomes: dict[int, Exception | None] = {}
    refusals: dict[int, str] = {}
    try:
        with _connect(mail) as smtp:
            for message, content in claimed:
                try:
                    refused = smtp.send_message(compose(message, content, mail.sender))
                    outcomes[message.id] = None
                    if refused:  # delivered to the others; say who did not get it
                        refusals[message.id] = f"refused: {', '.join(sorted(refused))}"
                except (smtplib.SMTPException, OSError) as error:
                    outcomes[message.id] = error
                    if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
                        break
    except (smtplib.SMTPException, OSError) as error:  # could not reach or greet the server
        for message, _ in claimed:
            outcomes.setdefault(message.id, error)
    with units() as uow:
        for message, content in claimed:
            error = outcomes.get(message.id, ConnectionError("connection lost before sending"))
            if error is None:
                uow.outbox.sent(message.id, at=now, note=refusals.get(message.id))
                report.sent.append(content.subject)
            elif _permanent(error) or message.attempts >= MAX_ATTEMPTS:
                uow.outbox.failed(message.id, error=_describe(error))
                report.failed.append(content.subject)
            else:
                uow.outbox.retry(message.id, at=now + backoff(message.attempts), error=_describe(error))
                report.retrying.append(content.subject)
        uow.commit()
    return report


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
