"""Creating the schema and loading the reference data from `config/` into it."""

from __future__ import annotations

from pathlib import Path

from models.database import backup as copy_database
from models.database import is_current, migrate
from services.core import Core


def init_db(core: Core) -> dict[str, int]:
    """Migrate to the newest schema and (re)load regions and the review calendar; safe to repeat."""
    migrate(core.engine, audit_key=core.audit_key)
    with core.uow() as uow:
        uow.regions.replace([(r.code, r.name, r.metro) for r in core.reference.regions.values()],
                            [(month, code) for month, codes in core.reference.calendar.items() for code in codes])
        uow.commit()
    return {"regions": len(core.reference.regions),
            "calendar": sum(len(c) for c in core.reference.calendar.values())}


def ensure_ready(core: Core) -> None:
    """An empty database (the embedded default on first start) gets its schema and reference data; one an
    older release left is brought to the newest schema (its audit chain re-sealed with the key if need be)."""
    if not is_current(core.engine):
        init_db(core)


def backup(core: Core, target: Path) -> None:
    """A consistent copy of the database, taken while the service runs (README: "Backups")."""
    copy_database(core.engine, target)
