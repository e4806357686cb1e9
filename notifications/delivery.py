"""Delivering the outbox over SMTP: retried with exponential backoff, never dropped.

Messages are claimed with a lease (their next attempt is pushed past it) and the claim is committed
before any network I/O, so a sender that dies mid-batch leaves its messages to be retried when the
lease runs out. SMTP cannot be exactly-once; the Message-ID derived from the outbox key lets mail
clients fold the rare repeat.
"""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlmodel import select

from models.tables import OutboxMessage
from notifications.render import rendered
from services.core import Core

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


def compose(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(message.recipients.split(","))
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=message.key.replace(":", "."), domain="qareview")
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


def _permanent(error: Exception) -> bool:
    """5xx answers about the recipients or the message will not get better by waiting."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def deliver(core: Core, mail: MailSettings, *, now: datetime, batch: int = 100) -> DeliveryReport:
    report = DeliveryReport()
    with core.uow() as uow:
        query = (select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.id).limit(batch))
        if uow.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for message in uow.session.exec(query):
            message.attempts += 1
            message.next_attempt_at = now + LEASE
            if _render(message):
                claimed.append(message)
            else:
                report.failed.append(f"({message.template}: {message.key})")
        uow.commit()
    if not claimed:
        return report
    outcomes: dict[int, Exception | None] = {}
    try:
        with _connect(mail) as smtp:
            for message in claimed:
                try:
                    refused = smtp.send_message(compose(message, mail.sender))
                    outcomes[message.id] = None
                    if refused:  # delivered to the others; say who did not get it
                        message.last_error = f"refused: {', '.join(sorted(refused))}"
                except (smtplib.SMTPException, OSError) as error:
                    outcomes[message.id] = error
                    if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
                        break
    except (smtplib.SMTPException, OSError) as error:  # could not reach or greet the server
        for message in claimed:
            outcomes.setdefault(message.id, error)
    with core.uow() as uow:
        for claimed_message in claimed:
            message = uow.session.get(OutboxMessage, claimed_message.id)
            error = outcomes.get(message.id, ConnectionError("connection lost before sending"))
            if error is None:
                message.status, message.sent_at, message.last_error = "sent", now, claimed_message.last_error
                report.sent.append(message.subject)
            elif _permanent(error) or message.attempts >= MAX_ATTEMPTS:
                message.status, message.last_error = "failed", _describe(error)
                report.failed.append(message.subject)
            else:
                message.next_attempt_at, message.last_error = now + backoff(message.attempts), _describe(error)
                report.retrying.append(message.subject)
        uow.commit()
    return report


def _render(message: OutboxMessage) -> bool:
    """Render a queued message into its row, once; a message that cannot be rendered has failed
    (waiting will not fix a template), and says why."""
    if message.subject is not None:
        return True
    try:
        content = rendered(message)
    except Exception as error:  # noqa: BLE001 - any template or value fault ends this one message only
        message.status, message.last_error = "failed", f"cannot render: {_describe(error)}"
        return False
    message.subject, message.body_text, message.body_html = content.subject, content.text, content.html
    return True


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
