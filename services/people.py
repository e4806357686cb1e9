"""Users, their roles and regions, API tokens, conflicts of interest, and the Actor the domain sees."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from workflow.actors import SYSTEM, SYSTEM_ACTOR, Actor, Directory
from workflow.errors import Forbidden, NotFound, ValidationFailed
from workflow.events import Transitioned
from workflow.lifecycle import collect
from workflow.roles import REGION_SCOPED, Role

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12
#: zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" (~10^10 guesses), not merely long.
MIN_STRENGTH = 3
#: How long a personal API token works unless revoked first.
TOKEN_LIFETIME = timedelta(days=90)
#: A token's last use is written at most this often (a write on every API request would cost more).
LAST_USE_GRAIN = timedelta(minutes=1)


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
    problems["password"] += password_problems(password, email=email, name=name or "")
    collect(problems)
    return uow.people.add(email=email, name=name.strip(), password_hash=passwords.hash(password), region=region,
                          roles=roles)


def password_problems(password: str, *, email: str, name: str) -> list[str]:
    """Why a password will not do: too short, too easy to guess (common passwords, words, patterns), or made
    of the person's own e-mail or name. zxcvbn judges the guessing, with the person's details as inputs."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return [f"at least {MIN_PASSWORD} characters"]
    own = [part for part in (email, email.split("@")[0], *name.lower().split()) if len(part) >= 3]
    if any(part in password.lower() for part in own):
        return ["must not contain your e-mail address or name"]
    verdict = zxcvbn(password[:100], user_inputs=own)
    if verdict["score"] < MIN_STRENGTH:
        hint = verdict["feedback"]["warning"] or "add more words or characters that do not follow a pattern"
        return [f"too easy to guess: {hint.rstrip('.').lower()}"]
    return []


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


def issue_token(uow, email: str, *, now: datetime, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    """A new personal API token for this user, working for `lifetime`; only its digest is stored, so it is
    shown once."""
    user = user_by_email(uow, email)
    token = "qa_" + secrets.token_urlsafe(32)
    uow.people.add_token(user.id, _digest(token), expires_at=now + lifetime)
    return token


def user_for_token(uow, token: str, *, now: datetime):
    """The active user of a working token and, when its last use is not yet noted (to the minute), the token
    to note it on (`note_token_use`, in a writing unit of work); None for a token that does not work."""
    found = uow.people.by_token(_digest(token), now=now)
    if found is None or not found[0].active:
        return None
    user, token_id, last_used_at = found
    return user, token_id if last_used_at is None or now - last_used_at >= LAST_USE_GRAIN else None


def note_token_use(uow, token_id: int, *, now: datetime) -> None:
    uow.people.token_used(token_id, at=now)


def start_session(uow, user, *, now: datetime) -> str:
    """A new session for someone who just proved who they are: the token its cookie carries (only its
    digest is stored)."""
    token = secrets.token_urlsafe(32)
    uow.people.start_session(user.id, _digest(token), at=now)
    return token


def session_user(uow, token: str):
    """The active user of a session that has not been ended, or None."""
    user = uow.people.by_session(_digest(token))
    return user if user is not None and user.active else None


def end_session(uow, token: str, *, now: datetime) -> None:
    uow.people.end_session(_digest(token), at=now)


def revoke_tokens(uow, email: str, *, now: datetime) -> int:
    """Every personal token of the user stops working at once; how many did."""
    return uow.people.revoke_tokens(user_by_email(uow, email).id, at=now)


def deactivate(uow, email: str, *, now: datetime) -> None:
    """The user can no longer log in; their sessions and tokens stop working; their history stays."""
    user = user_by_email(uow, email)
    uow.people.deactivate(user.id)
    uow.people.end_sessions(user.id, at=now)
    uow.people.revoke_tokens(user.id, at=now)


def change_password(uow, email: str, *, password: str, passwords: PasswordHasher, now: datetime) -> None:
    """A new password (held to the same rules); every session of the user ends."""
    user = user_by_email(uow, email)
    collect({"password": password_problems(password, email=user.email, name=user.name)})
    uow.people.set_password_hash(user.id, passwords.hash(password))
    uow.people.end_sessions(user.id, at=now)


def may_manage_conflicts(actor: Actor) -> bool:
    """Team leads (who assign) and admins manage everybody's declared conflicts; staff declare their own."""
    return actor.has(Role.TEAM_LEAD) or actor.has(Role.ADMIN)


def declare_conflict(uow, *, email: str, case_id: int | None = None, region: str | None = None,
                     participant: str | None = None, note: str | None = None, by: Actor | None = None,
                     at: datetime | None = None) -> int:
    """Record a declared conflict of interest (by the person, or for them by a team lead or admin; `by` None:
    the command line). It is kept in the audit trail."""
    if by is not None and normalize_email(email) != by.email and not may_manage_conflicts(by):
        raise Forbidden("you may declare your own conflicts of interest; a team lead records anyone's")
    user = user_by_email(uow, email)
    if sum(x is not None for x in (case_id, region, participant)) != 1:
        raise ValidationFailed({"conflict": ["name exactly one of: a case, a region, a participant"]})
    if case_id is not None and uow.cases.get(case_id) is None:
        raise ValidationFailed({"case_id": [f"no case {case_id}"]})
    if region is not None and not uow.regions.exists(region):
        raise ValidationFailed({"region": [f"unknown region {region}"]})
    conflict_id = uow.people.add_conflict(user_id=user.id, case_id=case_id, region=region, participant=participant,
                                          note=note)
    if by is not None:
        with_what = f"case {case_id}" if case_id else f"region {region}" if region else f"participant {participant}"
        uow.audit.append(Transitioned(entity="conflict", entity_id=conflict_id, trigger="declare", source="",
                                      dest="declared", actor=by.email, at=at, notes=f"{user.email}: {with_what}"))
    return conflict_id


def withdraw_conflict(uow, *, conflict_id: int, by: Actor, at: datetime) -> None:
    """A team lead (or admin) withdraws a declared conflict (declared in error, or no longer true); recorded."""
    if not may_manage_conflicts(by):
        raise Forbidden("only a team lead or an admin withdraws a declared conflict of interest")
    if not uow.people.withdraw_conflict(conflict_id):
        raise NotFound(f"no declared conflict {conflict_id}")
    uow.audit.append(Transitioned(entity="conflict", entity_id=conflict_id, trigger="withdraw", source="declared",
                                  dest="withdrawn", actor=by.email, at=at))


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
