"""Moving values between domain entities and their rows, which share attribute names."""

from __future__ import annotations

from dataclasses import fields
from typing import TypeVar

T = TypeVar("T")


def to_entity(cls: type[T], row) -> T:
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def changes(entity, row) -> dict:
    """The values of `entity` that differ from `row`'s."""
    return {f.name: value for f in fields(entity) if getattr(row, f.name) != (value := getattr(entity, f.name))}


def to_row(entity, row) -> None:
    """Copy every changed value of `entity` onto `row` (unchanged ones are left untouched)."""
    for name, value in changes(entity, row).items():
        setattr(row, name, value)
