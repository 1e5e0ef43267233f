"""``joinedup users``: thin over joinedup.accounts, exit 2 and one clear line for bad input."""

from __future__ import annotations

from datetime import timedelta

from factories import one_line
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from joinedup.accounts import LoginPolicy, authenticate, get_user, list_users
from joinedup.cli import app
from joinedup.cli_base import utcnow
from joinedup.govern.vocabulary import STAFF_ROLES, Role
from joinedup.store.schema import app_user, audit_event

PASSWORD = "correct horse battery staple"
ADD = ["users", "add", "Jo.Bloggs", "--name", "Jo Bloggs", "--role", "social_worker",
       "--organisation", "Adult Social Care", "--team", "Norwich Locality Team",
       "--email", "jo.bloggs@norfolk.example.gov.uk"]


def run(db_url: str, *args: str, input: str | None = None) -> Result:
    result = CliRunner().invoke(app, [*args, "--db", db_url], input=input,
                                env={"COLUMNS": "200", "JOINEDUP_OPERATOR": "admin.cli"})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{result.exception!r}\n{result.output}")
    return result


def ok(db_url: str, *args: str, input: str | None = None) -> str:
    result = run(db_url, *args, input=input)
    assert result.exit_code == 0, result.output
    return one_line(result.stdout.replace("│", " "))  # table cells as words


def bad_input(db_url: str, *args: str, input: str | None = None) -> str:
    result = run(db_url, *args, input=input)
    assert result.exit_code == 2, result.output
    return one_line(result.stderr)


def test_add_prompts_twice_for_the_password(engine: Engine, db_url: str) -> None:
    out = ok(db_url, *ADD, input=f"{PASSWORD}\n{PASSWORD}\n")

    assert "Added jo.bloggs (Jo Bloggs): social_worker at Adult Social Care, Norwich " \
           "Locality Team" in out
    assert PASSWORD not in out
    with engine.begin() as c:
        user = get_user(c, "jo.bloggs")
        assert user is not None
        assert (user.role, user.team, user.email) == (
            Role.SOCIAL_WORKER, "Norwich Locality Team", "jo.bloggs@norfolk.example.gov.uk")
        assert authenticate(c, "jo.bloggs", PASSWORD, policy=LoginPolicy(), now=utcnow())
        [(actor, role)] = c.execute(select(audit_event.c.actor, audit_event.c.role)
                                    .where(audit_event.c.action == "add_user")).all()
        assert (actor, role) == ("admin.cli", "admin")


def test_add_reads_the_password_from_stdin(engine: Engine, db_url: str) -> None:
    ok(db_url, *ADD, "--password-stdin", input=f"{PASSWORD}\n")

    with engine.begin() as c:
        assert authenticate(c, "jo.bloggs", PASSWORD, policy=LoginPolicy(), now=utcnow())


def test_add_without_a_password_for_identity_provider_sign_in(engine: Engine,
                                                              db_url: str) -> None:
    ok(db_url, *ADD, "--no-password")

    with engine.connect() as c:
        assert c.execute(select(app_user.c.password_hash)).scalar_one() is None


def test_add_refuses_bad_input_with_exit_2(engine: Engine, db_url: str) -> None:
    assert "unknown role 'wizard'" in bad_input(
        db_url, "users", "add", "x.y", "--name", "X", "--role", "wizard", "--organisation",
        "Adult Social Care", "--no-password")
    assert "password refused: it must be at least 12 characters" in bad_input(
        db_url, *ADD, "--password-stdin", input="short\n")
    assert "not both" in bad_input(db_url, *ADD, "--password-stdin", "--no-password")
    ok(db_url, *ADD, "--no-password")
    assert "already a user 'jo.bloggs'" in bad_input(db_url, *ADD, "--no-password")
    with engine.connect() as c:
        assert len(list_users(c)) == 1


def test_list_disable_enable_unlock(engine: Engine, db_url: str) -> None:
    assert "No users yet" in ok(db_url, "users", "list")
    ok(db_url, *ADD, "--password-stdin", input=f"{PASSWORD}\n")
    assert "jo.bloggs Jo Bloggs social_worker Adult Social Care" in ok(db_url, "users", "list")
    assert "active" in ok(db_url, "users", "list")

    assert "Disabled jo.bloggs" in ok(db_url, "users", "disable", "jo.bloggs")
    assert "disabled" in ok(db_url, "users", "list")
    assert "Enabled jo.bloggs" in ok(db_url, "users", "enable", "JO.BLOGGS")

    with engine.begin() as c:
        c.execute(app_user.update().values(locked_until=utcnow() + timedelta(minutes=10)))
    assert "locked to" in ok(db_url, "users", "list")
    assert "Unlocked jo.bloggs" in ok(db_url, "users", "unlock", "jo.bloggs")
    with engine.connect() as c:
        user = get_user(c, "jo.bloggs")
    assert user is not None
    assert (user.active, user.locked_until) == (True, None)
    for command in ("disable", "enable", "unlock", "set-password"):
        assert "no user 'nobody'" in bad_input(db_url, "users", command, "nobody",
                                               input=f"{PASSWORD}\n{PASSWORD}\n")


def test_set_password(engine: Engine, db_url: str) -> None:
    ok(db_url, *ADD, "--no-password")
    new = "a brand new passphrase"

    assert "Password of jo.bloggs set" in ok(db_url, "users", "set-password", "jo.bloggs",
                                             input=f"{new}\n{new}\n")

    with engine.begin() as c:
        assert authenticate(c, "jo.bloggs", new, policy=LoginPolicy(), now=utcnow())


def test_demo_prints_each_login_and_is_idempotent(engine: Engine, db_url: str) -> None:
    out = ok(db_url, "users", "demo")

    assert "11 demo logins" in out
    assert "social_worker demo.social_worker joinedup-demo Adult Social Care" in out
    assert "disable them" in out
    assert "11 demo logins" in ok(db_url, "users", "demo")
    with engine.connect() as c:
        assert len(list_users(c)) == len(STAFF_ROLES)
    assert "(demo)" in ok(db_url, "users", "list")
