"""Why two records do or do not match: each comparison's share of the match weight.

The parts always add up to the total; the web UI draws them as a waterfall
(``charts.waterfall``). Two ways to the same figures:

- ``explain_pair`` asks Splink, over every current record, so its term frequencies are the
  ones a batch run would count now: exact, but it reads the whole store (minutes at 100,000
  persons); the reference the other is tested against.
- ``explain_records`` reads only the two records, and weighs them with ``scorer`` and the term
  counts of ``link_term``, as records linked as they load are weighed: fast enough for a web
  page at any size.

Right after a batch run the two agree to 1e-9 (tested). They part only where the counts have
moved since that run: records loaded, changed or erased since are counted (or not) as
incremental linking counts them, and a value no count knows yet is counted as the records
of the pair that have it, so it is never infinitely rare. ``explain_records`` is then what
the last link run and the review queue weighed; ``explain_pair`` what the next run will.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select

from joinedup.errors import BadInput, LinkError
from joinedup.link import engine as scoring
from joinedup.link.features import all_features, person_records, record_features, table_of
from joinedup.link.review import record_key
from joinedup.link.run import TOTAL, latest_model, model_identifiers, term_frequencies
from joinedup.link.scorer import Scorer
from joinedup.link.vectors import Comparer, level_labels
from joinedup.store.schema import link_term

_SHOWN = {"residence": ("address", "postcode", "uprn")}


@dataclass(frozen=True)
class Part:
    comparison: str
    level: str
    left: str
    right: str
    weight: float  # bits, term-frequency adjustment included


@dataclass(frozen=True)
class Explanation:
    left: str
    right: str
    prior: float
    parts: tuple[Part, ...]
    match_weight: float

    @property
    def match_probability(self) -> float:
        return 1 / (1 + 2 ** -self.match_weight)


def _model(connection: Connection) -> dict[str, Any]:
    stored = latest_model(connection)
    if stored is None:
        raise LinkError("there is no model yet: run joinedup link first")
    return stored[1]


def _shown(name: str, values: Callable[[str], Any]) -> str:
    """What a part shows of one record: the features its comparison reads."""
    return ", ".join(str(values(c) or "") for c in _SHOWN.get(name, (name,))).strip(", ")


def explain_pair(engine: Engine, left: str, right: str) -> Explanation:
    """Explain ``left`` against ``right`` (``SOURCE:RECORD_ID``) with the current model,
    by Splink over every current record."""
    with engine.connect() as connection:
        a, b = record_key(connection, left), record_key(connection, right)
        model = _model(connection)
        features = all_features(connection, model_identifiers(model))
    result = scoring.explain(features, model, a, b)
    levels = level_labels(model, features, np.array([min(a, b)]), np.array([max(a, b)]))
    sides = [{k.removesuffix(f"_{side}"): v for k, v in result.items()
              if k.endswith(f"_{side}")} for side in (("r", "l") if a > b else ("l", "r"))]
    parts = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        values = [_shown(name, side.get) for side in sides]
        weight = result[f"mw_{name}"] + (result.get(f"mw_tf_adj_{name}") or 0.0)
        parts.append(Part(name, str(levels[name][0]), values[0], values[1], weight))
    lam = model["probability_two_random_records_match"]
    return Explanation(left, right, math.log2(lam / (1 - lam)), tuple(parts),
                       float(result["match_weight"]))


def explain_records(connection: Connection, a: int, b: int) -> Explanation:
    """Explain record ``a`` against record ``b`` (store ids) from the two records alone and
    the stored term counts: ``explain_pair``'s figures without reading the whole store (see
    the module docstring for where the two can differ)."""
    if a == b:
        raise BadInput("an explanation needs two different records")
    model = _model(connection)
    rows = {r["id"]: r for r in person_records(connection, [a, b])}
    missing = [str(i) for i in (a, b) if i not in rows]
    if missing:
        raise BadInput(f"no current person record with id {' or '.join(missing)}")
    # The lower id on the left, as a batch run pairs them.
    low, high = (record_features(rows[i]) for i in sorted((a, b)))
    comparer = Comparer(model, table_of([low, high], model_identifiers(model)))
    try:
        levels = comparer.levels(np.array([low["unique_id"]]), np.array([high["unique_id"]]))
        labels = comparer.labels(levels)
    finally:
        comparer.close()
    scorer = Scorer(model)
    shares = _shares(connection, scorer.tf_columns, [low, high])
    weights = scorer.contributions(levels, {c: (s[:1], s[1:]) for c, s in shares.items()})
    first, second = (low, high) if a < b else (high, low)
    parts = [Part(name, str(labels[name][0]), _shown(name, first.get),
                  _shown(name, second.get), float(weights[name][0]))
             for name in (c["output_column_name"] for c in model["comparisons"])]
    total = scorer.prior
    for part in parts:
        total += part.weight
    return Explanation(_reference(rows[a]), _reference(rows[b]), scorer.prior, tuple(parts),
                       total)


def _reference(row: Mapping[str, Any]) -> str:
    return f"{row['source']}:{row['record_id']}"


def _shares(connection: Connection, columns: set[str], pair: list[dict[str, Any]]
            ) -> dict[str, np.ndarray]:
    """The pair's term frequencies from ``link_term``; a value no count holds yet is counted
    as the records of the pair that have it, rather than as infinitely rare."""
    shares = term_frequencies(connection, columns, pair)
    for column, share in shares.items():
        if not (share == 0).any():
            continue
        total = connection.execute(select(link_term.c.records).where(
            link_term.c.column_name == column, link_term.c.value == TOTAL)).scalar_one()
        for side, record in enumerate(pair):
            if share[side] == 0:
                share[side] = sum(r.get(column) == record[column] for r in pair) / total
    return shares
