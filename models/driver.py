"""Statements run straight on the database driver, inside the unit of work's transaction.

A transition is the one hot write path, and through the ORM it cost over ten times a raw commit
(an ORM load or flush costs ~200 µs here, a driver statement ~10 µs). So a transition reads and
writes its rows here: table and column names come from the models, SQL is spelled once with
`:name` parameters (SQLite's style; PostgreSQL's `%(name)s` is derived), and values are stored
exactly as SQLAlchemy stores them (UTC datetimes), so ORM reads of the same rows agree.
Only rows the ORM has not loaded in this unit of work may be written here.

Hot reads (pages and lists) come here too, through `select`: the statement is still built with
SQLAlchemy, once, and compiled once per kind of database; only running it skips SQLAlchemy's execution and
result machinery (~100 µs a statement here, plus ~1 µs a row).
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Select, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from workflow.errors import StaleVersion

_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


@cache
def _pyformat(sql: str) -> str:
    return _PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))


def _sqlite_value(value: Any) -> Any:
    """As SQLAlchemy's SQLite dialect writes it: datetimes as naive UTC text, dates as ISO text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _reader(kind) -> Any:
    """How a value of this column type is read back into Python; None if it comes as stored."""
    kind = kind.impl_instance if isinstance(kind, TypeDecorator) else kind  # sqlmodel's UTCDateTime
    if isinstance(kind, DateTime):
        return _moment
    if isinstance(kind, Date):
        return _day
    if isinstance(kind, Boolean):
        return _flag
    return None


@cache
def _readers(model: type) -> dict[str, Any]:
    """How each typed column of `model` is read back into Python (the rest come as stored)."""
    return {c.name: reader for c in model.__table__.columns if (reader := _reader(c.type)) is not None}


_COMPILED: dict[tuple[Select, str], tuple[SQLCompiler, tuple[tuple[int, Any], ...], type]] = {}


def _compiled(statement: Select, dialect: Dialect) -> tuple[SQLCompiler, tuple[tuple[int, Any], ...], type]:
    """The statement compiled for this kind of database, the reader of each typed column by position, and
    a named tuple of its columns. Only statements built once (at module level, or cached) belong here:
    each is kept for good (per kind of database, not per engine: tests make engines by the hundred)."""
    key = (statement, dialect.name)
    if (found := _COMPILED.get(key)) is None:
        columns = statement.selected_columns
        readers = tuple((i, r) for i, column in enumerate(columns) if (r := _reader(column.type)))
        found = statement.compile(dialect=dialect), readers, namedtuple("Row", columns.keys(), rename=True)
        _COMPILED[key] = found
    return found


@cache
def _column_names(model: type) -> tuple[str, ...]:
    return tuple(c.name for c in model.__table__.columns)


@cache
def _select_by_id(model: type, columns: tuple[str, ...] | None) -> tuple[str, tuple[str, ...]]:
    names = columns or _column_names(model)
    quoted = ", ".join(f'"{n}"' for n in names)
    return f"SELECT {quoted} FROM {model.__tablename__} WHERE id = :id", names


@cache
def _select_with_parent(model: type, parent: type, via: str, parent_columns: tuple[str, ...]) -> str:
    mine = ", ".join(f'c."{n}"' for n in _column_names(model))
    theirs = ", ".join(f'p."{n}"' for n in parent_columns)
    return (f"SELECT {mine}, {theirs} FROM {model.__tablename__} c JOIN {parent.__tablename__} p "
            f'ON p.id = c."{via}" WHERE c.id = :id')


def _typed(model: type, names: Iterable[str], values: Iterable[Any]) -> SimpleNamespace:
    readers = _readers(model)
    return SimpleNamespace(**{n: readers[n](v) if n in readers else v for n, v in zip(names, values)})


@cache
def _insert(model: type, names: tuple[str, ...]) -> str:
    quoted = ", ".join(f'"{n}"' for n in names)
    return f"INSERT INTO {model.__tablename__} ({quoted}) VALUES ({', '.join(':' + n for n in names)})"


@cache
def _versioned_update(model: type, names: tuple[str, ...]) -> str:
    changes = "".join(f'"{n}" = :{n}, ' for n in names)
    return (f"UPDATE {model.__tablename__} SET {changes}version = version + 1 "
            "WHERE id = :id AND version = :version")


class Driver:
    """The driver connection under a unit of work's SQLAlchemy connection (same transaction)."""

    def __init__(self, connection: Connection):
        self.postgres = connection.dialect.name == "postgresql"
        self._dialect = connection.dialect
        self._db = connection.connection.driver_connection
        #: Rows this unit wrote here, as they now stand: reading one back costs no statement.
        self._written: dict[tuple[type, int], SimpleNamespace] = {}

    def execute(self, sql: str, params: Mapping[str, Any] | None = None):
        """Run one statement; its cursor (rowcount, fetchone, fetchall)."""
        if self.postgres:
            return self._db.execute(_pyformat(sql), params)
        if not params:
            return self._db.execute(sql)
        return self._db.execute(sql, {k: _sqlite_value(v) if isinstance(v, date) else v for k, v in params.items()})

    def select(self, statement: Select, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """All rows of a SELECT built once with SQLAlchemy (see `_compiled`), as named tuples of its
        columns, typed as SQLAlchemy would type them."""
        compiled, readers, row_type = _compiled(statement, self._dialect)
        expanded = compiled.construct_expanded_state(params or {})  # binds, IN-lists expanded
        if self.postgres:
            rows = self._db.execute(expanded.statement, expanded.parameters).fetchall()
        else:
            values = expanded.parameters
            rows = self._db.execute(expanded.statement, [_sqlite_value(values[n]) for n in expanded.positiontup])
            rows = rows.fetchall()
        make = row_type._make
        if not readers:
            return [make(row) for row in rows]
        typed = []
        for row in rows:
            row = list(row)
            for i, read in readers:
                row[i] = read(row[i])
            typed.append(make(row))
        return typed

    def get(self, model: type, id_: int, columns: Iterable[str] | None = None) -> SimpleNamespace | None:
        """One row by id, as attributes (typed as the ORM would give them), or None."""
        if (written := self._written.get((model, id_))) is not None:
            return written
        sql, names = _select_by_id(model, tuple(columns) if columns is not None else None)
        found = self.execute(sql, {"id": id_}).fetchone()
        return None if found is None else _typed(model, names, found)

    def get_with_parent(self, model: type, id_: int, parent: type, via: str,
                        parent_columns: tuple[str, ...]) -> tuple[SimpleNamespace, SimpleNamespace] | None:
        """One row by id and some columns of the row its `via` column points at, in one statement."""
        found = self.execute(_select_with_parent(model, parent, via, parent_columns), {"id": id_}).fetchone()
        if found is None:
            return None
        names = _column_names(model)
        row = _typed(model, names, found[:len(names)])
        return row, _typed(parent, parent_columns, found[len(names):])

    def insert(self, model: type, values: Mapping[str, Any]) -> int:
        """Insert one row; its new id."""
        if self.postgres:
            return self.execute(_insert(model, tuple(values)) + " RETURNING id", values).fetchone()[0]
        return self.execute(_insert(model, tuple(values)), values).lastrowid

    def update_versioned(self, model: type, row: SimpleNamespace, changes: Mapping[str, Any]) -> None:
        """Write `changes` to `row` (as read by `get`) if it is still at its version (the optimistic lock),
        then bump the version. On PostgreSQL a concurrent writer's row lock makes this wait, then see
        its committed version."""
        params = {**changes, "id": row.id, "version": row.version}
        if self.execute(_versioned_update(model, tuple(changes)), params).rowcount != 1:
            current = self.execute(f"SELECT version FROM {model.__tablename__} WHERE id = :id", {"id": row.id})
            found = current.fetchone()
            raise StaleVersion(row.version, found[0] if found else None)
        vars(row).update(changes, version=row.version + 1)
        self._written[(model, row.id)] = row
