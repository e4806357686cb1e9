"""One transition = one transaction: state, audit record and messages commit together or not at all."""

from datetime import timedelta

import pytest
from sqlmodel import func, select

from models.tables import AuditRecord, CaseRow, DeidentificationMap, OutboxMessage, ReviewRow
from notifications.render import rendered
from services import bus
from services.bus import execute
from tests.integration import conftest
from tests.integration.conftest import NOW, new_review
from workflow import events
from workflow.commands import FireCaseTrigger, FireConcernTrigger, RaiseConcern
from workflow.errors import Forbidden, NotFound, StaleVersion, TransitionNotAllowed, ValidationFailed


def fire(core, case_id, trigger, actor, version=None, **fields):
    return execute(core, FireCaseTrigger(case_id=case_id, trigger=trigger, actor=actor, fields=fields,
                                         version=version, at=NOW))


def counts(core):
    with conftest.stored(core) as session:
        return (session.exec(select(func.count()).select_from(AuditRecord)).one(),
                session.exec(select(func.count()).select_from(OutboxMessage)).one())


def stored(core, model, id_):
    with conftest.stored(core) as session:
        return session.get(model, id_)


def test_a_transition_stores_state_version_audit_and_messages(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    fire(core, case_id, "screen", staff.lead)
    audit_before, outbox_before = counts(core)
    fire(core, case_id, "assign", staff.lead, version=2, **staff.assignment())
    row = stored(core, CaseRow, case_id)
    assert (row.state, row.version, row.reviewer) == ("assigned", 3, "reviewer@qa.test")
    with conftest.stored(core) as session:
        last = session.exec(select(AuditRecord).where(AuditRecord.entity == "case")
                            .order_by(AuditRecord.id.desc())).first()
        message = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert (last.from_state, last.to_state, last.trigger, last.actor) == ("screened", "assigned", "assign",
                                                                          "lead@qa.test")
    assert last.at == NOW
    assert counts(core)[1] == outbox_before + 1
    assert message.recipients == "qa1@qa.test,qa2@qa.test,reviewer@qa.test"
    content = rendered(message)
    assert "FC-000" in content.subject and f"/cases/{case_id}" in content.text


def test_a_failure_after_the_state_change_leaves_nothing_behind(core, staff, monkeypatch):
    _, (case_id,) = new_review(core, staff.lead)
    fire(core, case_id, "screen", staff.lead)
    before = counts(core)

    def broken_mailer(*args, **kwargs):
        raise RuntimeError("template store unavailable")

    monkeypatch.setitem(bus.EVENT_HANDLERS, events.CaseAssigned, [broken_mailer])
    with pytest.raises(RuntimeError):
        fire(core, case_id, "assign", staff.lead, **staff.assignment())
    row = stored(core, CaseRow, case_id)
    assert (row.state, row.version, row.reviewer) == ("screened", 2, None)
    assert counts(core) == before


@pytest.mark.parametrize(("trigger", "who", "fields", "error"), [
    ("finalize", "lead", {}, TransitionNotAllowed),
    ("screen", "reviewer", {}, Forbidden),
    ("eliminate", "lead", {"reason": "bored", "notes": "x", "cb_consulted": True}, ValidationFailed),
])
def test_a_refused_trigger_changes_nothing(core, staff, trigger, who, fields, error):
    _, (case_id,) = new_review(core, staff.lead)
    before = counts(core)
    with pytest.raises(error):
        fire(core, case_id, trigger, getattr(staff, who), **fields)
    assert (stored(core, CaseRow, case_id).state, stored(core, CaseRow, case_id).version) == ("sampled", 1)
    assert counts(core) == before


def test_a_stale_version_is_refused(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    fire(core, case_id, "screen", staff.lead, version=1)
    with pytest.raises(StaleVersion) as refused:
        fire(core, case_id, "eliminate", staff.lead, version=1, reason="opened_in_error", notes="dup",
             cb_consulted=True)
    assert refused.value.details == {"expected_version": 1, "current_version": 2}
    assert stored(core, CaseRow, case_id).state == "screened"


def test_the_review_follows_its_cases_and_tells_the_cb_when_qa_is_done(core, staff):
    review_id, (a, b) = new_review(core, staff.lead, cases_count=2)
    assert stored(core, ReviewRow, review_id).state == "sampling"
    for case_id in (a, b):
        fire(core, case_id, "screen", staff.lead)
    fire(core, a, "assign", staff.lead, **staff.assignment())
    assert stored(core, ReviewRow, review_id).state == "in_review"
    fire(core, b, "eliminate", staff.lead, reason="icpc_other_state", notes="Georgia", cb_consulted=True)
    for trigger, who in [("submit_review", "reviewer"), ("submit_first_qa", "reviewer"),
                         ("pass_first_qa", "qa1"), ("complete_qa", "qa2")]:
        fields = {"review_date": "2026-11-19"} if trigger == "submit_review" else {}
        fire(core, a, trigger, getattr(staff, who), **fields)
    assert stored(core, ReviewRow, review_id).state == "cb_oversight"
    with conftest.stored(core) as session:
        moves = session.exec(select(AuditRecord.from_state, AuditRecord.to_state)
                             .where(AuditRecord.entity == "review").order_by(AuditRecord.id)).all()
        queued = list(session.exec(select(OutboxMessage)))
    [to_cb] = [m for m in queued if "secondary oversight" in rendered(m).subject]
    [supervisor] = [m for m in queued if "QA is complete" in rendered(m).subject]
    assert [tuple(m) for m in moves] == [("", "planned"), ("planned", "sampling"), ("sampling", "in_review"),
                                         ("in_review", "cb_oversight")]
    assert to_cb.recipients == "cb@qa.test"
    assert supervisor.recipients == "supervisor@qa.test"


def test_deidentification_keeps_the_id_and_the_map_for_team_leads(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    with conftest.stored(core) as session:
        row = session.get(CaseRow, case_id)
        row.state, row.review_date, row.finalized_at = "finalized", NOW.date(), NOW - timedelta(days=1)
        session.commit()
    row = fire(core, case_id, "deidentify", staff.lead)
    assert row.finalized_at == NOW - timedelta(days=1) and row.deidentified_at == NOW   # as moments, not text
    assert row.id == case_id and row.case_number != "FC-000" and row.case_number.isalnum()
    assert row.child_id is None and row.worker is None
    mapping = stored(core, DeidentificationMap, case_id)
    assert (mapping.identifier, mapping.case_number, mapping.child_id) == (row.case_number, "FC-000", "CH0")


def test_a_concern_goes_to_its_regions_leadership_and_back(core, staff):
    _, (case_id,) = new_review(core, staff.lead)
    concern = execute(core, RaiseConcern(case_id=case_id, type="safety_issue", actor=staff.reviewer,
                                         description="Unsafe sleeping arrangement", at=NOW))
    concern = execute(core, FireConcernTrigger(concern_id=concern.id, trigger="notify_region", actor=staff.lead,
                                               version=1, at=NOW))
    assert concern.response_due == NOW + timedelta(hours=24)
    with conftest.stored(core) as session:
        notice = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert notice.recipients == "lead@qa.test,leader@qa.test"   # not the 2E leader
    with pytest.raises(NotFound):   # another region's concern does not exist for them
        execute(core, FireConcernTrigger(concern_id=concern.id, trigger="respond", actor=staff.leader_2e,
                                         fields={"corrective_action": "x"}, at=NOW))
    concern = execute(core, FireConcernTrigger(concern_id=concern.id, trigger="respond", actor=staff.leader,
                                               fields={"corrective_action": "Moved to a safe crib."},
                                               at=NOW + timedelta(hours=2)))
    assert concern.state == "responded" and not concern.responded_late
