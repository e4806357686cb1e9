"""Case reviews: list, read, fire a trigger, history."""

from flask_smorest import Blueprint

from models.tables import CaseRow
from services import cases
from web.api.common import after_cursor, caller, core, login_required, page, transition
from web.api.schemas import (CaseQuerySchema, CaseReadSchema, HistoryItemSchema, PageQuerySchema,
                             TransitionRequestSchema, page_of)
from workflow.roles import Role

blp = Blueprint("api_cases", __name__, description="Case reviews and their lifecycle")

#: Fields each trigger takes besides trigger, version and notes.
FIELDS = {
    "eliminate": {"reason", "notes", "cb_consulted", "supporting_reason"},
    "propose_elimination": {"reason", "notes"},
    "assign": {"reviewer", "first_qa", "second_qa", "notes"},
    "submit_review": {"review_date", "notes"},
}
MASK = "(masked)"
#: The schema's fields that are stored columns (the rest are computed below).
_COLUMNS = tuple(name for name in CaseReadSchema._declared_fields if name in CaseRow.model_fields)


def present(row, viewer=None, c=None) -> dict:
    """The case as the caller may see it: auditors do not see the names of people in case data.
    (A list passes the caller and the core once for all its rows.)"""
    viewer = viewer or caller()
    data = {name: getattr(row, name) for name in _COLUMNS}
    now = cases.options(c or core(), row, viewer)
    data.update(allowed_triggers=now.allowed, my_triggers=now.mine, deadlines=now.deadlines)
    data["proposed_elimination"] = ({"reason": row.proposed_elimination_reason,
                                     "notes": row.proposed_elimination_notes, "by": row.proposed_by}
                                    if row.proposed_elimination_reason else None)
    if viewer.roles == {Role.AUDITOR}:
        data.update(child_id=MASK if row.child_id else None, worker=MASK if row.worker else None)
    return data


@blp.route("/cases", methods=["GET"])
@login_required
@blp.arguments(CaseQuerySchema(), location="query")
@blp.response(200, page_of(CaseReadSchema))
def list_cases(query):
    """Cases, oldest first, filtered by review, region, state and case type."""
    with core().uow(write=False) as uow:
        rows = cases.list_cases(uow, viewer=caller(), review_id=query.get("review"), region=query.get("region"),
                                state=query.get("state"), case_type=query.get("case_type"),
                                after=after_cursor(query.get("cursor")), limit=query["limit"] + 1)
        viewer, c = caller(), core()
        return page(rows, query["limit"], lambda row: present(row, viewer, c))


@blp.route("/cases/<id:case_id>", methods=["GET"])
@login_required
@blp.response(200, CaseReadSchema)
def get_case(case_id):
    """One case, with the triggers its state offers and those the caller may fire."""
    with core().uow(write=False) as uow:
        return present(cases.get_case(uow, case_id=case_id, viewer=caller()))


@blp.route("/cases/<id:case_id>/transitions", methods=["POST"])
@login_required
@blp.arguments(TransitionRequestSchema())
@blp.response(200, CaseReadSchema)
def fire(body, case_id):
    """Fire a trigger: 409 if the state does not offer it (or `version` is stale), 403 if not yours."""
    return transition(cases.fire, body, FIELDS, present, case_id=case_id)


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
