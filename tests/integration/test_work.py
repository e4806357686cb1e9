"""My work: what waits on someone, the most urgent first, whatever how many there are."""

from datetime import timedelta

from models.tables import Deadline
from tests.integration.conftest import NOW, new_review, stored


def clock(core, case_id, due, stopped=False):
    with stored(core) as session:
        session.add(Deadline(entity="case", entity_id=case_id, clock="finalize", started_at=NOW, due_at=due,
                                 stopped_at=NOW if stopped else None))
        session.commit()


def test_running_clocks_come_first_soonest_due_then_the_rest_oldest_first(core, staff):
    _, ids = new_review(core, staff.lead, cases_count=6)     # all sampled: the team lead's step
    clock(core, ids[4], NOW + timedelta(days=3))
    clock(core, ids[1], NOW - timedelta(days=1))            # overdue
    clock(core, ids[2], NOW + timedelta(days=1))
    clock(core, ids[0], NOW - timedelta(days=9), stopped=True)   # a stopped clock does not count
    with core.uow(write=False) as uow:
        work = uow.views.work_cases(viewer=staff.lead)
        assert [(case.id, case.due) for case in work] == [
            (ids[1], NOW - timedelta(days=1)), (ids[2], NOW + timedelta(days=1)), (ids[4], NOW + timedelta(days=3)),
            (ids[0], None), (ids[3], None), (ids[5], None)]
        # the limit holds across both parts: three clocks fill it; four take one case without a clock
        assert [case.id for case in uow.views.work_cases(viewer=staff.lead, limit=3)] == [ids[1], ids[2], ids[4]]
        assert [case.id for case in uow.views.work_cases(viewer=staff.lead, limit=4)] == [
            ids[1], ids[2], ids[4], ids[0]]
        assert uow.views.work_cases(viewer=staff.reviewer) == []    # nothing of theirs yet
