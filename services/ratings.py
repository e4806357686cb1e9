"""Rating a case's OSRI items, and reading its ratings with the outcomes they roll up to."""

from __future__ import annotations

from services import cases, masking
from services.core import Core
from workflow import events
from workflow.commands import RateCase
from workflow.ratings import Rating, changed, described, initial, outcomes, rater


def _current(uow, core: Core, case) -> dict[int, Rating]:
    return initial(case.case_type, core.reference.osri) | uow.ratings.of_case(case.id)


def rate(command: RateCase, *, uow, core: Core) -> tuple[dict[int, Rating], dict[str, str | None]]:
    """Change the sent items' ratings (the case's rater in its state); every change is recorded with who, when,
    old and new. The case's ratings and outcomes as they now stand."""
    case = cases.get_case(uow, case_id=command.case_id, viewer=command.actor)
    role = rater(case, command.actor)
    current = _current(uow, core, case)
    found = changed(current, command.items, case_type=case.case_type, rules=core.reference.osri)
    now = current | found
    rolled_up = outcomes(now, core.reference.osri)
    if found:
        uow.ratings.put(case.id, found, outcomes=list(rolled_up.values()), by=command.actor.email, at=command.at)
        case.events.append(events.RatingsChanged(
            entity="case", entity_id=case.id, trigger="rate", source=case.state, dest=case.state,
            actor=command.actor.email, at=command.at,
            notes=f"rated by the {role.replace('_', ' ')}: "
                  + "; ".join(described(n, current[n], r) for n, r in sorted(found.items()))))
    return now, rolled_up


def ratings_of(uow, core: Core, *, case_id: int, viewer) -> tuple[dict[int, Rating], dict[str, str | None]]:
    """The case's ratings (rationales with the people's names masked for auditors) and outcomes."""
    case = cases.get_case(uow, case_id=case_id, viewer=viewer)
    current = _current(uow, core, case)
    if viewer.sees_masked:
        numbers = sorted(current)
        rationales = masking.masked_texts(viewer, uow.case_people.participants(case.id),
                                          [current[n].rationale for n in numbers])
        current = {n: current[n]._replace(rationale=text) for n, text in zip(numbers, rationales)}
    return current, outcomes(current, core.reference.osri)
