"""From a transition to a reminder in someone's mailbox, through the scheduler's own tick."""

from datetime import UTC, datetime, timedelta

from notifications.delivery import MailSettings
from scheduler.runner import start_background, tick
from tests.integration.conftest import NOW, new_review
from services.bus import handle
from workflow.commands import FireCaseTrigger


def test_a_submitted_review_ends_as_an_overdue_e_mail_to_the_reviewer(core, staff, smtp_server, freezer):
    _, (case_id,) = new_review(core, staff.lead)
    for trigger, who, fields in [("screen", "lead", {}), ("assign", "lead", staff.assignment()),
                                 ("submit_review", "reviewer", {"review_date": "2026-11-19"})]:
        with core.uow() as uow:
            handle(core, uow, FireCaseTrigger(case_id=case_id, trigger=trigger, actor=getattr(staff, who),
                                              fields=fields, at=NOW))
            uow.commit()
    core.clock = lambda: datetime.now(UTC)
    mail = MailSettings(server="127.0.0.1", port=smtp_server.port, sender="qareview@unit.test", timeout=3)
    freezer.move_to("2027-01-20T12:00:00+00:00")          # the day after the 60-day finalize deadline
    tick(core, mail)
    tick(core, mail)                                       # a second tick sends nothing new
    overdue = [(to, m) for to, m in smtp_server.mailbox.messages if m["Subject"].startswith("Overdue")]
    assert len(overdue) == 1
    to, message = overdue[0]
    assert to == ["reviewer@qa.test"]
    assert "FC-000" in message["Subject"] and "Monday 18 January 2027, 23:59 CST" in message["Subject"]
    assert f"/cases/{case_id}" in message.get_body(("plain",)).get_content()


def test_the_background_scheduler_triggers_the_sweep_coalesced_one_at_a_time(core):
    scheduler = start_background(core, MailSettings(server="127.0.0.1", port=9, sender="x@y.z"), seconds=3600)
    try:
        job = scheduler.get_job("sweep")
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
        assert job.trigger.interval == timedelta(hours=1)
    finally:
        scheduler.shutdown(wait=False)
