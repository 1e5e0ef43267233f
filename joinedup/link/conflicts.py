"""Conflicts: pairs inside a would-be person that the evidence says are two people.

Clustering joins records through chains (A with B, B with C), so A and C can end up as one
person without ever being compared, or after being compared and found different: twin A, a
record of A's with no date of birth, twin B. Before the final clustering, every pair of records
that the strong links alone would put in one person (of three or more records) is weighed with
the model (``scorer``, Splink's arithmetic), and a pair a safeguard holds back, or that the
model is sure are two people (weight below ``CONFLICT_BELOW``), is kept apart. Weighing only
these pairs, and not every blocked pair down to a floor, keeps a million-record run in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joinedup.link.safeguards import held_back
from joinedup.link.scorer import Scorer
from joinedup.link.vectors import Comparer

CONFLICT_BELOW = -10.0
"""A pair below this weight (odds of a match under one in a thousand) is evidence that two
records are different people. Closer to 0 it starts to split true duplicates whose direct
comparison is poor (FEBRL3: recall 0.948 at -10, 0.911 at 0; the synthetic county: the same
precision at either)."""
LARGEST_CHECKED = 500
"""Would-be persons larger than this are not checked pair by pair (125,000 pairs each): the
largest person of the million-record county has 10 records, so one with hundreds is a
chaining fault to look at, not one to weigh in bulk."""


def pairs_within(keys: np.ndarray, records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (lower id first) of records sharing a cluster key, for clusters of 3 to
    ``LARGEST_CHECKED`` records."""
    order = np.argsort(keys, kind="stable")
    sorted_keys, sorted_records = keys[order], records[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
        if 3 <= size <= LARGEST_CHECKED:
            members = np.sort(sorted_records[start:start + size])
            a, b = np.triu_indices(size, k=1)
            left.append(members[a])
            right.append(members[b])
    if not left:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(left), np.concatenate(right)


def _frequencies(features: pa.Table, column: str, ids: np.ndarray,
                 position: dict[int, int]) -> np.ndarray:
    values = features.column(column)
    counts = pc.value_counts(values.drop_null())
    share = dict(zip(counts.field("values").to_pylist(),
                     (counts.field("counts").to_numpy() / len(values.drop_null())).tolist(),
                     strict=True))
    per_record = np.array([share.get(v, np.nan) if v is not None else np.nan
                           for v in values.to_pylist()])
    return per_record[[position[i] for i in ids.tolist()]]


def conflicts(features: pa.Table, model: dict[str, Any], left: np.ndarray, right: np.ndarray,
              personal: Sequence[str]) -> list[tuple[int, int]]:
    """Of the pairs (left[i], right[i]), those to keep apart."""
    if not len(left):
        return []
    comparer = Comparer(model, features)
    try:
        levels = comparer.levels(left, right)
        labels = comparer.labels(levels)
    finally:
        comparer.close()
    scorer = Scorer(model)
    ids = features.column("unique_id").to_numpy()
    position = {int(v): i for i, v in enumerate(ids.tolist())}
    tf = {c: (_frequencies(features, c, left, position), _frequencies(features, c, right,
                                                                        position))
          for c in scorer.tf_columns}
    apart = (scorer.weights(levels, tf) < CONFLICT_BELOW) | (held_back(labels, personal) != "")
    return list(zip(left[apart].tolist(), right[apart].tolist(), strict=True))
