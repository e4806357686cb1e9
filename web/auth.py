"""Who is asking: flask-login sessions, personal API tokens (Bearer), and role checks per view."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user, logout_user

from services import people
from services.core import Core
from workflow.actors import Actor
from workflow.roles import Role

login_manager = LoginManager()


@dataclass(eq=False)
class SessionUser(UserMixin):
    """The logged-in person, with the domain's view of them (roles, region, conflicts). `session` is the
    token of their server-side session (what the signed cookie carries); None when they came with an API
    token."""

    id: int
    email: str
    name: str
    actor: Actor
    session: str | None = None

    def get_id(self) -> str | None:
        return self.session

    def has(self, *roles: Role) -> bool:
        return any(self.actor.has(r) for r in roles)


def core() -> Core:
    return current_app.extensions["qareview"]


def _session_user(uow, user, session: str | None = None) -> SessionUser | None:
    """Read on every request (never cached), so a revoked role or a deactivated account takes effect at once."""
    if user is None or not user.active:
        return None
    actor = uow.people.as_actors([user]).get(user.email)
    return SessionUser(id=user.id, email=user.email, name=user.name, actor=actor, session=session)


def for_login(user) -> SessionUser | None:
    """The session user for someone who has just proved who they are, in a new server-side session."""
    c = core()
    with c.uow() as uow:
        session = people.start_session(uow, user, now=c.now())
        uow.commit()
        return _session_user(uow, user, session)


def end_session() -> None:
    """Log out: the session ends on the server, so its cookie is refused from now on, copies included."""
    if current_user.is_authenticated and current_user.session is not None:
        c = core()
        with c.uow() as uow:
            people.end_session(uow, current_user.session, now=c.now())
            uow.commit()
    logout_user()


@login_manager.user_loader
def _load_user(session: str) -> SessionUser | None:
    if not isinstance(session, str) or len(session) > 64:
        return None
    with core().uow(write=False) as uow:
        return _session_user(uow, people.session_user(uow, session), session)


@login_manager.request_loader
def _load_from_token(req) -> SessionUser | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    c = core()
    with c.uow(write=False) as uow:
        found = people.user_for_token(uow, token.strip()[:100], now=c.now())
        if found is None:
            return None
        user, unnoted = found
        g.token_auth = True
        who = _session_user(uow, user)
    if unnoted is not None:
        with c.uow() as uow:
            people.note_token_use(uow, unnoted, now=c.now())
            uow.commit()
    return who


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
