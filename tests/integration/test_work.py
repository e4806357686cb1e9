"""My work: what waits on someone, the most urgent first, whatever how many there are."""

from datetime import timedelta

from models.tables import Deadline
from services.work import waiting_on
from tests.integration.conftest import NOW, new_review


def clock(core, case_id, due, stopped=False):
    with core.uow() as uow:
        uow.session.add(Deadline(entity="case", entity_id=case_id, clock="finalize", started_at=NOW, due_at=due,
                                 stopped_at=NOW if stopped else None))
        uow.commit()


def test_running_clocks_come_first_soonest_due_then_the_rest_oldest_first(core, staff):
    _, ids = new_review(core, staff.lead, cases_count=6)     # all sampled: the team lead's step
    clock(core, ids[4], NOW + timedelta(days=3))
    clock(core, ids[1], NOW - timedelta(days=1))            # overdue
    clock(core, ids[2], NOW + timedelta(days=1))
    clock(core, ids[0], NOW - timedelta(days=9), stopped=True)   # a stopped clock does not count
    with core.uow(write=False) as uow:
        work = waiting_on(uow, viewer=staff.lead)
        assert [(case.id, case.due) for case in work.cases] == [
            (ids[1], NOW - timedelta(days=1)), (ids[2], NOW + timedelta(days=1)), (ids[4], NOW + timedelta(days=3)),
            (ids[0], None), (ids[3], None), (ids[5], None)]
        # the limit holds across both parts: three clocks fill it; four take one case without a clock
        assert [case.id for case in waiting_on(uow, viewer=staff.lead, limit=3).cases] == [ids[1], ids[2], ids[4]]
        assert [case.id for case in waiting_on(uow, viewer=staff.lead, limit=4).cases] == [
            ids[1], ids[2], ids[4], ids[0]]
        assert waiting_on(uow, viewer=staff.reviewer).cases == []    # nothing of theirs yet
