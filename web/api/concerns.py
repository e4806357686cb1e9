"""Concerns: raise, read, list (response clocks, overdue), fire a trigger."""

from flask_smorest import Blueprint

from models.tables import ConcernRow
from services import concerns
from web.api.common import after_cursor, caller, core, login_required, page, transition
from web.api.schemas import ConcernCreateSchema, ConcernQuerySchema, ConcernReadSchema, TransitionRequestSchema, page_of

blp = Blueprint("api_concerns", __name__, description="Concerns (corrective actions)")

#: The schema's fields that are stored columns (the rest are computed below).
_COLUMNS = tuple(name for name in ConcernReadSchema._declared_fields if name in ConcernRow.model_fields)
FIELDS = {"respond": {"corrective_action", "systemic_issue", "prevention_plan", "notes"}}


def present(row, viewer=None, now=None) -> dict:
    data = {name: getattr(row, name) for name in _COLUMNS}
    now = concerns.options(row, viewer or caller(), now or core().now())
    data.update(overdue=now.overdue, allowed_triggers=now.allowed, my_triggers=now.mine)
    return data


@blp.route("/concerns", methods=["POST"])
@login_required
@blp.arguments(ConcernCreateSchema())
@blp.response(201, ConcernReadSchema)
def create(body):
    """Raise a concern on a case (reviewer or team lead); it starts `reported`."""
    c = core()
    with c.uow() as uow:
        row = concerns.create(c, uow, actor=caller(), case_id=body["case_id"], type=body["type"],
                              description=body["description"], now=c.now())
        uow.commit()
        return present(row)


@blp.route("/concerns", methods=["GET"])
@login_required
@blp.arguments(ConcernQuerySchema(), location="query")
@blp.response(200, page_of(ConcernReadSchema))
def list_concerns(query):
    """Concerns, oldest first, with their response clocks; filter by region, state, overdue."""
    c = core()
    with c.uow(write=False) as uow:
        rows = concerns.list_concerns(uow, viewer=caller(), now=c.now(), region=query.get("region"),
                                      state=query.get("state"), overdue_only=query.get("overdue"),
                                      after=after_cursor(query.get("cursor")), limit=query["limit"] + 1)
        viewer, now = caller(), c.now()
        return page(rows, query["limit"], lambda row: present(row, viewer, now))


@blp.route("/concerns/<id:concern_id>", methods=["GET"])
@login_required
@blp.response(200, ConcernReadSchema)
def get(concern_id):
    """One concern (another region's answers 404 to region-scoped callers)."""
    with core().uow(write=False) as uow:
        return present(concerns.get(uow, concern_id=concern_id, viewer=caller()))


@blp.route("/concerns/<id:concern_id>/transitions", methods=["POST"])
@login_required
@blp.arguments(TransitionRequestSchema())
@blp.response(200, ConcernReadSchema)
def fire(body, concern_id):
    """notify_region, respond, accept, request_more."""
    return transition(concerns.fire, body, FIELDS, present, concern_id=concern_id)
