"""Repositories: load and save domain entities, and the few writes that are not an entity's.

Each entity repository keeps what it loaded or added in this unit of work (an identity map: a second
`get` costs no statement) with a snapshot of its values, so `save` writes only what changed, in one
versioned UPDATE (models.driver: the one version check). Every entity it holds is also listed in the
unit of work's `seen`, where the message bus collects their events.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, bindparam, func, select, union
from sqlalchemy.schema import CreateIndex, DropIndex

from models import sample_lists
from models.driver import Driver
from models.tables import (ApiToken, AuditRecord, AuditText, CalendarEntry, CaseParticipant, CaseRow, ConcernRow,
                           Conflict, Deadline, DeidentificationMap, FeedbackRow, FosterCareEpisode, InHomeServiceCase,
                           InterviewRow, LoginFailure, LoginSession, OutboxMessage, PlanningCall, RatingRow, RegionRow,
                           ReviewRow,
                           SampleEntryRow, SampleListRow, SampleRow, StaffingRow, UniverseImport, User, UserRole)
from models.views import DeadlineLine, OutboxLine, UserLine, columns
from workflow.actors import Actor, Directory
from workflow.case_lifecycle import CaseReview
from workflow.case_people import Interview, Participant, Staffing
from workflow.concern_lifecycle import Concern
from workflow.feedback import Feedback
from workflow.ratings import Rating
from workflow.lifecycle import attributes
from workflow.review_lifecycle import RegionalReview
from workflow.sampling import IN_HOME_SERVICE, CustodyEpisode, Entry, InHomeCase
from workflow.universe import COLUMNS, KEYS, Extract
from workflow.roles import Role
from workflow.states import OutboxStatus

E = TypeVar("E")


@cache
def _by_ids(model: type, names: tuple[str, ...]) -> Select:
    return select(*columns(model, *names)).where(model.id.in_(bindparam("ids", expanding=True)))


class _Entities(Generic[E]):
    model: type
    entity: type

    def __init__(self, db: Driver, seen: list):
        self._db, self._seen = db, seen
        self._held: dict[int, tuple[E, dict[str, Any]]] = {}

    def get(self, id_: int) -> E | None:
        """The entity with this id, or None."""
        if (held := self._held.get(id_)) is not None:
            return held[0]
        values = self._db.by_id(self.model, id_, attributes(self.entity))
        return None if values is None else self._hold(self.entity(**values))

    def get_held(self, id_: int) -> E | None:
        """The entity if this unit of work already holds it (no statement), else None."""
        held = self._held.get(id_)
        return None if held is None else held[0]

    def hold(self, entity: E) -> E:
        """Hold an entity read with another's statement (see CaseRepository.get_with_review)."""
        return self._hold(entity)

    def get_many(self, ids: Iterable[int]) -> dict[int, E]:
        """The entities with these ids (those that exist), in one read for the ones not yet held."""
        wanted = set(ids)
        missing = sorted(wanted - self._held.keys())
        if missing:
            names = attributes(self.entity)
            statement = _by_ids(self.model, names)
            for values in self._db.rows(statement, {"ids": missing}):
                self._hold(self.entity(**dict(zip(names, values))))
        return {i: self._held[i][0] for i in wanted if i in self._held}

    def add(self, entity: E) -> E:
        """Store a new entity; it gets its id."""
        values = self._values(entity)
        del values["id"]
        entity.id = self._db.insert(self.model, values)
        return self._hold(entity)

    def save(self, entity: E) -> None:
        """Write what changed since it was loaded, if it is still at the version it was loaded at
        (StaleVersion otherwise); its version moves on by one."""
        _, before = self._held[entity.id]
        now = self._values(entity)
        changes = {name: value for name, value in now.items() if before[name] != value and name != "version"}
        self._db.update_versioned(self.model, entity.id, entity.version, changes)
        entity.version += 1
        self._held[entity.id] = (entity, {**now, "version": entity.version})

    def _values(self, entity: E) -> dict[str, Any]:
        return {name: getattr(entity, name) for name in attributes(self.entity)}

    def _hold(self, entity: E) -> E:
        self._held[entity.id] = (entity, self._values(entity))
        self._seen.append(entity)
        return entity


_TOUCHED = union(
    select(CaseRow.id).where(CaseRow.id.in_(bindparam("ids", expanding=True)),
                             (CaseRow.version > 1) | (CaseRow.state != "sampled")),
    select(ConcernRow.case_id).where(ConcernRow.case_id.in_(bindparam("ids", expanding=True))),
    select(Conflict.case_id).where(Conflict.case_id.in_(bindparam("ids", expanding=True))))
_CASE_STATES = select(CaseRow.state).where(CaseRow.review_id == bindparam("review_id"))
_IDENTITY = select(*columns(DeidentificationMap, "identifier", "case_number", "child_id", "worker")).where(
    DeidentificationMap.case_id == bindparam("case_id"))


@cache
def _case_with_review() -> Select:
    case_columns = columns(CaseRow, *attributes(CaseReview))
    review_columns = columns(ReviewRow, *attributes(RegionalReview))
    return (select(*case_columns, *review_columns).join(ReviewRow, ReviewRow.id == CaseRow.review_id)
            .where(CaseRow.id == bindparam("id")))


class CaseRepository(_Entities[CaseReview]):
    model, entity = CaseRow, CaseReview

    def __init__(self, db: Driver, seen: list, reviews: ReviewRepository):
        super().__init__(db, seen)
        self._reviews = reviews

    def get_with_review(self, id_: int) -> tuple[CaseReview, RegionalReview] | None:
        """The case and its review, in one read: a transition needs both (on PostgreSQL each read is a
        round trip, ~8% of a transition)."""
        if (case := self.get_held(id_)) is not None:
            return case, self._reviews.get(case.review_id)
        found = self._db.rows(_case_with_review(), {"id": id_})
        if not found:
            return None
        split = len(attributes(CaseReview))
        case = self._hold(CaseReview(**dict(zip(attributes(CaseReview), found[0][:split]))))
        review = self._reviews.get_held(case.review_id) or self._reviews.hold(
            RegionalReview(**dict(zip(attributes(RegionalReview), found[0][split:]))))
        return case, review

    def withdraw(self, ids: Sequence[int]) -> None:
        """Remove cases a re-draw withdraws (untouched since drawn: see `touched`); their history stays in the
        audit trail."""
        if ids:
            self._db.execute_many("DELETE FROM cases WHERE id = :id", [{"id": i} for i in ids])
            for i in ids:
                self._held.pop(i, None)

    def touched(self, ids: Sequence[int]) -> set[int]:
        """Which of these cases have something recorded on them besides being drawn: a step, a concern, a
        declared conflict of interest."""
        if not ids:
            return set()
        return {i for (i,) in self._db.rows(_TOUCHED, {"ids": list(ids)})}

    def states_in_review(self, review_id: int) -> list[str]:
        """The state of every case of a review (eliminated ones included)."""
        return [state for (state,) in self._db.rows(_CASE_STATES, {"review_id": review_id})]

    def keep_identity(self, case_id: int, identifier: str, previous: dict[str, str | None]) -> None:
        """The name↔identifier map of a case being de-identified (team leads only read it)."""
        self._db.insert(DeidentificationMap, {"case_id": case_id, "identifier": identifier, **previous})

    def identity(self, case_id: int) -> dict[str, str | None] | None:
        found = self._db.rows(_IDENTITY, {"case_id": case_id})
        return dict(zip(("identifier", "case_number", "child_id", "worker"), found[0])) if found else None


class ConcernRepository(_Entities[Concern]):
    model, entity = ConcernRow, Concern


class ReviewRepository(_Entities[RegionalReview]):
    model, entity = ReviewRow, RegionalReview

    def add_unless_planned(self, review: RegionalReview) -> RegionalReview | None:
        """Store a new review, unless its region already has one for that month (then None: a concurrent
        twin may have won the unique key a moment ago)."""
        values = self._values(review)
        del values["id"]
        review.id = self._db.insert(ReviewRow, values, unless=("region", "review_month"))
        return None if review.id is None else self._hold(review)

    def add_planning_call(self, review_id: int, *, held_on: date, participants: str,
                          eliminations_discussed: str | None, by: str, at: datetime) -> int:
        return self._db.insert(PlanningCall, {"review_id": review_id, "held_on": held_on, "participants": participants,
                                              "eliminations_discussed": eliminations_discussed, "recorded_by": by,
                                              "recorded_at": at})


_USER_BY_EMAIL = select(*columns(User, *UserLine._fields)).where(User.email == bindparam("email"))
_USER_BY_ID = select(*columns(User, *UserLine._fields)).where(User.id == bindparam("id"))
_USER_BY_TOKEN = (select(*columns(User, *UserLine._fields), ApiToken.id, ApiToken.last_used_at)
                  .join(ApiToken, ApiToken.user_id == User.id)
                  .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
                         ApiToken.expires_at > bindparam("now")))
_USER_BY_SESSION = (select(*columns(User, *UserLine._fields)).join(LoginSession, LoginSession.user_id == User.id)
                    .where(LoginSession.token_hash == bindparam("digest"), LoginSession.revoked_at.is_(None)))
_ACTIVE = (select(*columns(User, *UserLine._fields))
           .where(User.email.in_(bindparam("emails", expanding=True)), User.active))
_ROLES = select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(bindparam("ids", expanding=True)))
_CONFLICTS = (select(Conflict.user_id, Conflict.case_id, Conflict.region, Conflict.participant)
              .where(Conflict.user_id.in_(bindparam("ids", expanding=True))))
_WITH_ROLE = (select(User.email).join(UserRole, UserRole.user_id == User.id)
              .where(UserRole.role == bindparam("role"), User.active).order_by(User.email))
_WITH_ROLE_IN = _WITH_ROLE.where(User.region == bindparam("region"))
_FAILURES = select(func.count(), func.min(LoginFailure.at)).where(
    LoginFailure.at > bindparam("since"), LoginFailure.address == bindparam("address"))
_FAILURES_OF_ACCOUNT = _FAILURES.where(LoginFailure.email == bindparam("email"))


class PeopleRepository:
    """Users, their roles, tokens, conflicts of interest and failed logins; people as the domain sees them."""

    def __init__(self, db: Driver):
        self._db = db

    def add(self, *, email: str, name: str, password_hash: str, region: str | None, roles: Iterable[str]) -> int:
        user_id = self._db.insert(User, {"email": email, "name": name, "password_hash": password_hash,
                                         "region": region})
        self._db.execute_many("INSERT INTO user_roles (user_id, role) VALUES (:user_id, :role)",
                              [{"user_id": user_id, "role": role} for role in roles])
        return user_id

    def by_email(self, email: str) -> UserLine | None:
        found = self._db.rows(_USER_BY_EMAIL, {"email": email}, UserLine)
        return found[0] if found else None

    def by_id(self, user_id: int) -> UserLine | None:
        found = self._db.rows(_USER_BY_ID, {"id": user_id}, UserLine)
        return found[0] if found else None

    def by_token(self, digest: str, *, now: datetime) -> tuple[UserLine, int, datetime | None] | None:
        """The user of a token that has neither expired nor been revoked, the token's id and when it was
        last used."""
        found = self._db.rows(_USER_BY_TOKEN, {"digest": digest, "now": now})
        if not found:
            return None
        *user, token_id, last_used_at = found[0]
        return UserLine._make(user), token_id, last_used_at

    def add_token(self, user_id: int, digest: str, *, expires_at: datetime) -> None:
        self._db.insert(ApiToken, {"user_id": user_id, "token_hash": digest, "expires_at": expires_at})

    def token_used(self, token_id: int, *, at: datetime) -> None:
        self._db.execute("UPDATE api_tokens SET last_used_at = :at WHERE id = :id", {"id": token_id, "at": at})

    def revoke_tokens(self, user_id: int, *, at: datetime) -> int:
        """End every working token of the user; how many there were."""
        return self._db.execute("UPDATE api_tokens SET revoked_at = :at WHERE user_id = :user_id AND revoked_at "
                                "IS NULL", {"user_id": user_id, "at": at}).rowcount

    def start_session(self, user_id: int, digest: str, *, at: datetime) -> None:
        self._db.insert(LoginSession, {"user_id": user_id, "token_hash": digest, "created_at": at})

    def by_session(self, digest: str) -> UserLine | None:
        """The user of a session that has not been ended."""
        found = self._db.rows(_USER_BY_SESSION, {"digest": digest}, UserLine)
        return found[0] if found else None

    def end_session(self, digest: str, *, at: datetime) -> None:
        self._db.execute("UPDATE login_sessions SET revoked_at = :at WHERE token_hash = :digest AND revoked_at "
                         "IS NULL", {"digest": digest, "at": at})

    def end_sessions(self, user_id: int, *, at: datetime) -> int:
        """End every session of the user; how many there were."""
        return self._db.execute("UPDATE login_sessions SET revoked_at = :at WHERE user_id = :user_id AND "
                                "revoked_at IS NULL", {"user_id": user_id, "at": at}).rowcount

    def deactivate(self, user_id: int) -> None:
        self._db.execute("UPDATE users SET active = :no, version = version + 1 WHERE id = :id",
                         {"id": user_id, "no": False})

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._db.execute("UPDATE users SET password_hash = :hash, version = version + 1 WHERE id = :id",
                         {"id": user_id, "hash": password_hash})

    def actors(self, emails: Iterable[str]) -> Directory:
        """These active people as the domain sees them, in three reads."""
        return self.as_actors(self._db.rows(_ACTIVE, {"emails": sorted(set(emails))}, UserLine))

    def as_actors(self, users: Sequence[UserLine]) -> Directory:
        """Actors for users already read: their roles and conflicts in two reads (this runs on every request)."""
        ids = [u.id for u in users]
        if not ids:
            return Directory()
        roles: dict[int, set[Role]] = {i: set() for i in ids}
        for user_id, role in self._db.rows(_ROLES, {"ids": ids}):
            roles[user_id].add(Role(role))
        conflicts: dict[int, list] = {i: [] for i in ids}
        for user_id, *conflict in self._db.rows(_CONFLICTS, {"ids": ids}):
            conflicts[user_id].append(conflict)
        return Directory({
            u.email: Actor(
                email=u.email, roles=frozenset(roles[u.id]), region=u.region,
                conflict_cases=frozenset(case for case, _, _ in conflicts[u.id] if case is not None),
                conflict_regions=frozenset(region for _, region, _ in conflicts[u.id] if region is not None),
                conflict_participants=frozenset(p for _, _, p in conflicts[u.id] if p is not None),
            )
            for u in users
        })

    def emails_with_role(self, role: Role, region: str | None = None) -> list[str]:
        """The active people holding `role` (in `region`, when given), by e-mail."""
        if region is None:
            return [email for (email,) in self._db.rows(_WITH_ROLE, {"role": role})]
        return [email for (email,) in self._db.rows(_WITH_ROLE_IN, {"role": role, "region": region})]

    def add_conflict(self, *, user_id: int, case_id: int | None, region: str | None, participant: str | None,
                     note: str | None) -> int:
        return self._db.insert(Conflict, {"user_id": user_id, "case_id": case_id, "region": region,
                                          "participant": participant, "note": note})

    def withdraw_conflict(self, conflict_id: int) -> bool:
        return self._db.execute("DELETE FROM conflicts WHERE id = :id", {"id": conflict_id}).rowcount == 1

    def failed_logins(self, *, since: datetime, address: str, email: str | None = None) -> tuple[int, datetime | None]:
        """How many logins failed since then from this address (for this account, when given), and the oldest."""
        if email is None:
            return self._db.rows(_FAILURES, {"since": since, "address": address})[0]
        return self._db.rows(_FAILURES_OF_ACCOUNT, {"since": since, "address": address, "email": email})[0]

    def record_failed_login(self, *, email: str, address: str, at: datetime) -> None:
        self._db.insert(LoginFailure, {"email": email, "address": address, "at": at})


class RegionRepository:
    """The regions and the review calendar, as loaded from config/."""

    def __init__(self, db: Driver):
        self._db = db

    def exists(self, code: str) -> bool:
        return self._db.execute("SELECT 1 FROM regions WHERE code = :code", {"code": code}).fetchone() is not None

    def replace(self, regions: Iterable[tuple[str, str, bool]], calendar: Iterable[tuple[int, str]]) -> None:
        """Regions are added or renamed (never removed: reviews point at them); the calendar is replaced."""
        for code, name, metro in regions:
            if self._db.execute("UPDATE regions SET name = :name, metro = :metro WHERE code = :code",
                                {"code": code, "name": name, "metro": metro}).rowcount == 0:
                self._db.insert(RegionRow, {"code": code, "name": name, "metro": metro})
        self._db.execute(f"DELETE FROM {CalendarEntry.__tablename__}")
        self._db.execute_many("INSERT INTO review_calendar (month, region) VALUES (:month, :region)",
                              [{"month": month, "region": code} for month, code in calendar])


_STOP = ("UPDATE deadlines SET stopped_at = :at, next_notice_at = NULL "
         "WHERE entity = :entity AND entity_id = :entity_id AND stopped_at IS NULL")
_DUE = (select(*columns(Deadline, *DeadlineLine._fields)).where(Deadline.next_notice_at <= bindparam("now"))
        .order_by(Deadline.next_notice_at).limit(bindparam("limit")))
_DUE_SKIPPING = _DUE.where(Deadline.id.not_in(bindparam("skip", expanding=True)))
#: PostgreSQL's variants lock what they claim, skipping what another sweep holds (SQLite serialises writers).
_DUE_LOCKED = {False: _DUE.with_for_update(skip_locked=True), True: _DUE_SKIPPING.with_for_update(skip_locked=True)}
_MOVE = "UPDATE deadlines SET cursor = :cursor, next_notice_at = :next_at WHERE id = :id"
#: On PostgreSQL a batch of moves is one statement, not one per row.
_MOVE_ALL = """
    UPDATE deadlines SET cursor = moved.cursor, next_notice_at = moved.next_at
    FROM unnest(CAST(:ids AS integer[]), CAST(:cursors AS integer[]), CAST(:nexts AS timestamptz[]))
         AS moved (id, cursor, next_at)
    WHERE deadlines.id = moved.id"""


class DeadlineRepository:
    """Running clocks: started and stopped by events, claimed and moved on by the sweep."""

    def __init__(self, db: Driver):
        self._db = db

    def start(self, *, entity: str, entity_id: int, clock: str, started_at: datetime, due_at: datetime,
              next_notice_at: datetime | None) -> int:
        return self._db.insert(Deadline, {"entity": entity, "entity_id": entity_id, "clock": clock,
                                          "started_at": started_at, "due_at": due_at, "cursor": 0,
                                          "next_notice_at": next_notice_at})

    def stop(self, *, entity: str, entity_id: int, clock: str | None, at: datetime) -> None:
        """Stop that entity's running clock `clock`, or all of them (None)."""
        params = {"entity": entity, "entity_id": entity_id, "at": at}
        if clock is None:
            self._db.execute(_STOP, params)
        else:
            self._db.execute(_STOP + " AND clock = :clock", {**params, "clock": clock})

    def claim_due(self, *, now: datetime, limit: int, skip: Iterable[int] = ()) -> list[DeadlineLine]:
        """The next deadlines whose notice moment has come, soonest first; on PostgreSQL locked for this
        transaction, skipping those another sweep holds (SQLite serialises writers)."""
        skip = sorted(skip)
        params = {"now": now, "limit": limit, **({"skip": skip} if skip else {})}
        statement = _DUE_LOCKED[bool(skip)] if self._db.postgres else _DUE_SKIPPING if skip else _DUE
        return self._db.rows(statement, params, DeadlineLine)

    def move(self, moves: Sequence[tuple[int, int, datetime | None]]) -> None:
        """Each (deadline, its new cursor, when it must be looked at next)."""
        if not moves:
            return
        if self._db.postgres:
            ids, cursors, nexts = zip(*moves)
            self._db.execute(_MOVE_ALL, {"ids": list(ids), "cursors": list(cursors), "nexts": list(nexts)})
        else:
            self._db.execute_many(_MOVE, [{"id": i, "cursor": c, "next_at": n} for i, c, n in moves])


_ADD_MESSAGE = ("INSERT INTO outbox (key, recipients, template, context, status, attempts, next_attempt_at, "
                f"created_at, case_id) VALUES (:key, :recipients, :template, :context, '{OutboxStatus.PENDING}', 0, "
                ":now, :now, :case_id) ON CONFLICT (key) DO NOTHING")
_CLAIMABLE = (select(*columns(OutboxMessage, *OutboxLine._fields))
              .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= bindparam("now"))
              .order_by(OutboxMessage.id).limit(bindparam("limit")))
_CLAIMABLE_LOCKED = _CLAIMABLE.with_for_update(skip_locked=True)
_OUTBOX_BY_ID = select(*columns(OutboxMessage, *OutboxLine._fields)).where(
    OutboxMessage.id.in_(bindparam("ids", expanding=True))).order_by(OutboxMessage.id)


class OutboxRepository:
    """E-mail written in the transaction of the change it reports: the one insert; claims for delivery."""

    def __init__(self, db: Driver):
        self._db = db

    def add(self, messages: Sequence[dict[str, Any]], *, now: datetime) -> None:
        """Queue messages (key, recipients, template, values), deliverable from `now`; a key queued before
        is left as it is (once-only)."""
        rows = [{"key": m["key"], "recipients": ",".join(m["recipients"]), "template": m["template"],
                 "context": json.dumps(m["values"]), "now": now, "case_id": m.get("case_id")} for m in messages]
        if len(rows) == 1:  # a transition's one message: a plain statement costs less than a batch
            self._db.execute(_ADD_MESSAGE, rows[0])
        elif rows:
            self._db.execute_many(_ADD_MESSAGE, rows)

    def claim(self, *, now: datetime, limit: int, lease: timedelta) -> list[OutboxLine]:
        """The next pending messages, each counted as one more attempt and leased until `now + lease`."""
        found = self._db.rows(_CLAIMABLE_LOCKED if self._db.postgres else _CLAIMABLE, {"now": now, "limit": limit},
                              OutboxLine)
        if found:
            self._db.execute_many("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = :until WHERE id = :id",
                                  [{"id": m.id, "until": now + lease} for m in found])
            found = self._db.rows(_OUTBOX_BY_ID, {"ids": [m.id for m in found]}, OutboxLine)
        return found

    def rendered(self, message_id: int, *, subject: str, text: str, html: str) -> None:
        self._db.execute("UPDATE outbox SET subject = :subject, body_text = :text, body_html = :html WHERE id = :id",
                         {"id": message_id, "subject": subject, "text": text, "html": html})

    def sent(self, message_id: int, *, at: datetime, note: str | None) -> None:
        self._db.execute("UPDATE outbox SET status = :status, sent_at = :at, last_error = :note WHERE id = :id",
                         {"id": message_id, "status": OutboxStatus.SENT, "at": at, "note": note})

    def failed(self, message_id: int, *, error: str) -> None:
        self._db.execute("UPDATE outbox SET status = :status, last_error = :error WHERE id = :id",
                         {"id": message_id, "status": OutboxStatus.FAILED, "error": error})

    def retry(self, message_id: int, *, at: datetime, error: str) -> None:
        self._db.execute("UPDATE outbox SET next_attempt_at = :at, last_error = :error WHERE id = :id",
                         {"id": message_id, "at": at, "error": error})


_EPISODE_COLUMNS = CustodyEpisode._fields
_IN_HOME_COLUMNS = InHomeCase._fields
_EPISODES_IN = (select(*columns(FosterCareEpisode, *_EPISODE_COLUMNS))
                .where(FosterCareEpisode.region == bindparam("region"),
                       FosterCareEpisode.custody_start <= bindparam("end"),
                       FosterCareEpisode.custody_end.is_(None) | (FosterCareEpisode.custody_end > bindparam("start"))))
_IN_HOME_IN = (select(*columns(InHomeServiceCase, *_IN_HOME_COLUMNS))
               .where(InHomeServiceCase.region == bindparam("region"), InHomeServiceCase.case_start <= bindparam("end"),
                      InHomeServiceCase.case_end.is_(None) | (InHomeServiceCase.case_end >= bindparam("start")),
                      InHomeServiceCase.service_type == IN_HOME_SERVICE))
_EPISODES_OF = (select(*columns(FosterCareEpisode, *_EPISODE_COLUMNS))
                .where(FosterCareEpisode.child_id.in_(bindparam("children", expanding=True))))
#: Children looked up by one statement: a region's households in one or two (each a round trip), within both
#: databases' limits on parameters (SQLite's 32,766, PostgreSQL's 65,535).
_CHILDREN_PER_LOOKUP = 10_000


class UniverseRepository:
    """The extracts the samples are drawn from: each import replaces its kind's whole universe."""

    def __init__(self, db: Driver):
        self._db = db

    def clear(self, kind: str) -> None:
        """Empty the kind's universe for an import, and put its indexes aside until `indexed`: building an
        index once over the stored rows is about twice as fast as keeping it up to date row by row."""
        table = _UNIVERSE[kind].__table__
        for index in table.indexes:
            self._db.ddl(DropIndex(index))
        self._db.empty(_UNIVERSE[kind])

    def indexed(self, kind: str) -> bool:
        """Build the indexes `clear` put aside (the universe is read by them); False when the rows repeat a key,
        which the key's unique index refuses (`repeated_keys` then says where). Checking the key as the index is
        built costs nothing more; looking for repeats in every import cost a tenth of it. PostgreSQL is told
        how the new universe looks (ANALYZE): the draw's plans count on it."""
        table = _UNIVERSE[kind].__table__
        for index in sorted(table.indexes, key=lambda i: i.unique):   # the unique key last: it may fail
            if not index.unique:
                self._db.ddl(CreateIndex(index))
            elif not self._db.ddl_unless_repeated(CreateIndex(index)):
                return False
        if self._db.postgres:
            self._db.execute(f"ANALYZE {table.name}")
        return True

    @property
    def stored_in_this_process(self) -> bool:
        """Whether storing rows takes this process's time (SQLite), rather than a server's (PostgreSQL)."""
        return not self._db.postgres

    def load(self, kind: str, rows: Iterable[Sequence]) -> None:
        """Store checked extract rows (the extract's columns, then the row's number) as they stream in, into the
        universe `clear` emptied in this transaction."""
        self._db.insert_rows(_UNIVERSE[kind], (*COLUMNS[Extract(kind)], "source_row"), rows,  # named as the extract
                             emptied=True)

    def repeated_keys(self, kind: str, *, limit: int) -> tuple[list[tuple[int, int, tuple]], int]:
        """Rows whose key an earlier row of the import has, in row order: (row, the first row, the key) for the
        first `limit`, and how many there are; asked once `indexed` found that some repeat. The database
        groups the rows by key, so no set of keys is held in memory."""
        names = KEYS[Extract(kind)]
        table, key = _UNIVERSE[kind].__tablename__, ", ".join(names)
        firsts = (f"SELECT {key}, MIN(source_row) AS first_row FROM {table} GROUP BY {key} HAVING COUNT(*) > 1")
        joined = " AND ".join(f"t.{k} = f.{k}" for k in names)
        found = self._db.execute(f"SELECT t.source_row, f.first_row, {', '.join(f't.{k}' for k in names)} "
                                 f"FROM {table} t JOIN ({firsts}) f ON {joined} WHERE t.source_row > f.first_row "
                                 f"ORDER BY t.source_row").fetchmany(limit)
        if not found:
            return [], 0
        (total,) = self._db.execute(f"SELECT SUM(n - 1) FROM (SELECT COUNT(*) AS n FROM {table} GROUP BY {key} "
                                    f"HAVING COUNT(*) > 1) d").fetchone()
        return [(row, first, tuple(str(k) for k in rest)) for row, first, *rest in found], int(total)

    def record_import(self, *, kind: str, digest: str, rows: int, by: str, at: datetime) -> int:
        return self._db.insert(UniverseImport, {"kind": kind, "digest": digest, "rows": rows, "imported_by": by,
                                                "imported_at": at})

    def episodes_in(self, region: str, start: date, end: date) -> list[CustodyEpisode]:
        """The region's custody episodes overlapping the period (the foster-care frame's candidates)."""
        return self._db.rows(_EPISODES_IN, {"region": region, "start": start, "end": end}, CustodyEpisode)

    def in_home_in(self, region: str, start: date, end: date) -> list[InHomeCase]:
        """The region's in-home service cases overlapping the period (the in-home frame's candidates)."""
        make = InHomeCase._make   # the household's children are stored as "a;b"
        return [make((*row[:4], tuple(filter(None, row[4].split(";"))), *row[5:]))
                for row in self._db.rows(_IN_HOME_IN, {"region": region, "start": start, "end": end})]

    def episodes_of(self, children: Iterable[str]) -> dict[str, list[CustodyEpisode]]:
        """Every custody episode of these children, anywhere, by child."""
        found: dict[str, list[CustodyEpisode]] = {}
        wanted = sorted(set(children))
        for first in range(0, len(wanted), _CHILDREN_PER_LOOKUP):
            chunk = wanted[first:first + _CHILDREN_PER_LOOKUP]
            for episode in self._db.rows(_EPISODES_OF, {"children": chunk}, CustodyEpisode):
                found.setdefault(episode.child_id, []).append(episode)
        return found


_ENTRY_COLUMNS = ("sample_id", "case_type", "position", "key", "case_number", "child_id", "worker", "number", "role",
                  "reason", "flag", "case_id", "extension")
_UNIVERSE = {"foster-care": FosterCareEpisode, "in-home": InHomeServiceCase}
_DRAWN_IN = (select(SampleEntryRow.key, SampleEntryRow.case_number)
             .join(SampleRow, SampleRow.id == SampleEntryRow.sample_id)
             .join(ReviewRow, ReviewRow.id == SampleRow.review_id)
             .where(SampleEntryRow.role == "review", ReviewRow.review_month >= bindparam("since"),
                    ReviewRow.review_month <= bindparam("until"), ReviewRow.id != bindparam("review_id")))


class SampleRepository:
    """Drawn samples and their ordered entries."""

    def __init__(self, db: Driver):
        self._db = db

    def add(self, *, review_id: int, seed: int, algorithm: str, frame_digest: str, period_start: date,
            period_end: date, drawn_by: str, drawn_at: datetime) -> int:
        return self._db.insert(SampleRow, {"review_id": review_id, "seed": seed, "algorithm": algorithm,
                                           "frame_digest": frame_digest, "period_start": period_start,
                                           "period_end": period_end, "drawn_by": drawn_by, "drawn_at": drawn_at})

    def add_entries(self, sample_id: int, extension: int, entries: Sequence[Entry],
                    cases: Iterable[tuple[Entry, int]] = ()) -> None:
        """Store a draw's entries (extension 0) or an extension's in their order, as one list (empty when the frame
        was); `cases` pairs each entry for review with the case it became: those get rows."""
        self._db.insert(SampleListRow, {"sample_id": sample_id, "extension": extension,
                                        "entries": sample_lists.encode(entries)})
        self._db.insert_rows(SampleEntryRow, _ENTRY_COLUMNS, (
            (sample_id, e.case_type, e.order, e.key, e.case_number, e.child_id, e.worker, e.number, e.role, e.reason,
             e.flag, case_id, e.extension) for e, case_id in cases))

    def supersede(self, sample_id: int, *, at: datetime) -> None:
        """A re-draw replaces the sample: it is kept, superseded, its entries no longer naming the cases that
        are withdrawn with it."""
        self._db.execute("UPDATE samples SET superseded_at = :at WHERE id = :id", {"id": sample_id, "at": at})
        self._db.execute("UPDATE sample_entries SET case_id = NULL, replaced_by = NULL WHERE sample_id = :id",
                         {"id": sample_id})

    def drawn_between(self, *, since: date, until: date, review_id: int) -> set[str]:
        """The keys (children, cases) and case numbers drawn for review in other reviews of those months."""
        found: set[str] = set()
        for key, case_number in self._db.rows(_DRAWN_IN, {"since": since, "until": until, "review_id": review_id}):
            found |= {key, case_number}
        return found

    def eliminated(self, entry_id: int, *, reason: str, replaced_by: int | None) -> None:
        self._db.execute("UPDATE sample_entries SET role = 'eliminated', reason = :reason, replaced_by = :by "
                         "WHERE id = :id", {"id": entry_id, "reason": reason, "by": replaced_by})

    def for_review(self, sample_id: int, entry, *, case_id: int) -> None:
        """An oversample entry (a views.SampleEntryLine) becomes a case: its row says so."""
        values = entry._replace(role="review", case_id=case_id)._asdict()
        del values["id"]
        self._db.insert(SampleEntryRow, {"sample_id": sample_id, **values})


_PARTICIPANTS = (select(*columns(CaseParticipant, *Participant._fields))
                 .where(CaseParticipant.case_id == bindparam("case_id")).order_by(CaseParticipant.id))
_PARTICIPANTS_OF = (select(*columns(CaseParticipant, *Participant._fields))
                    .where(CaseParticipant.case_id.in_(bindparam("ids", expanding=True))).order_by(CaseParticipant.id))
_INTERVIEWS = (select(*columns(InterviewRow, *Interview._fields))
               .where(InterviewRow.case_id == bindparam("case_id")).order_by(InterviewRow.id))
_STAFFING = (select(*columns(StaffingRow, *Staffing._fields))
             .where(StaffingRow.case_id == bindparam("case_id")).order_by(StaffingRow.id))


class CasePeopleRepository:
    """The people of a case, their interviews, and first-level QA's staffing and shadowing of the reviewer."""

    def __init__(self, db: Driver):
        self._db = db

    def add_participant(self, *, case_id: int, name: str, role: str, by: str, at: datetime) -> Participant:
        new = self._db.insert(CaseParticipant, {"case_id": case_id, "name": name, "role": role, "added_by": by,
                                                "added_at": at})
        return Participant(new, case_id, name, role)

    def participants(self, case_id: int) -> list[Participant]:
        return self._db.rows(_PARTICIPANTS, {"case_id": case_id}, Participant)

    def participants_of(self, case_ids: Iterable[int]) -> list[Participant]:
        ids = sorted(set(case_ids))
        return self._db.rows(_PARTICIPANTS_OF, {"ids": ids}, Participant) if ids else []

    def add_interview(self, *, case_id: int, participant_id: int, fields: Mapping[str, Any], by: str,
                      at: datetime) -> Interview:
        new = self._db.insert(InterviewRow, {"case_id": case_id, "participant_id": participant_id, **fields,
                                             "recorded_by": by, "recorded_at": at})
        return Interview(new, case_id, participant_id, fields["status"], fields["scheduled_for"],
                         fields["location"], fields["exception"], fields["notes"])

    def interviews(self, case_id: int) -> list[Interview]:
        return self._db.rows(_INTERVIEWS, {"case_id": case_id}, Interview)

    def staffing(self, case_id: int) -> list[Staffing]:
        return self._db.rows(_STAFFING, {"case_id": case_id}, Staffing)

    def add_staffing(self, *, case_id: int, kind: str, held_on: date, hours: float | None, notes: str | None,
                     by: str, at: datetime) -> int:
        return self._db.insert(StaffingRow, {"case_id": case_id, "kind": kind, "held_on": held_on, "hours": hours,
                                             "notes": notes, "recorded_by": by, "recorded_at": at})


_OPEN_FEEDBACK = (select(FeedbackRow.case_id, func.count())
                  .where(FeedbackRow.state == "open", FeedbackRow.case_id.in_(bindparam("ids", expanding=True)))
                  .group_by(FeedbackRow.case_id))
_OPEN_IN_REVIEW = select(func.count()).where(FeedbackRow.state == "open",
                                             FeedbackRow.review_id == bindparam("review_id"))
_IN_REVIEW = select(func.count()).where(FeedbackRow.review_id == bindparam("review_id"))
_FEEDBACK_OF = select(FeedbackRow.id).where(FeedbackRow.case_id == bindparam("case_id")).order_by(FeedbackRow.id)


class FeedbackRepository(_Entities[Feedback]):
    """The Children's Bureau's feedback items (entities: addressing one is versioned)."""

    model, entity = FeedbackRow, Feedback

    def of_case(self, case_id: int) -> list[Feedback]:
        ids = [i for (i,) in self._db.rows(_FEEDBACK_OF, {"case_id": case_id})]
        found = self.get_many(ids)
        return [found[i] for i in ids]

    def open_counts(self, case_ids: Iterable[int]) -> dict[int, int]:
        """How many feedback items are still open, per case (cases with none left out)."""
        ids = sorted(set(case_ids))
        return dict(self._db.rows(_OPEN_FEEDBACK, {"ids": ids})) if ids else {}

    def open_in_review(self, review_id: int) -> int:
        return self._db.rows(_OPEN_IN_REVIEW, {"review_id": review_id})[0][0]

    def count_in_review(self, review_id: int) -> int:
        return self._db.rows(_IN_REVIEW, {"review_id": review_id})[0][0]


#: Every free text kept about a case, by table: what de-identification reads and rewrites (audit notes and
#: e-mails aside: they have their own ways).
CASE_TEXTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cases": ("id", ("proposed_elimination_notes",)),
    "case_participants": ("case_id", ("name",)),
    "interviews": ("case_id", ("notes",)),
    "qa_staffing": ("case_id", ("notes",)),
    "cb_feedback": ("case_id", ("text", "resolution")),
    "concerns": ("case_id", ("description", "corrective_action", "systemic_issue", "prevention_plan")),
    "ratings": ("case_id", ("rationale",)),
}
_CASE_AUDIT = (select(AuditRecord.id, AuditText.notes).join(AuditText, AuditText.record_id == AuditRecord.id)
               .where(((AuditRecord.entity == "case") & (AuditRecord.entity_id == bindparam("case_id")))
                      | ((AuditRecord.entity == "concern") & AuditRecord.entity_id.in_(
                          select(ConcernRow.id).where(ConcernRow.case_id == bindparam("case_id"))))
                      | ((AuditRecord.entity == "feedback") & AuditRecord.entity_id.in_(
                          select(FeedbackRow.id).where(FeedbackRow.case_id == bindparam("case_id"))))
                      | (AuditRecord.entity == "conflict")))


class CaseTextRepository:
    """Every text kept about one case, read and rewritten for its de-identification."""

    def __init__(self, db: Driver):
        self._db = db

    def texts(self, case_id: int) -> list[tuple[str, str, int, str]]:
        """(table, column, row id, text) for every non-empty free text kept about the case."""
        found = []
        for table, (key, names) in CASE_TEXTS.items():
            picked = ", ".join(f'"{n}"' for n in names)
            for row_id, *values in self._db.execute(f"SELECT id, {picked} FROM {table} WHERE {key} = :case_id",
                                                    {"case_id": case_id}).fetchall():
                found += [(table, name, row_id, value) for name, value in zip(names, values) if value]
        return found

    def rewrite(self, changes: Iterable[tuple[str, str, int, str]]) -> None:
        """Write new texts: (table, column, row id, text)."""
        for table, name, row_id, text in changes:
            self._db.execute(f'UPDATE {table} SET "{name}" = :text WHERE id = :id', {"text": text, "id": row_id})

    def audit_notes(self, case_id: int) -> list[tuple[int, str]]:
        """(record id, notes) of the audit records about the case, its concerns and feedback, and of the
        declared conflicts (which may name a participant)."""
        return self._db.rows(_CASE_AUDIT, {"case_id": case_id})

    def messages(self, case_id: int) -> list[tuple]:
        """(id, template, context, subject, text body, html body) of the e-mails about the case, queued or sent."""
        return self._db.execute("SELECT id, template, context, subject, body_text, body_html FROM outbox "
                                "WHERE case_id = :c", {"c": case_id}).fetchall()

    def rewrite_message(self, message_id: int, values: Mapping[str, str | None]) -> None:
        self._db.execute("UPDATE outbox SET context = :context, subject = :subject, body_text = :body_text, "
                         "body_html = :body_html WHERE id = :id", {**values, "id": message_id})

    def conflicts(self) -> list[tuple[int, str | None, str | None]]:
        """(id, participant, note) of every declared conflict: a participant may be named in any."""
        return self._db.execute("SELECT id, participant, note FROM conflicts").fetchall()

    def rewrite_conflict(self, conflict_id: int, participant: str | None, note: str | None) -> None:
        self._db.execute("UPDATE conflicts SET participant = :p, note = :n WHERE id = :id",
                         {"p": participant, "n": note, "id": conflict_id})


def bits(positions: Iterable[int]) -> int:
    """A bit set with bit n - 1 set for each position n (item numbers and outcome places count from 1)."""
    return sum(1 << (n - 1) for n in set(positions))


def rating_bits(ratings: Mapping[int, Rating], outcomes: Sequence[str | None]) -> dict[str, int]:
    """A case's ratings and outcomes (in the configured order) as the bit sets the reports sum."""
    placed = list(enumerate(outcomes, start=1))
    return {"strength_items": bits(n for n, r in ratings.items() if r.rating == "strength"),
            "ani_items": bits(n for n, r in ratings.items() if r.rating == "ani"),
            "outcomes_substantially": bits(k for k, o in placed if o == "substantially_achieved"),
            "outcomes_partially": bits(k for k, o in placed if o == "partially_achieved"),
            "outcomes_not_achieved": bits(k for k, o in placed if o == "not_achieved")}


_RATINGS_OF = select(RatingRow.item, RatingRow.rating, RatingRow.rationale).where(
    RatingRow.case_id == bindparam("case_id"))
_PUT_RATING = ("INSERT INTO ratings (case_id, item, rating, rationale, rated_by, rated_at) "
               "VALUES (:case_id, :item, :rating, :rationale, :by, :at) ON CONFLICT (case_id, item) DO UPDATE SET "
               "rating = excluded.rating, rationale = excluded.rationale, rated_by = excluded.rated_by, "
               "rated_at = excluded.rated_at")


class RatingRepository:
    """A case's OSRI ratings, as rated (items never rated have no row)."""

    def __init__(self, db: Driver):
        self._db = db

    def of_case(self, case_id: int) -> dict[int, Rating]:
        return {item: Rating(rating, rationale)
                for item, rating, rationale in self._db.rows(_RATINGS_OF, {"case_id": case_id})}

    def put(self, case_id: int, changes: Mapping[int, Rating], *, outcomes: Sequence[str | None], by: str,
            at: datetime) -> None:
        """Store changed ratings, and beside them the case's ratings and outcomes as bit sets (what the reports
        sum): `outcomes` are the case's outcomes now, in the configured order."""
        if changes:
            self._db.execute_many(_PUT_RATING, [{"case_id": case_id, "item": item, "rating": r.rating,
                                                 "rationale": r.rationale, "by": by, "at": at}
                                                for item, r in sorted(changes.items())])
            self._db.execute("UPDATE cases SET strength_items = :strength_items, ani_items = :ani_items, "
                             "outcomes_substantially = :outcomes_substantially, outcomes_partially = "
                             ":outcomes_partially, outcomes_not_achieved = :outcomes_not_achieved WHERE id = :id",
                             {"id": case_id, **rating_bits(self.of_case(case_id), outcomes)})
