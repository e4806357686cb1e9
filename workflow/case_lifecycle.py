"""The case review lifecycle: sampled → … → deidentified, or eliminated."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from workflow import events
from workflow.actors import SYSTEM, Actor, Directory
from workflow.clocks import AgencyCalendar, ClockRule, due_at
from workflow.commands import CASE_TRIGGER_FIELDS
from workflow.lifecycle import Lifecycle, Rule, collect
from workflow.review_calendar import in_review_month
from workflow.roles import Role
from workflow.states import CaseState as S

FIRST_QA, SECOND_QA = "first_qa", "second_qa"
#: States in which a case's own work is over (its clocks stopped).
CLOSED_STATES = frozenset({S.FINALIZED, S.DEIDENTIFIED, S.ELIMINATED})
ASSIGNEES = ("reviewer", FIRST_QA, SECOND_QA)
#: Supports an elimination but never decides one alone.
NOT_DECISIVE_ALONE = "key_individuals_unavailable"


def new_identifier() -> str:
    """A fresh letters-and-digits case identifier for de-identified cases, e.g. 'DK7Q2M9X'."""
    alphabet = string.ascii_uppercase + string.digits
    return "D" + "".join(secrets.choice(alphabet) for _ in range(9))


@dataclass(frozen=True)
class CaseContext:
    """What the guards need to know beyond the case itself."""

    review_month: date
    today: date
    reasons: frozenset[str]
    directory: Directory = field(default_factory=Directory)
    unaddressed_feedback: int = 0
    make_identifier: Callable[[], str] = new_identifier


@dataclass(eq=False)
class CaseReview:
    """One sampled case under review; its attributes mirror the stored row."""

    id: int | None
    review_id: int
    region: str
    case_type: str
    case_number: str
    state: str = S.SAMPLED
    version: int = 1
    child_id: str | None = None
    worker: str | None = None
    reviewer: str | None = None
    first_qa: str | None = None
    second_qa: str | None = None
    returned_by: str | None = None
    review_date: date | None = None
    finalized_at: datetime | None = None
    deidentified_at: datetime | None = None
    elimination_reason: str | None = None
    proposed_elimination_reason: str | None = None
    proposed_elimination_notes: str | None = None
    proposed_by: str | None = None
    #: What happened to it in this unit of work, for the message bus.
    events: list[events.Transitioned] = field(default_factory=list, repr=False)

    # structural conditions the lifecycle evaluates
    def was_returned(self) -> bool:
        return self.returned_by is not None

    def returned_by_first_qa(self) -> bool:
        return self.returned_by == FIRST_QA

    def returned_by_second_qa(self) -> bool:
        return self.returned_by == SECOND_QA

    @property
    def closed(self) -> bool:
        """Its review work is over: no clock of the case's own runs any more."""
        return self.state in CLOSED_STATES

    def participants(self) -> set[str]:
        """Identifiers of the people in the case, matched against declared conflicts."""
        return {p for p in (self.child_id, self.worker, self.case_number) if p}

    def deadlines(self, cal: AgencyCalendar, finalize: ClockRule, deidentify: ClockRule) -> dict:
        return {
            "finalize_due": due_at(finalize, self.review_date, cal) if self.review_date else None,
            "deidentify_due": due_at(deidentify, self.finalized_at, cal) if self.finalized_at else None,
        }

    # effects, called by the lifecycle after each transition
    def on_eliminate(self, *, fields, **_) -> None:
        self.elimination_reason = fields["reason"]

    def on_propose_elimination(self, *, fields, actor, **_) -> None:
        """Recorded for the team lead to decide; the state does not change."""
        self.proposed_elimination_reason = fields["reason"]
        self.proposed_elimination_notes = fields["notes"]
        self.proposed_by = actor.email

    def on_assign(self, *, fields, **_) -> None:
        for role in ASSIGNEES:
            setattr(self, role, fields[role])

    def on_submit_review(self, *, fields, **_) -> None:
        self.review_date = fields["review_date"]

    def on_return_to_reviewer(self, **_) -> None:
        self.returned_by = FIRST_QA

    def on_request_corrections(self, **_) -> None:
        self.returned_by = SECOND_QA

    def on_resubmit(self, **_) -> None:
        self.returned_by = None

    def on_finalize(self, *, now, **_) -> None:
        self.finalized_at = now

    def on_deidentify(self, *, fields, ctx, now, **_) -> None:
        """Replace every identifying value; the old ones travel in the event for the team leads' map."""
        fields["previous"] = {"case_number": self.case_number, "child_id": self.child_id, "worker": self.worker}
        self.case_number = fields["identifier"] = ctx.make_identifier()
        self.child_id = self.worker = None
        self.deidentified_at = now


def add_case(*, review_id: int, region: str, case_type: str, case_number: str, worker: str | None,
             child_id: str | None, actor: Actor, now: datetime, how: str = "added by hand") -> CaseReview:
    """A case added to a review (by hand, or drawn: `how`), `sampled`, with its CaseAdded event (its id comes
    when stored)."""
    case = CaseReview(id=None, review_id=review_id, region=region, case_type=case_type, case_number=case_number,
                      worker=worker, child_id=child_id)
    case.events.append(events.CaseAdded(entity="case", entity_id=None, trigger="add", source="", dest=S.SAMPLED,
                                        actor=actor.email, at=now, notes=how))
    return case


# who may fire what
def _team_lead(actor: Actor, case: CaseReview) -> bool:
    return actor.has(Role.TEAM_LEAD)


def _assigned(role: str) -> Callable[[Actor, CaseReview], bool]:
    return lambda actor, case: getattr(case, role) is not None and actor.email == getattr(case, role)


def _site_coordinator_of_region(actor: Actor, case: CaseReview) -> bool:
    return actor.has(Role.SITE_COORDINATOR) and actor.region == case.region


def _team_lead_or_system(actor: Actor, case: CaseReview) -> bool:
    return actor.email == SYSTEM or actor.has(Role.TEAM_LEAD)


# field checks beyond the kinds the declaration (workflow.commands) gives each field
def _reason_problems(reason: str | None, ctx: CaseContext) -> list[str]:
    return [] if reason in ctx.reasons else [f"must be one of: {', '.join(sorted(ctx.reasons))}"]


def _eliminate_fields(fields: dict, case: CaseReview, ctx: CaseContext) -> dict:
    reason, supporting = fields["reason"], fields["supporting_reason"]
    problems = {"reason": _reason_problems(reason, ctx), "cb_consulted": [], "supporting_reason": []}
    if reason == NOT_DECISIVE_ALONE and (supporting not in ctx.reasons or supporting == NOT_DECISIVE_ALONE):
        problems["supporting_reason"].append(
            "key individuals being unavailable may support, never alone decide, an elimination: "
            "give another reason as supporting_reason")
    if fields["cb_consulted"] is not True:
        problems["cb_consulted"].append("the elimination must be discussed with the Children's Bureau first")
    collect(problems)
    return {"reason": reason, "notes": fields["notes"], "cb_consulted": True,
            **({"supporting_reason": supporting} if reason == NOT_DECISIVE_ALONE else {})}


def _proposal_fields(fields: dict, case: CaseReview, ctx: CaseContext) -> dict:
    collect({"reason": _reason_problems(fields["reason"], ctx)})
    return {"reason": fields["reason"], "notes": fields["notes"]}


def _assign_fields(fields: dict, case: CaseReview, ctx: CaseContext) -> dict:
    needed = {"reviewer": Role.REVIEWER, FIRST_QA: Role.QA, SECOND_QA: Role.QA}
    problems: dict[str, list[str]] = {name: [] for name in needed}
    for name, role in needed.items():
        email = fields[name]
        person = ctx.directory.get(email)
        if person is None:
            problems[name].append(f"no user {email}")
        elif not person.has(role):
            problems[name].append(f"{email} does not have the role {role}")
        elif person.conflicted_with(case_id=case.id, region=case.region, participants=case.participants()):
            problems[name].append(f"{email} has a declared conflict of interest with this case")
    if len({fields[name] for name in needed}) < 3:
        problems["reviewer"].append("reviewer, first QA and second QA must be three different people")
    collect(problems)
    return {name: fields[name] for name in needed}


def _submit_review_fields(fields: dict, case: CaseReview, ctx: CaseContext) -> dict:
    day = fields["review_date"]
    problems = []
    if not in_review_month(day, ctx.review_month):
        problems.append(f"must fall within the review month {ctx.review_month:%Y-%m}")
    elif day > ctx.today:
        problems.append("cannot be in the future")
    collect({"review_date": problems})
    return {"review_date": day}


def _finalize_fields(fields: dict, case: CaseReview, ctx: CaseContext) -> dict:
    if ctx.unaddressed_feedback:
        collect({"cb_feedback": [f"{ctx.unaddressed_feedback} CB feedback item(s) not yet addressed"]})
    return {}


TEAM_LEAD = "a team lead"
REVIEWER = "the case's reviewer"

RULES = {
    "screen": Rule(TEAM_LEAD, _team_lead, events.CaseScreened),
    "eliminate": Rule(TEAM_LEAD, _team_lead, events.CaseEliminated, _eliminate_fields),
    "propose_elimination": Rule("a site coordinator of the case's region", _site_coordinator_of_region,
                                events.EliminationProposed, _proposal_fields),
    "assign": Rule(TEAM_LEAD, _team_lead, events.CaseAssigned, _assign_fields),
    "submit_review": Rule(REVIEWER, _assigned("reviewer"), events.ReviewSubmitted, _submit_review_fields),
    "submit_first_qa": Rule(REVIEWER, _assigned("reviewer"), events.SentToFirstQa),
    "return_to_reviewer": Rule("the case's first QA", _assigned(FIRST_QA), events.ReturnedToReviewer),
    "resubmit": Rule(REVIEWER, _assigned("reviewer"), events.Resubmitted),
    "pass_first_qa": Rule("the case's first QA", _assigned(FIRST_QA), events.FirstQaPassed),
    "request_corrections": Rule("the case's second QA", _assigned(SECOND_QA), events.CorrectionsRequested),
    "complete_qa": Rule("the case's second QA", _assigned(SECOND_QA), events.QaCompleted),
    "finalize": Rule(TEAM_LEAD, _team_lead, events.CaseFinalized, _finalize_fields),
    "deidentify": Rule(TEAM_LEAD, _team_lead_or_system, events.CaseDeidentified),
}

TRANSITIONS = [
    {"trigger": "screen", "source": S.SAMPLED, "dest": S.SCREENED},
    {"trigger": "eliminate", "source": [S.SAMPLED, S.SCREENED, S.ASSIGNED], "dest": S.ELIMINATED,
     "after": "on_eliminate"},
    {"trigger": "propose_elimination", "source": [S.SAMPLED, S.SCREENED, S.ASSIGNED], "dest": None,
     "after": "on_propose_elimination"},
    {"trigger": "assign", "source": S.SCREENED, "dest": S.ASSIGNED, "after": "on_assign"},
    {"trigger": "submit_review", "source": S.ASSIGNED, "dest": S.REVIEWED, "after": "on_submit_review"},
    {"trigger": "submit_first_qa", "source": S.REVIEWED, "dest": S.FIRST_QA, "unless": "was_returned"},
    {"trigger": "return_to_reviewer", "source": S.FIRST_QA, "dest": S.REVIEWED, "after": "on_return_to_reviewer"},
    {"trigger": "resubmit", "source": S.REVIEWED, "dest": S.FIRST_QA, "conditions": "returned_by_first_qa",
     "after": "on_resubmit"},
    {"trigger": "resubmit", "source": S.REVIEWED, "dest": S.SECOND_QA, "conditions": "returned_by_second_qa",
     "after": "on_resubmit"},
    {"trigger": "pass_first_qa", "source": S.FIRST_QA, "dest": S.SECOND_QA},
    {"trigger": "request_corrections", "source": S.SECOND_QA, "dest": S.REVIEWED,
     "after": "on_request_corrections"},
    {"trigger": "complete_qa", "source": S.SECOND_QA, "dest": S.CB_OVERSIGHT},
    {"trigger": "finalize", "source": S.CB_OVERSIGHT, "dest": S.FINALIZED, "after": "on_finalize"},
    {"trigger": "deidentify", "source": S.FINALIZED, "dest": S.DEIDENTIFIED, "after": "on_deidentify"},
]

CASE_LIFECYCLE = Lifecycle(entity="case", states=[s.value for s in S], transitions=TRANSITIONS, rules=RULES,
                           fields=CASE_TRIGGER_FIELDS)
