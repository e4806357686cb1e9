"""One unit of work = one database transaction: state, audit records and outbox commit together."""

from __future__ import annotations

from sqlalchemy import Connection, Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from models.audit import AuditLog
from models.driver import Driver
from workflow.errors import StaleVersion


class UnitOfWork:
    """`with core.uow() as uow: …; uow.commit()` — anything not committed is rolled back.

    One connection and one transaction; the ORM session and the driver statements both run on it,
    and each is made only when first used (a transition needs no ORM session at all).
    Writers get an engine that asks SQLite for its write lock up front (see models.database)."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def __enter__(self) -> UnitOfWork:
        self._connection: Connection | None = None
        self._session: Session | None = None
        self._driver: Driver | None = None
        self.audit = AuditLog(self)
        return self

    @property
    def connection(self) -> Connection:
        """This unit's connection, inside its transaction (begun on first use)."""
        if self._connection is None:
            self._connection = self._engine.connect()
        if not self._connection.in_transaction():
            self._connection.begin()
        return self._connection

    @property
    def session(self) -> Session:
        if self._session is None:
            # The session drives the unit's transaction: its commit and rollback are the connection's.
            self._session = Session(bind=self.connection, expire_on_commit=False,
                                    join_transaction_mode="control_fully")
        return self._session

    @property
    def db(self) -> Driver:
        """Driver-level statements in this unit's transaction."""
        if self._driver is None:
            self._driver = Driver(self.connection)
        return self._driver

    def __exit__(self, *exc) -> None:
        # Whatever was not committed is rolled back; loaded rows stay readable afterwards.
        if self._session is not None:
            self._session.close()
        if self._connection is not None:
            self._connection.close()

    def flush(self) -> None:
        if self._session is None:
            return
        try:
            self._session.flush()
        except StaleDataError as error:
            raise StaleVersion(None, None) from error

    def commit(self) -> None:
        self.flush()
        if self._session is not None and self._session.in_transaction():
            self._session.commit()  # commits the connection's transaction too (control_fully)
        if self._connection is not None and self._connection.in_transaction():
            self._connection.commit()  # the session was never used, or never made
        # The next transaction must lock the audit chain anew, and read afresh what this one wrote.
        self.audit = AuditLog(self)
        self._driver = None
