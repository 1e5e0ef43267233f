"""Scored record pairs become clusters, honouring reviewers' must-links and cannot-links.

Most clusters are simply the connected components of the strong pairs, which scipy finds in C.
Only a component that would hold both ends of a cannot-link is rebuilt pair by pair, strongest
first, so the Python loop runs over the few contested components, not the whole county.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from joinedup.errors import LinkError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def cluster(
    records: IntArray,
    left: IntArray,
    right: IntArray,
    weight: FloatArray,
    threshold: float,
    must_link: Sequence[tuple[int, int]] = (),
    cannot_link: Sequence[tuple[int, int]] = (),
) -> IntArray:
    """Each record's cluster key, aligned with ``records``: the smallest record id in its cluster.

    Must-links are joined first, whatever their scores. Then pairs weighing at least
    ``threshold`` are joined strongest first (ties by ``(left, right)`` ascending, so the result
    does not depend on pair order), skipping any join that would put a cannot-link pair in one
    cluster: a reviewer's "not the same person" cuts a chain at its weakest link rather than
    being ignored. Raises LinkError when a pair names a record not in ``records``, the records
    repeat, or the must-links alone join a cannot-link pair.
    """
    records = np.asarray(records, dtype=np.int64)
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.float64)
    if not len(left) == len(right) == len(weight):
        raise LinkError(
            f"scored pairs disagree in length: {len(left)} left, {len(right)} right, "
            f"{len(weight)} weights"
        )
    n = len(records)
    order = np.argsort(records, kind="stable")
    ids = records[order]
    repeated = ids[1:][ids[1:] == ids[:-1]]
    if len(repeated):
        raise LinkError(f"record ids repeat, e.g. {int(repeated[0])}")

    # Work on positions in sorted order: the smallest position in a cluster is its smallest id.
    index = _Index(ids)
    a = index.positions(left, "a scored pair")
    b = index.positions(right, "a scored pair")
    ma, mb = index.pairs(must_link, "a must-link")
    ca, cb = index.pairs(cannot_link, "a cannot-link")
    if n == 0:
        return np.empty(0, dtype=np.int64)
    _check_reviews(ids, ma, mb, ca, cb)

    strong = weight >= threshold
    labels = _components(n, np.concatenate([ma, a[strong]]), np.concatenate([mb, b[strong]]))
    clashing = labels[ca] == labels[cb]
    if clashing.any():
        contested = np.zeros(int(labels.max()) + 1, dtype=bool)
        contested[labels[ca[clashing]]] = True
        members = np.flatnonzero(contested[labels])
        local = np.full(n, -1, dtype=np.int64)
        local[members] = np.arange(len(members))
        inside = contested[labels[ma]]
        edges = np.flatnonzero(strong & contested[labels[a]])
        edges = edges[np.lexsort((right[edges], left[edges], -weight[edges]))]
        roots = _greedy(
            len(members),
            local[ma[inside]].tolist(),
            local[mb[inside]].tolist(),
            local[ca[clashing]].tolist(),
            local[cb[clashing]].tolist(),
            local[a[edges]].tolist(),
            local[b[edges]].tolist(),
        )
        labels[members] = labels.max() + 1 + np.asarray(roots, dtype=np.int64)

    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    keys = np.empty(n, dtype=np.int64)
    keys[order] = ids[first[inverse]]
    return keys


class _Index:
    """Positions of record ids in the sorted ids, by direct lookup when the ids are dense.

    Database ids usually are, and a table lookup is several times faster than a binary search
    of two million scattered ids.
    """

    def __init__(self, ids: IntArray) -> None:
        self.ids = ids
        self.low = int(ids[0]) if len(ids) else 0
        span = int(ids[-1]) - self.low + 1 if len(ids) else 0
        self.table: IntArray | None = None
        if span <= 4 * len(ids) + 1024:
            self.table = np.full(span, -1, dtype=np.int64)
            self.table[ids - self.low] = np.arange(len(ids))

    def positions(self, values: IntArray, what: str) -> IntArray:
        """Where each value sits in the sorted ids; LinkError if any is not there."""
        if self.table is not None:
            offset = values - self.low
            inside = (offset >= 0) & (offset < len(self.table))
            pos = np.full(len(values), -1, dtype=np.int64)
            pos[inside] = self.table[offset[inside]]
            missing = pos < 0
        else:
            pos = np.searchsorted(self.ids, values).astype(np.int64)
            missing = pos >= len(self.ids)
            missing[~missing] = self.ids[pos[~missing]] != values[~missing]
        if missing.any():
            raise LinkError(
                f"{what} names record {int(values[missing][0])}, which is not among the "
                f"records to cluster ({int(missing.sum())} such references)"
            )
        return pos

    def pairs(self, pairs: Sequence[tuple[int, int]], what: str) -> tuple[IntArray, IntArray]:
        both = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return self.positions(both[:, 0], what), self.positions(both[:, 1], what)


def _check_reviews(ids: IntArray, ma: IntArray, mb: IntArray, ca: IntArray, cb: IntArray) -> None:
    """Fail when the must-links alone already join a cannot-link pair: no clustering obeys both."""
    if not len(ca):
        return
    together = ca == cb
    if len(ma):
        alone = _components(len(ids), ma, mb)
        together |= alone[ca] == alone[cb]
    if together.any():
        shown = zip(ids[ca[together][:5]].tolist(), ids[cb[together][:5]].tolist(), strict=True)
        pairs = ", ".join(f"({x}, {y})" for x, y in shown)
        raise LinkError(
            f"{int(together.sum())} cannot-link pairs are joined by must-links alone: {pairs}"
        )


def _components(n: int, a: IntArray, b: IntArray) -> IntArray:
    graph = csr_array((np.ones(len(a), dtype=np.int32), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


def _greedy(
    size: int,
    must_a: list[int],
    must_b: list[int],
    cannot_a: list[int],
    cannot_b: list[int],
    edge_a: list[int],
    edge_b: list[int],
) -> list[int]:
    """Union-find over one batch of contested records; each record's root, by local index.

    Every root carries the set of roots it must never join, moved to the survivor on each
    union, so checking a join against all cannot-links is a single set lookup.
    """
    parent = list(range(size))
    count = [1] * size
    forbidden: dict[int, set[int]] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(x: int, y: int) -> None:
        if count[x] < count[y]:
            x, y = y, x
        parent[y] = x
        count[x] += count[y]
        theirs = forbidden.pop(y, None)
        if theirs:
            for other in theirs:
                mine = forbidden[other]
                mine.discard(y)
                mine.add(x)
            forbidden.setdefault(x, set()).update(theirs)

    for x, y in zip(must_a, must_b, strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            union(rx, ry)
    for x, y in zip(cannot_a, cannot_b, strict=True):
        rx, ry = find(x), find(y)
        forbidden.setdefault(rx, set()).add(ry)
        forbidden.setdefault(ry, set()).add(rx)
    for x, y in zip(edge_a, edge_b, strict=True):
        rx, ry = find(x), find(y)
        if rx != ry and ry not in forbidden.get(rx, ()):
            union(rx, ry)
    return [find(i) for i in range(size)]
