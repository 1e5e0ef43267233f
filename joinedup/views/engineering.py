"""The data engineer's pages: loads with their quarantined rows and warnings, and the review
queue, each pair side by side with why the model weighed it as it did.

A data engineer reads them for ``data_quality``; the DPO may read them for ``audit``; only a
data engineer decides a pair. They show personal data outside ``decide`` (a quarantined row's
values, the two records of a pair), so every read is audited and a refusal is audited before
it is raised (``govern.tools``): call them inside ``governed(engine)``.

A sealed record's contact details (a refuge address) are withheld even here: whether the
addresses agree is in the comparison's level, which is what a reviewer needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from joinedup.errors import NotFound
from joinedup.govern import audit, tools
from joinedup.govern.vocabulary import GROUP_FIELDS, SEALED, Actor, Group, Purpose
from joinedup.link.explain import Explanation, explain_records
from joinedup.link.features import person_records
from joinedup.link.review import decide_pair, list_reviews, review_row
from joinedup.store.issues import Issue
from joinedup.store.loads import LoadRow, list_loads, load_detail
from joinedup.store.schema import link_run, person_link

READERS = frozenset({Purpose.DATA_QUALITY, Purpose.AUDIT})
DECIDERS = frozenset({Purpose.DATA_QUALITY})
FIELDS = (("given_name", "Given name"), ("middle_names", "Middle names"),
          ("family_name", "Family name"), ("date_of_birth", "Date of birth"), ("sex", "Sex"),
          ("nhs_number", "NHS number"), ("uprn", "UPRN"), ("address", "Address"),
          ("postcode", "Postcode"), ("phone", "Phone"), ("email", "Email"))
"""The canonical person fields a pair is compared on, in the order a reviewer reads them."""
WITHHELD = frozenset(GROUP_FIELDS[Group.CONTACT_DETAILS])
"""What a sealed record does not show here."""
_SHOWS_CONTACT = frozenset({"residence", "phone", "email"})
WITHHELD_TEXT = "(withheld: sealed record)"


@dataclass(frozen=True)
class LoadView:
    load: LoadRow
    quarantine: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    truncated: bool
    """More rows were quarantined or warned about than are shown (``limit``)."""


@dataclass(frozen=True)
class ReviewSummary:
    id: int
    match_weight: float
    reason: str
    status: str
    left: str
    """``SOURCE:RECORD_ID``, as the agency knows the record."""
    left_name: str
    right: str
    right_name: str


@dataclass(frozen=True)
class FieldPair:
    """One canonical field of the two records, side by side."""

    field: str
    label: str
    left: str | None
    right: str | None
    same: bool | None
    """None when either record has no value: nothing to compare."""
    withheld: bool = False
    """A side is sealed and this is a contact detail: its value is not shown."""


@dataclass(frozen=True)
class ReviewDetail:
    id: int
    match_weight: float
    reason: str
    status: str
    left: str
    right: str
    left_sealed: bool
    right_sealed: bool
    fields: tuple[FieldPair, ...]
    explanation: Explanation
    """Each comparison's level and weight (``link.explain.explain_records``), drawn by
    ``link.charts.waterfall``."""
    threshold: float
    """The automatic threshold of the run that queued the pair."""
    review_from: float
    override_id: int | None
    """The decision, once made."""


def loads_overview(connection: Connection, actor: Actor, purpose: str, *, now: datetime,
                   limit: int = 100, source: str | None = None) -> tuple[LoadRow, ...]:
    """The latest loads (of one ``source``, if given), newest first."""
    detail = f"source={source}; limit={limit}"
    tools.require(connection, actor, purpose, "read_loads", purposes=READERS, now=now,
                  detail=detail)
    rows = tuple(list_loads(connection, source_name=source, limit=limit))
    tools.record(connection, actor, purpose, "read_loads", f"{len(rows)} loads listed",
                 now=now, detail=detail)
    return rows


def load_view(connection: Connection, actor: Actor, purpose: str, load_id: int, *,
              now: datetime, limit: int = 1000) -> LoadView:
    """One load, with its first ``limit`` quarantined rows and warnings."""
    tools.require(connection, actor, purpose, "read_load", purposes=READERS, now=now,
                  detail=f"load {load_id}")
    found = load_detail(connection, load_id, limit=limit)
    if found is None:
        raise NotFound(f"no load with id {load_id}")
    view = LoadView(found.load, tuple(found.quarantine), tuple(found.warnings),
                    found.load.quarantined > len(found.quarantine)
                    or found.load.warnings > len(found.warnings))
    tools.record(connection, actor, purpose, "read_load",
                 f"load {load_id}: {len(view.quarantine)} quarantined rows and "
                 f"{len(view.warnings)} warnings shown", now=now, detail=f"load {load_id}")
    return view


def _reference(record: dict[str, Any]) -> str:
    return f"{record['source']}:{record['record_id']}"


def _name(record: dict[str, Any]) -> str:
    return " ".join(p for p in (record.get("given_name"), record.get("family_name")) if p) \
        or "(no name)"


def review_queue(connection: Connection, actor: Actor, purpose: str, *, now: datetime,
                 status: str = "open", limit: int = 50) -> tuple[ReviewSummary, ...]:
    """Pairs with ``status`` (open, stale, accepted, rejected), the likeliest matches first."""
    detail = f"status={status}; limit={limit}"
    tools.require(connection, actor, purpose, "read_reviews", purposes=READERS, now=now,
                  detail=detail)
    items = tuple(ReviewSummary(i.id, i.match_weight, i.reason, i.status, _reference(i.left),
                                _name(i.left), _reference(i.right), _name(i.right))
                  for i in list_reviews(connection, status=status, limit=limit))
    tools.record(connection, actor, purpose, "read_reviews", f"{len(items)} pairs listed",
                 now=now, detail=detail)
    return items


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _fields(record: dict[str, Any]) -> dict[str, str | None]:
    values = {name: _text(record.get(name)) for name, _ in FIELDS}
    identifiers: dict[str, Any] = json.loads(record["identifiers"]) \
        if record.get("identifiers") else {}
    values |= {f"identifiers.{k}": _text(v) for k, v in identifiers.items()}
    return values


def _same(left: str | None, right: str | None) -> bool | None:
    if left is None or right is None:
        return None
    return " ".join(left.split()).casefold() == " ".join(right.split()).casefold()


def side_by_side(left: dict[str, Any], right: dict[str, Any]) -> tuple[FieldPair, ...]:
    """The canonical fields of two person records, then any named identifier either has."""
    a, b = _fields(left), _fields(right)
    sealed = (left.get("sensitivity") == SEALED, right.get("sensitivity") == SEALED)
    labels = dict(FIELDS) | {k: f"Identifier {k.removeprefix('identifiers.')}"
                             for k in sorted((a | b).keys() - dict(FIELDS).keys())}
    pairs = []
    for name, label in labels.items():
        hide = name in WITHHELD
        pairs.append(FieldPair(name, label, None if hide and sealed[0] else a.get(name),
                               None if hide and sealed[1] else b.get(name),
                               _same(a.get(name), b.get(name)), hide and any(sealed)))
    return tuple(pairs)


def _withhold(explanation: Explanation, sealed: tuple[bool, bool]) -> Explanation:
    if not any(sealed):
        return explanation
    parts = tuple(replace(p, left=WITHHELD_TEXT if sealed[0] and p.left else p.left,
                          right=WITHHELD_TEXT if sealed[1] and p.right else p.right)
                  if p.comparison in _SHOWS_CONTACT else p for p in explanation.parts)
    return replace(explanation, parts=parts)


def review_detail(connection: Connection, actor: Actor, purpose: str, review_id: int, *,
                  now: datetime) -> ReviewDetail:
    """A queued pair: the two records side by side and the weight's explanation. Audited once
    per person the two records belong to, so the look shows in each person's history."""
    tools.require(connection, actor, purpose, "read_review", purposes=READERS, now=now,
                  detail=f"review pair {review_id}")
    row = review_row(connection, review_id)
    ids = (int(row["record_a"]), int(row["record_b"]))
    records = {r["id"]: r for r in person_records(connection, list(ids))}
    if len(records) < 2:
        raise NotFound(f"review pair {review_id} names a record the store no longer holds")
    left, right = records[ids[0]], records[ids[1]]
    sealed = (left.get("sensitivity") == SEALED, right.get("sensitivity") == SEALED)
    run = connection.execute(select(link_run.c.threshold, link_run.c.review_below)
                             .where(link_run.c.id == row["run_id"])).one()
    detail = ReviewDetail(
        id=review_id, match_weight=float(row["match_weight"]), reason=row["reason"],
        status=row["status"], left=_reference(left), right=_reference(right),
        left_sealed=sealed[0], right_sealed=sealed[1], fields=side_by_side(left, right),
        explanation=_withhold(explain_records(connection, *ids), sealed),
        threshold=float(run.threshold), review_from=float(run.review_below),
        override_id=row["override_id"])
    persons = sorted(set(connection.execute(select(person_link.c.person_id).where(
        person_link.c.source_record_id.in_(ids))).scalars()))
    request = audit.new_request_id()
    for person_id in persons or [None]:
        tools.record(connection, actor, purpose, "read_review",
                     f"review pair {review_id} read", now=now, person_id=person_id,
                     detail=f"review pair {review_id}: {detail.left} and {detail.right}",
                     request_id=request)
    return detail


def decide_review(connection: Connection, actor: Actor, purpose: str, review_id: int, *,
                  accept: bool, reason: str, now: datetime) -> int:
    """Accept (the two records are one person: must_link) or reject (cannot_link) a pair, as
    ``joinedup review accept|reject`` does; returns the override id. Only a data engineer,
    for ``data_quality``: the DPO oversees decisions but does not make them."""
    verb = "accept" if accept else "reject"
    tools.require(connection, actor, purpose, "decide_review", purposes=DECIDERS, now=now,
                  detail=f"review pair {review_id}: {verb}")
    override_id = decide_pair(connection, review_id, accept=accept, decided_by=actor.user,
                              reason=reason, now=now)
    tools.record(connection, actor, purpose, "decide_review",
                 f"review pair {review_id}: {verb}ed (override {override_id})", now=now)
    return override_id
