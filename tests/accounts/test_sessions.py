"""Browser sessions on both backends: only a hash is stored, a new token at each sign-in, and
every way a session ends (logout, expiry, idleness, a disabled user) refuses its token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select

from joinedup.accounts import (
    CsrfError,
    User,
    add_user,
    check_csrf,
    end_session,
    load_session,
    set_active,
    set_purpose,
    start_session,
)
from joinedup.accounts.sessions import token_hash
from joinedup.errors import BadInput
from joinedup.govern.vocabulary import Purpose, Role
from joinedup.store.schema import app_user, audit_event, web_session

NOW = datetime(2026, 11, 22, 10, 0)
IDLE = 30


def make_user(connection: Connection, role: Role = Role.SOCIAL_WORKER) -> User:
    return add_user(connection, username=f"{role.value}.one", display_name="One",
                    organisation="Adult Social Care", role=role, team="Norwich Locality Team",
                    email=None, password="correct horse battery staple",
                    created_by="tester", now=NOW)


@pytest.fixture
def c(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole test (committed at its end)."""
    with engine.begin() as connection:
        yield connection


def audited(connection: Connection, action: str) -> list[tuple[Any, ...]]:
    e = audit_event
    return [tuple(r) for r in connection.execute(
        select(e.c.actor, e.c.purpose, e.c.decision, e.c.reason)
        .where(e.c.action == action).order_by(e.c.seq))]


def test_a_session_stores_only_the_hash_of_its_token_and_loads_by_it(c: Connection) -> None:
    user = make_user(c)

    token, session = start_session(c, user, now=NOW, hours=8)

    assert len(token) >= 43  # 32 random bytes
    assert session.token_sha256 == token_hash(token) != token
    assert (session.user, session.purpose) == (user, None)
    assert session.expires_at == NOW + timedelta(hours=8)
    stored = c.execute(select(web_session)).one()
    assert token not in [str(v) for v in stored]
    loaded = load_session(c, token, now=NOW + timedelta(minutes=5), idle_minutes=IDLE)
    assert loaded == session
    assert c.execute(select(web_session.c.last_seen_at)).scalar_one() == NOW + timedelta(
        minutes=5)


def test_each_sign_in_gets_a_new_token_and_csrf_token(c: Connection) -> None:
    user = make_user(c)

    first, one = start_session(c, user, now=NOW, hours=8)
    second, two = start_session(c, user, now=NOW, hours=8)

    assert first != second
    assert one.csrf_token != two.csrf_token
    assert load_session(c, first, now=NOW, idle_minutes=IDLE) is not None  # two browsers


def test_a_token_planted_before_sign_in_is_ended_by_it(c: Connection) -> None:
    """Session fixation: an attacker's token, given to the victim's browser before they sign
    in, must not become a signed-in session."""
    user = make_user(c)
    planted, _ = start_session(c, user, now=NOW, hours=8)

    fresh, _ = start_session(c, user, now=NOW, hours=8, previous_token=planted)

    assert load_session(c, planted, now=NOW, idle_minutes=IDLE) is None
    assert load_session(c, fresh, now=NOW, idle_minutes=IDLE) is not None


def test_an_unknown_token_loads_nothing(c: Connection) -> None:
    make_user(c)

    assert load_session(c, "made-up", now=NOW, idle_minutes=IDLE) is None
    assert load_session(c, "", now=NOW, idle_minutes=IDLE) is None
    start_session(c, make_user(c, Role.DPO), now=NOW, hours=8, previous_token="made-up")


def test_a_session_expires_however_active(c: Connection) -> None:
    token, _ = start_session(c, make_user(c), now=NOW, hours=1)
    for minutes in (20, 40, 59):
        assert load_session(c, token, now=NOW + timedelta(minutes=minutes), idle_minutes=IDLE)

    assert load_session(c, token, now=NOW + timedelta(hours=1), idle_minutes=IDLE) is None
    assert c.execute(select(web_session.c.ended_at)).scalar_one() == NOW + timedelta(hours=1)


def test_an_idle_session_ends_for_good(c: Connection) -> None:
    token, _ = start_session(c, make_user(c), now=NOW, hours=8)

    assert load_session(c, token, now=NOW + timedelta(minutes=IDLE), idle_minutes=IDLE)
    assert load_session(c, token, now=NOW + timedelta(minutes=2 * IDLE + 1),
                        idle_minutes=IDLE) is None
    # a later, more lenient setting does not bring it back
    assert load_session(c, token, now=NOW + timedelta(minutes=2 * IDLE + 2),
                        idle_minutes=600) is None


def test_a_token_from_before_the_logout_is_refused(c: Connection) -> None:
    user = make_user(c)
    token, _ = start_session(c, user, now=NOW, hours=8)

    end_session(c, token, now=NOW + timedelta(minutes=1))
    end_session(c, token, now=NOW + timedelta(minutes=2))  # twice is harmless
    end_session(c, "made-up", now=NOW)

    assert load_session(c, token, now=NOW + timedelta(minutes=3), idle_minutes=IDLE) is None
    assert audited(c, "logout") == [(user.username, "operations", "done", "signed out")]


def test_a_disabled_users_session_is_refused(c: Connection) -> None:
    user = make_user(c)
    token, _ = start_session(c, user, now=NOW, hours=8)
    c.execute(web_session.update().values(ended_at=None))

    set_active(c, user.username, False, by="tester", now=NOW)
    c.execute(web_session.update().values(ended_at=None))  # even if it had not been ended

    assert load_session(c, token, now=NOW, idle_minutes=IDLE) is None


def test_the_purpose_is_chosen_once_audited_and_kept(c: Connection) -> None:
    user = make_user(c)
    token, session = start_session(c, user, now=NOW, hours=8)

    chosen = set_purpose(c, session, "safeguarding", now=NOW)

    assert chosen.purpose is Purpose.SAFEGUARDING
    loaded = load_session(c, token, now=NOW, idle_minutes=IDLE)
    assert loaded is not None
    assert loaded.purpose is Purpose.SAFEGUARDING
    assert audited(c, "set_purpose") == [(user.username, "safeguarding", "allow",
                                          "acting for safeguarding")]


@pytest.mark.parametrize(("role", "purpose", "fragment"), [
    (Role.SOCIAL_WORKER, "analytics", "may not act for the purpose analytics; it may act "
                                      "for: direct_care, safeguarding"),
    (Role.ADMIN, "audit", "it may act for: none"),
    (Role.SOCIAL_WORKER, "curiosity", "unknown purpose 'curiosity'"),
])
def test_a_purpose_the_role_may_not_act_for_is_refused(c: Connection, role: Role,
                                                       purpose: str, fragment: str) -> None:
    token, session = start_session(c, make_user(c, role), now=NOW, hours=8)

    with pytest.raises(BadInput) as refused:
        set_purpose(c, session, purpose, now=NOW)

    assert fragment in refused.value.message
    loaded = load_session(c, token, now=NOW, idle_minutes=IDLE)
    assert loaded is not None
    assert loaded.purpose is None


def test_an_ended_session_cannot_choose_a_purpose(c: Connection) -> None:
    token, session = start_session(c, make_user(c), now=NOW, hours=8)
    end_session(c, token, now=NOW)

    with pytest.raises(BadInput, match="session has ended"):
        set_purpose(c, session, "direct_care", now=NOW)


def test_a_purpose_the_role_no_longer_allows_is_dropped(c: Connection) -> None:
    user = make_user(c)
    token, session = start_session(c, user, now=NOW, hours=8)
    set_purpose(c, session, "direct_care", now=NOW)
    c.execute(app_user.update().values(role=Role.ANALYST.value))

    loaded = load_session(c, token, now=NOW, idle_minutes=IDLE)
    assert loaded is not None
    assert (loaded.user.role, loaded.purpose) == (Role.ANALYST, None)


def test_csrf_the_sessions_token_passes(c: Connection) -> None:
    _, session = start_session(c, make_user(c), now=NOW, hours=8)

    check_csrf(session, session.csrf_token)


@pytest.mark.parametrize("submitted", [None, "", "wrong", "é-not-ascii"])
def test_csrf_a_missing_or_wrong_token_is_refused(c: Connection, submitted: str | None) -> None:
    _, session = start_session(c, make_user(c), now=NOW, hours=8)
    _, other = start_session(c, make_user(c, Role.DPO), now=NOW, hours=8)

    with pytest.raises(CsrfError) as refused:
        check_csrf(session, submitted)
    with pytest.raises(CsrfError):
        check_csrf(session, other.csrf_token)

    assert refused.value.http_status == 403
    assert "CSRF" in refused.value.message
