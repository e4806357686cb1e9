"""One unit of work = one database transaction: state, audit records and outbox commit together."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from models.audit import AuditLog
from models.database import WRITE
from workflow.errors import StaleVersion


class UnitOfWork:
    """`with uow_factory() as uow: …; uow.commit()` — anything not committed is rolled back."""

    def __init__(self, engine: Engine, *, write: bool = True):
        self._engine = engine.execution_options(**{WRITE: True}) if write else engine

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._engine, expire_on_commit=False)
        self.audit = AuditLog(self.session)
        return self

    def __exit__(self, *exc) -> None:
        # close() rolls back whatever was not committed, and keeps loaded rows readable afterwards.
        self.session.close()

    def flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError as error:
            raise StaleVersion(None, None) from error

    def commit(self) -> None:
        self.flush()
        self.session.commit()
