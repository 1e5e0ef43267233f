"""Stable person ids: a re-run of linkage must not renumber people who did not change.

Officers quote person ids in case notes and other systems store them, so each new cluster
inherits the id most of its records already had, and every id that moves is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from joinedup.errors import LinkError

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class IdEvent:
    """``records`` records that were person ``old_id`` are now person ``new_id``.

    ``kind`` is "merge" when all of ``old_id``'s records moved to ``new_id`` (so ``old_id`` is
    retired, absorbed whole) and "split" otherwise (``old_id`` lives on, or its records went to
    more than one person).
    """

    kind: str
    old_id: int
    new_id: int
    records: int


@dataclass(frozen=True)
class Assignment:
    person: IntArray  # aligned with the records: each one's person id
    created: list[int]  # ids minted in this run, ascending
    retired: list[int]  # previous ids no record holds any more, ascending
    events: list[IdEvent]  # by (old_id, new_id)


def assign_ids(records: IntArray, keys: IntArray, previous: IntArray, next_id: int) -> Assignment:
    """Give each cluster (records sharing a key) a person id, keeping previous ids where it can.

    ``previous`` is each record's person id from the last run, 0 if it has never been linked.
    A cluster keeps the previous id held by most of its records; as an id can go to one cluster
    only, (cluster, previous id) pairs are granted greedily by record count descending, then
    previous id ascending, then cluster key ascending, so a cluster whose favourite is taken may
    keep its next-largest predecessor. Clusters left without an id get ``next_id``,
    ``next_id + 1``, ... in key order. One IdEvent is reported per (old id, new id) pair with
    ``old_id != 0`` and ``old_id != new_id``: "merge" if every record of ``old_id`` went to
    ``new_id``, otherwise "split".
    """
    records = np.asarray(records, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    previous = np.asarray(previous, dtype=np.int64)
    if not len(records) == len(keys) == len(previous):
        raise LinkError(
            f"ids disagree in length: {len(records)} records, {len(keys)} keys, "
            f"{len(previous)} previous ids"
        )
    if len(previous) and int(previous.min()) < 0:
        raise LinkError(f"previous person id {int(previous.min())} is negative")
    highest = int(previous.max()) if len(previous) else 0
    if next_id <= highest:
        raise LinkError(f"next id {next_id} is not above the highest previous id {highest}")

    cluster_keys, cluster_of = np.unique(keys, return_inverse=True)
    cluster_of = cluster_of.reshape(-1).astype(np.int64)
    # The overlap table: one row per (cluster, previous id) with how many records it shares.
    linked = previous != 0
    pair_cluster, pair_old, overlap = _count_pairs(cluster_of[linked], previous[linked])

    person = np.zeros(len(cluster_keys), dtype=np.int64)
    # A cluster and an id that meet nowhere else cannot compete: grant those at once.
    alone = (_multiplicity(pair_cluster) == 1) & (_multiplicity(pair_old) == 1)
    person[pair_cluster[alone]] = pair_old[alone]
    contested = np.flatnonzero(~alone)
    contested = contested[
        np.lexsort((pair_cluster[contested], pair_old[contested], -overlap[contested]))
    ]
    granted: dict[int, int] = {}
    taken: set[int] = set()
    for c, old in zip(pair_cluster[contested].tolist(), pair_old[contested].tolist(), strict=True):
        if c not in granted and old not in taken:
            granted[c] = old
            taken.add(old)
    if granted:
        person[np.fromiter(granted.keys(), np.int64)] = np.fromiter(granted.values(), np.int64)

    fresh = np.flatnonzero(person == 0)
    person[fresh] = next_id + np.arange(len(fresh), dtype=np.int64)

    new = person[pair_cluster]
    moved = np.flatnonzero(new != pair_old)
    moved = moved[np.lexsort((new[moved], pair_old[moved]))]
    whole = overlap[moved] == _group_sums(pair_old, overlap)[moved]
    events = [
        IdEvent("merge" if w else "split", old, to, n)
        for old, to, n, w in zip(
            pair_old[moved].tolist(),
            new[moved].tolist(),
            overlap[moved].tolist(),
            whole.tolist(),
            strict=True,
        )
    ]
    kept = np.isin(pair_old, person)
    return Assignment(
        person=person[cluster_of],
        created=person[fresh].tolist(),
        retired=np.unique(pair_old[~kept]).tolist(),
        events=events,
    )


def _count_pairs(a: IntArray, b: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Distinct (a, b) pairs and how often each occurs."""
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    start = np.ones(len(a), dtype=bool)
    start[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    first = np.flatnonzero(start)
    counts = np.diff(np.append(first, len(a))).astype(np.int64)
    return a[first], b[first], counts


def _multiplicity(values: IntArray) -> IntArray:
    """How many times each element's value occurs in ``values``."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    return np.asarray(counts[inverse.reshape(-1)], dtype=np.int64)


def _group_sums(groups: IntArray, values: IntArray) -> IntArray:
    """For each element, the sum of ``values`` over all elements in its group."""
    _, inverse = np.unique(groups, return_inverse=True)
    inverse = inverse.reshape(-1)
    sums = np.zeros(len(groups), dtype=np.int64)
    np.add.at(sums, inverse, values)
    return sums[inverse]
