"""Scratch PostgreSQL databases for benchmarks: created fresh, always dropped, skipped when unreachable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_databases(admin_url: str = ADMIN) -> Iterator:
    """Yields `new(name, template=None) -> plain postgresql:// URL` of a fresh database (a copy of the database
    `template` when given, which nobody may be connected to), or None when PostgreSQL is not reachable; every
    database made is dropped on the way out."""
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        print("PostgreSQL not reachable: skipped")
        yield None
        return
    base, made = admin_url.rsplit("/", 1)[0], []

    def new(name: str, template: str | None = None) -> str:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        if name not in made:
            made.append(name)
        return f"{base}/{name}"

    try:
        yield new
    finally:
        for name in made:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)

#: The audit key benchmark databases are sealed with.
BENCH_AUDIT_KEY = "bench-audit-key"
