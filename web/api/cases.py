"""Case reviews: list, read, fire a trigger, history."""

from flask_smorest import Blueprint

from services import case_people, cases, sampling
from services.bus import execute
from web.api.common import after_cursor, caller, core, login_required, page, trigger_fields
from web.api.schemas import (CaseQuerySchema, CaseReadSchema, HistoryItemSchema, PageQuerySchema,
                             transition_request_schema, page_of)
from workflow.case_lifecycle import CASE_LIFECYCLE, CaseReview
from workflow.commands import FireCaseTrigger
from workflow.lifecycle import attributes
from workflow.states import CaseState

blp = Blueprint("api_cases", __name__, description="Case reviews and their lifecycle")

CaseTransitionRequestSchema = transition_request_schema("CaseTransitionRequestSchema", CASE_LIFECYCLE)
MASK = "(masked)"
#: What the answer shows of the stored entity (the rest is computed below).
_STORED = tuple(name for name in CaseReadSchema().fields if name in attributes(CaseReview))


def present(case, viewer=None, c=None, replacement=None) -> dict:
    """The case as the caller may see it: auditors do not see the names of people in case data.
    (A list passes the caller and the core once for all its rows.)"""
    viewer = viewer or caller()
    data = {name: getattr(case, name) for name in _STORED}
    now = cases.options(c or core(), case, viewer)
    data.update(allowed_triggers=now.allowed, my_triggers=now.mine, deadlines=now.deadlines)
    data["proposed_elimination"] = ({"reason": case.proposed_elimination_reason,
                                     "notes": case.proposed_elimination_notes, "by": case.proposed_by}
                                    if case.proposed_elimination_reason else None)
    if viewer.sees_masked:
        data.update(child_id=MASK if case.child_id else None, worker=MASK if case.worker else None)
    data["replacement"] = replacement
    return data


def present_one(case) -> dict:
    """One case, with its replacement when it was eliminated from a drawn sample."""
    with core().uow(write=False) as uow:
        return present(case, replacement=sampling.replacement_of(uow, case))


@blp.route("/cases", methods=["GET"])
@login_required
@blp.arguments(CaseQuerySchema(), location="query")
@blp.response(200, page_of(CaseReadSchema))
def list_cases(query):
    """Cases, oldest first, filtered by review, region, state and case type."""
    viewer, c = caller(), core()
    with c.uow(write=False) as uow:
        rows = uow.views.cases(viewer=viewer, review_id=query.get("review"), region=query.get("region"),
                               state=query.get("state"), case_type=query.get("case_type"),
                               after=after_cursor(query.get("cursor")), limit=query["limit"] + 1)
    return page(rows, query["limit"], lambda row: present(row, viewer, c))


@blp.route("/cases/<id:case_id>", methods=["GET"])
@login_required
@blp.response(200, CaseReadSchema)
def get_case(case_id):
    """One case, with the triggers its state offers and those the caller may fire."""
    with core().uow(write=False) as uow:
        case = cases.get_case(uow, case_id=case_id, viewer=caller())
    return present_one(case)


@blp.route("/cases/<id:case_id>/transitions", methods=["POST"])
@login_required
@blp.arguments(CaseTransitionRequestSchema())
@blp.response(200, CaseReadSchema)
def fire(body, case_id):
    """Fire a trigger: 409 if the state does not offer it (or `version` is stale), 403 if not yours."""
    case = execute(core(), FireCaseTrigger(case_id=case_id, trigger=body["trigger"], actor=caller(), at=core().now(),
                                           fields=trigger_fields(body), version=body["version"]))
    if body["trigger"] == "submit_review":
        with core().uow(write=False) as uow:
            return present(case) | {"warnings": case_people.still_open(uow, core(), case)}
    return present_one(case) if case.state == CaseState.ELIMINATED else present(case)


@blp.route("/cases/<id:case_id>/history", methods=["GET"])
@login_required
@blp.arguments(PageQuerySchema(), location="query")
@blp.response(200, page_of(HistoryItemSchema))
def history(query, case_id):
    """Every transition of the case, in recording order."""
    with core().uow(write=False) as uow:
        rows = cases.history(uow, case_id=case_id, viewer=caller(), after=after_cursor(query.get("cursor")),
                             limit=query["limit"] + 1)
    return page(rows, query["limit"], history_item)


def history_item(record) -> dict:
    """An audit record as a history item; a creation has no `from`."""
    return {"id": record.id, "entity": record.entity, "entity_id": record.entity_id,
            "from_state": record.from_state or None, "to_state": record.to_state, "trigger": record.trigger,
            "actor": record.actor, "at": record.at, "notes": record.notes}
