"""APScheduler only *triggers* the sweep on an interval; exactly-once lives in the database.

In-memory job store (one per process: APScheduler 3 cannot share a store between processes),
coalescing, one instance at a time, and no misfire limit: a late tick still runs, once.
"""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from notifications.delivery import MailSettings, deliver
from scheduler.sweep import sweep
from services.core import Core

log = logging.getLogger(__name__)


def tick(core: Core, mail: MailSettings) -> None:
    """One sweep, then one delivery pass; a failure is logged and the next tick tries again."""
    now = core.now()
    try:
        swept = sweep(core, now=now)
        delivered = deliver(core.uow, mail, now=now)
        if swept.recorded or delivered.sent or delivered.failed:
            log.info("sweep recorded %d notices; sent %d, retrying %d, failed %d", len(swept.recorded),
                     len(delivered.sent), len(delivered.retrying), len(delivered.failed))
    except Exception:
        log.exception("deadline sweep failed; the next tick will try again")


def _add_job(scheduler, core: Core, mail: MailSettings, seconds: int) -> None:
    scheduler.add_job(tick, "interval", seconds=seconds, args=(core, mail), id="sweep", coalesce=True,
                      max_instances=1, misfire_grace_time=None, replace_existing=True)


def start_background(core: Core, mail: MailSettings, seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC, daemon=True)
    _add_job(scheduler, core, mail, seconds)
    scheduler.start()
    return scheduler


def run_forever(core: Core, mail: MailSettings, seconds: int) -> None:
    scheduler = BlockingScheduler(timezone=UTC)
    _add_job(scheduler, core, mail, seconds)
    tick(core, mail)  # do not wait a whole interval for what is already due
    scheduler.start()
