"""``joinedup users``: staff accounts for the web UI and API, run by the hub's administrator
(``JOINEDUP_OPERATOR`` of ``JOINEDUP_ORGANISATION``, acting as ``admin``).

Thin over ``joinedup.accounts``: each command is one audited transaction.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from joinedup import accounts
from joinedup.cli_base import DbOption, acting_as, out, settings_for, store, utcnow
from joinedup.errors import BadInput
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import STAFF_ROLES, Role

UsernameArgument = Annotated[str, typer.Argument(help="The user's sign-in name.")]
PasswordStdinOption = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of stdin instead of "
                             "prompting (for scripts).")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def add_command(
    username: UsernameArgument,
    name: Annotated[str, typer.Option(help="Their name as colleagues know it.")],
    role: Annotated[str, typer.Option(
        help=f"The role they act in: {', '.join(r.value for r in STAFF_ROLES)}.")],
    organisation: Annotated[str, typer.Option(
        help="Their organisation, as sharing agreements name it.")],
    team: Annotated[str | None, typer.Option(
        help="Their team (front-line staff see detail of their team's cases).")] = None,
    email: Annotated[str | None, typer.Option(help="Their work email.")] = None,
    password_stdin: PasswordStdinOption = False,
    no_password: Annotated[bool, typer.Option(
        "--no-password", help="No password: they sign in only through the identity "
                              "provider (JOINEDUP_OIDC_*).")] = False,
    db: DbOption = None,
) -> None:
    """Add a member of staff who may sign in.

    Prompts for the password twice unless --password-stdin or --no-password is given.
    """
    if password_stdin and no_password:
        raise BadInput("give --password-stdin or --no-password, not both")
    if role not in {r.value for r in STAFF_ROLES}:
        raise BadInput(f"unknown role {role!r}; expected one of: "
                       f"{', '.join(r.value for r in STAFF_ROLES)}")
    password = None if no_password else _password(password_stdin)
    settings = settings_for(db)
    with store(db) as engine, governed(engine) as connection:
        user = accounts.add_user(
            connection, username=username, display_name=name, organisation=organisation,
            role=role, team=team, email=email, password=password,
            created_by=acting_as(settings, Role.ADMIN), now=utcnow())
    out.print(f"Added {user.username} ({user.display_name}): {user.role} at "
              f"{user.organisation}{', ' + user.team if user.team else ''}.",
              highlight=False, soft_wrap=True)


def list_command(db: DbOption = None) -> None:
    """List staff accounts, their roles and status."""
    now = utcnow()
    with store(db) as engine, engine.connect() as connection:
        users = accounts.list_users(connection)
    if not users:
        out.print("No users yet: add one with joinedup users add, or the demo logins with "
                  "joinedup users demo")
        return
    table = Table(title=f"{len(users)} users", title_justify="left")
    for column in ("username", "name", "role", "organisation", "team", "email", "status",
                   "last sign-in"):
        table.add_column(column, overflow="fold")
    for u in users:
        status = ("disabled" if not u.active else
                  f"locked to {u.locked_until:%Y-%m-%d %H:%M}"
                  if u.locked_until and u.locked_until > now else "active")
        table.add_row(u.username, u.display_name, u.role.value, u.organisation, u.team or "",
                      u.email or "", status + (" (demo)" if u.demo else ""),
                      f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never")
    out.print(table)


def _set_active(username: str, active: bool, db: str | None) -> accounts.User:
    with store(db) as engine, governed(engine) as connection:
        return accounts.set_active(connection, username, active,
                                   by=acting_as(settings_for(db), Role.ADMIN), now=utcnow())


def disable_command(username: UsernameArgument, db: DbOption = None) -> None:
    """Disable an account and end its browser sessions."""
    user = _set_active(username, False, db)
    out.print(f"Disabled {user.username}; their browser sessions have ended.", highlight=False)


def enable_command(username: UsernameArgument, db: DbOption = None) -> None:
    """Enable a disabled account again."""
    user = _set_active(username, True, db)
    out.print(f"Enabled {user.username}.", highlight=False)


def unlock_command(username: UsernameArgument, db: DbOption = None) -> None:
    """Unlock an account locked by failed sign-ins."""
    with store(db) as engine, governed(engine) as connection:
        user = accounts.unlock(connection, username,
                               by=acting_as(settings_for(db), Role.ADMIN), now=utcnow())
    out.print(f"Unlocked {user.username}; they may sign in again.", highlight=False)


def set_password_command(username: UsernameArgument,
                         password_stdin: PasswordStdinOption = False,
                         db: DbOption = None) -> None:
    """Set a new password and end the browser sessions."""
    password = _password(password_stdin)
    with store(db) as engine, governed(engine) as connection:
        user = accounts.set_password(connection, username, password,
                                     by=acting_as(settings_for(db), Role.ADMIN), now=utcnow())
    out.print(f"Password of {user.username} set; their browser sessions have ended.",
              highlight=False)


def demo_command(db: DbOption = None) -> None:
    """Create one demo login per role for the synthetic county.

    Front-line logins are the store's busiest key workers, so their caseload is real. They
    share a published password: production mode refuses to start while any is enabled.
    """
    with store(db) as engine, governed(engine) as connection:
        made = accounts.create_demo_users(connection, now=utcnow(),
                                          created_by=acting_as(settings_for(db), Role.ADMIN))
    table = Table(title=f"{len(made)} demo logins", title_justify="left")
    for column in ("role", "username", "password", "organisation", "team"):
        table.add_column(column, overflow="fold")
    for user, password in made:
        table.add_row(user.role.value, user.username, password, user.organisation,
                      user.team or "")
    out.print(table)
    out.print("Demo logins are for synthetic data only: disable them (joinedup users disable "
              "USERNAME) before real data is loaded.", highlight=False, soft_wrap=True)
