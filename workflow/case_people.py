"""The people of a case and their interviews: who must be offered one, what counts as done, which
exceptions are acceptable and which are refused (and why), and the label that replaces each person's name
when the case is de-identified."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from workflow.commands import NAME_MAX, TEXT_MAX
from workflow.lifecycle import collect

STATUSES = ("scheduled", "held", "exception")
LOCATIONS = ("home", "office", "phone", "other")


class Participant(NamedTuple):
    id: int
    case_id: int
    name: str
    role: str


class Interview(NamedTuple):
    id: int
    case_id: int
    participant_id: int
    status: str
    scheduled_for: datetime | None
    location: str | None
    exception: str | None
    notes: str | None


class Staffing(NamedTuple):
    """First-level QA's peer staffing with the reviewer, or its shadowing (hours; notes: the feedback)."""

    id: int
    case_id: int
    kind: str
    held_on: date
    hours: float | None
    notes: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Requirement:
    """Who of a case must be offered an interview: every participant with one of `roles` (`each`), or one
    of them; `needed`: the case must have such a participant at all."""

    what: str
    roles: tuple[str, ...]
    each: bool
    needed: bool


@dataclass(frozen=True)
class InterviewRules:
    roles: Mapping[str, str]                              # role code → label
    required: Mapping[str, tuple[Requirement, ...]]        # by case type
    acceptable: Mapping[str, str]                          # exception code → what it means
    refused: Mapping[str, str]                             # exception code → why it is never accepted
    common_words: frozenset[str] = field(default_factory=frozenset)


def checked_participant(name, role, rules: InterviewRules) -> tuple[str, str]:
    """The participant's name (trimmed) and role, or ValidationFailed saying what is wrong."""
    name = name.strip() if isinstance(name, str) else ""
    collect({"name": ["a name is required"] if not name else
             [f"at most {NAME_MAX} characters"] if len(name) > NAME_MAX else [],
             "role": [] if role in rules.roles else [f"must be one of: {', '.join(rules.roles)}"]})
    return name, role


def checked_interview(*, status, scheduled_for, location, exception, notes, rules: InterviewRules) -> dict:
    """An interview's fields as stored, or ValidationFailed: a scheduled one needs when and where, an exception
    an acceptable code (a refused one is refused with its reason)."""
    problems: dict[str, list[str]] = {"status": [], "scheduled_for": [], "location": [], "exception": [],
                                      "notes": []}
    if status not in STATUSES:
        problems["status"].append(f"must be one of: {', '.join(STATUSES)}")
    if status == "scheduled" and scheduled_for is None:
        problems["scheduled_for"].append("a scheduled interview needs its date and time")
    if status == "scheduled" and location is None:
        problems["location"].append("a scheduled interview needs its place")
    if location is not None and location not in LOCATIONS:
        problems["location"].append(f"must be one of: {', '.join(LOCATIONS)}")
    if status == "exception":
        if exception in rules.refused:
            problems["exception"].append(f"not an acceptable exception: {rules.refused[exception]}")
        elif exception not in rules.acceptable:
            problems["exception"].append(f"must be one of: {', '.join(rules.acceptable)}")
    elif exception is not None:
        problems["exception"].append("only an interview with status exception takes an exception")
    if isinstance(notes, str) and len(notes) > TEXT_MAX:
        problems["notes"].append(f"at most {TEXT_MAX} characters")
    collect(problems)
    return {"status": status, "scheduled_for": scheduled_for, "location": location,
            "exception": exception if status == "exception" else None, "notes": notes or None}


def done(interviews: Sequence[Interview]) -> bool:
    """A person's interview is done once held, or closed by an acceptable exception (the latest record counts)."""
    return bool(interviews) and interviews[-1].status in ("held", "exception")


def open_interviews(case_type: str, participants: Sequence[Participant], interviews: Sequence[Interview],
                    rules: InterviewRules) -> list[str]:
    """What the case still owes of its required interviews, in words; empty when nothing is open."""
    by_person: dict[int, list[Interview]] = {}
    for interview in interviews:
        by_person.setdefault(interview.participant_id, []).append(interview)
    labels = labels_of(participants, rules)
    owed = []
    for requirement in rules.required.get(case_type, ()):
        people = [p for p in participants if p.role in requirement.roles]
        if not people:
            if requirement.needed:
                owed.append(f"{requirement.what}: nobody recorded yet")
            continue
        pending = [p for p in people if not done(by_person.get(p.id, []))]
        if requirement.each:
            owed += [f"{requirement.what}: {labels[p.id]} ({p.name}) — "
                     f"{by_person[p.id][-1].status if p.id in by_person else 'not scheduled'}" for p in pending]
        elif len(pending) == len(people):
            owed.append(f"{requirement.what}: no interview held yet")
    return owed


def labels_of(participants: Sequence[Participant], rules: InterviewRules) -> dict[int, str]:
    """The label each participant's name becomes: their role's, numbered when the case has several."""
    many = Counter(p.role for p in participants)
    seen: Counter[str] = Counter()
    labels = {}
    for person in sorted(participants, key=lambda p: p.id):
        seen[person.role] += 1
        label = rules.roles.get(person.role, person.role)
        labels[person.id] = f"{label} {seen[person.role]}" if many[person.role] > 1 else label
    return labels
