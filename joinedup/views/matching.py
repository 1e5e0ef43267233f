"""Finding and weighing the records a search describes, the way linkage finds and weighs the
records of one person: the query becomes linkage features (``link.features``), its blocking
keys find candidates in the ``link_key`` index (``link.blocking``), and each candidate pair
goes through the comparisons and match weights of the last link model (``link.vectors``,
``link.scorer``), term frequencies included. So "Bill" finds William and a day and month
swapped is a known slip, exactly as when records are linked.

The score is the evidence in bits (the match weight without the prior, which is the same for
every candidate): 0 says nothing, each bit doubles the odds that this is the person sought.
Candidates scoring 0 or less are dropped.

**Fallback** when no model has been trained (no ``joinedup link`` run yet, or a model without
comparisons): the default comparisons and blocking rules with fixed weights per level
(``FALLBACK_BITS``), in the range a model trained on the synthetic county gives them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, func, select

from joinedup.link.blocking import Rule, keys, rules_for
from joinedup.link.comparisons import all_comparisons
from joinedup.link.engine import JOINEDUP_KEY, model_rules
from joinedup.link.features import ANONYMISED, record_features, table_of
from joinedup.link.run import TOTAL, model_identifiers
from joinedup.link.scorer import Scorer
from joinedup.link.vectors import Comparer
from joinedup.store.schema import (
    link_key,
    link_model,
    link_term,
    person_link,
    source_record,
)
from joinedup.views.query import Sought
from joinedup.views.records import chunks, sources

MAX_KEYED = 2_000
"""Candidates from the key index at most, those sharing the most keys with the query first."""
MAX_DIRECT = 500
"""Records read by postcode or NHS number at most (a postcode is a street, not a town)."""
MIN_SCORE = 0.0
SHOWN = {"given": "given name", "family": "family name", "dob": "date of birth",
         "nhs": "NHS number", "residence": "postcode"}
"""The comparisons a query can take part in, as a hit's ``matched`` names them."""
RESIDENCE_WORDS = {"same postcode, address not known to both": "same",
                   "same postcode, different address": "same",
                   "same postcode sector": "same sector",
                   "same postcode district": "same district"}
_DEFAULT = {"same": 4.0, "one character off": 2.0, "different": -2.0}
FALLBACK_BITS: dict[str, dict[str, float]] = {
    "given": {"same": 5.0, "nickname": 4.0, "one typo": 3.0, "nearly the same": 3.0,
              "goes by a middle name": 2.0, "swapped with family name": 3.0, "similar": 1.0,
              "initial": 1.0, "different": -3.0},
    "family": {"same": 6.0, "nearly the same": 4.0,
               "shares a part of a double-barrelled name": 4.0,
               "swapped with given name": 4.0, "similar": 2.0, "different": -4.0},
    "dob": {"same": 8.0, "day and month swapped": 5.0, "year off by one": 4.0,
            "one digit mistyped": 4.0, "same year": 1.0, "different": -5.0},
    "nhs": {"same": 15.0, "one character off": 6.0, "different": -8.0},
    "residence": {"same postcode, address not known to both": 5.0,
                  "same postcode, different address": 5.0, "same postcode sector": 1.0,
                  "same postcode district": 0.5, "different": -1.0},
}
"""Bits of evidence per level when there is no trained model (see the module docstring)."""

_SR = source_record.table.c
_RECORDS = (select(source_record.table, person_link.c.person_id)
            .join(person_link, person_link.c.source_record_id == _SR.id)
            .where(_SR.id.in_(bindparam("ids", expanding=True))))
"""Filtered on ids alone (see ``records.sources``); the source's name and kind come after."""
_KEYED = (select(link_key.c.source_record_id)
          .where(link_key.c.key.in_(bindparam("keys", expanding=True)))
          .group_by(link_key.c.source_record_id)
          .order_by(func.count().desc(), link_key.c.source_record_id)
          .limit(MAX_KEYED))
_BY_POSTCODE = select(_SR.id).where(_SR.postcode == bindparam("value")).order_by(
    _SR.id).limit(MAX_DIRECT)
_BY_NHS = select(_SR.id).where(_SR.nhs_number == bindparam("value")).order_by(
    _SR.id).limit(MAX_DIRECT)
_LATEST = select(link_model.c.id, link_model.c.sha256).order_by(link_model.c.id.desc()).limit(1)


@dataclass
class Scoring:
    """One model ready to weigh pairs: its rules, its comparisons in DuckDB, its weights."""

    rules: list[Rule]
    comparer: Comparer
    scorer: Scorer | None
    """None: the fallback weights."""
    identifiers: list[str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    """DuckDB connections are not shared between threads: one search weighs at a time."""


_CACHE: dict[str, Scoring] = {}
_CACHE_LOCK = threading.Lock()


def _usable(model: Mapping[str, Any]) -> bool:
    return bool(model.get("comparisons")) and JOINEDUP_KEY in model and \
        "probability_two_random_records_match" in model


def _comparer(comparisons: Sequence[Mapping[str, Any]], identifiers: Sequence[str]
              ) -> Comparer:
    """Only the comparisons a query can reach a level of: DuckDB's time goes mostly on each
    comparison's CASE, whatever the number of pairs (a comparison left out counts as
    missing, 0 bits, as it would for a query without that field)."""
    wanted = [c for c in comparisons if c["output_column_name"] in SHOWN]
    comparer = Comparer({"comparisons": wanted}, table_of([], identifiers))
    comparer.connection.execute("SET threads = 1")  # a few hundred pairs: threads only cost
    return comparer


def _build(model: dict[str, Any] | None) -> Scoring:
    if model is not None and _usable(model):
        identifiers = model_identifiers(model)
        return Scoring(model_rules(model), _comparer(model["comparisons"], identifiers),
                       Scorer(model), identifiers)
    return Scoring(rules_for([]), _comparer(all_comparisons([]), []), None, [])


def scoring(connection: Connection) -> Scoring:
    """The scoring of the store's latest model, built once per model (by its SHA-256)."""
    latest = connection.execute(_LATEST).first()
    key = latest.sha256 if latest else ""
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    model = None
    if latest is not None:
        text = connection.execute(select(link_model.c.model)
                                  .where(link_model.c.id == latest.id)).scalar_one()
        model = json.loads(text)
    built = _build(model)
    with _CACHE_LOCK:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        return _CACHE.setdefault(key, built)


@dataclass(frozen=True)
class Scored:
    """A candidate record and the evidence that it is the one sought."""

    record_id: int
    person_id: int
    source: str
    sensitivity: str
    score: float
    matched: tuple[str, ...]


def query_features(sought: Sought) -> list[dict[str, Any]]:
    """One feature row per reading of the query, as a record of it would have."""
    rows = []
    for i, (given, middle, family) in enumerate(sought.names or ((None, None, None),)):
        rows.append(record_features({
            "id": -1 - i, "source": "search", "record_id": "search", "given_name": given,
            "middle_names": middle, "family_name": family,
            "date_of_birth": sought.date_of_birth, "nhs_number": sought.nhs_number,
            "postcode": sought.postcode}))
    return rows


def candidates(connection: Connection, sought: Sought, queries: Sequence[dict[str, Any]],
               rules: Sequence[Rule]) -> list[dict[str, Any]]:
    """Current, linked person records the query's blocking keys, postcode or NHS number
    find, as store rows (with ``source`` and ``person_id``)."""
    wanted = sorted({k for q in queries for k in keys(q, rules)[1]})
    ids: set[int] = set()
    if wanted:
        ids.update(connection.execute(_KEYED, {"keys": wanted}).scalars())
    if sought.postcode:
        ids.update(connection.execute(_BY_POSTCODE, {"value": sought.postcode}).scalars())
    if sought.nhs_number:
        ids.update(connection.execute(_BY_NHS, {"value": sought.nhs_number}).scalars())
    known = sources(connection)
    found = []
    for chunk in chunks(sorted(ids)):
        for row in connection.execute(_RECORDS, {"ids": chunk}).mappings():
            where = known[row["source_id"]]
            if where.kind == "person" and not row["record_id"].startswith(ANONYMISED):
                found.append({**row, "source": where.name})
    return found


def _frequencies(connection: Connection, columns: Collection[str],
                 rows: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Each row's share of the records with its value, per term-frequency column (NaN where
    unknown), from ``link_term`` in one query."""
    values = sorted({str(r[c]) for r in rows for c in columns if r.get(c) is not None} | {TOTAL})
    found = {(c, v): n for c, v, n in connection.execute(
        select(link_term.c.column_name, link_term.c.value, link_term.c.records).where(
            link_term.c.column_name.in_(sorted(columns)), link_term.c.value.in_(values)))}
    out = {}
    for column in columns:
        total = found.get((column, TOTAL), 0)
        out[column] = np.array([found.get((column, r[column]), 0) / total
                                if r.get(column) is not None and total
                                and found.get((column, r[column])) else np.nan
                                for r in rows])
    return out


def _weights(connection: Connection, s: Scoring, levels: dict[str, np.ndarray],
             labels: dict[str, np.ndarray], left: Sequence[Mapping[str, Any]],
             right: Sequence[Mapping[str, Any]]) -> np.ndarray:
    if s.scorer is None:
        total = np.zeros(len(left))
        for name, found in labels.items():
            bits = FALLBACK_BITS.get(name, _DEFAULT)
            total += np.array([bits.get(str(label), 0.0) for label in found])
        return total
    columns = s.scorer.tf_columns
    both = _frequencies(connection, columns, [*left, *right])
    n = len(left)
    weights: np.ndarray = s.scorer.weights(levels, {c: (f[:n], f[n:]) for c, f in both.items()}
                                           ) - s.scorer.prior
    return weights


def _matched(labels: Mapping[str, np.ndarray], i: int) -> tuple[str, ...]:
    found = []
    for name, shown in SHOWN.items():
        label = str(labels[name][i]) if name in labels else "missing"
        if label in ("missing", "different"):
            continue
        if name == "residence":
            label = RESIDENCE_WORDS.get(label, label)
        found.append(f"{shown}: {label}")
    return tuple(found)


def score(connection: Connection, s: Scoring, queries: Sequence[dict[str, Any]],
          rows: Sequence[Mapping[str, Any]]) -> list[Scored]:
    """Each candidate's evidence, the best over the query's readings; above ``MIN_SCORE``."""
    if not rows:
        return []
    others = [record_features(row) for row in rows]
    table = table_of([*queries, *others], s.identifiers)
    left = [q for q in queries for _ in others]
    right = [o for _ in queries for o in others]
    with s.lock:
        s.comparer.load(table)
        levels = s.comparer.levels(np.array([q["unique_id"] for q in left], dtype=np.int64),
                                   np.array([o["unique_id"] for o in right], dtype=np.int64))
        labels = s.comparer.labels(levels)
    weights = _weights(connection, s, levels, labels, left, right)
    best: dict[int, tuple[float, int]] = {}
    for i, weight in enumerate(weights.tolist()):
        record = i % len(others)
        if record not in best or weight > best[record][0]:
            best[record] = (weight, i)
    return [Scored(int(row["id"]), int(row["person_id"]), str(row["source"]),
                   row.get("sensitivity") or "standard", weight, _matched(labels, i))
            for record, (weight, i) in sorted(best.items())
            if weight > MIN_SCORE and (row := rows[record]) is not None]
