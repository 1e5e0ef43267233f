"""Staff accounts: who may sign in, as what role in which organisation, and the sign-in itself.

Every change to an account and every sign-in attempt, allowed or refused, is an audit event in
the same transaction. A refused sign-in writes too (its audit event, the failure counter that
locks the account), so the caller must commit when ``authenticate`` raises ``AuthError``:
``govern.session.governed`` does. Otherwise guessing would cost an attacker nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError

from joinedup.accounts import passwords
from joinedup.errors import AccountLocked, AuthenticationFailed, BadInput
from joinedup.govern import audit
from joinedup.govern.vocabulary import STAFF_ROLES, Actor, Role
from joinedup.settings import Settings
from joinedup.store.schema import app_user, web_session

FAILED = "unknown user or wrong password"
"""The one message for every refused password sign-in, so usernames cannot be probed."""
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@'-]{1,199}")
UNKNOWN = Actor("(unknown user)", "(unknown)", cast(Role, "none"))
"""Whom a sign-in for a username that does not exist is recorded as (there is no role to
name); the name tried goes in the event's erasable details, not its hashed leaf, in case
someone typed their password into the username box."""


@dataclass(frozen=True)
class User:
    """A member of staff as the hub knows them; ``actor()`` is who they act as."""

    id: int
    username: str
    display_name: str
    email: str | None
    organisation: str
    role: Role
    team: str | None
    demo: bool
    active: bool
    locked_until: datetime | None = None
    last_login_at: datetime | None = None

    def actor(self) -> Actor:
        return Actor(self.username, self.organisation, self.role, self.team)


@dataclass(frozen=True)
class LoginPolicy:
    """How many failed sign-ins in a row lock an account, and for how long."""

    max_failures: int = 5
    lockout_minutes: int = 15

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(settings.login_max_failures, settings.lockout_minutes)


def normalise_username(username: str) -> str:
    """Usernames compare without case or surrounding space (``J.Smith`` is ``j.smith``)."""
    return username.strip().lower()


def naive_utc(moment: datetime) -> datetime:
    """The store keeps naive UTC; an aware time is converted, a naive one taken as UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _user(row: Row[Any]) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name,
                email=row.email, organisation=row.organisation, role=Role(row.role),
                team=row.team, demo=bool(row.demo), active=bool(row.active),
                locked_until=row.locked_until, last_login_at=row.last_login_at)


def _operator(by: str | Actor) -> Actor:
    """Who made a change: an ``Actor``, or a bare operator name acting as the hub's admin."""
    return by if isinstance(by, Actor) else Actor(by, audit.HUB, Role.ADMIN)


def get_user(connection: Connection, username: str) -> User | None:
    row = connection.execute(select(app_user).where(
        app_user.c.username == normalise_username(username))).first()
    return None if row is None else _user(row)


def get_user_by_id(connection: Connection, user_id: int) -> User | None:
    row = connection.execute(select(app_user).where(app_user.c.id == user_id)).first()
    return None if row is None else _user(row)


def list_users(connection: Connection) -> list[User]:
    """Every account, by organisation then username."""
    rows = connection.execute(select(app_user).order_by(app_user.c.organisation,
                                                        app_user.c.username))
    return [_user(r) for r in rows]


def demo_users(connection: Connection) -> list[User]:
    """The demo logins (``demo=True``), which production mode refuses to start with."""
    return [u for u in list_users(connection) if u.demo]


def add_user(connection: Connection, *, username: str, display_name: str, organisation: str,
             role: Role | str, team: str | None, email: str | None, password: str | None,
             demo: bool = False, created_by: str | Actor, now: datetime) -> User:
    """Create an account (audited). ``password=None`` makes one that signs in only through the
    identity provider. Every problem with the input is reported at once, as ``BadInput``."""
    now = naive_utc(now)
    name = normalise_username(username)
    problems = []
    if not USERNAME.fullmatch(name):
        problems.append(f"username {username!r} must be 2-200 characters of letters, digits "
                        "and . _ @ ' -, starting with a letter or digit")
    elif get_user(connection, name) is not None:
        problems.append(f"there is already a user {name!r}")
    if not display_name.strip():
        problems.append("the display name must not be empty")
    if not organisation.strip():
        problems.append("the organisation must not be empty")
    checked_role = next((r for r in STAFF_ROLES if r.value == role), None)
    if checked_role is None:
        problems.append(f"unknown role {role!r}; expected one of: "
                        f"{', '.join(r.value for r in STAFF_ROLES)}")
    if email is not None and email.strip() and "@" not in email:
        problems.append(f"email {email!r} is not an email address")
    if password is not None:
        problems += [f"password refused: {p}" for p in passwords.password_problems(
            password, username=name, demo=demo)]
    if problems or checked_role is None:
        raise BadInput("cannot add the user: " + "; ".join(problems))
    operator = _operator(created_by)
    team = (team or "").strip() or None
    values: dict[str, Any] = {
        "username": name, "display_name": display_name.strip(),
        "email": (email or "").strip() or None, "organisation": organisation.strip(),
        "role": checked_role.value, "team": team,
        "password_hash": None if password is None else passwords.hash_password(password),
        "demo": demo, "active": True, "failed_logins": 0, "created_at": now,
        "created_by": operator.user}
    try:
        key = connection.execute(app_user.insert().values(**values)).inserted_primary_key
    except IntegrityError as exc:  # another administrator added the same name meanwhile
        raise BadInput(f"cannot add the user: there is already a user {name!r}") from exc
    audit.append(connection, [audit.Event(
        operator, audit.OPERATIONS, "add_user", "done",
        f"added {'demo ' if demo else ''}user {name} ({checked_role.value}, "
        f"{values['organisation']}{', ' + team if team else ''})")], now=now)
    assert key is not None
    user = get_user_by_id(connection, int(key[0]))
    assert user is not None
    return user


def _change(connection: Connection, username: str, values: dict[str, Any], *,
            by: str | Actor, action: str, reason: str, now: datetime) -> User:
    user = get_user(connection, username)
    if user is None:
        raise BadInput(f"there is no user {normalise_username(username)!r}; see joinedup "
                       "users list")
    connection.execute(update(app_user).where(app_user.c.id == user.id).values(**values))
    audit.append(connection, [audit.Event(_operator(by), audit.OPERATIONS, action, "done",
                                          f"{reason} {user.username}")], now=naive_utc(now))
    changed = get_user_by_id(connection, user.id)
    assert changed is not None
    return changed


def end_user_sessions(connection: Connection, user_id: int, *, now: datetime) -> int:
    """End every open browser session of a user; returns how many."""
    result = connection.execute(update(web_session).where(
        web_session.c.user_id == user_id, web_session.c.ended_at.is_(None)
    ).values(ended_at=naive_utc(now)))
    return int(result.rowcount)


def set_password(connection: Connection, username: str, password: str, *, by: str | Actor,
                 now: datetime) -> User:
    """Set a new password (audited, never the password itself). It ends the user's browser
    sessions and any lockout: whoever knew the old one is signed out."""
    user = get_user(connection, username)
    if user is None:
        raise BadInput(f"there is no user {normalise_username(username)!r}")
    passwords.check_password(password, username=user.username, demo=user.demo)
    end_user_sessions(connection, user.id, now=now)
    return _change(connection, username, {"password_hash": passwords.hash_password(password),
                                          "failed_logins": 0, "locked_until": None},
                   by=by, action="set_password", reason="set the password of", now=now)


def set_active(connection: Connection, username: str, active: bool, *, by: str | Actor,
               now: datetime) -> User:
    """Enable or disable an account (audited). Disabling ends its browser sessions at once;
    API tokens it holds are refused by the API's check of the user, not by their signature."""
    user = get_user(connection, username)
    if user is not None and not active:
        end_user_sessions(connection, user.id, now=now)
    return _change(connection, username, {"active": active},
                   by=by, action="enable_user" if active else "disable_user",
                   reason="enabled" if active else "disabled", now=now)


def unlock(connection: Connection, username: str, *, by: str | Actor, now: datetime) -> User:
    """End a lockout before its time and clear the failure count (audited)."""
    return _change(connection, username, {"failed_logins": 0, "locked_until": None},
                   by=by, action="unlock_user", reason="unlocked", now=now)


def _login_event(connection: Connection, actor: Actor, decision: str, reason: str, *,
                 now: datetime, tried: str | None = None) -> None:
    audit.append(connection, [audit.Event(actor, audit.OPERATIONS, "login", decision, reason,
                                          detail=tried)], now=now)


def authenticate(connection: Connection, username: str, password: str, *,
                 policy: LoginPolicy, now: datetime) -> User:
    """The user whose password this is, signed in (audited either way).

    Refusals raise ``AuthenticationFailed`` with one message whatever the cause (unknown user,
    wrong password, no password set), and take as long, so they tell nothing; a disabled
    account is said to be disabled only to someone who knows its password. ``max_failures``
    failures in a row lock the account for ``lockout_minutes`` (``AccountLocked``, whatever
    the password). The caller must commit even when this raises: see the module docstring."""
    now = naive_utc(now)
    name = normalise_username(username)
    row = connection.execute(select(app_user).where(app_user.c.username == name)
                             .with_for_update()).first()  # concurrent failures count in turn
    if row is None:
        passwords.verify_nothing(password)
        _login_event(connection, UNKNOWN, "deny", "unknown user", now=now, tried=name[:200])
        raise AuthenticationFailed(FAILED)
    user = _user(row)
    actor = user.actor()
    if row.locked_until is not None and row.locked_until > now:
        passwords.verify_nothing(password)
        _login_event(connection, actor, "deny",
                     f"account locked until {row.locked_until:%Y-%m-%d %H:%M:%S} UTC", now=now)
        raise AccountLocked(_locked_message(policy, row.locked_until), until=row.locked_until)
    if row.password_hash is None:
        passwords.verify_nothing(password)
        _login_event(connection, actor, "deny", "no password set (signs in through the "
                     "identity provider)", now=now)
        raise AuthenticationFailed(FAILED)
    if not passwords.verify_password(row.password_hash, password):
        failures = int(row.failed_logins) + 1
        if failures >= policy.max_failures:
            until = now + timedelta(minutes=policy.lockout_minutes)
            connection.execute(update(app_user).where(app_user.c.id == user.id)
                               .values(failed_logins=0, locked_until=until))
            _login_event(connection, actor, "deny", f"wrong password ({failures} in a row): "
                         f"locked until {until:%Y-%m-%d %H:%M:%S} UTC", now=now)
            raise AccountLocked(_locked_message(policy, until), until=until)
        connection.execute(update(app_user).where(app_user.c.id == user.id)
                           .values(failed_logins=app_user.c.failed_logins + 1))
        _login_event(connection, actor, "deny", f"wrong password ({failures} of "
                     f"{policy.max_failures} before lockout)", now=now)
        raise AuthenticationFailed(FAILED)
    if not user.active:
        _login_event(connection, actor, "deny", "account disabled", now=now)
        raise AuthenticationFailed("this account is disabled; ask your administrator")
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if passwords.needs_rehash(row.password_hash):
        values["password_hash"] = passwords.hash_password(password)
    connection.execute(update(app_user).where(app_user.c.id == user.id).values(**values))
    _login_event(connection, actor, "allow", "password", now=now)
    signed_in = get_user_by_id(connection, user.id)
    assert signed_in is not None
    return signed_in


def _locked_message(policy: LoginPolicy, until: datetime) -> str:
    return (f"account locked after {policy.max_failures} failed sign-ins in a row; try again "
            f"after {until:%H:%M} UTC on {until:%Y-%m-%d}, or ask your administrator to "
            "unlock it")
