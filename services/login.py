"""Logging in, throttled: failed attempts count per account from one address, and per address; successes
never count. So someone failing to guess a person's password locks out only themselves (their address, or
that account from their address), never the person from their own address."""

from __future__ import annotations

from datetime import datetime, timedelta

from services import people
from services.core import Core

WINDOW = timedelta(minutes=15)
#: Failures allowed within the window for one account from one address, and from one address in all.
PER_ACCOUNT_AND_ADDRESS = 5
PER_ADDRESS = 20


class Throttled(Exception):
    """Too many failed attempts lately; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; try again in {retry_after // 60 + 1} minutes")
        self.retry_after = retry_after


def log_in(core: Core, *, email: str, password: str, address: str, now: datetime):
    """The user these credentials belong to (a UserLine), or None; Throttled before even checking when
    too many attempts on this account from this address, or from this address, failed within the window."""
    email = people.normalize_email(email if isinstance(email, str) else "")
    since = now - WINDOW
    with core.uow() as uow:
        for (count, oldest), limit in ((uow.people.failed_logins(since=since, email=email, address=address),
                                        PER_ACCOUNT_AND_ADDRESS),
                                       (uow.people.failed_logins(since=since, address=address), PER_ADDRESS)):
            if count >= limit:
                raise Throttled(max(int((oldest + WINDOW - now).total_seconds()), 1))
        user = people.check_password(uow, core.passwords, email, password if isinstance(password, str) else "")
        if user is None:
            uow.people.record_failed_login(email=email, address=address[:64], at=now)
            uow.commit()
        return user
