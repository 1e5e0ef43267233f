"""Linking records as they load: each new or changed person record joins a person (or
becomes one) without a full run, with the model, thresholds and rules of the last batch run.

For each record: its candidates come from the blocking-key index (``link_key``), exactly the
records a batch run would pair it with; their pairs are weighed with Splink's arithmetic
(``scorer``) and the term frequencies of ``link_term``; the safeguards, conflicts and
overrides apply as in a batch run; and the record joins the person of its strongest
qualifying link, merging any other person it also qualifies for when nothing keeps them apart
(the larger person keeps its id, as in a batch run). Then it is filed under its own keys, so
the next record can find it.

Differences from a batch run, which the next ``joinedup link`` settles: clustering is greedy
in arrival order rather than by weight over all pairs, and a changed record's old values stay
counted in the term frequencies.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, func, insert, select, update

from joinedup.govern import audit
from joinedup.link import engine as scoring
from joinedup.link.blocking import Rule
from joinedup.link.blocking import keys as blocking_keys
from joinedup.link.conflicts import CONFLICT_BELOW
from joinedup.link.features import person_records, record_features, table_of
from joinedup.link.run import TOTAL, latest_model, model_identifiers, term_frequencies
from joinedup.link.safeguards import held_back
from joinedup.link.scorer import Scorer
from joinedup.link.vectors import Comparer
from joinedup.store.schema import (
    link_key,
    link_override,
    link_run,
    link_term,
    person,
    person_event,
    person_link,
    review_pair,
    source_record,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IncrementalReport:
    run_id: int
    records: int
    joined: int
    new_persons: int
    merges: int
    to_review: int
    seconds: float
    milliseconds: list[float]  # per record, for the latency figures


@dataclass
class _Context:
    connection: Connection
    model: dict[str, Any]
    rules: list[Rule]
    scorer: Scorer
    comparer: Comparer
    identifiers: list[str]
    personal: list[str]
    threshold: float
    review_from: float
    run_id: int
    operator: str


def _last_batch(connection: Connection) -> Any:
    return connection.execute(select(link_run).where(link_run.c.mode == "batch")
                              .order_by(link_run.c.id.desc()).limit(1)).mappings().first()


def link_records(engine: Engine, record_ids: Sequence[int], *, operator: str,
                 progress: Progress = lambda done, total: None) -> IncrementalReport | None:
    """Link the person records ``record_ids`` (new or changed); ``None`` if there has been no
    batch run yet (then ``joinedup link`` links everything)."""
    started, clock = datetime.now(UTC).replace(tzinfo=None), time.perf_counter()
    with engine.begin() as connection:
        batch = _last_batch(connection)
        stored = latest_model(connection)
        if batch is None or stored is None or not record_ids:
            return None
        model = stored[1]
        run_id = int(connection.execute(insert(link_run).values(
            model_id=batch["model_id"], mode="incremental", operator=operator,
            started_at=started, finished_at=started, threshold=batch["threshold"],
            review_below=batch["review_below"], records=0, pairs=0, persons=0, created=0,
            retired=0, events=0, to_review=0).returning(link_run.c.id)).scalar_one())
        identifiers = model_identifiers(model)
        empty = table_of([], identifiers)
        context = _Context(connection, model, scoring.model_rules(model), Scorer(model),
                           Comparer(model, empty), identifiers,
                           model.get(scoring.JOINEDUP_KEY, {}).get("personal_identifiers", []),
                           batch["threshold"], batch["review_below"], run_id, operator)
        counts = {"joined": 0, "new": 0, "merges": 0, "review": 0, "pairs": 0}
        milliseconds = []
        try:
            for done, record_id in enumerate(sorted(record_ids), start=1):
                tick = time.perf_counter()
                _link_one(context, record_id, counts)
                milliseconds.append((time.perf_counter() - tick) * 1000)
                progress(done, len(record_ids))
        finally:
            context.comparer.close()
        connection.execute(update(link_run).where(link_run.c.id == run_id).values(
            finished_at=datetime.now(UTC).replace(tzinfo=None), records=len(record_ids),
            pairs=counts["pairs"], persons=counts["new"], created=counts["new"],
            retired=counts["merges"], events=counts["merges"], to_review=counts["review"]))
        audit.append(connection, [audit.operation(
            operator, "link_records", f"link run {run_id}: {len(record_ids)} records linked, "
            f"{counts['new']} new persons, {counts['merges']} merges, {counts['review']} pairs "
            "to review")])
    return IncrementalReport(run_id, len(record_ids), counts["joined"], counts["new"],
                             counts["merges"], counts["review"], time.perf_counter() - clock,
                             milliseconds)


def link_load(engine: Engine, load_id: int, *, operator: str,
              progress: Progress = lambda done, total: None) -> IncrementalReport | None:
    """Link the person records a load added or changed (see ``link_records``). Before the
    first batch run nothing is read: the load's records are found by a scan of every record,
    which on SQLite passes the whole file through the memory map (300 MB of resident memory
    after a two-million-row first load, for nothing)."""
    with engine.connect() as connection:
        if _last_batch(connection) is None or latest_model(connection) is None:
            return None
        ids = connection.execute(select(source_record.table.c.id).where(
            source_record.table.c.load_id == load_id)).scalars().all()
    return link_records(engine, ids, operator=operator, progress=progress)


def _count_terms(c: _Context, record: dict[str, Any]) -> None:
    for col in c.scorer.tf_columns:
        if record.get(col) is None:
            continue
        for value in (record[col], TOTAL):
            key = (link_term.c.column_name == col) & (link_term.c.value == value)
            if c.connection.execute(update(link_term).where(key).values(
                    records=link_term.c.records + 1)).rowcount == 0:
                c.connection.execute(insert(link_term).values(column_name=col, value=value,
                                                              records=1))


def _link_one(c: _Context, record_id: int, counts: dict[str, int]) -> None:
    [row] = person_records(c.connection, [record_id])
    me = record_features(row)
    own, wanted = blocking_keys(me, c.rules)
    candidates = sorted(set(c.connection.execute(
        select(link_key.c.source_record_id).where(link_key.c.key.in_(wanted),
                                                   link_key.c.source_record_id != record_id)
    ).scalars())) if wanted else []
    first_time = c.connection.execute(select(link_key.c.source_record_id).where(
        link_key.c.source_record_id == record_id).limit(1)).first() is None
    c.connection.execute(link_key.delete().where(link_key.c.source_record_id == record_id))
    if first_time:
        _count_terms(c, me)
    others = [record_features(r) for r in person_records(c.connection, candidates)]
    weights, held = _score(c, me, others)
    counts["pairs"] += len(others)
    ids = np.array([o["unique_id"] for o in others], dtype=np.int64)
    current = dict(c.connection.execute(select(person_link.c.source_record_id,
                                                person_link.c.person_id)
                                         .where(person_link.c.source_record_id.in_(
                                             [record_id, *ids.tolist()]))).all())
    must, cannot = _overrides(c.connection, record_id)
    apart = {int(i) for i, w, h in zip(ids, weights, held, strict=True)
             if h or w < CONFLICT_BELOW} | cannot
    apart -= must
    joinable = [(float(w), int(i)) for i, w, h in zip(ids, weights, held, strict=True)
                if (w >= c.threshold and not h) or int(i) in must]
    joinable.sort(key=lambda x: (-x[0], x[1]))
    members = _members(c.connection, {current[i] for _, i in joinable if i in current})
    target: int | None = None
    best = None
    for weight, other in joinable:
        person_id = current.get(other)
        if person_id is None or person_id == target or members[person_id] & apart:
            continue
        if target is not None and _cannot_between(c.connection, members[target],
                                                  members[person_id]):
            continue
        if target is None:
            target, best = person_id, weight
        else:
            target = _merge(c, target, person_id, members)
            current.update({r: target for r in members[target] if r in current})
            counts["merges"] += 1
    mine = current.get(record_id)
    if target is None:
        if mine is None or _size(c.connection, mine) > 1:
            target = _new_person(c)
            counts["new"] += 1
            if mine is not None:
                _event(c, "split", mine, target, 1)
        else:
            target = mine
    else:
        counts["joined"] += 1
        if mine is not None and mine != target:
            alone = _size(c.connection, mine) == 1
            _event(c, "merge" if alone else "split", mine, target, 1)
            if alone:
                c.connection.execute(update(person).where(person.c.id == mine)
                                     .values(retired_run_id=c.run_id))
    values = {"person_id": target, "match_weight": best, "run_id": c.run_id,
              "method": "incremental" if best is not None else "singleton"}
    if mine is None:
        c.connection.execute(insert(person_link).values(source_record_id=record_id, **values))
    else:
        c.connection.execute(update(person_link).where(
            person_link.c.source_record_id == record_id).values(values))
    if own:
        c.connection.execute(insert(link_key), [{"key": k, "source_record_id": record_id}
                                                for k in own])
    counts["review"] += _queue(c, record_id, ids, weights, held, target, current, must | cannot)


def _score(c: _Context, me: dict[str, Any], others: list[dict[str, Any]]
           ) -> tuple[np.ndarray, np.ndarray]:
    if not others:
        return np.zeros(0), np.zeros(0, dtype=object)
    table = table_of([me, *others], c.identifiers)
    c.comparer.load(table)
    mine = np.full(len(others), me["unique_id"], dtype=np.int64)
    theirs = np.array([o["unique_id"] for o in others], dtype=np.int64)
    # The lower record id on the left, as a batch run pairs them.
    left, right = np.minimum(mine, theirs), np.maximum(mine, theirs)
    levels = c.comparer.levels(left, right)
    frequencies = term_frequencies(c.connection, c.scorer.tf_columns, [me, *others])
    swapped = mine > theirs
    tf = {col: (np.where(swapped, f[1:], f[0]), np.where(swapped, f[0], f[1:]))
          for col, f in frequencies.items()}
    weights = c.scorer.weights(levels, tf)
    labels = c.comparer.labels(levels)
    return weights, held_back(labels, c.personal)


def _overrides(connection: Connection, record_id: int) -> tuple[set[int], set[int]]:
    must: set[int] = set()
    cannot: set[int] = set()
    for row in connection.execute(select(link_override).where(
            (link_override.c.record_a == record_id) | (link_override.c.record_b == record_id))):
        other = row.record_b if row.record_a == record_id else row.record_a
        (must if row.kind == "must_link" else cannot).add(other)
    return must, cannot


def _members(connection: Connection, persons: set[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {p: set() for p in persons}
    for record, person_id in connection.execute(
            select(person_link.c.source_record_id, person_link.c.person_id)
            .where(person_link.c.person_id.in_(persons))):
        found[person_id].add(record)
    return found


def _size(connection: Connection, person_id: int) -> int:
    return int(connection.execute(select(func.count()).select_from(person_link)
                                  .where(person_link.c.person_id == person_id)).scalar_one())


def _cannot_between(connection: Connection, a: set[int], b: set[int]) -> bool:
    """A person's decision keeps some record of ``a`` apart from some record of ``b``."""
    both = a | b
    for row in connection.execute(select(link_override.c.record_a, link_override.c.record_b)
                                  .where(link_override.c.kind == "cannot_link",
                                         link_override.c.record_a.in_(both),
                                         link_override.c.record_b.in_(both))):
        if (row.record_a in a and row.record_b in b) or (row.record_a in b and
                                                          row.record_b in a):
            return True
    return False


def _merge(c: _Context, target: int, other: int, members: dict[int, set[int]]) -> int:
    """Join two persons; the larger keeps its id (the smaller id on a tie), as in batch."""
    keep, gone = sorted((target, other), key=lambda p: (-len(members[p]), p))
    c.connection.execute(update(person_link).where(person_link.c.person_id == gone)
                         .values(person_id=keep, run_id=c.run_id))
    c.connection.execute(update(person).where(person.c.id == gone)
                         .values(retired_run_id=c.run_id))
    _event(c, "merge", gone, keep, len(members[gone]))
    members[keep] |= members.pop(gone)
    return keep


def _new_person(c: _Context) -> int:
    next_id = (c.connection.execute(select(func.max(person.c.id))).scalar() or 0) + 1
    c.connection.execute(insert(person).values(id=next_id, created_run_id=c.run_id))
    return int(next_id)


def _event(c: _Context, kind: str, old: int, new: int, records: int) -> None:
    c.connection.execute(insert(person_event).values(run_id=c.run_id, kind=kind,
                                                     old_person_id=old, new_person_id=new,
                                                     records=records))
    audit.append(c.connection, [audit.person_moved(c.operator, c.run_id, kind, old, new,
                                                   records)])


def _queue(c: _Context, record_id: int, ids: np.ndarray, weights: np.ndarray,
           held: np.ndarray, target: int, current: dict[int, int], decided: set[int]) -> int:
    """Queue this record's doubtful pairs with records of other persons."""
    added = 0
    for other, weight, reason in zip(ids.tolist(), weights.tolist(), held.tolist(),
                                     strict=True):
        if other in decided or current.get(other) == target or weight < c.review_from:
            continue
        if not reason and weight >= c.threshold:
            continue
        a, b = sorted((record_id, other))
        pair = (review_pair.c.record_a == a) & (review_pair.c.record_b == b)
        if c.connection.execute(select(review_pair.c.id).where(pair)).first() is None:
            c.connection.execute(insert(review_pair).values(
                record_a=a, record_b=b, match_weight=round(weight, 4), status="open",
                reason=reason or "uncertain: below the automatic threshold",
                run_id=c.run_id))
            added += 1
    return added
