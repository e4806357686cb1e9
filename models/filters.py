"""Lists with optional filters, read through Driver.select.

Building a SELECT with SQLAlchemy costs more than running it here (~150 µs for a filtered list), and
Driver.select compiles each statement it sees once. So a list keeps one statement per combination of
filters given, built on first use: a handful of combinations occur, each bound with parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam

if TYPE_CHECKING:
    from models.unit_of_work import UnitOfWork


class FilteredList:
    """`base` (a SELECT ending in `.limit(bindparam("limit"))`) narrowed by any of `conditions`; each
    condition is given the parameter its value is bound to."""

    def __init__(self, base: Select, **conditions: Callable[[BindParameter], ColumnElement[bool]]):
        self._base = base
        self._conditions = conditions
        self._built: dict[frozenset[str], Select] = {}

    def rows(self, uow: UnitOfWork, *, limit: int, **filters: Any) -> list:
        """The rows (named tuples) passing every filter whose value is not None."""
        given = {name: value for name, value in filters.items() if value is not None}
        return uow.db.select(self.statement(frozenset(given)), {**given, "limit": limit})

    def statement(self, names: frozenset[str]) -> Select:
        if (built := self._built.get(names)) is None:
            unknown = names - self._conditions.keys()
            if unknown:
                raise TypeError(f"no such filter: {', '.join(sorted(unknown))}")
            built = self._base.where(*(make(bindparam(name)) for name, make in self._conditions.items()
                                       if name in names))
            self._built[names] = built
        return built
