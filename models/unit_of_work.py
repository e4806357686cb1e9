"""One unit of work = one database transaction: state, audit records and outbox commit together."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from models.audit import AuditLog
from models.driver import Driver
from workflow.errors import StaleVersion


class UnitOfWork:
    """`with core.uow() as uow: …; uow.commit()` — anything not committed is rolled back.

    Writers get an engine that asks SQLite for its write lock up front (see models.database)."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._engine, expire_on_commit=False)
        self._driver: Driver | None = None
        self.audit = AuditLog(self)
        return self

    @property
    def db(self) -> Driver:
        """Driver-level statements in this unit's transaction (begun on first use)."""
        if self._driver is None:
            self._driver = Driver(self.session.connection())
        return self._driver

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
        # The next transaction may run on another pooled connection, and must lock the chain anew.
        self._driver = None
        self.audit = AuditLog(self)
