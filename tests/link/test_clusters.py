from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.errors import BadInput, JoinedUpError, LinkError
from joinedup.link.clusters import cluster

Pair = tuple[int, int]


@dataclass
class Problem:
    records: list[int]
    edges: list[tuple[int, int, float]]
    threshold: float
    must: list[Pair]
    cannot: list[Pair]

    def run(self) -> np.ndarray:
        left, right, weight = _columns(self.edges)
        return cluster(
            np.array(self.records, dtype=np.int64),
            left,
            right,
            weight,
            self.threshold,
            self.must,
            self.cannot,
        )

    def groups(self) -> dict[int, set[int]]:
        keys = self.run()
        out: dict[int, set[int]] = {}
        for record, key in zip(self.records, keys.tolist(), strict=True):
            out.setdefault(key, set()).add(record)
        return out

    def strong(self) -> list[Pair]:
        return [(a, b) for a, b, w in self.edges if w >= self.threshold]


def _columns(edges: Sequence[tuple[int, int, float]]) -> tuple[np.ndarray, ...]:
    return (
        np.array([e[0] for e in edges], dtype=np.int64),
        np.array([e[1] for e in edges], dtype=np.int64),
        np.array([e[2] for e in edges], dtype=np.float64),
    )


class Sets:
    """A deliberately naive union-find: the model the fast code is checked against."""

    def __init__(self, items: Sequence[int]) -> None:
        self.of = {i: frozenset([i]) for i in items}

    def join(self, a: int, b: int) -> None:
        merged = self.of[a] | self.of[b]
        for i in merged:
            self.of[i] = merged

    def keys(self, items: Sequence[int]) -> list[int]:
        return [min(self.of[i]) for i in items]


def components(records: Sequence[int], pairs: Sequence[Pair]) -> list[int]:
    sets = Sets(records)
    for a, b in pairs:
        sets.join(a, b)
    return sets.keys(records)


def greedy_model(p: Problem) -> list[int]:
    sets = Sets(p.records)
    for a, b in p.must:
        sets.join(a, b)
    for a, b, _ in sorted(
        (e for e in p.edges if e[2] >= p.threshold), key=lambda e: (-e[2], e[0], e[1])
    ):
        merged = sets.of[a] | sets.of[b]
        if not any(x in merged and y in merged for x, y in p.cannot):
            sets.join(a, b)
    return sets.keys(p.records)


@st.composite
def problems(draw: st.DrawFn, *, cannot: bool = True) -> Problem:
    # Narrow ids take the lookup-table path, wide ones the binary search.
    wide = draw(st.booleans())
    ids = st.integers(-(2**62), 2**62) if wide else st.integers(0, 60)
    records = draw(st.lists(ids, min_size=1, max_size=25, unique=True))
    record = st.sampled_from(records)
    weights = st.sampled_from([0.1, 0.3, 0.5, 0.5, 0.7, 0.9, 0.9])  # repeats make ties
    edges = draw(st.lists(st.tuples(record, record, weights), max_size=50))
    must = draw(st.lists(st.tuples(record, record), max_size=4))
    bans = draw(st.lists(st.tuples(record, record), max_size=6)) if cannot else []
    # Keep only the cannot-links the must-links do not already contradict.
    forced = dict(zip(records, components(records, must), strict=True))
    bans = [(a, b) for a, b in bans if forced[a] != forced[b]]
    threshold = draw(st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]))
    return Problem(records, edges, threshold, must, bans)


@given(problems())
def test_clusters_partition_the_records_and_are_keyed_by_their_smallest_id(p: Problem) -> None:
    keys = p.run()
    assert keys.dtype == np.int64
    assert len(keys) == len(p.records)
    for key, members in p.groups().items():
        assert key == min(members)


@given(problems(cannot=False))
def test_without_cannot_links_clusters_are_connected_components(p: Problem) -> None:
    assert p.run().tolist() == components(p.records, p.must + p.strong())


@given(problems())
def test_cannot_links_are_kept_apart_and_must_links_together(p: Problem) -> None:
    key = dict(zip(p.records, p.run().tolist(), strict=True))
    assert all(key[a] == key[b] for a, b in p.must)
    assert all(key[a] != key[b] for a, b in p.cannot)


@given(problems())
def test_matches_the_greedy_model(p: Problem) -> None:
    assert p.run().tolist() == greedy_model(p)


@given(problems(), st.randoms(use_true_random=False))
def test_order_of_records_and_pairs_does_not_matter(p: Problem, rnd: random.Random) -> None:
    before = dict(zip(p.records, p.run().tolist(), strict=True))
    shuffled = Problem(list(p.records), list(p.edges), p.threshold, list(p.must), list(p.cannot))
    for items in (shuffled.records, shuffled.edges, shuffled.must, shuffled.cannot):
        rnd.shuffle(items)
    assert dict(zip(shuffled.records, shuffled.run().tolist(), strict=True)) == before


def test_a_cannot_link_cuts_the_chain_at_its_weakest_pair() -> None:
    p = Problem([1, 2, 3, 4], [(1, 2, 0.9), (2, 3, 0.8), (3, 4, 0.95)], 0.5, [], [(4, 1)])
    assert p.run().tolist() == [1, 1, 3, 3]
    assert Problem(p.records, p.edges, 0.5, [], []).run().tolist() == [1, 1, 1, 1]


def test_ties_are_broken_by_left_then_right() -> None:
    # Equal weights: (1, 2) goes first, so 3 is the one left out, whatever the listed order.
    for edges in ([(2, 3, 0.9), (1, 2, 0.9)], [(1, 2, 0.9), (2, 3, 0.9)]):
        assert Problem([3, 2, 1], edges, 0.5, [], [(1, 3)]).run().tolist() == [3, 1, 1]
    # Equal left ends: (2, 1) goes before (2, 3).
    for edges in ([(2, 3, 0.9), (2, 1, 0.9)], [(2, 1, 0.9), (2, 3, 0.9)]):
        assert Problem([3, 2, 1], edges, 0.5, [], [(1, 3)]).run().tolist() == [3, 1, 1]
    # (3, 2) sorts before (4, 1): pairs are taken as written, not reordered.
    edges = [(4, 1, 0.9), (3, 2, 0.9), (1, 2, 0.9)]
    assert Problem([1, 2, 3, 4], edges, 0.5, [], [(4, 3)]).run().tolist() == [1, 1, 1, 4]


def test_threshold_is_inclusive_and_must_links_ignore_it() -> None:
    p = Problem([1, 2, 3, 4, 5], [(1, 2, 0.5), (3, 4, 0.49), (4, 5, 0.1)], 0.5, [(5, 4)], [])
    assert p.run().tolist() == [1, 1, 3, 4, 4]


def test_a_record_linked_to_nothing_is_its_own_cluster() -> None:
    assert Problem([7, 3, 5], [], 0.5, [], []).run().tolist() == [7, 3, 5]


def test_no_records() -> None:
    assert Problem([], [], 0.5, [], []).run().tolist() == []


def test_must_links_that_contradict_a_cannot_link_are_refused() -> None:
    p = Problem([1, 2, 3], [], 0.5, [(1, 2), (2, 3)], [(3, 1)])
    with pytest.raises(LinkError, match=r"joined by must-links alone: \(3, 1\)"):
        p.run()


def test_a_record_cannot_be_kept_apart_from_itself() -> None:
    with pytest.raises(LinkError, match=r"\(2, 2\)"):
        Problem([1, 2], [], 0.5, [], [(2, 2)]).run()


@pytest.mark.parametrize(
    ("edges", "must", "cannot", "what"),
    [
        ([(1, 99, 0.9)], [], [], "a scored pair names record 99"),
        ([(1, 2, 0.1), (-5, 2, 0.1)], [], [], "a scored pair names record -5"),
        ([], [(2, 10**15)], [], f"a must-link names record {10**15}"),
        ([], [], [(0, 1)], "a cannot-link names record 0"),
    ],
)
def test_pairs_naming_unknown_records_are_refused(
    edges: list[tuple[int, int, float]], must: list[Pair], cannot: list[Pair], what: str
) -> None:
    with pytest.raises(LinkError, match=what):
        Problem([1, 2, 3], edges, 0.5, must, cannot).run()
    # The same with sparse ids, which are looked up by binary search rather than a table.
    with pytest.raises(LinkError, match=what):
        Problem([1, 2, 3, 10**12], edges, 0.5, must, cannot).run()


def test_pairs_with_no_records_are_refused() -> None:
    with pytest.raises(LinkError, match="not among the records"):
        Problem([], [(1, 2, 0.9)], 0.5, [], []).run()


def test_repeated_records_are_refused() -> None:
    with pytest.raises(LinkError, match=r"repeat, e\.g\. 2"):
        Problem([1, 2, 2], [], 0.5, [], []).run()


def test_pair_columns_must_agree_in_length() -> None:
    ids = np.array([1, 2], dtype=np.int64)
    with pytest.raises(LinkError, match="disagree in length"):
        cluster(ids, ids, ids, np.array([0.5]), 0.5)


def test_link_error_is_not_the_users_fault() -> None:
    assert issubclass(LinkError, JoinedUpError)
    assert not issubclass(LinkError, BadInput)


def test_two_hundred_thousand_records() -> None:
    rng = np.random.default_rng(20240501)
    n, m = 200_000, 400_000
    records = rng.permutation(n).astype(np.int64) * 7 + 1_000
    left, right = rng.choice(records, m), rng.choice(records, m)
    weight = rng.random(m)
    must = list(zip(records[:200:2].tolist(), records[1:200:2].tolist(), strict=True))
    cannot = list(zip(left[:1000].tolist(), right[:1000].tolist(), strict=True))
    cannot = [(a, b) for a, b in cannot if a != b]

    keys = cluster(records, left, right, weight, 0.6, must, cannot)

    assert keys.shape == records.shape
    order = np.lexsort((records, keys))
    k, r = keys[order], records[order]
    first = np.ones(n, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    assert (k[first] == r[first]).all()  # each cluster's key is its smallest record
    key = dict(zip(records.tolist(), keys.tolist(), strict=True))
    assert all(key[a] == key[b] for a, b in must)
    assert all(key[a] != key[b] for a, b in cannot)
    assert 1 < len(np.unique(keys)) < n
