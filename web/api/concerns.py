"""Concerns: raise, read, list (response clocks, overdue), fire a trigger."""

from flask_smorest import Blueprint

from services import concerns
from services.bus import execute
from web.api.common import after_cursor, caller, core, login_required, page, trigger_fields
from web.api.schemas import (ConcernCreateSchema, ConcernQuerySchema, ConcernReadSchema, page_of,
                             transition_request_schema)
from workflow.commands import FireConcernTrigger, RaiseConcern
from workflow.concern_lifecycle import CONCERN_LIFECYCLE, Concern
from workflow.lifecycle import attributes

blp = Blueprint("api_concerns", __name__, description="Concerns (corrective actions)")

ConcernTransitionRequestSchema = transition_request_schema("ConcernTransitionRequestSchema", CONCERN_LIFECYCLE)
#: What the answer shows of the stored entity (the rest is computed below).
_STORED = tuple(name for name in ConcernReadSchema().fields if name in attributes(Concern))


def present(concern, viewer=None, now=None) -> dict:
    data = {name: getattr(concern, name) for name in _STORED}
    options = concerns.options(concern, viewer or caller(), now or core().now())
    data.update(overdue=options.overdue, allowed_triggers=options.allowed, my_triggers=options.mine)
    return data


@blp.route("/concerns", methods=["POST"])
@login_required
@blp.arguments(ConcernCreateSchema())
@blp.response(201, ConcernReadSchema)
def create(body):
    """Raise a concern on a case (reviewer or team lead); it starts `reported`."""
    return present(execute(core(), RaiseConcern(case_id=body["case_id"], type=body["type"],
                                                description=body["description"], actor=caller(), at=core().now())))


@blp.route("/concerns", methods=["GET"])
@login_required
@blp.arguments(ConcernQuerySchema(), location="query")
@blp.response(200, page_of(ConcernReadSchema))
def list_concerns(query):
    """Concerns, oldest first, with their response clocks; filter by region, state, overdue."""
    viewer, now = caller(), core().now()
    with core().uow(write=False) as uow:
        rows = uow.views.concerns(viewer=viewer, now=now, region=query.get("region"), state=query.get("state"),
                                  overdue=query.get("overdue"), after=after_cursor(query.get("cursor")),
                                  limit=query["limit"] + 1)
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
@blp.arguments(ConcernTransitionRequestSchema())
@blp.response(200, ConcernReadSchema)
def fire(body, concern_id):
    """notify_region, respond, accept, request_more."""
    return present(execute(core(), FireConcernTrigger(concern_id=concern_id, trigger=body["trigger"], actor=caller(),
                                                      at=core().now(), fields=trigger_fields(body),
                                                      version=body["version"])))
