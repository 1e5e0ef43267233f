"""``joinedup link``: score, cluster and give every person record a stable person id.

One run reads every current person record, trains a model if there is none (or on
``retrain``), scores the blocked pairs, holds back what the safeguards and the review band
say a person must decide, clusters the rest with the overrides people have already decided,
and writes persons, links, events and the review queue in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, func, insert, select, update

from joinedup.errors import LinkError
from joinedup.govern import audit
from joinedup.link import duck
from joinedup.link import engine as scoring
from joinedup.link.blocking import keys_sql
from joinedup.link.clusters import cluster
from joinedup.link.conflicts import conflicts, pairs_within
from joinedup.link.features import all_features
from joinedup.link.ids import Assignment, assign_ids
from joinedup.link.safeguards import held_back
from joinedup.link.scorer import Scorer
from joinedup.link.vectors import level_labels
from joinedup.store.bulk import BulkInsert, indexes_rebuilt
from joinedup.store.schema import (
    link_key,
    link_model,
    link_override,
    link_run,
    link_term,
    person,
    person_event,
    person_link,
    review_pair,
)

DEFAULT_THRESHOLD = 6.0
"""Match weight at or above which a pair joins automatically: a match probability of about
0.985 before the safeguards. Chosen on the synthetic county and FEBRL without their labels'
help (docs/linkage.md); precision first, as a false merge is a breach."""
DEFAULT_REVIEW_FROM = 2.0
"""Pairs from this weight up to the threshold go to the review queue."""
TOTAL = ""
"""The ``link_term`` value that holds a column's total."""
Progress = Callable[[str], None]


@dataclass(frozen=True)
class LinkReport:
    run_id: int
    model_id: int
    trained: bool
    records: int
    pairs: int
    persons: int
    created: int
    retired: int
    events: int
    to_review: int
    held_back: int
    seconds: float


@dataclass(frozen=True)
class Scored:
    """Pairs at or above the review floor, with what the run decided about each."""

    left: np.ndarray
    right: np.ndarray
    weight: np.ndarray
    held: np.ndarray  # the safeguard's reason, or ''


def model_identifiers(model: dict[str, Any]) -> list[str]:
    return [c["output_column_name"] for c in model["comparisons"]
            if c["output_column_name"].startswith("id_")]


def latest_model(connection: Connection) -> tuple[int, dict[str, Any]] | None:
    row = connection.execute(select(link_model.c.id, link_model.c.model)
                             .order_by(link_model.c.id.desc()).limit(1)).first()
    return (row.id, json.loads(row.model)) if row else None


def _save_model(connection: Connection, model: dict[str, Any], records: int,
                operator: str, now: datetime) -> int:
    text = json.dumps(model, sort_keys=True)
    return int(connection.execute(insert(link_model).values(
        created_at=now, operator=operator, engine=scoring.ENGINE, records=records,
        sha256=hashlib.sha256(text.encode()).hexdigest(), model=text)
        .returning(link_model.c.id)).scalar_one())


def overrides(connection: Connection) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    must: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    for row in connection.execute(select(link_override.c.record_a, link_override.c.record_b,
                                         link_override.c.kind)):
        (must if row.kind == "must_link" else cannot).append((row.record_a, row.record_b))
    return must, cannot


def score_pairs(features: pa.Table, model: dict[str, Any], review_from: float,
                backend: str = "duckdb") -> Scored:
    """Every blocked pair from ``review_from`` up, with the safeguard that holds it back."""
    table = scoring.score(features, model, min_weight=review_from, backend=backend)
    left = table.column("unique_id_l").to_numpy()
    right = table.column("unique_id_r").to_numpy()
    swap = left > right
    left, right = np.where(swap, right, left), np.where(swap, left, right)
    weight = table.column("match_weight").to_numpy()
    held = held_back(level_labels(model, features, left, right), personal_identifiers(model)) \
        if len(left) else np.zeros(0, dtype=object)
    return Scored(left, right, weight, held)


def personal_identifiers(model: dict[str, Any]) -> list[str]:
    found: list[str] = model.get(scoring.JOINEDUP_KEY, {}).get("personal_identifiers", [])
    return found


def _record_weights(records: np.ndarray, keys: np.ndarray, scored: Scored,
                    joined: np.ndarray) -> np.ndarray:
    """Each record's strongest automatic link inside its own cluster (NaN if none)."""
    best = np.full(len(records), np.nan)
    index = {int(r): i for i, r in enumerate(records)}
    for a, b, w in zip(scored.left[joined], scored.right[joined], scored.weight[joined],
                       strict=True):
        i, j = index[int(a)], index[int(b)]
        if keys[i] == keys[j]:
            best[i] = np.fmax(best[i], w)
            best[j] = np.fmax(best[j], w)
    return best


def _write(connection: Connection, *, run: dict[str, Any], records: np.ndarray,
           assignment: Assignment, weights: np.ndarray, must: Sequence[tuple[int, int]],
           review: list[tuple[int, int, float, str]]) -> int:
    run_id = int(connection.execute(insert(link_run).values(run).returning(link_run.c.id))
                 .scalar_one())
    if assignment.created:
        connection.execute(insert(person), [{"id": i, "created_run_id": run_id}
                                            for i in assignment.created])
    if assignment.retired:
        connection.execute(update(person).where(person.c.id.in_(assignment.retired))
                           .values(retired_run_id=run_id))
    connection.execute(person_link.delete())
    in_must = {r for pair in must for r in pair}
    rows = []
    for record, person_id, weight in zip(records.tolist(), assignment.person.tolist(),
                                         weights.tolist(), strict=True):
        method = ("probabilistic" if weight == weight else
                  "must_link" if record in in_must else "singleton")
        rows.append((record, person_id, None if weight != weight else round(weight, 4), method))
    with indexes_rebuilt(connection, person_link):
        BulkInsert(connection, "person_link",
                   ["source_record_id", "person_id", "match_weight", "method"],
                   {"run_id": run_id}).write(rows)
    if assignment.events:
        connection.execute(insert(person_event), [
            {"run_id": run_id, "kind": e.kind, "old_person_id": e.old_id,
             "new_person_id": e.new_id, "records": e.records} for e in assignment.events])
    _queue(connection, run_id, review)
    return run_id


def _queue(connection: Connection, run_id: int, review: list[tuple[int, int, float, str]]
           ) -> None:
    """Open pairs are refreshed; an open pair the model no longer doubts becomes stale."""
    existing = {(r.record_a, r.record_b): (r.id, r.status) for r in connection.execute(
        select(review_pair.c.id, review_pair.c.record_a, review_pair.c.record_b,
               review_pair.c.status))}
    wanted = {(a, b) for a, b, _, _ in review}
    stale = [i for pair, (i, status) in existing.items()
             if status == "open" and pair not in wanted]
    if stale:
        connection.execute(update(review_pair).where(review_pair.c.id.in_(stale))
                           .values(status="stale"))
    new = []
    for a, b, weight, reason in review:
        found = existing.get((a, b))
        if found is None:
            new.append({"record_a": a, "record_b": b, "match_weight": round(weight, 4),
                        "reason": reason, "status": "open", "run_id": run_id})
        elif found[1] in ("open", "stale"):
            connection.execute(update(review_pair).where(review_pair.c.id == found[0]).values(
                match_weight=round(weight, 4), reason=reason, status="open", run_id=run_id))
    if new:
        connection.execute(insert(review_pair), new)


def write_index(connection: Connection, features: pa.Table, model: dict[str, Any]) -> None:
    """File every record under its blocking keys and record the term frequencies, for the
    records that arrive before the next batch run (``joinedup.link.incremental``)."""
    connection.execute(link_key.delete())
    keys = BulkInsert(connection, "link_key", ["key", "source_record_id"])
    database = duck.connect()
    database.register("features", features)
    batches: Any = database.sql(keys_sql(scoring.model_rules(model), "features")
                                ).to_arrow_reader(100_000)
    with indexes_rebuilt(connection, link_key):
        for batch in batches:
            keys.write(list(zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(),
                                strict=True)))
    database.close()
    connection.execute(link_term.delete())
    terms = BulkInsert(connection, "link_term", ["column_name", "value", "records"])
    for column in sorted(Scorer(model).tf_columns):
        values = features.column(column).drop_null()
        counts = pc.value_counts(values)
        terms.write([(column, TOTAL, len(values)), *(
            (column, value.as_py(), count.as_py()) for value, count in zip(
                counts.field("values"), counts.field("counts"), strict=True))])


def term_frequencies(connection: Connection, columns: Collection[str],
                     records: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Each record's share of the records with a value in each term-frequency column, from
    the counts ``write_index`` keeps (NaN where the record has no value; 0 for a value no
    count holds yet)."""
    found: dict[tuple[str, str], int] = {}
    for col in sorted(columns):  # one primary-key lookup per column
        values = sorted({r[col] for r in records if r.get(col) is not None} | {TOTAL})
        found.update(((col, row.value), row.records) for row in connection.execute(
            select(link_term.c.value, link_term.c.records).where(
                link_term.c.column_name == col, link_term.c.value.in_(values))))
    out = {}
    for col in columns:
        total = found.get((col, TOTAL), 0)
        out[col] = np.array([found.get((col, r[col]), 0) / total
                             if r.get(col) is not None and total else np.nan
                             for r in records])
    return out


def _not_joined_by_people(pairs: list[tuple[int, int]], must: Sequence[tuple[int, int]],
                          groups: dict[int, int]) -> list[tuple[int, int]]:
    """Conflicts give way to must-links: records that people joined, and the groups of
    records (``groups``: record -> group, as the model's own links make them) those decisions
    join, stay joined."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def root(x: tuple[str, int]) -> tuple[str, int]:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in must:
        parent[root(("record", a))] = root(("record", b))
        parent[root(("group", groups[a]))] = root(("group", groups[b]))
    return [(a, b) for a, b in pairs if root(("record", a)) != root(("record", b)) and (
        groups[a] == groups[b] or root(("group", groups[a])) != root(("group", groups[b])))]


def _review(scored: Scored, keys: dict[int, int], threshold: float, review_from: float,
            decided: set[tuple[int, int]]) -> list[tuple[int, int, float, str]]:
    out = []
    band = scored.weight >= review_from
    for a, b, w, held in zip(scored.left[band].tolist(), scored.right[band].tolist(),
                             scored.weight[band].tolist(), scored.held[band].tolist(),
                             strict=True):
        if (a, b) in decided or keys[a] == keys[b]:
            continue
        if held:
            out.append((a, b, w, held))
        elif w < threshold:
            out.append((a, b, w, "uncertain: below the automatic threshold"))
    return out


def link(engine: Engine, *, operator: str, threshold: float = DEFAULT_THRESHOLD,
         review_from: float = DEFAULT_REVIEW_FROM, retrain: bool = False,
         backend: str = "duckdb", progress: Progress = lambda _: None) -> LinkReport:
    """Link every current person record; see the module docstring."""
    if review_from > threshold:
        raise LinkError(f"the review band must start below the threshold ({review_from} > "
                        f"{threshold})")
    started, clock = datetime.now(UTC).replace(tzinfo=None), time.perf_counter()
    with engine.connect() as connection:
        stored = None if retrain else latest_model(connection)
        progress("reading person records")
        features = all_features(connection, None if stored is None else
                                model_identifiers(stored[1]))
        previous = dict(connection.execute(select(person_link.c.source_record_id,
                                                  person_link.c.person_id)).all())
        next_id = (connection.execute(select(func.max(person.c.id))).scalar() or 0) + 1
        must, cannot = overrides(connection)
    if features.num_rows < 2:
        raise LinkError("there is nothing to link yet: load at least two person records")
    if stored is None:
        progress("training the model")
        model, model_id = scoring.train(features, progress), 0
    else:
        model_id, model = stored
    progress(f"scoring pairs on {backend}")
    scored = score_pairs(features, model, review_from, backend)
    records = features.column("unique_id").to_numpy()
    joined = (scored.weight >= threshold) & (scored.held == "")
    present = set(records.tolist())
    must = [p for p in must if p[0] in present and p[1] in present]
    cannot = [p for p in cannot if p[0] in present and p[1] in present]
    progress("checking would-be persons for conflicts")
    edges = (records, scored.left[joined], scored.right[joined], scored.weight[joined])
    tentative = cluster(*edges, threshold, must_link=must)
    apart = conflicts(features, model, *pairs_within(tentative, records),
                      personal_identifiers(model))
    if must and apart:
        groups = dict(zip(records.tolist(), cluster(*edges, threshold).tolist(), strict=True))
        apart = _not_joined_by_people(apart, must, groups)
    progress("clustering")
    keys = cluster(*edges, threshold, must_link=must, cannot_link=[*cannot, *apart])
    progress("assigning stable person ids")
    before = np.array([previous.get(r, 0) for r in records.tolist()], dtype=np.int64)
    assignment = assign_ids(records, keys, before, next_id)
    weights = _record_weights(records, keys, scored, joined)
    review = _review(scored, dict(zip(records.tolist(), keys.tolist(), strict=True)),
                     threshold, review_from, {*must, *cannot})
    progress("writing links")
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        if model_id == 0:
            model_id = _save_model(connection, model, features.num_rows, operator, now)
        run: dict[str, Any] = {"model_id": model_id, "mode": "batch", "operator": operator,
               "started_at": started, "finished_at": now, "threshold": threshold,
               "review_below": review_from, "records": len(records),
               "pairs": len(scored.weight), "persons": len(set(assignment.person.tolist())),
               "created": len(assignment.created), "retired": len(assignment.retired),
               "events": len(assignment.events), "to_review": len(review)}
        run_id = _write(connection, run=run, records=records, assignment=assignment,
                        weights=weights, must=must, review=review)
        audit.append(connection, [
            audit.operation(operator, "link_run", f"link run {run_id}: {run['persons']} persons"
                            f", {run['created']} new ids, {run['events']} merges and splits, "
                            f"{run['to_review']} pairs to review"),
            *(audit.person_moved(operator, run_id, e.kind, e.old_id, e.new_id, e.records)
              for e in assignment.events)], now=now)
        progress("indexing blocking keys")
        write_index(connection, features, model)
    return LinkReport(run_id=run_id, model_id=model_id, trained=stored is None,
                      records=len(records), pairs=len(scored.weight), persons=int(run["persons"]),
                      created=len(assignment.created), retired=len(assignment.retired),
                      events=len(assignment.events), to_review=len(review),
                      held_back=int((scored.held != "").sum()),
                      seconds=time.perf_counter() - clock)
