"""Driver-level statements (the transition path, hot reads) and the ORM read and write the same values."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, select

from models.driver import _pyformat
from models.tables import CaseRow, Deadline, ReviewRow
from tests.integration.conftest import NOW, new_review
from workflow.errors import StaleVersion
from workflow.states import CaseState

CHICAGO = ZoneInfo("America/Chicago")


def test_named_parameters_become_pyformat_and_nothing_else_changes():
    assert _pyformat("SELECT :id, x::text, '10:30' FROM t WHERE a = :a_b AND b LIKE '5%'") == \
        "SELECT %(id)s, x::text, '10:30' FROM t WHERE a = %(a_b)s AND b LIKE '5%%'"


def test_a_moment_written_by_the_driver_is_the_same_instant_through_the_orm_and_back(core):
    local = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)          # the repeated hour of the DST change
    with core.uow() as uow:
        written = uow.db.insert(Deadline, {"entity": "case", "entity_id": 1, "clock": "finalize",
                                           "started_at": NOW, "due_at": local, "cursor": 0,
                                           "next_notice_at": None})
        uow.commit()
    with core.uow(write=False) as uow:
        row = uow.session.get(Deadline, written)
        # (compared in UTC: Python never calls a moment of a repeated hour equal across zones)
        assert row.due_at == local.astimezone(UTC) and row.due_at.utcoffset() == timedelta(0)
        assert row.due_at.astimezone(CHICAGO).fold == 0                 # still the first 01:30 (CDT)
        assert row.next_notice_at is None and row.started_at == NOW
        assert uow.db.get(Deadline, written).due_at == local.astimezone(UTC)


def test_rows_the_orm_wrote_read_alike_through_the_driver(core, staff):
    review_id, (case_id,) = new_review(core, staff.lead)
    with core.uow(write=False) as uow:
        orm = uow.session.get(CaseRow, case_id)
        raw = uow.db.get(CaseRow, case_id)
        assert {name: getattr(raw, name) for name in vars(raw)} == \
            {c.name: getattr(orm, c.name) for c in CaseRow.__table__.columns}
        case, review = uow.db.get_with_parent(CaseRow, case_id, ReviewRow, "review_id", ("state", "review_month"))
        assert case.id == case_id and (review.state, review.review_month) == ("sampling", date(2026, 11, 1))
        assert uow.db.get(CaseRow, 2**31 - 1) is None


def test_a_versioned_update_refuses_a_stale_row_and_names_the_current_version(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    with core.uow() as uow:
        mine = uow.db.get(CaseRow, case_id)
        uow.db.update_versioned(CaseRow, mine, {"state": "screened"})
        assert (mine.state, mine.version) == ("screened", 2)
        assert uow.db.get(CaseRow, case_id) is mine                 # read back without a statement
        uow.commit()
    with core.uow() as uow:
        stale = uow.db.get(CaseRow, case_id)
        stale.version = 1
        with pytest.raises(StaleVersion) as refused:
            uow.db.update_versioned(CaseRow, stale, {"state": "eliminated"})
        assert refused.value.details == {"expected_version": 1, "current_version": 2}
    with core.uow(write=False) as uow:
        assert uow.session.get(CaseRow, case_id).state == "screened"


_CASES_IN = (select(CaseRow.id, CaseRow.state, CaseRow.review_date, CaseRow.created_at, CaseRow.finalized_at)
             .where(CaseRow.id.in_(bindparam("ids", expanding=True)), CaseRow.state == CaseState.SAMPLED)
             .order_by(CaseRow.id))


def test_a_select_built_with_sqlalchemy_reads_as_the_orm_does(core, staff):
    _, ids = new_review(core, staff.lead, cases_count=3)
    with core.uow() as uow:
        uow.session.get(CaseRow, ids[1]).review_date = date(2026, 11, 20)
        uow.commit()
    with core.uow(write=False) as uow:
        rows = uow.db.select(_CASES_IN, {"ids": ids[:2]})            # an IN-list, and a constant bound once
        assert [row.id for row in rows] == ids[:2]
        for row in rows:
            orm = uow.session.get(CaseRow, row.id)
            assert tuple(row) == (orm.id, orm.state, orm.review_date, orm.created_at, None)
            assert row.created_at.utcoffset() == timedelta(0)
        assert rows[1].review_date == date(2026, 11, 20)
        assert uow.db.select(_CASES_IN, {"ids": [2**31 - 1]}) == []
