"""The audit log: one event per decision, load, link change, export and erasure, kept as a
Merkle log in the manner of Certificate Transparency (RFC 6962), so that nobody, the hub's own
administrators included, can edit, delete, reorder or insert an event unnoticed.

Each event is a leaf; its position is its sequence number (1-based seq, leaf index seq - 1),
and its bytes are its fields joined by a unit separator, seq first, so a leaf moved or
renumbered no longer hashes to itself. A signed checkpoint (tree size, root, Ed25519) commits
to the whole log up to that size: partners keep them, and inclusion and consistency proofs
show an event, or a later log, against one without trusting the hub.

Personal details about the subject (their person id, free text such as search terms or a
break-glass reason) are not in the leaf itself but in ``audit_subject``, committed to by a
salted SHA-256 in the leaf. Erasure deletes those details and records which erasure event did
so (``audit_redaction``); every leaf, root and proof stays valid, and verification can tell
that lawful redaction from a deletion. The salt stops anyone confirming a guess of the person
from the commitment.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.exc import DBAPIError

from joinedup.govern import merkle
from joinedup.govern.vocabulary import Actor, Role
from joinedup.store.schema import (
    audit_event,
    audit_subject,
)

SEPARATOR = "\x1f"
OPERATIONS = "operations"
"""The purpose of events the hub's own operation causes (loads, link runs, erasure)."""
HUB = "joinedup hub"
"""The organisation recorded for the hub's own processing (linkage), run by its operator."""
BATCH = 50_000
LOCK_KEY = 0x6A6F696E  # "join": the PostgreSQL advisory lock that orders appends
LEAF_COLUMNS = ("seq", "at", "request_id", "actor", "organisation", "role", "purpose", "action",
                "decision", "reason", "agreements", "fields", "subject_commitment")


assert tuple(c.name for c in audit_event.columns) == (*LEAF_COLUMNS, "leaf_hash")
"""``append`` writes rows by position."""


def timestamp(moment: datetime) -> str:
    """UTC, microseconds, fixed width: text that sorts as time and hashes the same anywhere."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Event:
    """What happened, by whom, why, to whom; ``decision`` is allow, deny or done."""

    actor: Actor
    purpose: str
    action: str
    decision: str
    reason: str
    fields: tuple[str, ...] = ()
    agreements: tuple[str, ...] = ()
    person_id: int | None = None
    detail: str | None = None
    request_id: str = field(default_factory=new_request_id)


def operation(operator: str, action: str, reason: str, *, person_id: int | None = None,
              detail: str | None = None, organisation: str = HUB) -> Event:
    """An event of the hub's own processing (a load, a link run, a merge, an override)."""
    return Event(Actor(operator, organisation, Role.DATA_ENGINEER), OPERATIONS, action, "done",
                 reason, person_id=person_id, detail=detail)


def person_moved(operator: str, run_id: int, kind: str, old_id: int, new_id: int,
                 records: int) -> Event:
    """A merge or split: the ids go in the erasable details, never in the reason, so erasing
    the person leaves no trace of which ids were theirs."""
    return operation(operator, f"person_{kind}", f"link run {run_id}: {records} records moved "
                     f"({kind})", person_id=old_id, detail=f"person {old_id} -> person {new_id}")


def _clean(value: str) -> str:
    return value.replace(SEPARATOR, " ")


def leaf_bytes(values: Sequence[Any]) -> bytes:
    """The bytes a leaf hashes: the ``LEAF_COLUMNS`` values, NULL as empty text."""
    return SEPARATOR.join("" if v is None else str(v) for v in values).encode()


def commitment(salt: bytes | str, person_id: int | None, detail: str | None) -> str:
    data = SEPARATOR.join(("" if person_id is None else str(person_id), detail or ""))
    raw = bytes.fromhex(salt) if isinstance(salt, str) else salt
    return hashlib.sha256(raw + data.encode()).hexdigest()


def next_seq(connection: Connection) -> int:
    """The next sequence number, with appends serialised until this transaction ends (on
    PostgreSQL an advisory lock; SQLite holds the write lock from ``BEGIN IMMEDIATE``)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    last = connection.execute(select(func.max(audit_event.c.seq))).scalar_one()
    return int(last or 0) + 1


def append(connection: Connection, events: Sequence[Event], *, now: datetime | None = None
           ) -> list[int]:
    """Append ``events`` in order inside the caller's transaction; returns their seqs.

    The caller's work and its audit commit or roll back together: if the audit cannot be
    written, the transaction fails and nothing it read may be returned (fail closed)."""
    return _append(connection, [(e, e.person_id) for e in events], now)


def append_each(connection: Connection, event: Event, persons: Sequence[int], *,
                now: datetime | None = None) -> list[int]:
    """``event`` once about each of ``persons``, in order, as ``append`` would write them:
    a list of ten thousand people is one actor, reason and request ten thousand times, and
    needs no ten thousand ``Event`` objects made to say so."""
    return _append(connection, [(event, p) for p in persons], now)


def _append(connection: Connection, events: Sequence[tuple[Event, int | None]],
            now: datetime | None) -> list[int]:
    if not events:
        return []
    at = timestamp(now or datetime.now(UTC))
    first = next_seq(connection)
    rows: list[tuple[Any, ...]] = []
    subjects: list[tuple[Any, ...]] = []
    salts = secrets.token_bytes(16 * len(events))
    clean = _Cleaner()
    last: Event | None = None
    key: tuple[Any, ...] = ()
    middle: tuple[Any, ...] = ()
    joined = ""
    detail: str | None = None
    for seq, (event, person_id) in enumerate(events, start=first):
        if event is not last:  # a list of thousands: one actor, reason, fields
            last, detail = event, None if event.detail is None else _clean(event.detail)
            if (this := _key(event)) != key:
                key, middle = this, _middle(at, event, clean)
                joined = leaf_bytes(middle).decode()
        commit = None
        if person_id is not None or detail is not None:
            salt = salts[16 * (seq - first):16 * (seq - first + 1)]
            commit = commitment(salt, person_id, detail)
            subjects.append((seq, person_id, detail, salt.hex()))
        leaf_text = f"{seq}{SEPARATOR}{joined}{SEPARATOR}{commit or ''}"
        rows.append((seq, *middle, commit, merkle.leaf_hash(leaf_text.encode()).hex()))
    _insert(connection, audit_event, rows)
    _insert(connection, audit_subject, subjects)
    return list(range(first, first + len(rows)))


def _key(event: Event) -> tuple[Any, ...]:
    return (event.request_id, event.actor, event.purpose, event.action, event.decision,
            event.reason, event.agreements, event.fields)


def _middle(at: str, event: Event, clean: _Cleaner) -> tuple[Any, ...]:
    """The leaf's values between its seq and its commitment."""
    actor = event.actor
    return (at, clean(event.request_id), clean(actor.user), clean(actor.organisation),
            str(actor.role), clean(event.purpose), clean(event.action), event.decision,
            clean(event.reason), clean.joined(event.agreements), clean.joined(event.fields))


class _Cleaner:
    """``_clean`` and joins, once per distinct value: a list of ten thousand events repeats
    the same actor, purpose, reason and fields ten thousand times."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}
        self._lists: dict[tuple[str, ...], str] = {}

    def __call__(self, value: str) -> str:
        found = self._seen.get(value)
        if found is None:
            found = self._seen[value] = _clean(value)
        return found

    def joined(self, values: tuple[str, ...]) -> str:
        found = self._lists.get(values)
        if found is None:
            found = self._lists[values] = ",".join(values)
        return found


COPY_FROM = 1_000
"""Rows from which PostgreSQL is sent ``COPY`` rather than batched ``INSERT``s: three times
faster for a list of ten thousand people, each audited."""


def _insert(connection: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Rows in the table's column order, through the driver: ``COPY`` for many rows on
    PostgreSQL, else one prepared ``INSERT`` executed many times. A driver error is raised as
    SQLAlchemy's ``DBAPIError`` either way, so callers see one kind of failure."""
    if not rows:
        return
    columns = [c.name for c in table.columns]
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        raw = connection.connection.driver_connection
        assert raw is not None
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        failure = connection.dialect.loaded_dbapi.Error
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except failure as error:
            raise DBAPIError.instance(statement, None, error, failure) from error
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})", rows)
