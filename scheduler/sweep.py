"""The deadline sweep job: record every reminder, overdue notice and escalation that is due, once.

A thin job: one unit of work per batch, each issuing the `SweepDeadlines` command (services.deadlines
holds what a batch does, notifications/ what the notices say). A deadline that cannot be processed is
logged and left out of the following batches, so it cannot hold up the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services import audit
from services.bus import handle
from services.core import Core
from workflow.commands import SweepDeadlines


@dataclass
class SweepReport:
    recorded: list[str] = field(default_factory=list)   # headlines (subjects) of the notices recorded
    failed: list[int] = field(default_factory=list)     # deadlines that could not be processed


def sweep(core: Core, *, now: datetime, batch: int = 500) -> SweepReport:
    """Record what is due at `now`, batch by batch, one transaction per batch."""
    report, failed = SweepReport(), set()
    while True:
        with core.uow() as uow:
            done = handle(core, uow, SweepDeadlines(at=now, batch=batch, skip=frozenset(failed)))
            uow.commit()
        if not done.claimed:
            break
        report.recorded += done.recorded
        failed |= done.failed
    report.failed = sorted(failed)
    audit.seal_if_due(core, now=now)  # the chain is sealed outside the database at least daily
    return report
