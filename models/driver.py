"""The one way statements reach the database: the driver connection under the unit of work's transaction.

Private to models/: repositories and views call it; nothing outside models/ knows it is there.
Through the ORM a transition cost over ten times a raw commit (an ORM load or flush ~200 µs here, a driver
statement ~10 µs), so every statement runs on the driver. Writes are SQL spelled once with `:name`
parameters (SQLite's style; PostgreSQL's `%(name)s` is derived), with table and column names from the
models; reads are SQLAlchemy Core SELECTs, compiled once per kind of database. Values are stored exactly
as SQLAlchemy stores them (UTC datetimes, ISO dates on SQLite) and read back typed the same way, so an
Alembic migration or a test reading through SQLAlchemy sees the same values.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from itertools import repeat
from typing import Any

import psycopg
from sqlalchemy import Boolean, Connection, Date, DateTime, Select, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from workflow.errors import StaleVersion

#: How many compiled SELECTs (and rewritten SQL strings) are kept: the hot ones are built once at import,
#: a few dozen in all; the bound keeps statements built on the fly from growing the cache without end.
COMPILED_STATEMENTS = 256

_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


@lru_cache(maxsize=COMPILED_STATEMENTS)
def _pyformat(sql: str) -> str:
    return _PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))


def _sqlite_value(value: Any) -> Any:
    """As SQLAlchemy's SQLite dialect writes it: datetimes as naive UTC text, dates as ISO text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _moment(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _reader(kind, dialect: str) -> Any:
    """How a value of this column type, when not NULL, is read back into Python; None if it comes as stored.
    psycopg gives dates and booleans typed (and datetimes in the session's zone, made UTC here); SQLite gives
    text and integers. SQLite's dates are read by `date.fromisoformat` itself, no Python function around it: a
    draw reads 150,000 of them (0.015 s less)."""
    kind = kind.impl_instance if isinstance(kind, TypeDecorator) else kind  # sqlmodel's UTCDateTime
    if isinstance(kind, DateTime):
        return _moment
    if dialect == "postgresql":
        return None
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Boolean):
        return bool
    return None


@cache
def _readers(model: type, dialect: str) -> dict[str, Any]:
    """How each typed column of a table model is read back into Python (the rest come as stored)."""
    return {c.name: reader for c in model.__table__.columns if (reader := _reader(c.type, dialect)) is not None}


def _typed(found: Sequence[Sequence], readers: tuple[tuple[int, Any], ...], shape: type) -> list:
    """Fetched rows with each typed column that is not NULL read (`_compiled`'s readers), each made a `shape`.
    tuple.__new__ makes a named tuple as its `_make` does, without a Python call per row (a draw reads 60,000)."""
    new, typed = tuple.__new__, []
    for row in found:
        row = list(row)
        for i, read in readers:
            if (value := row[i]) is not None:
                row[i] = read(value)
        typed.append(new(shape, row))
    return typed


@cache
def _dialect(name: str) -> Dialect:
    """One dialect per kind of database, to compile with (tests make engines by the hundred)."""
    return postgresql.psycopg.dialect() if name == "postgresql" else sqlite.pysqlite.dialect()


@lru_cache(maxsize=COMPILED_STATEMENTS)
def _compiled(statement: Select, dialect: str):
    """The SELECT compiled for this kind of database, and the reader of each typed column by position."""
    readers = tuple((i, r) for i, column in enumerate(statement.selected_columns)
                    if (r := _reader(column.type, dialect)))
    return statement.compile(dialect=_dialect(dialect)), readers


@cache
def _insert_sql(model: type, names: tuple[str, ...], conflict: tuple[str, ...]) -> str:
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = f"INSERT INTO {model.__tablename__} ({quoted}) VALUES ({', '.join(':' + n for n in names)})"
    return sql + (f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING" if conflict else "")


@cache
def _versioned_update_sql(model: type, names: tuple[str, ...]) -> str:
    changes = "".join(f'"{n}" = :{n}, ' for n in names)
    return (f"UPDATE {model.__tablename__} SET {changes}version = version + 1 "
            "WHERE id = :id AND version = :version")


@cache
def _defaults(model: type) -> dict[str, Any]:
    """Each column's default as the table model declares it (a value, or a factory to call)."""
    found = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            found[name] = info.default_factory
        elif info.default is not None and name != "id" and not repr(info.default).startswith("PydanticUndefined"):
            found[name] = info.default
    return found


class Driver:
    """Statements on the driver connection under a unit of work's SQLAlchemy connection (same transaction)."""

    def __init__(self, dialect: str, connect: Callable[[], Connection]):
        """`connect` gives the unit's connection, its transaction begun: called on the first statement
        only, so a unit that never touches the database never takes a connection (or SQLite's write lock)."""
        self._dialect = dialect
        self.postgres = dialect == "postgresql"
        self._connect = connect
        self._connection = None

    @property
    def _db(self):
        if self._connection is None:
            self._connection = self._connect().connection.driver_connection
        return self._connection

    def execute(self, sql: str, params: Mapping[str, Any] | None = None):
        """Run one statement written with `:name` parameters; its cursor (rowcount, fetchone, fetchall)."""
        if self.postgres:
            return self._db.execute(_pyformat(sql), params)
        if not params:
            return self._db.execute(sql)
        return self._db.execute(sql, {k: _sqlite_value(v) if isinstance(v, date) else v for k, v in params.items()})

    def ddl(self, element) -> None:
        """Run a schema statement (sqlalchemy.schema's CreateIndex, DropIndex, …) as this database writes it."""
        self.execute(str(element.compile(dialect=_dialect(self._dialect))))

    def ddl_unless_repeated(self, element) -> bool:
        """Run a CREATE UNIQUE INDEX; False, and nothing changed, when the table's rows repeat its key (under a
        savepoint: on PostgreSQL a failed statement would refuse every later one of the transaction)."""
        self.execute("SAVEPOINT unique_index")
        try:
            self.ddl(element)
        except (sqlite3.IntegrityError, psycopg.errors.UniqueViolation):
            self.execute("ROLLBACK TO SAVEPOINT unique_index")
            self.execute("RELEASE SAVEPOINT unique_index")
            return False
        self.execute("RELEASE SAVEPOINT unique_index")
        return True

    def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if self.postgres:
            with self._db.cursor() as cursor:
                cursor.executemany(_pyformat(sql), rows)
        else:
            self._db.executemany(sql, [{k: _sqlite_value(v) for k, v in row.items()} for row in rows])

    def rows(self, statement: Select, params: Mapping[str, Any] | None = None, shape: type | None = None) -> list:
        """Every row of a Core SELECT, typed as SQLAlchemy would type them, each made by `shape` (a NamedTuple
        whose fields are the SELECT's columns in order) or left a tuple."""
        compiled, readers = _compiled(statement, self._dialect)
        expanded = compiled.construct_expanded_state(params or {})  # binds, IN-lists expanded
        if self.postgres:
            found = self._db.execute(expanded.statement, expanded.parameters).fetchall()
        else:
            values = expanded.parameters
            found = self._db.execute(expanded.statement, [_sqlite_value(values[n]) for n in expanded.positiontup])
            found = found.fetchall()
        if not readers:   # both drivers fetch tuples
            return found if shape is None else list(map(tuple.__new__, repeat(shape), found))
        return _typed(found, readers, shape or tuple)

    def stream(self, statement: Select, *, batch: int) -> Iterator[tuple]:
        """The rows of a large SELECT, `batch` at a time (a server-side cursor on PostgreSQL), typed."""
        compiled, readers = _compiled(statement, self._dialect)
        if self.postgres:
            cursor = self._db.cursor(name="qareview_stream")
            cursor.execute(compiled.string, compiled.params)
        else:
            cursor = self._db.execute(compiled.string, [_sqlite_value(compiled.params[n])
                                                        for n in compiled.positiontup])
        try:
            while chunk := cursor.fetchmany(batch):
                yield from _typed(chunk, readers, tuple)
        finally:
            cursor.close()

    def by_id(self, model: type, id_: int, names: tuple[str, ...]) -> dict[str, Any] | None:
        """One row's `names` columns by id, typed, or None."""
        quoted = ", ".join(f'"{n}"' for n in names)
        found = self.execute(f"SELECT {quoted} FROM {model.__tablename__} WHERE id = :id", {"id": id_}).fetchone()
        if found is None:
            return None
        readers = _readers(model, self._dialect)
        return {n: readers[n](v) if n in readers and v is not None else v for n, v in zip(names, found)}

    def insert(self, model: type, values: Mapping[str, Any], *, unless: tuple[str, ...] = ()) -> int | None:
        """Insert one row (columns not given take the model's defaults); its new id (None for a table keyed
        otherwise). With `unless` (the columns of a unique key), a row clashing with one already there is
        not inserted: None."""
        values = {**{k: v() if callable(v) else v for k, v in _defaults(model).items() if k not in values},
                  **values}
        sql = _insert_sql(model, tuple(values), unless)
        if "id" not in model.__table__.c:
            self.execute(sql, values)
            return None
        if self.postgres:
            found = self.execute(sql + " RETURNING id", values).fetchone()
            return None if found is None else found[0]
        cursor = self.execute(sql, values)
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def insert_many(self, model: type, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows that all give the same columns, in one batch."""
        if rows:
            self.execute_many(_insert_sql(model, tuple(rows[0]), ()), rows)

    def empty(self, model: type) -> None:
        """Remove every row of a table, within the transaction. On PostgreSQL a TRUNCATE: it leaves no dead rows
        behind (a DELETE of a million would, for every later scan to step over until vacuumed), and the rows
        stored next may be stored frozen (`insert_rows`). It locks the table against readers until the end."""
        self.execute(f"{'TRUNCATE' if self.postgres else 'DELETE FROM'} {model.__tablename__}")

    def insert_rows(self, model: type, names: tuple[str, ...], rows: Iterable[Sequence], *,
                    emptied: bool = False) -> None:
        """Insert rows given as sequences of `names`' values, already as stored (dates as ISO text): the bulk path
        of an import and of a draw. The rows may stream from a generator: PostgreSQL takes them in one COPY
        (its text format parses ISO dates; the server stores while the caller makes the next rows), SQLite in
        one prepared statement. `emptied`: the table was emptied (`empty`) in this transaction, so PostgreSQL
        stores the rows frozen, as already seen by every transaction: their first reader need not mark every
        page it reads as such (and write it again), which cost a region's draw after an import 0.05 s."""
        quoted = ", ".join(f'"{n}"' for n in names)
        if self.postgres:
            freeze = " (FREEZE)" if emptied else ""
            with self._db.cursor() as cursor, \
                    cursor.copy(f"COPY {model.__tablename__} ({quoted}) FROM STDIN{freeze}") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(names))
            self._db.executemany(f"INSERT INTO {model.__tablename__} ({quoted}) VALUES ({marks})", rows)

    def update_versioned(self, model: type, id_: int, version: int, changes: Mapping[str, Any]) -> None:
        """Write `changes` if the row is still at `version` (the optimistic lock: the one version check),
        and bump its version. On PostgreSQL a concurrent writer's row lock makes this wait, then see
        its committed version."""
        params = {**changes, "id": id_, "version": version}
        if self.execute(_versioned_update_sql(model, tuple(changes)), params).rowcount != 1:
            found = self.execute(f"SELECT version FROM {model.__tablename__} WHERE id = :id", {"id": id_}).fetchone()
            raise StaleVersion(version, found[0] if found else None)
