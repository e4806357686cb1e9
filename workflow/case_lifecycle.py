"""The case review lifecycle: sampled → … → deidentified, or eliminated."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from workflow import events
from workflow.actors import SYSTEM, Actor, Directory
from workflow.clocks import AgencyCalendar, ClockRule, due_at
from workflow.lifecycle import Lifecycle, Rule, collect, notes_of
from workflow.review_calendar import in_review_month
from workflow.roles import Role
from workflow.states import CaseState as S

FIRST_QA, SECOND_QA = "first_qa", "second_qa"
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

    # structural conditions the machine evaluates
    def was_returned(self, event=None) -> bool:
        return self.returned_by is not None

    def returned_by_first_qa(self, event=None) -> bool:
        return self.returned_by == FIRST_QA

    def returned_by_second_qa(self, event=None) -> bool:
        return self.returned_by == SECOND_QA

    def participants(self) -> set[str]:
        """Identifiers of the people in the case, matched against declared conflicts."""
        return {p for p in (self.child_id, self.worker, self.case_number) if p}

    def deadlines(self, cal: AgencyCalendar, finalize: ClockRule, deidentify: ClockRule) -> dict:
        return {
            "finalize_due": due_at(finalize, self.review_date, cal) if self.review_date else None,
            "deidentify_due": due_at(deidentify, self.finalized_at, cal) if self.finalized_at else None,
        }

    # effects, called by the machine after each transition
    def on_eliminate(self, event) -> None:
        self.elimination_reason = event.kwargs["fields"]["reason"]

    def on_propose_elimination(self, event) -> None:
        """Recorded for the team lead to decide; the state does not change."""
        self.proposed_elimination_reason = event.kwargs["fields"]["reason"]
        self.proposed_elimination_notes = event.kwargs["fields"]["notes"]
        self.proposed_by = event.kwargs["actor"].email

    def on_assign(self, event) -> None:
        for role in ASSIGNEES:
            setattr(self, role, event.kwargs["fields"][role])

    def on_submit_review(self, event) -> None:
        self.review_date = event.kwargs["fields"]["review_date"]

    def on_return_to_reviewer(self, event) -> None:
        self.returned_by = FIRST_QA

    def on_request_corrections(self, event) -> None:
        self.returned_by = SECOND_QA

    def on_resubmit(self, event) -> None:
        self.returned_by = None

    def on_finalize(self, event) -> None:
        self.finalized_at = event.kwargs["now"]

    def on_deidentify(self, event) -> None:
        """Replace every identifying value; the old ones travel in the event for the team leads' map."""
        fields = event.kwargs["fields"]
        fields["previous"] = {"case_number": self.case_number, "child_id": self.child_id, "worker": self.worker}
        self.case_number = fields["identifier"] = event.kwargs["ctx"].make_identifier()
        self.child_id = self.worker = None
        self.deidentified_at = event.kwargs["now"]


# who may fire what
def _team_lead(actor: Actor, case: CaseReview) -> bool:
    return actor.has(Role.TEAM_LEAD)


def _assigned(role: str) -> Callable[[Actor, CaseReview], bool]:
    return lambda actor, case: getattr(case, role) is not None and actor.email == getattr(case, role)


def _site_coordinator_of_region(actor: Actor, case: CaseReview) -> bool:
    return actor.has(Role.SITE_COORDINATOR) and actor.region == case.region


def _team_lead_or_system(actor: Actor, case: CaseReview) -> bool:
    return actor.email == SYSTEM or actor.has(Role.TEAM_LEAD)


# field checks
def _eliminate_fields(fields: Mapping[str, Any], case: CaseReview, ctx: CaseContext) -> dict:
    reason, supporting = fields.get("reason"), fields.get("supporting_reason")
    notes, note_problems = notes_of(fields, required=True)
    problems = {"reason": [], "notes": note_problems, "cb_consulted": [], "supporting_reason": []}
    if reason not in ctx.reasons:
        problems["reason"].append(f"must be one of: {', '.join(sorted(ctx.reasons))}")
    elif reason == NOT_DECISIVE_ALONE and (supporting not in ctx.reasons or supporting == NOT_DECISIVE_ALONE):
        problems["supporting_reason"].append(
            "key individuals being unavailable may support, never alone decide, an elimination: "
            "give another reason as supporting_reason")
    if fields.get("cb_consulted") is not True:
        problems["cb_consulted"].append("the elimination must be discussed with the Children's Bureau first")
    collect(problems)
    return {"reason": reason, "notes": notes, "cb_consulted": True,
            **({"supporting_reason": supporting} if reason == NOT_DECISIVE_ALONE else {})}


def _proposal_fields(fields: Mapping[str, Any], case: CaseReview, ctx: CaseContext) -> dict:
    notes, note_problems = notes_of(fields, required=True)
    reason = fields.get("reason")
    reason_problems = [] if reason in ctx.reasons else [f"must be one of: {', '.join(sorted(ctx.reasons))}"]
    collect({"reason": reason_problems, "notes": note_problems})
    return {"reason": reason, "notes": notes}


def _assign_fields(fields: Mapping[str, Any], case: CaseReview, ctx: CaseContext) -> dict:
    needed = {"reviewer": Role.REVIEWER, FIRST_QA: Role.QA, SECOND_QA: Role.QA}
    problems: dict[str, list[str]] = {name: [] for name in needed}
    chosen: dict[str, str] = {}
    for name, role in needed.items():
        email = fields.get(name)
        if not isinstance(email, str) or not email.strip():
            problems[name].append("an e-mail address is required")
            continue
        chosen[name] = email = email.strip().lower()
        person = ctx.directory.get(email)
        if person is None:
            problems[name].append(f"no user {email}")
        elif not person.has(role):
            problems[name].append(f"{email} does not have the role {role}")
        elif person.conflicted_with(case_id=case.id, region=case.region, participants=case.participants()):
            problems[name].append(f"{email} has a declared conflict of interest with this case")
    if len(chosen) == 3 and len(set(chosen.values())) < 3:
        problems["reviewer"].append("reviewer, first QA and second QA must be three different people")
    collect(problems)
    return chosen


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _submit_review_fields(fields: Mapping[str, Any], case: CaseReview, ctx: CaseContext) -> dict:
    day = _parse_date(fields.get("review_date"))
    problems = []
    if day is None:
        problems.append("the case review date is required, as YYYY-MM-DD")
    elif not in_review_month(day, ctx.review_month):
        problems.append(f"must fall within the review month {ctx.review_month:%Y-%m}")
    elif day > ctx.today:
        problems.append("cannot be in the future")
    collect({"review_date": problems})
    return {"review_date": day}


def _notes_required(fields: Mapping[str, Any], case: CaseReview, ctx: CaseContext) -> dict:
    notes, problems = notes_of(fields, required=True)
    collect({"notes": problems})
    return {"notes": notes}


def _finalize_fields(fields: Mapping[str, Any], case: CaseReview, ctx: CaseContext) -> dict:
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
    "return_to_reviewer": Rule("the case's first QA", _assigned(FIRST_QA), events.ReturnedToReviewer,
                               _notes_required),
    "resubmit": Rule(REVIEWER, _assigned("reviewer"), events.Resubmitted),
    "pass_first_qa": Rule("the case's first QA", _assigned(FIRST_QA), events.FirstQaPassed),
    "request_corrections": Rule("the case's second QA", _assigned(SECOND_QA), events.CorrectionsRequested,
                                _notes_required),
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

CASE_LIFECYCLE = Lifecycle(entity="case", states=[s.value for s in S], transitions=TRANSITIONS, rules=RULES)
