"""Users, their roles and regions, API tokens, conflicts of interest, and the Actor the domain sees."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workflow.actors import SYSTEM, SYSTEM_ACTOR, Actor, Directory
from workflow.errors import NotFound, ValidationFailed
from workflow.lifecycle import collect
from workflow.roles import REGION_SCOPED, Role

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def normalize_email(email: str) -> str:
    return email.strip().lower()


def add_user(uow, *, email: str, name: str, roles: Iterable[str], password: str, passwords: PasswordHasher,
             region: str | None = None) -> int:
    """A new user with these roles; their id."""
    email = normalize_email(email or "")
    roles = sorted(set(roles))
    problems: dict[str, list[str]] = {"email": [], "name": [], "roles": [], "region": [], "password": []}
    if not _EMAIL.match(email):
        problems["email"].append("not an e-mail address")
    elif uow.people.by_email(email) is not None:
        problems["email"].append(f"{email} already exists")
    if not (name or "").strip():
        problems["name"].append("a name is required")
    unknown = [r for r in roles if r not in Role.__members__.values()]
    if not roles or unknown:
        problems["roles"].append(f"give one or more of: {', '.join(Role)}" + (f" (unknown: {', '.join(unknown)})"
                                                                               if unknown else ""))
    if region is not None and not uow.regions.exists(region):
        problems["region"].append(f"unknown region {region}")
    elif region is None and REGION_SCOPED & set(roles):
        problems["region"].append("a regional leader or site coordinator needs a region")
    if len(password or "") < MIN_PASSWORD:
        problems["password"].append(f"at least {MIN_PASSWORD} characters")
    collect(problems)
    return uow.people.add(email=email, name=name.strip(), password_hash=passwords.hash(password), region=region,
                          roles=roles)


def user_by_email(uow, email: str):
    user = uow.people.by_email(normalize_email(email))
    if user is None:
        raise NotFound(f"no user {email}")
    return user


def check_password(uow, passwords: PasswordHasher, email: str, password: str):
    """The active user these credentials belong to, or None (without telling which part was wrong)."""
    user = uow.people.by_email(normalize_email(email or ""))
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


def issue_token(uow, email: str) -> str:
    """A new personal API token for this user; only its digest is stored, so it is shown once."""
    user = user_by_email(uow, email)
    token = "qa_" + secrets.token_urlsafe(32)
    uow.people.add_token(user.id, _digest(token))
    return token


def user_for_token(uow, token: str):
    user = uow.people.by_token(_digest(token))
    return user if user is not None and user.active else None


def declare_conflict(uow, *, email: str, case_id: int | None = None, region: str | None = None,
                     participant: str | None = None, note: str | None = None) -> int:
    user = user_by_email(uow, email)
    if sum(x is not None for x in (case_id, region, participant)) != 1:
        raise ValidationFailed({"conflict": ["name exactly one of: a case, a region, a participant"]})
    if case_id is not None and uow.cases.get(case_id) is None:
        raise ValidationFailed({"case_id": [f"no case {case_id}"]})
    if region is not None and not uow.regions.exists(region):
        raise ValidationFailed({"region": [f"unknown region {region}"]})
    return uow.people.add_conflict(user_id=user.id, case_id=case_id, region=region, participant=participant, note=note)


def actors(uow, emails: Iterable[str]) -> Directory:
    """The domain's view of these active people: roles, region and declared conflicts."""
    wanted = {normalize_email(e) for e in emails if isinstance(e, str)}
    return uow.people.actors(wanted) if wanted else Directory()


def actor(uow, email: str) -> Actor:
    if email == SYSTEM:
        return SYSTEM_ACTOR
    found = actors(uow, [email]).get(normalize_email(email))
    if found is None:
        raise NotFound(f"no active user {email}")
    return found
