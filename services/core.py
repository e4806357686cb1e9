"""The wiring of everything but the web: engine, reference data, calendar, clock, password hasher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import Engine

from models.audit import chain_key
from models.database import WRITE, make_engine
from models.unit_of_work import UnitOfWork
from workflow.case_lifecycle import new_identifier
from workflow.clocks import AgencyCalendar
from workflow.reference import Reference, load_reference

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"

_HASHERS = {
    "standard": PasswordHasher,
    # Cheap parameters for test suites that create many users; never for real accounts.
    "fast": lambda: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Core:
    engine: Engine
    reference: Reference
    calendar: AgencyCalendar
    passwords: PasswordHasher
    #: The audit chain's key (never in the database), and where its checkpoints are kept (None: nowhere,
    #: for tools that never seal one; create_app always gives a folder).
    audit_key: bytes
    checkpoint_dir: Path | None = None
    public_url: str = "http://127.0.0.1:5000"
    clock: Callable[[], datetime] = field(default=utcnow)
    identifiers: Callable[[], str] = field(default=new_identifier)

    def __post_init__(self) -> None:
        self._writer = self.engine.execution_options(**{WRITE: True})

    def uow(self, *, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self._writer if write else self.engine, self.audit_key)

    def now(self) -> datetime:
        return self.clock()

    def link(self, path: str) -> str:
        return self.public_url.rstrip("/") + path


def bootstrap(*, database_url: str, audit_key: str, checkpoint_dir: Path | None = None,
              timezone: str = "America/Chicago", config_dir: Path = CONFIG_DIR, password_profile: str = "standard",
              public_url: str = "http://127.0.0.1:5000", clock: Callable[[], datetime] = utcnow) -> Core:
    reference = load_reference(Path(config_dir))
    return Core(
        engine=make_engine(database_url),
        reference=reference,
        calendar=reference.agency_calendar(timezone),
        passwords=_HASHERS[password_profile](),
        audit_key=chain_key(audit_key),
        checkpoint_dir=None if checkpoint_dir is None else Path(checkpoint_dir),
        public_url=public_url,
        clock=clock,
    )
