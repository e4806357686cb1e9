"""Creating the schema and loading the reference data from `config/` into it."""

from __future__ import annotations

from sqlmodel import delete

from models.database import is_migrated, migrate
from models.tables import CalendarEntry, RegionRow
from services.core import Core


def init_db(core: Core) -> dict[str, int]:
    """Migrate to the newest schema and (re)load regions and the review calendar; safe to repeat."""
    migrate(core.engine)
    with core.uow() as uow:
        for region in core.reference.regions.values():
            uow.session.merge(RegionRow(code=region.code, name=region.name, metro=region.metro))
        uow.session.exec(delete(CalendarEntry))
        uow.session.add_all(CalendarEntry(month=month, region=code)
                            for month, codes in core.reference.calendar.items() for code in codes)
        uow.commit()
    return {"regions": len(core.reference.regions),
            "calendar": sum(len(c) for c in core.reference.calendar.values())}


def ensure_ready(core: Core) -> None:
    """An empty database (the embedded default on first start) gets its schema and reference data."""
    if not is_migrated(core.engine):
        init_db(core)
