"""Engines and schema: SQLite (embedded default) or PostgreSQL, always migrated by Alembic."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, make_url, text

MIGRATIONS = Path(__file__).with_name("migrations")
#: Execution option asking SQLite to take the write lock when the transaction begins.
WRITE = "qareview_write"
#: How long a statement waits for a busy SQLite database before it fails.
BUSY_TIMEOUT_MS = 30_000
#: Helper threads SQLite's sorter may start for a sort larger than its cache (building the universe's indexes
#: after an import): 7 % off importing 1.4 million rows on two cores (bench/sampling.py); small sorts start none.
SORTER_THREADS = 2


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        _private(make_url(url).database)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                               **kwargs)
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _private(database: str | None) -> None:
    """The database file readable by its owner only (it holds child and worker ids): created so if new,
    tightened if not. SQLite gives its WAL and shared-memory files the database file's permissions."""
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def _sqlite_transactions(engine: Engine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE for writers.

    A deferred transaction that reads and then writes fails outright (SQLITE_BUSY) when another
    writer committed in between; taking the write lock at BEGIN makes writers queue instead.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, begins transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed: de-identified names leave the file
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA threads = {SORTER_THREADS}")  # helpers for big sorts: an import's index builds
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")  # every commit durable: this is an audit trail
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # Straight to the driver: this runs once per transaction, and exec_driver_sql costs ~50 µs.
        pooled = connection.connection
        if connection.get_execution_options().get(WRITE):
            _busy_timeout(pooled, 0)  # the writer waits in _begin_immediate, then holds the lock
            _begin_immediate(pooled.driver_connection)
        else:
            _busy_timeout(pooled, BUSY_TIMEOUT_MS)
            pooled.driver_connection.execute("BEGIN")


def _busy_timeout(pooled, ms: int) -> None:
    """Set the connection's busy timeout, only when it changes: a statement each way cost a transition
    ~2%, and pooled connections mostly keep to one kind of work."""
    if pooled.info.get("busy_timeout_ms", BUSY_TIMEOUT_MS) != ms:
        pooled.driver_connection.execute(f"PRAGMA busy_timeout = {ms}")
        pooled.info["busy_timeout_ms"] = ms


def _begin_immediate(db: sqlite3.Connection, wait: float = BUSY_TIMEOUT_MS / 1000, step: float = 0.0002) -> None:
    """BEGIN IMMEDIATE on a connection with no busy timeout, retried every `step` seconds while another
    writer holds the lock, for `wait` seconds at most.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15… ms between its tries: a writer that found the
    lock taken slept on well after it was free (20 ms tails with two gunicorn workers writing). Once
    begun, the writer holds the lock: nothing in its transaction waits again."""
    give_up = time.monotonic() + wait
    while True:
        try:
            db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > give_up:
                raise
        time.sleep(step)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


#: PostgreSQL advisory lock key serialising migrations, so several processes may start at once.
_MIGRATION_LOCK = 0x5141_6D67  # "QAmg"


def migrate(engine: Engine, *, audit_key: bytes) -> None:
    """Bring the schema to the newest migration (creating it on an empty database). Some migrations
    re-seal the audit chain, so they are given its key (which never enters the database)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        config.attributes["audit_key"] = audit_key
        command.upgrade(config, "head")


def is_current(engine: Engine) -> bool:
    """Whether this database's schema is at the newest migration (False for an empty one)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())


def backup(engine: Engine, target: Path) -> None:
    """A consistent copy of the database while it serves: SQLite's online backup into a new file (owner-only,
    like the database), or pg_dump's custom format on PostgreSQL (restore with pg_restore)."""
    target = Path(target)
    if engine.dialect.name == "sqlite":
        _private(str(target))
        with engine.connect() as connection:
            source = connection.connection.driver_connection
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        return
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={url}"],
                   check=True, capture_output=True, text=True)
