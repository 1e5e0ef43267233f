"""Staff accounts and sign-in, on both backends: every attempt audited, guesses cost a lockout,
refusals tell nothing about which usernames exist."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, select

from joinedup.accounts import (
    FAILED,
    AccountLocked,
    AuthenticationFailed,
    AuthError,
    LoginPolicy,
    User,
    add_user,
    authenticate,
    demo_users,
    get_user,
    get_user_by_id,
    list_users,
    set_active,
    set_password,
    start_session,
    unlock,
)
from joinedup.accounts.passwords import DEMO_PASSWORD
from joinedup.errors import BadInput
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role
from joinedup.settings import Settings
from joinedup.store.schema import app_user, audit_event, audit_subject, web_session

NOW = datetime(2026, 11, 22, 10, 0)
PASSWORD = "correct horse battery staple"
POLICY = LoginPolicy(max_failures=3, lockout_minutes=15)
ADMIN = Actor("admin.ng", "Norfolk County Council Information Governance", Role.ADMIN)


def make_user(connection: Connection, username: str = "jo.bloggs", **kwargs: Any) -> User:
    values: dict[str, Any] = {
        "display_name": "Jo Bloggs", "organisation": "Adult Social Care",
        "role": Role.SOCIAL_WORKER, "team": "Norwich Locality Team",
        "email": "jo.bloggs@norfolk.example.gov.uk", "password": PASSWORD,
        "created_by": ADMIN, "now": NOW, **kwargs}
    return add_user(connection, username=username, **values)


def events(connection: Connection, action: str | None = None) -> list[tuple[Any, ...]]:
    e = audit_event
    query = select(e.c.actor, e.c.organisation, e.c.role, e.c.action, e.c.decision,
                   e.c.reason).order_by(e.c.seq)
    if action:
        query = query.where(e.c.action == action)
    return [tuple(r) for r in connection.execute(query)]


def sign_in(engine: Engine, password: str, *, username: str = "jo.bloggs",
            at: datetime = NOW, policy: LoginPolicy = POLICY) -> User:
    """A sign-in in its own committed unit of work, as the web and API run it."""
    with governed(engine) as c:
        return authenticate(c, username, password, policy=policy, now=at)


@pytest.fixture
def jo(engine: Engine) -> User:
    with engine.begin() as c:
        return make_user(c)


# -- accounts -----------------------------------------------------------------------------------

def test_a_user_is_added_found_listed_and_acts_as_their_role_and_team(engine: Engine) -> None:
    with engine.begin() as c:
        jo = make_user(c, username="  Jo.Bloggs ")
        make_user(c, username="dpo.reed", display_name="Dee Reed", role="dpo", team=None,
                  organisation="Norfolk County Council Information Governance", email=None)

        assert jo.username == "jo.bloggs"
        assert (jo.role, jo.team, jo.demo, jo.active) == (Role.SOCIAL_WORKER,
                                                          "Norwich Locality Team", False, True)
        assert get_user(c, "JO.BLOGGS") == jo
        assert get_user_by_id(c, jo.id) == jo
        assert get_user(c, "nobody") is None
        assert get_user_by_id(c, 999) is None
        assert [u.username for u in list_users(c)] == ["jo.bloggs", "dpo.reed"]
        assert jo.actor() == Actor("jo.bloggs", "Adult Social Care", Role.SOCIAL_WORKER,
                                   "Norwich Locality Team")
        stored = c.execute(select(app_user.c.password_hash, app_user.c.created_by)).first()
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert stored.created_by == "admin.ng"
        assert events(c, "add_user")[0][:5] == (
            "admin.ng", ADMIN.organisation, "admin", "add_user", "done")
        assert "jo.bloggs (social_worker, Adult Social Care, Norwich Locality Team)" in events(
            c, "add_user")[0][5]


def test_a_duplicate_username_is_refused_whatever_its_case(engine: Engine, jo: User) -> None:
    with engine.begin() as c, pytest.raises(BadInput, match=r"already a user 'jo\.bloggs'"):
        make_user(c, username="JO.bloggs")


def test_every_problem_with_a_new_user_is_reported_at_once(engine: Engine) -> None:
    with engine.begin() as c:
        with pytest.raises(BadInput) as refused:
            add_user(c, username="no spaces!", display_name=" ", organisation="",
                     role="wizard", team=None, email="not-an-email", password="short",
                     created_by="tester", now=NOW)
        message = refused.value.message
        for fragment in ("username 'no spaces!'", "display name must not be empty",
                         "organisation must not be empty", "unknown role 'wizard'",
                         "social_worker", "not an email address", "at least 12 characters"):
            assert fragment in message
        assert list_users(c) == []
        assert events(c) == []


def test_the_demo_password_is_for_demo_logins_only(engine: Engine) -> None:
    with engine.begin() as c:
        with pytest.raises(BadInput, match="demo password is for demo logins only"):
            make_user(c, password=DEMO_PASSWORD)
        make_user(c, username="demo.x", password=DEMO_PASSWORD, demo=True)
        make_user(c, username="jo.bloggs")

        assert [u.username for u in demo_users(c)] == ["demo.x"]


def test_settings_give_the_login_policy() -> None:
    settings = Settings(login_max_failures=7, lockout_minutes=30)

    assert LoginPolicy.from_settings(settings) == LoginPolicy(7, 30)
    assert LoginPolicy.from_settings(Settings()) == LoginPolicy(5, 15)


# -- signing in ---------------------------------------------------------------------------------

def test_the_right_password_signs_in_and_is_audited(engine: Engine, jo: User) -> None:
    later = NOW + timedelta(hours=1)

    user = sign_in(engine, PASSWORD, username="Jo.Bloggs", at=later)

    assert user.id == jo.id
    assert user.last_login_at == later
    with engine.connect() as c:
        assert events(c, "login") == [("jo.bloggs", "Adult Social Care", "social_worker",
                                       "login", "allow", "password")]


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(engine: Engine,
                                                                  jo: User) -> None:
    with pytest.raises(AuthenticationFailed) as wrong:
        sign_in(engine, "not the password")
    with pytest.raises(AuthenticationFailed) as unknown:
        sign_in(engine, PASSWORD, username="no.such.user")

    assert wrong.value.message == unknown.value.message == FAILED
    assert wrong.value.http_status == 401
    with engine.connect() as c:
        logins = events(c, "login")
        assert [r[4] for r in logins] == ["deny", "deny"]
        assert logins[0][5] == "wrong password (1 of 3 before lockout)"
        assert logins[1][:2] == ("(unknown user)", "(unknown)")
        assert logins[1][5] == "unknown user"
        # the name tried is kept in the erasable details, never in the hashed leaf
        assert "no.such.user" not in str(logins)
        details = c.execute(select(audit_subject.c.detail)).scalars().all()
        assert details == ["no.such.user"]


def test_a_user_without_a_password_cannot_sign_in_with_one(engine: Engine) -> None:
    with engine.begin() as c:
        make_user(c, password=None)

    with pytest.raises(AuthenticationFailed, match=FAILED):
        sign_in(engine, "")
    with engine.connect() as c:
        assert "no password set" in events(c, "login")[0][5]


def test_failures_in_a_row_lock_the_account_until_the_lockout_ends(engine: Engine,
                                                                   jo: User) -> None:
    for _ in range(POLICY.max_failures - 1):
        with pytest.raises(AuthenticationFailed, match=FAILED):
            sign_in(engine, "guess")
    with pytest.raises(AccountLocked) as locked:
        sign_in(engine, "guess")
    until = NOW + timedelta(minutes=15)
    assert locked.value.until == until
    assert "locked after 3 failed sign-ins" in locked.value.message
    assert "10:15 UTC on 2026-11-22" in locked.value.message

    # while locked, even the right password is refused
    with pytest.raises(AccountLocked):
        sign_in(engine, PASSWORD, at=until - timedelta(seconds=1))

    assert sign_in(engine, PASSWORD, at=until).username == "jo.bloggs"
    with engine.connect() as c:
        reasons = [r[5] for r in events(c, "login")]
        assert reasons == ["wrong password (1 of 3 before lockout)",
                           "wrong password (2 of 3 before lockout)",
                           "wrong password (3 in a row): locked until 2026-11-22 10:15:00 UTC",
                           "account locked until 2026-11-22 10:15:00 UTC",
                           "password"]
        row = c.execute(select(app_user.c.failed_logins, app_user.c.locked_until)).one()
        assert tuple(row) == (0, None)


def test_a_success_resets_the_count_of_failures(engine: Engine, jo: User) -> None:
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            sign_in(engine, "guess")
    sign_in(engine, PASSWORD)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            sign_in(engine, "guess")

    assert sign_in(engine, PASSWORD).username == "jo.bloggs"


def test_an_administrator_can_unlock_early(engine: Engine, jo: User) -> None:
    for _ in range(3):
        with pytest.raises(AuthError):  # the last is AccountLocked
            sign_in(engine, "guess")
    with engine.begin() as c:
        unlocked = unlock(c, "jo.bloggs", by=ADMIN, now=NOW)
        assert unlocked.locked_until is None
        assert events(c, "unlock_user")[0][4:] == ("done", "unlocked jo.bloggs")

    assert sign_in(engine, PASSWORD).username == "jo.bloggs"


def test_a_refused_sign_in_is_committed_though_the_caller_raised(engine: Engine,
                                                                 jo: User) -> None:
    with pytest.raises(AuthenticationFailed):
        sign_in(engine, "guess")

    with engine.connect() as c:
        assert c.execute(select(app_user.c.failed_logins)).scalar_one() == 1
        assert len(events(c, "login")) == 1


def test_the_unit_of_work_rolls_back_other_errors(engine: Engine) -> None:
    with pytest.raises(RuntimeError), governed(engine) as c:
        make_user(c)
        raise RuntimeError("boom")

    with engine.connect() as c:
        assert list_users(c) == []
        assert events(c) == []


def test_a_disabled_user_is_refused_and_told_only_if_they_know_the_password(
        engine: Engine, jo: User) -> None:
    with engine.begin() as c:
        start_session(c, jo, now=NOW, hours=8)
        disabled = set_active(c, "jo.bloggs", False, by=ADMIN, now=NOW)
        assert not disabled.active
        assert c.execute(select(web_session.c.ended_at)).scalar_one() == NOW

    with pytest.raises(AuthenticationFailed, match=FAILED):
        sign_in(engine, "guess")
    with pytest.raises(AuthenticationFailed, match="disabled"):
        sign_in(engine, PASSWORD)

    with engine.begin() as c:
        set_active(c, "jo.bloggs", True, by="tester", now=NOW)
        assert [r[3:5] for r in events(c) if r[3].endswith("_user")] == [
            ("add_user", "done"), ("disable_user", "done"), ("enable_user", "done")]
    assert sign_in(engine, PASSWORD).active


def test_a_new_password_replaces_the_old_and_signs_out_every_browser(engine: Engine,
                                                                     jo: User) -> None:
    new = "a new and better passphrase"
    with engine.begin() as c:
        start_session(c, jo, now=NOW, hours=8)
        with pytest.raises(BadInput, match="at least 12"):
            set_password(c, "jo.bloggs", "short", by=ADMIN, now=NOW)
        set_password(c, "jo.bloggs", new, by=ADMIN, now=NOW)
        assert c.execute(select(web_session.c.ended_at)).scalar_one() == NOW
        assert events(c, "set_password")[0][5] == "set the password of jo.bloggs"
        assert new not in str(events(c))

    with pytest.raises(AuthenticationFailed):
        sign_in(engine, PASSWORD)
    assert sign_in(engine, new).username == "jo.bloggs"


def test_changes_to_an_unknown_user_are_refused(engine: Engine) -> None:
    with engine.begin() as c:
        for change in (lambda: set_active(c, "nobody", False, by=ADMIN, now=NOW),
                       lambda: unlock(c, "nobody", by=ADMIN, now=NOW),
                       lambda: set_password(c, "nobody", PASSWORD, by=ADMIN, now=NOW)):
            with pytest.raises(BadInput, match="no user 'nobody'"):
                change()


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(engine: Engine, jo: User) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    with engine.begin() as c:
        c.execute(app_user.update().values(password_hash=weak))

    sign_in(engine, PASSWORD)

    with engine.connect() as c:
        upgraded = c.execute(select(app_user.c.password_hash)).scalar_one()
    assert upgraded != weak
    assert "m=65536" in upgraded
    assert sign_in(engine, PASSWORD).username == "jo.bloggs"
