"""Commands: what someone asks the system to do, as frozen dataclasses, and the fields each trigger takes.

A trigger's fields are declared here once (`CASE_TRIGGER_FIELDS`, `CONCERN_TRIGGER_FIELDS`): the domain
parses what it is given against the declaration before its rules look at the values, the API's request
schema is generated from it, and the pages draw their forms from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from workflow.actors import Actor
from workflow.errors import ValidationFailed

#: The longest free text any field holds; names and identifiers hold at most NAME_MAX.
TEXT_MAX = 10_000
NAME_MAX = 200


class Kind(StrEnum):
    TEXT = "text"      # free text (may hold people's names)
    FLAG = "flag"      # true or false
    DATE = "date"      # YYYY-MM-DD
    CODE = "code"      # one of a configured list of codes
    EMAIL = "email"    # a person, named by e-mail


@dataclass(frozen=True)
class FieldSpec:
    """One field a trigger takes: its kind, whether it must be given, and where its choices come from
    (`choices` names a list the caller knows: a reference list such as elimination reasons, or a role)."""

    name: str
    kind: Kind
    label: str
    required: bool = False
    choices: str | None = None
    help: str = ""

    @property
    def max_length(self) -> int:
        return TEXT_MAX if self.kind is Kind.TEXT else NAME_MAX


NOTES = FieldSpec("notes", Kind.TEXT, "Notes")
_REQUIRED_NOTES = FieldSpec("notes", Kind.TEXT, "Notes", required=True)
_REASON = FieldSpec("reason", Kind.CODE, "Reason", required=True, choices="elimination_reasons")

#: Each case trigger's own fields besides `notes`, which every trigger may carry.
CASE_TRIGGER_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "eliminate": (
        _REASON,
        FieldSpec("supporting_reason", Kind.CODE, "Supporting reason", choices="elimination_reasons",
                  help="required with key_individuals_unavailable, which never decides alone"),
        _REQUIRED_NOTES,
        FieldSpec("cb_consulted", Kind.FLAG, "Discussed with the Children's Bureau", required=True),
    ),
    "propose_elimination": (_REASON, _REQUIRED_NOTES),
    "assign": (
        FieldSpec("reviewer", Kind.EMAIL, "Reviewer", required=True, choices="reviewer"),
        FieldSpec("first_qa", Kind.EMAIL, "First-level QA", required=True, choices="qa"),
        FieldSpec("second_qa", Kind.EMAIL, "Second-level QA", required=True, choices="qa"),
    ),
    "submit_review": (FieldSpec("review_date", Kind.DATE, "Case review date", required=True),),
    "return_to_reviewer": (_REQUIRED_NOTES,),
    "request_corrections": (_REQUIRED_NOTES,),
}

#: Each concern trigger's own fields besides `notes`.
CONCERN_TRIGGER_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "respond": (
        FieldSpec("corrective_action", Kind.TEXT, "Corrective action taken", required=True),
        FieldSpec("systemic_issue", Kind.TEXT, "Systemic issue identified (if any)"),
        FieldSpec("prevention_plan", Kind.TEXT, "Plan to prevent recurrence",
                  help="required when a systemic issue is named"),
    ),
    "request_more": (_REQUIRED_NOTES,),
}


def fields_of(table: Mapping[str, tuple[FieldSpec, ...]], trigger: str) -> tuple[FieldSpec, ...]:
    """The fields `trigger` takes, `notes` included."""
    own = table.get(trigger, ())
    return own if any(f.name == "notes" for f in own) else (*own, NOTES)


def refuse_unknown(given: Mapping[str, Any], specs: tuple[FieldSpec, ...], trigger: str) -> None:
    """A field the trigger does not take is refused, never ignored."""
    unknown = sorted(set(given) - {f.name for f in specs})
    if unknown:
        raise ValidationFailed({name: [f"unknown field for {trigger!r}"] for name in unknown})


def parse(given: Mapping[str, Any], specs: tuple[FieldSpec, ...]) -> dict[str, Any]:
    """The declared fields as typed values (text stripped; an empty text counts as not given), or one
    ValidationFailed naming every field that is missing or of the wrong kind."""
    clean: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for spec in specs:
        value, problem = _value(spec, given.get(spec.name))
        if problem is None and value is None and spec.required:
            problem = f"{spec.label.lower()} is required"
        if problem is not None:
            problems[spec.name] = [problem]
        else:
            clean[spec.name] = value
    if problems:
        raise ValidationFailed(problems)
    return clean


def _value(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    if spec.kind is Kind.FLAG:
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if spec.kind is Kind.DATE:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value, None
        try:
            return date.fromisoformat(value), None
        except (TypeError, ValueError):
            return None, "a date as YYYY-MM-DD"
    if not isinstance(value, str):
        return None, "must be text"
    value = value.strip()
    if len(value) > spec.max_length:
        return None, f"at most {spec.max_length} characters"
    if spec.kind is Kind.EMAIL:
        value = value.lower()
    return value or None, None


# The commands: each names who asks (`actor`) and when (`at`), keyword by keyword.

@dataclass(frozen=True, kw_only=True)
class Command:
    actor: Actor
    at: datetime


@dataclass(frozen=True, kw_only=True)
class FireTrigger(Command):
    """Fire one trigger with its fields. `version` is the version of the entity the caller last saw: a
    stale one is refused. Internal callers that read the entity in the same transaction (the demo, the
    sweep) may leave it None; the API and the pages always send it."""

    trigger: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    version: int | None = None


@dataclass(frozen=True, kw_only=True)
class FireCaseTrigger(FireTrigger):
    case_id: int


@dataclass(frozen=True, kw_only=True)
class FireConcernTrigger(FireTrigger):
    concern_id: int


@dataclass(frozen=True, kw_only=True)
class AddCase(Command):
    """A case added to a review by hand (team lead), in `sampled`."""

    review_id: int
    case_type: str
    case_number: str
    worker: str | None = None
    child_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class PlanReview(Command):
    region: str
    review_month: str
    kind: str


@dataclass(frozen=True, kw_only=True)
class RaiseConcern(Command):
    case_id: int
    type: str
    description: str


@dataclass(frozen=True, kw_only=True)
class DrawSample(Command):
    """Draw a review's sample from the universe (`seed` None: a fresh one), from its sample period (its start
    overridden by `period_start`)."""

    review_id: int
    seed: int | None = None
    period_start: date | None = None
    #: Why it is drawn again, when it replaces a sample (kept with the record of the re-draw).
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ExtendDraw(Command):
    """Extend a review's draw to the records of the universe not in it yet, in the same seeded order."""

    review_id: int


@dataclass(frozen=True, kw_only=True)
class ScheduleOnSite(Command):
    """The on-site days agreed with the region's leadership."""

    review_id: int
    start: date
    end: date


@dataclass(frozen=True, kw_only=True)
class RecordPlanningCall(Command):
    """A planning call of the review's preparation: when, who took part, which eliminations were discussed."""

    review_id: int
    held_on: date
    participants: str
    eliminations_discussed: str | None = None


@dataclass(frozen=True, kw_only=True)
class AddParticipant(Command):
    """A person of a case (team lead, or the case's reviewer, until the case is finalized)."""

    case_id: int
    name: str
    role: str


@dataclass(frozen=True, kw_only=True)
class RecordInterview(Command):
    """A step of a participant's interview: scheduled (when, where), held, or an acceptable exception."""

    case_id: int
    participant_id: int
    status: str
    scheduled_for: datetime | None = None
    location: str | None = None
    exception: str | None = None
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordStaffing(Command):
    """First-level QA's peer staffing with the reviewer (`staffing`), or its shadowing of the interviews with
    the written performance feedback that follows (`shadowing`: `hours`, `notes` the feedback)."""

    case_id: int
    kind: str
    held_on: date
    hours: float | None = None
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class GiveFeedback(Command):
    """A Children's Bureau reviewer's feedback item on a case in secondary oversight."""

    case_id: int
    text: str


@dataclass(frozen=True, kw_only=True)
class AddressFeedback(Command):
    """A team lead says what was changed for a CB feedback item."""

    feedback_id: int
    resolution: str


@dataclass(frozen=True, kw_only=True)
class RateCase(Command):
    """Ratings of some of a case's OSRI items: item number (as text) → {"rating", "rationale"?}."""

    case_id: int
    items: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class SweepDeadlines:
    """Record the notices due at `at` for one batch of deadlines (those in `skip` aside)."""

    at: datetime
    batch: int = 500
    skip: frozenset[int] = frozenset()
