"""The review queue and overrides: what people decide about pairs the model could not.

A decision is stored as an override (must_link or cannot_link, who, when, why) on the two
source records, not on person ids, so it survives any relinking; every later run respects
it. Records are named as ``SOURCE:RECORD_ID``, as agencies know them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from joinedup.errors import BadInput, NotFound
from joinedup.govern import audit
from joinedup.store.schema import link_override, review_pair, source, source_record

_RECORD = source_record.table
OVERRIDE_KINDS = ("must_link", "cannot_link")


@dataclass(frozen=True)
class ReviewItem:
    id: int
    match_weight: float
    reason: str
    status: str
    left: dict[str, Any]
    right: dict[str, Any]


def record_key(connection: Connection, reference: str) -> int:
    """The store id of ``SOURCE:RECORD_ID``; a clear error if there is no such record."""
    name, sep, record_id = reference.partition(":")
    if not sep or not name or not record_id:
        raise BadInput(f"{reference!r} is not a record reference; expected SOURCE:RECORD_ID, "
                       "e.g. asc_clients:1076100")
    found = connection.execute(
        select(_RECORD.c.id).join(source, source.c.id == _RECORD.c.source_id)
        .where(source.c.name == name, _RECORD.c.record_id == record_id,
               source.c.kind == "person")).scalar()
    if found is None:
        raise BadInput(f"there is no person record {record_id!r} in source {name!r}")
    return int(found)


def _records(connection: Connection, ids: set[int]) -> dict[int, dict[str, Any]]:
    rows = connection.execute(select(_RECORD, source.c.name.label("source"))
                              .join(source, source.c.id == _RECORD.c.source_id)
                              .where(_RECORD.c.id.in_(ids))).mappings()
    return {row["id"]: dict(row) for row in rows}


def list_reviews(connection: Connection, *, status: str = "open", limit: int = 50
                 ) -> list[ReviewItem]:
    """Pairs to review, the most likely matches first."""
    rows = connection.execute(select(review_pair).where(review_pair.c.status == status)
                              .order_by(review_pair.c.match_weight.desc(), review_pair.c.id)
                              .limit(limit)).mappings().all()
    records = _records(connection, {r[k] for r in rows for k in ("record_a", "record_b")})
    return [ReviewItem(r["id"], r["match_weight"], r["reason"], r["status"],
                       records[r["record_a"]], records[r["record_b"]]) for r in rows]


def add_override(connection: Connection, record_a: int, record_b: int, *, kind: str,
                 decided_by: str, reason: str, now: datetime | None = None) -> int:
    """Record a decision on two records; a later decision on the same pair replaces it."""
    if kind not in OVERRIDE_KINDS:
        raise BadInput(f"an override is must_link or cannot_link, not {kind!r}")
    if record_a == record_b:
        raise BadInput("an override needs two different records")
    if not reason.strip():
        raise BadInput("say why: a decision about who someone is needs a reason on record")
    a, b = sorted((record_a, record_b))
    values = {"kind": kind, "decided_by": decided_by, "reason": reason.strip(),
              "decided_at": _naive_utc(now or datetime.now(UTC))}
    pair = and_(link_override.c.record_a == a, link_override.c.record_b == b)
    existing = connection.execute(select(link_override.c.id).where(pair)).scalar()
    if existing is not None:
        connection.execute(update(link_override).where(link_override.c.id == existing)
                           .values(values))
        override_id = int(existing)
    else:
        try:
            override_id = int(connection.execute(insert(link_override).values(
                record_a=a, record_b=b, **values).returning(link_override.c.id)).scalar_one())
        except IntegrityError as exc:  # pragma: no cover - a concurrent decision
            raise BadInput("someone decided this pair at the same moment; try again") from exc
    audit.append(connection, [audit.operation(
        decided_by, "override", f"{kind} of records {a} and {b} (override {override_id})",
        detail=reason.strip())], now=now)
    connection.execute(update(review_pair).where(review_pair.c.record_a == a,
                                                 review_pair.c.record_b == b)
                       .values(status="accepted" if kind == "must_link" else "rejected",
                               override_id=override_id))
    return override_id


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def review_row(connection: Connection, review_id: int) -> dict[str, Any]:
    """The queued pair ``review_id``; NotFound if there is none."""
    row = connection.execute(select(review_pair).where(review_pair.c.id == review_id)
                             ).mappings().first()
    if row is None:
        raise NotFound(f"there is no review pair {review_id}; see joinedup review list")
    return dict(row)


def decide_pair(connection: Connection, review_id: int, *, accept: bool, decided_by: str,
                reason: str, now: datetime | None = None) -> int:
    """``decide`` in the caller's transaction (a governed one, for the web UI)."""
    row = review_row(connection, review_id)
    if row["status"] not in ("open", "stale"):
        raise BadInput(f"review pair {review_id} was already decided ({row['status']})")
    return add_override(connection, row["record_a"], row["record_b"],
                        kind="must_link" if accept else "cannot_link",
                        decided_by=decided_by, reason=reason, now=now)


def decide(engine: Engine, review_id: int, *, accept: bool, decided_by: str, reason: str
           ) -> int:
    """Accept (must_link) or reject (cannot_link) a queued pair; returns the override id."""
    with engine.begin() as connection:
        return decide_pair(connection, review_id, accept=accept, decided_by=decided_by,
                           reason=reason)
