"""Real databases for integration tests: a migrated template per session, a fresh copy per test."""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import UTC, date, datetime

import psycopg
import pytest

from sqlmodel import Session

from services import people
from services.bus import handle
from services.core import Core, bootstrap
from services.setup import init_db
from tests.conftest import TEST_AUDIT_KEY, IN_CI, POSTGRES_ADMIN
from workflow.actors import Actor
from workflow.commands import AddCase, PlanReview
from workflow.roles import Role

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
_numbers = itertools.count()


def _sqlalchemy_url(database: str) -> str:
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    core = bootstrap(database_url=f"sqlite:///{path}", audit_key=TEST_AUDIT_KEY, password_profile="fast")
    init_db(core)
    core.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template():
    try:
        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {error}")
        pytest.skip(f"PostgreSQL is not running ({error})")
    name = f"qareview_template_{os.getpid()}"
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name}")
    core = bootstrap(database_url=_sqlalchemy_url(name), audit_key=TEST_AUDIT_KEY, password_profile="fast")
    init_db(core)
    core.engine.dispose()
    yield admin, name
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A freshly migrated database with the reference data loaded, on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "qareview.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin, template = request.getfixturevalue("postgres_template")
    name = f"qareview_test_{os.getpid()}_{next(_numbers)}"
    admin.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    yield _sqlalchemy_url(name)
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path):
    """Only SQLite, for tests of its own locking."""
    path = tmp_path / "qareview.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(request):
    """Only PostgreSQL, for tests of real concurrency."""
    admin, template = request.getfixturevalue("postgres_template")
    name = f"qareview_test_{os.getpid()}_{next(_numbers)}"
    admin.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    yield _sqlalchemy_url(name)
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def stored(core: Core) -> Session:
    """A SQLAlchemy session on the test's database, to look at what was stored (tests only: the product
    reaches the database through its unit of work)."""
    return Session(core.engine, expire_on_commit=False)


def _core(url: str) -> Core:
    return bootstrap(database_url=url, audit_key=TEST_AUDIT_KEY, password_profile="fast", clock=lambda: NOW)


@pytest.fixture
def core(database_url):
    c = _core(database_url)
    yield c
    c.engine.dispose()


@pytest.fixture
def pg_core(postgres_url):
    c = _core(postgres_url)
    yield c
    c.engine.dispose()


@pytest.fixture
def sqlite_core(sqlite_url):
    c = _core(sqlite_url)
    yield c
    c.engine.dispose()


class Staff:
    """The people of a small unit, created in the database, as the domain sees them."""

    ROLES = {
        "lead": ([Role.TEAM_LEAD], None), "reviewer": ([Role.REVIEWER], None), "reviewer2": ([Role.REVIEWER], None),
        "qa1": ([Role.QA], None), "qa2": ([Role.QA], None), "qa3": ([Role.QA], None),
        "supervisor": ([Role.UNIT_SUPERVISOR], None), "cb": ([Role.CB_REVIEWER], None),
        "leader": ([Role.REGIONAL_LEADER], "3N"), "leader_2e": ([Role.REGIONAL_LEADER], "2E"),
        "coordinator": ([Role.SITE_COORDINATOR], "3N"), "auditor": ([Role.AUDITOR], None),
    }

    def __init__(self, core: Core):
        self.core = core
        with core.uow() as uow:
            for name, (roles, region) in self.ROLES.items():
                people.add_user(uow, email=self.email(name), name=name.title(), roles=roles,
                                password="correct horse", passwords=core.passwords, region=region)
            uow.commit()

    @staticmethod
    def email(name: str) -> str:
        return f"{name}@qa.test"

    def __getattr__(self, name: str) -> Actor:
        if name not in self.ROLES:
            raise AttributeError(name)
        with self.core.uow(write=False) as uow:
            return people.actor(uow, self.email(name))

    def assignment(self) -> dict:
        return {"reviewer": self.email("reviewer"), "first_qa": self.email("qa1"), "second_qa": self.email("qa2")}


@pytest.fixture
def staff(core) -> Staff:
    return Staff(core)


def new_review(core: Core, lead: Actor, *, region: str = "3N", month: date = date(2026, 11, 1),
               cases_count: int = 1) -> tuple[int, list[int]]:
    with core.uow() as uow:
        review = handle(core, uow, PlanReview(region=region, review_month=f"{month:%Y-%m}", kind="measurement",
                                              actor=lead, at=NOW))
        ids = [handle(core, uow, AddCase(review_id=review.id, case_type="foster_care", case_number=f"FC-{n:03d}",
                                         worker=f"W{n % 3}", child_id=f"CH{n}", actor=lead, at=NOW)).id
               for n in range(cases_count)]
        uow.commit()
    return review.id, ids



class Mailbox:
    """An aiosmtpd handler keeping what it receives; addresses starting with 'bounce' get a 550."""

    def __init__(self):
        self.messages = []
        self.delay = 0.0  # seconds each message takes to be accepted: a slow server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        from email import message_from_bytes, policy
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append((sorted(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server on loopback that can be stopped and started again on the same port."""

    def __init__(self):
        self.port, self.mailbox, self.controller = free_port(), Mailbox(), None

    def start(self):
        from aiosmtpd.controller import Controller
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
