"""Users, their roles and regions, API tokens, conflicts of interest, and the Actor the domain sees."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam
from sqlmodel import Session, select

from models.unit_of_work import UnitOfWork
from models.tables import ApiToken, CaseRow, Conflict, RegionRow, User, UserRole
from workflow.actors import SYSTEM, SYSTEM_ACTOR, Actor, Directory
from workflow.errors import NotFound, ValidationFailed
from workflow.lifecycle import collect
from workflow.roles import REGION_SCOPED, Role

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def normalize_email(email: str) -> str:
    return email.strip().lower()


def add_user(session: Session, *, email: str, name: str, roles: Iterable[str], password: str,
             passwords: PasswordHasher, region: str | None = None) -> User:
    email = normalize_email(email or "")
    roles = sorted(set(roles))
    problems: dict[str, list[str]] = {"email": [], "name": [], "roles": [], "region": [], "password": []}
    if not _EMAIL.match(email):
        problems["email"].append("not an e-mail address")
    elif session.exec(select(User.id).where(User.email == email)).first() is not None:
        problems["email"].append(f"{email} already exists")
    if not (name or "").strip():
        problems["name"].append("a name is required")
    unknown = [r for r in roles if r not in Role.__members__.values()]
    if not roles or unknown:
        problems["roles"].append(f"give one or more of: {', '.join(Role)}" + (f" (unknown: {', '.join(unknown)})"
                                                                               if unknown else ""))
    if region is not None and session.get(RegionRow, region) is None:
        problems["region"].append(f"unknown region {region}")
    elif region is None and REGION_SCOPED & set(roles):
        problems["region"].append("a regional leader or site coordinator needs a region")
    if len(password or "") < MIN_PASSWORD:
        problems["password"].append(f"at least {MIN_PASSWORD} characters")
    collect(problems)
    user = User(email=email, name=name.strip(), password_hash=passwords.hash(password), region=region)
    session.add(user)
    session.flush()
    session.add_all(UserRole(user_id=user.id, role=r) for r in roles)
    return user


def user_by_email(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == normalize_email(email))).first()
    if user is None:
        raise NotFound(f"no user {email}")
    return user


def roles_of(session: Session, user_id: int) -> frozenset[Role]:
    return frozenset(Role(r) for r in session.exec(select(UserRole.role).where(UserRole.user_id == user_id)))


def check_password(session: Session, passwords: PasswordHasher, email: str, password: str) -> User | None:
    """The active user these credentials belong to, or None (without telling which part was wrong)."""
    user = session.exec(select(User).where(User.email == normalize_email(email or ""))).first()
    if user is None or not user.active:
        passwords.hash("timing-equaliser")  # as slow as a real check, so absence is not observable
        return None
    try:
        passwords.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User) -> str:
    """A new personal API token; only its digest is stored, so it is shown once."""
    token = "qa_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token)))
    return token


def user_for_token(session: Session, token: str) -> User | None:
    found = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if found is None:
        return None
    user = session.get(User, found.user_id)
    return user if user is not None and user.active else None


def declare_conflict(session: Session, *, email: str, case_id: int | None = None, region: str | None = None,
                     participant: str | None = None, note: str | None = None) -> Conflict:
    user = user_by_email(session, email)
    if sum(x is not None for x in (case_id, region, participant)) != 1:
        raise ValidationFailed({"conflict": ["name exactly one of: a case, a region, a participant"]})
    if case_id is not None and session.get(CaseRow, case_id) is None:
        raise ValidationFailed({"case_id": [f"no case {case_id}"]})
    if region is not None and session.get(RegionRow, region) is None:
        raise ValidationFailed({"region": [f"unknown region {region}"]})
    conflict = Conflict(user_id=user.id, case_id=case_id, region=region, participant=participant, note=note)
    session.add(conflict)
    return conflict


_USERS = (select(User.id, User.email, User.region)
          .where(User.email.in_(bindparam("emails", expanding=True)), User.active))
_ROLES = select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(bindparam("ids", expanding=True)))
_CONFLICTS = (select(Conflict.user_id, Conflict.case_id, Conflict.region, Conflict.participant)
              .where(Conflict.user_id.in_(bindparam("ids", expanding=True))))


def actors(uow: UnitOfWork, emails: Iterable[str]) -> Directory:
    """The domain's view of these active people: roles, region and declared conflicts, in three reads."""
    wanted = {normalize_email(e) for e in emails if isinstance(e, str)}
    if not wanted:
        return Directory()
    return as_actors(uow, uow.db.select(_USERS, {"emails": sorted(wanted)}))


def as_actors(uow: UnitOfWork, users: Iterable) -> Directory:
    """Actors for users already read (anything with id, email and region): their roles and conflicts in
    two reads. This runs on every request."""
    users = list(users)
    ids = [u.id for u in users]
    roles: dict[int, set[Role]] = {i: set() for i in ids}
    for user_id, role in uow.db.select(_ROLES, {"ids": ids}):
        roles[user_id].add(Role(role))
    conflicts: dict[int, list] = {i: [] for i in ids}
    for conflict in uow.db.select(_CONFLICTS, {"ids": ids}):
        conflicts[conflict.user_id].append(conflict)
    return Directory({
        u.email: Actor(
            email=u.email, roles=frozenset(roles[u.id]), region=u.region,
            conflict_cases=frozenset(c.case_id for c in conflicts[u.id] if c.case_id is not None),
            conflict_regions=frozenset(c.region for c in conflicts[u.id] if c.region is not None),
            conflict_participants=frozenset(c.participant for c in conflicts[u.id] if c.participant is not None),
        )
        for u in users
    })


def actor(uow: UnitOfWork, email: str) -> Actor:
    if email == SYSTEM:
        return SYSTEM_ACTOR
    found = actors(uow, [email]).get(normalize_email(email))
    if found is None:
        raise NotFound(f"no active user {email}")
    return found


def emails_with_role(session: Session, role: Role, region: str | None = None) -> list[str]:
    query = select(User.email).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role, User.active)
    if region is not None:
        query = query.where(User.region == region)
    return list(session.exec(query))


def scoped_region(who: Actor) -> str | None:
    """The one region a region-scoped person sees, or None for people who see the whole unit."""
    return who.region if who.roles and who.roles <= REGION_SCOPED else None


def sees_region(who: Actor, region: str) -> bool:
    return scoped_region(who) in (None, region)
