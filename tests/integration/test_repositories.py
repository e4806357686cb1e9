"""The repositories and views store and read values exactly as SQLAlchemy (Alembic, the tests) sees them."""

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.driver import _pyformat
from models.tables import CaseRow, Deadline
from tests.integration.conftest import NOW, new_review, stored
from workflow.case_lifecycle import CaseReview
from workflow.errors import StaleVersion

CHICAGO = ZoneInfo("America/Chicago")


def test_named_parameters_become_pyformat_and_nothing_else_changes():
    assert _pyformat("SELECT :id, x::text, '10:30' FROM t WHERE a = :a_b AND b LIKE '5%'") == \
        "SELECT %(id)s, x::text, '10:30' FROM t WHERE a = %(a_b)s AND b LIKE '5%%'"


def test_a_moment_stored_is_the_same_instant_through_sqlalchemy_and_back(core):
    local = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)          # the repeated hour of the DST change
    with core.uow() as uow:
        written = uow.deadlines.start(entity="case", entity_id=1, clock="finalize", started_at=NOW, due_at=local,
                                      next_notice_at=None)
        uow.commit()
    with stored(core) as session:
        row = session.get(Deadline, written)
        # (compared in UTC: Python never calls a moment of a repeated hour equal across zones)
        assert row.due_at == local.astimezone(UTC) and row.due_at.utcoffset() == timedelta(0)
        assert row.due_at.astimezone(CHICAGO).fold == 0                 # still the first 01:30 (CDT)
        assert row.next_notice_at is None and row.started_at == NOW
    with core.uow(write=False) as uow:
        [read] = uow.views.open_deadlines(entity="case", entity_id=1)
        assert read.due_at == local.astimezone(UTC) and read.started_at == NOW


def test_an_entity_loads_every_value_as_sqlalchemy_reads_it(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    with stored(core) as session:
        session.get(CaseRow, case_id).review_date = date(2026, 11, 20)
        session.commit()
        orm = session.get(CaseRow, case_id)
    with core.uow(write=False) as uow:
        case = uow.cases.get(case_id)
        assert {f.name: getattr(case, f.name) for f in fields(CaseReview) if f.name != "events"} == \
            {f.name: getattr(orm, f.name) for f in fields(CaseReview) if f.name != "events"}
        assert uow.cases.get(case_id) is case                          # held: read once per unit of work
        [line] = uow.views.cases(viewer=staff.lead, review_id=case.review_id)
        assert line._asdict() == {name: getattr(case, name) for name in line._fields}
        assert uow.cases.get(2**31 - 1) is None and uow.cases.get_many([2**31 - 1]) == {}


def test_saving_writes_what_changed_and_refuses_a_stale_entity_naming_the_current_version(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    with core.uow() as uow:
        mine = uow.cases.get(case_id)
        mine.state = "screened"
        uow.cases.save(mine)
        assert mine.version == 2
        uow.commit()
    with core.uow() as uow:
        theirs = uow.cases.get(case_id)
        theirs.version = 1                                         # as someone who read it before the change
        theirs.state = "eliminated"
        with pytest.raises(StaleVersion) as refused:
            uow.cases.save(theirs)
        assert refused.value.details == {"expected_version": 1, "current_version": 2}
    with stored(core) as session:
        assert (session.get(CaseRow, case_id).state, session.get(CaseRow, case_id).version) == ("screened", 2)
