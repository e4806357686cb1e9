"""A deterministic demo data set, relative to today: people for every role, two regional reviews with
cases in every state, concerns, and deadlines both near and past. Everything goes through the same
services as real work, so the audit trail and the outbox are real too."""

from __future__ import annotations

import random
import string
import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from services import people, sampling, synthetic
from services.bus import execute, handle
from services.core import Core
from workflow.commands import (AddCase, AddParticipant, AddressFeedback, DrawSample, FireCaseTrigger,
                               FireConcernTrigger, GiveFeedback, PlanReview, RaiseConcern, RecordInterview,
                               RecordStaffing)
from workflow.clocks import add_months
from workflow.roles import Role

PASSWORD = "demo-lantern-2026"
#: The synthetic extract the current review's sample is drawn from, and the seed of both.
UNIVERSE_CHILDREN = 3000
UNIVERSE_SEED = 2026
DOMAIN = "qareview.test"


class AlreadyLoaded(Exception):
    pass


def _users(current_region: str, earlier_region: str) -> list[tuple[str, str, list[str], str | None]]:
    return [
        ("admin", "Ada Admin", [Role.ADMIN], None),
        ("lead", "Lee Teamlead", [Role.TEAM_LEAD], None),
        ("reviewer", "Rita Reviewer", [Role.REVIEWER], None),
        ("reviewer2", "Ravi Reviewer", [Role.REVIEWER], None),
        ("qa1", "Quinn Firstqa", [Role.QA], None),
        ("qa2", "Quade Secondqa", [Role.QA], None),
        ("supervisor", "Sue Supervisor", [Role.UNIT_SUPERVISOR], None),
        ("coordinator", "Cory Coordinator", [Role.SITE_COORDINATOR], current_region),
        ("leader", "Lena Leader", [Role.REGIONAL_LEADER], current_region),
        ("leader2", "Leo Leader", [Role.REGIONAL_LEADER], earlier_region),
        ("cb", "Casey Federal", [Role.CB_REVIEWER], None),
        ("auditor", "Audrey Auditor", [Role.AUDITOR], None),
    ]


def email(name: str) -> str:
    return f"{name}@{DOMAIN}"


TO_CB = ["screen", "assign", "submit_review", "submit_first_qa", "pass_first_qa", "complete_qa"]


class _Demo:
    def __init__(self, core: Core):
        seeded = random.Random(20261)
        alphabet = string.ascii_uppercase + string.digits
        self.core = replace(core, identifiers=lambda: "D" + "".join(seeded.choices(alphabet, k=9)))
        self.now = core.now()
        self.today = core.calendar.local_date(self.now)

    def actor(self, name: str):
        with self.core.uow(write=False) as uow:
            return people.actor(uow, email(name))

    def step(self, case_id: int, trigger: str, at: datetime, review_date: date | None = None, **fields) -> None:
        who = {"screen": "lead", "eliminate": "lead", "assign": "lead", "finalize": "lead", "deidentify": "lead",
               "submit_review": "reviewer", "submit_first_qa": "reviewer", "resubmit": "reviewer",
               "return_to_reviewer": "qa1", "pass_first_qa": "qa1",
               "request_corrections": "qa2", "complete_qa": "qa2"}[trigger]
        if trigger == "assign":
            fields |= {"reviewer": email("reviewer"), "first_qa": email("qa1"), "second_qa": email("qa2")}
        if trigger == "submit_review":
            fields["review_date"] = review_date
        if trigger == "eliminate":
            fields |= {"reason": "opened_in_error", "notes": "Opened in error; confirmed on the planning call.",
                       "cb_consulted": True}
        execute(self.core, FireCaseTrigger(case_id=case_id, trigger=trigger, actor=self.actor(who), fields=fields,
                                           at=at))

    def walk(self, case_id: int, triggers: list[str], start: datetime, review_date: date | None = None,
             every: timedelta = timedelta(hours=3), **extra) -> datetime:
        """Fire `triggers` one after the other, `every` apart from `start`; the time of the last one."""
        at = start
        for trigger in triggers:
            at += every
            self.step(case_id, trigger, at, review_date, **extra.get(trigger, {}))
        return at

    def review(self, region: str, month: date, at: datetime, prefix: str, count: int) -> tuple[int, list[int]]:
        lead = self.actor("lead")
        with self.core.uow() as uow:
            review = handle(self.core, uow, PlanReview(region=region, review_month=f"{month:%Y-%m}",
                                                       kind="measurement", actor=lead, at=at))
            ids = []
            for n in range(1, count + 1):
                case_type = "foster_care" if n % 3 else "in_home"
                case = handle(self.core, uow, AddCase(
                    review_id=review.id, case_type=case_type, case_number=f"{prefix}-{n:04d}",
                    worker=f"W{region}{n % 4 + 1:02d}",
                    child_id=f"C{prefix}{n:04d}" if case_type == "foster_care" else None, actor=lead, at=at))
                ids.append(case.id)
            uow.commit()
        return review.id, ids

    def drawn_review(self, region: str, month: date, at: datetime) -> tuple[int, list[int]]:
        """A review whose sample is drawn from a synthetic extract (seeded: the same every run); its cases'
        ids, foster care first, each type in its order."""
        lead = self.actor("lead")
        with tempfile.TemporaryDirectory(prefix="qareview-demo-") as folder:
            files = synthetic.write_universe(Path(folder), children=UNIVERSE_CHILDREN, seed=UNIVERSE_SEED,
                                             today=self.today, regions=list(self.core.reference.regions))
            for kind, path in files.items():
                sampling.import_universe(self.core, kind=kind, path=path, by="demo")
        review = execute(self.core, PlanReview(region=region, review_month=f"{month:%Y-%m}", kind="measurement",
                                               actor=lead, at=at))
        execute(self.core, DrawSample(review_id=review.id, seed=UNIVERSE_SEED, actor=lead, at=at))
        with self.core.uow(write=False) as uow:
            entries = uow.views.sample_entries(uow.views.sample(review.id).id)
        return review.id, [e.case_id for e in entries if e.case_id is not None]

    def people(self, case_id: int, at: datetime, family: str) -> dict[str, int]:
        """Made-up people for a case (no real person's data), the interviews of some already recorded."""
        lead = self.actor("lead")
        cast = {"target_child": f"Robin {family}", "mother": f"Dana {family}-Ortiz", "caseworker": "Jordan Pike"}
        ids = {role: execute(self.core, AddParticipant(case_id=case_id, name=name, role=role, actor=lead, at=at)).id
               for role, name in cast.items()}
        execute(self.core, RecordInterview(case_id=case_id, participant_id=ids["target_child"], status="held",
                                           notes=f"Robin talked about school; {family}'s home is calm.", actor=lead,
                                           at=at))
        execute(self.core, RecordInterview(case_id=case_id, participant_id=ids["mother"], status="scheduled",
                                           scheduled_for=at + timedelta(days=2), location="home", actor=lead, at=at))
        return ids

    def feedback(self, case_id: int, at: datetime, text: str, resolution: str | None = None) -> None:
        item = execute(self.core, GiveFeedback(case_id=case_id, text=text, actor=self.actor("cb"), at=at))
        if resolution:
            execute(self.core, AddressFeedback(feedback_id=item.id, resolution=resolution, actor=self.actor("lead"),
                                               at=at + timedelta(days=2)))

    def concern(self, case_id: int, type: str, raised: datetime, steps: list[tuple[str, str, dict, datetime]]):
        concern = execute(self.core, RaiseConcern(case_id=case_id, type=type, actor=self.actor("reviewer"),
                                                  description=f"Demo concern: {type.replace('_', ' ')}.", at=raised))
        for trigger, who, fields, at in steps:
            execute(self.core, FireConcernTrigger(concern_id=concern.id, trigger=trigger, actor=self.actor(who),
                                                  fields=fields, at=at))


def load(core: Core) -> list[str]:
    demo = _Demo(core)
    with core.uow(write=False) as uow:
        if uow.people.by_email(email("lead")) is not None:
            raise AlreadyLoaded
    this_month = demo.today.replace(day=1)
    earlier_month = add_months(this_month, -3)
    current_region = core.reference.calendar[this_month.month][0]
    earlier_region = core.reference.calendar[earlier_month.month][0]
    with core.uow() as uow:
        for name, full_name, roles, region in _users(current_region, earlier_region):
            people.add_user(uow, email=email(name), name=full_name, roles=roles, password=PASSWORD,
                            passwords=core.passwords, region=region)
        uow.commit()

    # An earlier review, through QA and CB oversight: finalize deadlines already past.
    day = timedelta(days=1)
    earlier_date = earlier_month + timedelta(days=4)
    start = datetime.combine(earlier_date, datetime.min.time(), tzinfo=core.calendar.tz) + timedelta(hours=9)
    earlier_id, old = demo.review(earlier_region, earlier_month, start - 20 * day, "E", 6)
    for case_id, family in zip(old[:5], ("Alder", "Birch", "Cedar", "Hazel", "Rowan")):
        demo.people(case_id, start - 15 * day, family)
    demo.step(old[5], "screen", start - 10 * day)
    demo.step(old[5], "eliminate", start - 9 * day)
    at = start
    for case_id in old[:5]:
        at = demo.walk(case_id, TO_CB, at, earlier_date)
    demo.feedback(old[0], demo.now - 40 * day, "Item 12: the needs assessment of Dana Alder-Ortiz is not cited.")
    demo.feedback(old[1], demo.now - 45 * day, "Item 4: placement changes are not dated.",
                  resolution="Dates added from the placement log.")
    demo.step(old[4], "finalize", demo.now - 30 * day)
    demo.step(old[4], "deidentify", demo.now - 25 * day)
    demo.step(old[3], "finalize", demo.now - 20 * day)      # de-identify overdue
    demo.step(old[2], "finalize", demo.now - 10 * day)      # de-identify due in a few days

    # This month's review, cases spread over every earlier state, all between the month's start and now
    # (the case review date must fall in the review month and not in the future).
    month_start = datetime.combine(this_month, datetime.min.time(), tzinfo=core.calendar.tz)
    every = min(timedelta(hours=1), (demo.now - month_start) / 48)
    current_id, cur = demo.drawn_review(current_region, this_month, month_start + every)
    plans = [
        [], [],                                                             # sampled
        ["screen"], ["screen"],                                             # screened
        ["screen", "assign"],                                               # assigned
        ["screen", "assign", "submit_review"],                              # reviewed
        ["screen", "assign", "submit_review", "submit_first_qa"],           # first QA
        ["screen", "assign", "submit_review", "submit_first_qa", "return_to_reviewer"],   # returned
        ["screen", "assign", "submit_review", "submit_first_qa", "pass_first_qa"],        # second QA
        ["screen", "assign", "submit_review", "submit_first_qa", "pass_first_qa",
         "request_corrections"],                                            # corrections requested
        TO_CB,                                                              # CB oversight
        ["screen", "eliminate"],                                            # eliminated
    ]
    notes = {"return_to_reviewer": {"notes": "Item 12: please cite the assessment dates."},
             "request_corrections": {"notes": "Items 14 and 15 ratings disagree with the visit log."}}
    at = month_start + every
    for case_id, plan in zip(cur, plans):   # the rest of the sample stays `sampled`
        at = demo.walk(case_id, plan, at, this_month, every, **notes)
    demo.people(cur[5], at, "Linden")                                    # a reviewed case: an interview open
    execute(core, RecordStaffing(case_id=cur[4], kind="staffing", held_on=demo.today, actor=demo.actor("qa1"), at=at,
                                 notes="Went over the case plan and whom to interview."))

    hour = timedelta(hours=1)
    demo.concern(cur[5], "insufficient_diligent_efforts", demo.now - 6 * hour, [])
    demo.concern(cur[6], "safety_issue", demo.now - 21 * hour,
                 [("notify_region", "lead", {}, demo.now - 20 * hour)])               # due in ~4 hours
    demo.concern(old[0], "placement_discrepancy", demo.now - 13 * day,
                 [("notify_region", "lead", {}, demo.now - 12 * day)])                # overdue
    demo.concern(cur[8], "runaway", demo.now - 4 * day,
                 [("notify_region", "lead", {}, demo.now - 4 * day + hour),
                  ("respond", "leader", {"corrective_action": "Runaway report filed with law enforcement; "
                                                              "placement stabilised."}, demo.now - 2 * day)])
    demo.concern(cur[10], "tpr_tracking", demo.now - 5 * day,
                 [("notify_region", "lead", {}, demo.now - 5 * day + hour),
                  ("respond", "leader", {"corrective_action": "TPR petition filed.",
                                         "systemic_issue": "TPR petitions are not tracked against the 15-of-22 "
                                                           "month rule.",
                                         "prevention_plan": "Monthly TPR docket review by supervisors."},
                   demo.now - 3 * day),
                  ("accept", "lead", {}, demo.now - 2 * day)])

    return [
        f"demo data loaded: regional reviews {current_region} {this_month:%Y-%m} (#{current_id}) "
        f"(its sample drawn from a synthetic extract) and {earlier_region} {earlier_month:%Y-%m} (#{earlier_id}), "
        f"{len(cur) + len(old)} cases, 5 concerns",
        f"every demo user's password is {PASSWORD!r}:",
        *(f"  {email(name):28} {', '.join(roles)}{f' ({region})' if region else ''}"
          for name, _, roles, region in _users(current_region, earlier_region)),
    ]
