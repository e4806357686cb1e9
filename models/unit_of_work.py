"""One unit of work = one database transaction: state, audit records, outbox messages and clocks commit
together. Its repositories and views are the only way in and out of the database."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from models.audit import AuditLog
from models.driver import Driver
from models.repositories import (CasePeopleRepository, CaseRepository, CaseTextRepository, ConcernRepository,
                                 DeadlineRepository, FeedbackRepository, OutboxRepository, PeopleRepository,
                                 RatingRepository, RegionRepository, ReviewRepository, SampleRepository,
                                 UniverseRepository)
from models.views import Views


class UnitOfWork:
    """`with core.uow() as uow: …; uow.commit()` — anything not committed is rolled back.

    One connection and one transaction, begun on first use. Writers get an engine that asks SQLite for
    its write lock up front (see models.database). After a commit the repositories start afresh: the
    next transaction reads anew what this one wrote."""

    def __init__(self, engine: Engine, audit_key: bytes):
        self._engine = engine
        self._audit_key = audit_key
        self._connection: Connection | None = None

    def __enter__(self) -> UnitOfWork:
        self._open()
        return self

    def _open(self) -> None:
        self._connection = None
        db = Driver(self._engine.dialect.name, self._connect)
        #: Every entity loaded or added in this transaction: where the message bus finds their events.
        self.seen: list = []
        self.reviews = ReviewRepository(db, self.seen)
        self.cases = CaseRepository(db, self.seen, self.reviews)
        self.concerns = ConcernRepository(db, self.seen)
        self.feedback = FeedbackRepository(db, self.seen)
        self.case_people = CasePeopleRepository(db)
        self.case_texts = CaseTextRepository(db)
        self.ratings = RatingRepository(db)
        self.people = PeopleRepository(db)
        self.regions = RegionRepository(db)
        self.deadlines = DeadlineRepository(db)
        self.outbox = OutboxRepository(db)
        self.universe = UniverseRepository(db)
        self.samples = SampleRepository(db)
        self.audit = AuditLog(db, self._audit_key)
        self.views = Views(db)

    def _connect(self) -> Connection:
        self._connection = self._engine.connect()
        self._connection.begin()
        return self._connection

    def __exit__(self, *exc) -> None:
        if self._connection is not None:
            self._connection.close()  # rolls back whatever was not committed
            self._connection = None

    def commit(self) -> None:
        if self._connection is not None:
            self._connection.commit()
            self._connection.close()
        self._open()

    def new_events(self):
        """The events the entities of this unit recorded and nobody has handled yet, oldest entity first."""
        for entity in self.seen:
            while entity.events:
                yield entity, entity.events.pop(0)
