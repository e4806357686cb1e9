"""Who is asking: flask-login sessions, personal API tokens (Bearer), and role checks per view."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user

from services import people
from services.core import Core
from workflow.actors import Actor
from workflow.roles import Role

login_manager = LoginManager()


@dataclass(eq=False)
class SessionUser(UserMixin):
    """The logged-in person, with the domain's view of them (roles, region, conflicts)."""

    id: int
    email: str
    name: str
    actor: Actor

    def get_id(self) -> str:
        return str(self.id)

    def has(self, *roles: Role) -> bool:
        return any(self.actor.has(r) for r in roles)


def core() -> Core:
    return current_app.extensions["qareview"]


def _session_user(uow, user) -> SessionUser | None:
    """Read on every request (never cached), so a revoked role or a deactivated account takes effect at once."""
    if user is None or not user.active:
        return None
    actor = uow.people.as_actors([user]).get(user.email)
    return SessionUser(id=user.id, email=user.email, name=user.name, actor=actor)


def for_login(user) -> SessionUser | None:
    """The session user for someone who has just proved who they are."""
    with core().uow(write=False) as uow:
        return _session_user(uow, user)


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    if not user_id.isdigit() or int(user_id) > 2**31 - 1:
        return None
    with core().uow(write=False) as uow:
        return _session_user(uow, uow.people.by_id(int(user_id)))


@login_manager.request_loader
def _load_from_token(req) -> SessionUser | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with core().uow(write=False) as uow:
        user = people.user_for_token(uow, token.strip())
        if user is not None:
            g.token_auth = True
        return _session_user(uow, user)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        abort(401, description="log in first: POST /api/v1/session, or send Authorization: Bearer <token>")
    return redirect(url_for("pages.login", next=request.full_path if request.query_string else request.path))


def roles_required(*roles: Role):
    """Only these roles may use the view (login is checked first)."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has(*roles):
                abort(403, description=f"only {', '.join(r.value for r in roles)} may do this")
            return view(*args, **kwargs)
        wrapped.qareview_roles = roles
        return wrapped
    return decorate


def init(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "pages.login"
    secure = str(app.config.get("PUBLIC_URL", "")).startswith("https://")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure)
