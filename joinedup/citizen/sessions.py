"""Citizens' browser sessions, kept apart from staff sessions: their own table and cookie, so a
staff session never opens the citizen portal and a citizen's never opens a staff page.

Built as staff sessions are (``joinedup.accounts.sessions``): the cookie holds a random token
and the database only its SHA-256; a new token at every sign-in ends the one the browser came
with (no session fixation); sessions end after ``session_hours`` or ``session_idle_minutes``
unused; every form echoes the session's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from joinedup.accounts.sessions import end_token, live_token, mark_seen, token_hash
from joinedup.accounts.users import naive_utc
from joinedup.citizen import PURPOSE, Citizen
from joinedup.citizen.accounts import actor_of, citizen_of
from joinedup.errors import CsrfError
from joinedup.govern import audit
from joinedup.store.schema import citizen_session


def start_session(connection: Connection, account_id: int, *, now: datetime, hours: int,
                  previous_token: str | None = None) -> str:
    """A new session for a signed-in account: the raw token for the cookie (never stored).
    ``previous_token``, the citizen cookie the browser came with, is ended."""
    now = naive_utc(now)
    if previous_token:
        end_token(connection, citizen_session, token_hash(previous_token), now)
    token = secrets.token_urlsafe(32)
    connection.execute(citizen_session.insert().values(
        token_sha256=token_hash(token), account_id=account_id,
        csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=hours)))
    return token


def load_session(connection: Connection, token: str, *, now: datetime, idle_minutes: int
                 ) -> Citizen | None:
    """The citizen a cookie's token signs in, marked as seen now; None when the token is
    unknown, ended, expired or idle too long (then ended for good), or the account is closed
    or its record no longer linked to anyone."""
    now = naive_utc(now)
    row = live_token(connection, citizen_session, token, now=now, idle_minutes=idle_minutes)
    if row is None:
        return None
    citizen = citizen_of(connection, row.account_id, csrf_token=row.csrf_token)
    if citizen is not None:
        mark_seen(connection, citizen_session, row.token_sha256, now)
    return citizen


def end_session(connection: Connection, token: str, *, now: datetime) -> None:
    """Sign out (audited); an unknown or ended token is ignored."""
    now = naive_utc(now)
    digest = token_hash(token)
    account = connection.execute(select(citizen_session.c.account_id).where(
        citizen_session.c.token_sha256 == digest,
        citizen_session.c.ended_at.is_(None))).scalar_one_or_none()
    if account is None:
        return
    end_token(connection, citizen_session, digest, now)
    audit.append(connection, [audit.Event(actor_of(account), PURPOSE, "citizen_logout", "done",
                                          "signed out")], now=now)


def end_account_sessions(connection: Connection, account_id: int, *, now: datetime) -> int:
    """End every open session of an account (its password changed, it was closed)."""
    return int(connection.execute(update(citizen_session).where(
        citizen_session.c.account_id == account_id, citizen_session.c.ended_at.is_(None)
    ).values(ended_at=naive_utc(now))).rowcount)


def check_csrf(citizen: Citizen, submitted: str | None) -> None:
    """Refuse a citizen's form post whose CSRF token is missing or not their session's."""
    if not submitted or not citizen.csrf_token or not hmac.compare_digest(
            submitted.encode(), citizen.csrf_token.encode()):
        raise CsrfError("This form is out of date or was not sent by this site. Go back, "
                        "reload the page and try again.")
