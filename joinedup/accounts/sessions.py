"""Browser sessions, kept on the server: the cookie holds a random token, the database only its
SHA-256, so a copy of the database signs no one in and ending a session ends it everywhere.

A new token is issued at every sign-in and the one the browser had before is ended (no session
fixation). A session lasts ``session_hours`` at most and ends after ``session_idle_minutes``
unused. It also carries the purpose its user is acting for, chosen once after sign-in, and a
CSRF token every form post must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Table, select, update

from joinedup.accounts.users import User, get_user_by_id, naive_utc
from joinedup.errors import BadInput, CsrfError
from joinedup.govern import audit
from joinedup.govern.vocabulary import ROLE_PURPOSES, Purpose
from joinedup.store.schema import web_session


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: who, acting for what purpose (None until chosen), until when."""

    token_sha256: str
    user: User
    csrf_token: str
    purpose: Purpose | None
    created_at: datetime
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def end_token(connection: Connection, table: Table, token_sha256: str, now: datetime) -> int:
    """End the session of a token's digest in a session table (staff or citizen); 0 if it
    had ended already."""
    result = connection.execute(update(table).where(
        table.c.token_sha256 == token_sha256, table.c.ended_at.is_(None)
    ).values(ended_at=now))
    return int(result.rowcount)


def live_token(connection: Connection, table: Table, token: str, *, now: datetime,
               idle_minutes: int) -> Row[Any] | None:
    """The row of a session table (staff ``web_session`` or ``citizen_session``) a cookie's
    token names while that session is live; None when the token is unknown, the session
    ended, expired or was idle longer than ``idle_minutes`` (then it is ended for good).
    The caller marks it seen (``mark_seen``) once it has checked who it signs in."""
    digest = token_hash(token)
    row = connection.execute(select(table).where(table.c.token_sha256 == digest)).first()
    if row is None or row.ended_at is not None:
        return None
    if row.expires_at <= now or row.last_seen_at + timedelta(minutes=idle_minutes) < now:
        end_token(connection, table, digest, now)
        return None
    return row


def mark_seen(connection: Connection, table: Table, token_sha256: str, now: datetime) -> None:
    """The session was used now: its idle time counts from here."""
    connection.execute(update(table).where(table.c.token_sha256 == token_sha256)
                       .values(last_seen_at=now))


def start_session(connection: Connection, user: User, *, now: datetime, hours: int,
                  previous_token: str | None = None) -> tuple[str, WebSession]:
    """A new session for ``user`` (signed in already): returns the raw token for the cookie,
    which is never stored, and the session. ``previous_token``, the session cookie the browser
    came with, is ended, so a token planted before sign-in is worth nothing after it."""
    now = naive_utc(now)
    if previous_token:
        end_token(connection, web_session, token_hash(previous_token), now)
    token = secrets.token_urlsafe(32)
    session = WebSession(token_sha256=token_hash(token), user=user,
                         csrf_token=secrets.token_urlsafe(32), purpose=None, created_at=now,
                         expires_at=now + timedelta(hours=hours))
    connection.execute(web_session.insert().values(
        token_sha256=session.token_sha256, user_id=user.id, csrf_token=session.csrf_token,
        purpose=None, created_at=now, last_seen_at=now, expires_at=session.expires_at))
    return token, session


def load_session(connection: Connection, token: str, *, now: datetime, idle_minutes: int
                 ) -> WebSession | None:
    """The live session of a cookie's token, marked as seen now; None when the token is
    unknown, the session ended (logout), expired, was idle longer than ``idle_minutes``, or
    its user has since been disabled. An expired or idle session is ended for good."""
    now = naive_utc(now)
    row = live_token(connection, web_session, token, now=now, idle_minutes=idle_minutes)
    if row is None:
        return None
    digest = row.token_sha256
    user = get_user_by_id(connection, row.user_id)
    if user is None or not user.active:
        return None
    mark_seen(connection, web_session, digest, now)
    purpose = Purpose(row.purpose) if row.purpose else None
    if purpose is not None and purpose not in ROLE_PURPOSES[user.role]:
        purpose = None  # the user's role changed since: they choose again
    return WebSession(token_sha256=digest, user=user, csrf_token=row.csrf_token,
                      purpose=purpose, created_at=row.created_at, expires_at=row.expires_at)


def set_purpose(connection: Connection, session: WebSession, purpose: str, *, now: datetime
                ) -> WebSession:
    """Record the purpose the user acts for from now on (audited): every access decision in
    this session is made for it. Only purposes the user's role may act for are accepted."""
    try:
        chosen = Purpose(purpose)
    except ValueError:
        raise BadInput(f"unknown purpose {purpose!r}; expected one of: "
                       f"{', '.join(p.value for p in Purpose)}") from None
    allowed = ROLE_PURPOSES[session.user.role]
    if chosen not in allowed:
        may = ", ".join(sorted(p.value for p in allowed)) or "none"
        raise BadInput(f"the role {session.user.role} may not act for the purpose {chosen}; "
                       f"it may act for: {may}")
    now = naive_utc(now)
    done = connection.execute(update(web_session).where(
        web_session.c.token_sha256 == session.token_sha256, web_session.c.ended_at.is_(None)
    ).values(purpose=chosen.value))
    if not done.rowcount:
        raise BadInput("this session has ended; sign in again")
    audit.append(connection, [audit.Event(session.user.actor(), chosen.value, "set_purpose",
                                          "allow", f"acting for {chosen}")], now=now)
    return WebSession(token_sha256=session.token_sha256, user=session.user,
                      csrf_token=session.csrf_token, purpose=chosen,
                      created_at=session.created_at, expires_at=session.expires_at)


def end_session(connection: Connection, token: str, *, now: datetime) -> None:
    """Sign out (audited): the token is refused from now on. Unknown or ended tokens are
    ignored, so signing out twice is harmless."""
    now = naive_utc(now)
    digest = token_hash(token)
    row = connection.execute(select(web_session.c.user_id).where(
        web_session.c.token_sha256 == digest, web_session.c.ended_at.is_(None))).first()
    if row is None:
        return
    end_token(connection, web_session, digest, now)
    user = get_user_by_id(connection, row.user_id)
    if user is not None:
        audit.append(connection, [audit.Event(user.actor(), audit.OPERATIONS, "logout",
                                              "done", "signed out")], now=now)


def check_csrf(session: WebSession, submitted: str | None) -> None:
    """Refuse a form post whose CSRF token is missing or not this session's (compared in
    constant time, so it cannot be guessed a character at a time)."""
    if not submitted or not hmac.compare_digest(submitted.encode(),
                                                session.csrf_token.encode()):
        raise CsrfError("this form is out of date or was not sent by the hub (missing or "
                        "wrong CSRF token); reload the page and try again")
