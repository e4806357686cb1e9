"""Moving values between domain entities and their rows, which share attribute names."""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import TypeVar

T = TypeVar("T")


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def to_entity(cls: type[T], row) -> T:
    return cls(**{name: getattr(row, name) for name in _names(cls)})


def changes(entity, row) -> dict:
    """The values of `entity` that differ from `row`'s."""
    return {name: value for name in _names(type(entity)) if getattr(row, name) != (value := getattr(entity, name))}


def to_row(entity, row) -> None:
    """Copy every changed value of `entity` onto `row` (unchanged ones are left untouched)."""
    for name, value in changes(entity, row).items():
        setattr(row, name, value)
