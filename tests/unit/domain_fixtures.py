"""People and cases for domain tests: plain objects, no database."""

from datetime import date
from pathlib import Path

from workflow.actors import Actor, Directory
from workflow.case_lifecycle import CaseContext, CaseReview
from workflow.reference import load_reference
from workflow.roles import Role

REFERENCE = load_reference(Path(__file__).resolve().parents[2] / "config")
REASONS = frozenset(REFERENCE.elimination_reasons)

LEAD = Actor("lead@unit.test", frozenset({Role.TEAM_LEAD}))
REVIEWER = Actor("rita@unit.test", frozenset({Role.REVIEWER}))
FIRST_QA = Actor("quinn@unit.test", frozenset({Role.QA}))
SECOND_QA = Actor("quade@unit.test", frozenset({Role.QA}))
OTHER_REVIEWER = Actor("ravi@unit.test", frozenset({Role.REVIEWER}))
OTHER_QA = Actor("otto@unit.test", frozenset({Role.QA}))
SUPERVISOR = Actor("sue@unit.test", frozenset({Role.UNIT_SUPERVISOR}))
COORDINATOR = Actor("cory@unit.test", frozenset({Role.SITE_COORDINATOR}), region="3N")
AUDITOR = Actor("audrey@unit.test", frozenset({Role.AUDITOR}))
DIRECTORY = Directory({a.email: a for a in (REVIEWER, FIRST_QA, SECOND_QA, OTHER_REVIEWER, OTHER_QA, LEAD)})

REVIEW_MONTH = date(2026, 11, 1)
TODAY = date(2026, 11, 22)
ASSIGNMENT = {"reviewer": REVIEWER.email, "first_qa": FIRST_QA.email, "second_qa": SECOND_QA.email}


def context(directory: Directory = DIRECTORY, **changes) -> CaseContext:
    return CaseContext(review_month=REVIEW_MONTH, today=TODAY, reasons=REASONS, directory=directory,
                       make_identifier=lambda: "DTEST00001", **changes)


def case_in(state: str, *, returned_by: str | None = None, assigned: bool = True) -> CaseReview:
    """A foster-care case of region 3N in `state`, with its people assigned when it is past screening."""
    people = ASSIGNMENT if assigned and state not in ("sampled", "screened") else {}
    return CaseReview(id=7, review_id=1, region="3N", case_type="foster_care", case_number="FC-0007",
                      child_id="CH-1", worker="W-1", state=state, returned_by=returned_by,
                      review_date=date(2026, 11, 20) if state not in ("sampled", "screened", "assigned") else None,
                      **people)
