"""Logging in and out of the API (a session cookie), and who am I."""

from flask import request
from flask_smorest import abort
from flask_login import current_user, login_required, login_user
from flask_smorest import Blueprint

from services.login import Throttled, log_in
from web.api.schemas import MeSchema, SessionCreateSchema
from web.auth import core, end_session, for_login

blp = Blueprint("api_session", __name__, description="Log in and out")


def me(user) -> dict:
    return {"email": user.email, "name": user.name, "roles": sorted(user.actor.roles), "region": user.actor.region}


@blp.route("/session", methods=["POST"])
@blp.arguments(SessionCreateSchema())
@blp.response(200, MeSchema)
def create_session(body):
    """Log in with e-mail and password; the answer sets the session cookie."""
    try:
        user = log_in(core(), email=body["email"], password=body["password"],
                      address=request.remote_addr or "unknown", now=core().now())
    except Throttled as throttled:
        abort(429, message=str(throttled), headers={"Retry-After": str(throttled.retry_after)})
    if user is None:
        abort(401, message="wrong e-mail or password")
    session_user = for_login(user)
    login_user(session_user)
    return me(session_user)


@blp.route("/session", methods=["DELETE"])
@login_required
@blp.response(204)
def delete_session():
    """Log out."""
    end_session()


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, MeSchema)
def who_am_i():
    """The caller: e-mail, name, roles and region."""
    return me(current_user)
