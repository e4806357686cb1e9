"""The audit trail, for auditors and admins."""

from flask_smorest import Blueprint

from services import masking
from web.api.cases import history_item
from web.api.common import after_cursor, caller, core, page
from web.api.schemas import AuditItemSchema, AuditQuerySchema, page_of
from web.auth import roles_required
from workflow.roles import Role

blp = Blueprint("api_audit", __name__, description="The audit trail")


@blp.route("/audit", methods=["GET"])
@roles_required(Role.AUDITOR, Role.ADMIN)
@blp.arguments(AuditQuerySchema(), location="query")
@blp.response(200, page_of(AuditItemSchema))
def list_audit(query):
    """Every transition of every machine, in recording order; filter by entity, actor, trigger, time."""
    with core().uow(write=False) as uow:
        rows = uow.views.audit(entity=query.get("entity"), entity_id=query.get("entity_id"),
                               actor=query.get("actor"), trigger=query.get("trigger"), since=query.get("since"),
                               until=query.get("until"), after=after_cursor(query.get("cursor")),
                               limit=query["limit"] + 1)
        rows = masking.masked(uow, caller(), rows)
    return page(rows, query["limit"], history_item)

