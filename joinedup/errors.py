"""Every error joinedup raises on purpose, with what a council officer needs to act on it.

    JoinedUpError                 exit code 1, HTTP 500 unless a subclass says otherwise
    ├── BadInput                  exit code 2, HTTP 400: the user gave us something we cannot use
    │   ├── SourceDefinitionError   a source YAML is wrong (every problem listed at once)
    │   ├── IngestError             a data file cannot be read as its definition says
    │   ├── SynthError              bad options for the synthetic county
    │   ├── AgreementError          sharing agreement files are wrong (every problem listed)
    │   ├── AreaError               an area file (a flood zone, wards) cannot be used as an area
    │   └── NotFound                HTTP 404: the load, review pair or record asked for by id
    ├── StoreError                the database cannot be opened or is at the wrong schema version
    ├── LinkError                 records cannot be linked as asked (contradictory reviews)
    ├── GovernError               governance refuses (expired agreement, unsafe key file, bad log)
    │   └── AccessDenied            HTTP 403: policy refuses a read of person data (audited)
    │       └── NotTheirs             HTTP 404: a citizen asked for what is not theirs (or nothing)
    └── AuthError                 HTTP 401: who is asking cannot be established
        ├── AuthenticationFailed    wrong password, unknown user, bad or expired token
        ├── AccountLocked           too many failed sign-ins; says until when (HTTP 401)
        └── CsrfError               HTTP 403: a form post without this session's CSRF token

Third-party exceptions are translated at the boundary with ``raise ... from exc`` so the
CLI and API never show a stack trace for bad input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


class JoinedUpError(Exception):
    """Root of every error joinedup raises deliberately."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(JoinedUpError):
    exit_code = 2
    http_status = 400


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SourceDefinitionError(BadInput):
    """A source definition is invalid; carries every problem found, not just the first."""

    def __init__(self, path: Path | str, problems: Sequence[Problem]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{self.path}: {len(self.problems)} {noun} in source definition:\n{lines}")


class IngestError(BadInput):
    """A data file cannot be loaded; names the file and, where known, the row and column."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.reason = message
        self.path = str(path)
        self.row = row
        self.column = column
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable, so an error found in a worker process reaches the CLI unchanged.
        return (_ingest_error, (self.reason, self.path, self.row, self.column))


def _ingest_error(reason: str, path: str, row: int | None, column: str | None) -> IngestError:
    return IngestError(reason, path=path, row=row, column=column)


class NotFound(BadInput):
    """An id names nothing the store holds (a load, a review pair): a mistyped or stale id,
    so the user's to correct, as Datasette's NotFound is a kind of 400."""

    http_status = 404


class SynthError(BadInput):
    """Options for the synthetic county that cannot be honoured."""


class StoreError(JoinedUpError):
    """The database cannot be used as it is."""


class LinkError(JoinedUpError):
    """Records cannot be linked as asked: reviewers' decisions contradict, or a pair is unknown."""


class GovernError(JoinedUpError):
    """Governance refuses or cannot do what was asked: an expired agreement, a key file
    others can read, an audit log that fails verification."""


class AccessDenied(GovernError):
    """A request for person data that policy refuses; the refusal itself is audited."""

    http_status = 403


class NotTheirs(AccessDenied):
    """A citizen asked for something of theirs by id (a rights request, a change they
    reported) that is someone else's, or nothing. A refusal, so its audit event is committed
    (``govern.session.governed``), but answered as "not found" (HTTP 404) whether or not it
    exists, so ids cannot be probed to learn what others have asked."""

    http_status = 404


class AgreementError(BadInput):
    """Data-sharing agreement files are invalid; carries every problem in every file."""

    def __init__(self, problems: Sequence[tuple[str, Problem]]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {path}: {p}" for path, p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} in sharing agreements:\n{lines}")


class AreaError(BadInput):
    """An area that cannot be used: says which input (the file, or "the uploaded area") and,
    where known, which feature and ring, so the officer can fix it in their GIS."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.reason = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class AuthError(JoinedUpError):
    """Who is asking cannot be established, so nothing they ask is done. Its audit event (and
    a failed sign-in's counter) must still be committed: see ``accounts.transaction``."""

    http_status = 401


class AuthenticationFailed(AuthError):
    """A sign-in or token refused. For passwords the message is the same whatever was wrong,
    so it cannot be used to find out which usernames exist."""


class AccountLocked(AuthError):
    """Too many failed sign-ins in a row: refused until ``until`` (naive UTC), whatever the
    password. HTTP 401 rather than 423 (WebDAV's "Locked"), which clients treat as a resource
    lock; the message says until when."""

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until

    def __reduce__(self) -> tuple[Any, ...]:
        return (_account_locked, (self.message, self.until))


def _account_locked(message: str, until: datetime) -> AccountLocked:
    return AccountLocked(message, until=until)


class CsrfError(AuthError):
    """A state-changing browser request without the CSRF token of its session: the sender is
    signed in, but the request may have been forged by another site."""

    http_status = 403
