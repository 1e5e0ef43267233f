"""What every ``joinedup`` command shares: consoles, error reporting, the store, progress bars.

Exit codes: 0 success, 1 failure, 2 bad input (a wrong definition, an unreadable file, a bad
option). Errors are one readable message on stderr, never a stack trace.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from joinedup.errors import JoinedUpError
from joinedup.govern.vocabulary import Actor, Role
from joinedup.settings import Settings
from joinedup.store import database

# Piped output (a log, a file, a test) gets room for whole tables instead of 80 columns.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn joinedup's errors into one line on stderr and their exit code."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except JoinedUpError as exc:
            err.print(f"[red]error:[/red] {escape(exc.message)}", highlight=False,
                      soft_wrap=True)
            raise typer.Exit(exc.exit_code) from exc

    return run


class App(typer.Typer):
    """A Typer whose every command reports joinedup's errors the same way."""

    def command(self, *args: Any, **kwargs: Any  # type: ignore[override]  # passes all through
                ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        register = super().command(*args, **kwargs)

        def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
            register(friendly(function))
            return function

        return decorator


DbOption = Annotated[str | None, typer.Option(
    "--db", metavar="URL", help="Database URL (default: $JOINEDUP_DATABASE_URL or "
    "sqlite:///joinedup.db).", show_default=False)]


def settings_for(db: str | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"database_url": db}) if db else settings


@contextmanager
def store(db: str | None) -> Iterator[Engine]:
    with database.open_store(settings_for(db).database_url) as engine:
        yield engine


@contextmanager
def progress(label: str) -> Iterator[Any]:
    """A Rich progress bar on stderr; yields the ``(done, total)`` callback the core expects."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err,
                  transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def acting_as(settings: Settings, role: Role, organisation: str | None = None) -> Actor:
    """The CLI's operator in ``role``: each command acts in the role its job implies (the DPO
    runs subject access, a data engineer exports), for $JOINEDUP_ORGANISATION or another."""
    return Actor(settings.operator, organisation or settings.organisation, role)


def cell(value: object) -> str:
    """A table cell: empty for None, and never read as Rich markup (a reason may hold "[")."""
    return "" if value is None else escape(str(value))


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
