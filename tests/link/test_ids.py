from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.errors import LinkError
from joinedup.link.ids import Assignment, IdEvent, assign_ids


def run(keys: list[int], previous: list[int], next_id: int = 100) -> Assignment:
    records = np.arange(1, len(keys) + 1, dtype=np.int64)
    return assign_ids(
        records, np.array(keys, dtype=np.int64), np.array(previous, dtype=np.int64), next_id
    )


def test_a_rerun_with_the_same_clusters_changes_nothing() -> None:
    keys = [1, 1, 1, 4, 4, 6]
    first = run(keys, [0] * 6)
    assert first.person.tolist() == [100, 100, 100, 101, 101, 102]
    again = run(keys, first.person.tolist(), next_id=103)
    assert again.person.tolist() == first.person.tolist()
    assert again.person.dtype == np.int64
    assert (again.created, again.retired, again.events) == ([], [], [])


def test_a_new_record_joins_its_cluster_quietly() -> None:
    a = run([1, 1, 1, 4, 4], [10, 10, 0, 20, 20], next_id=21)
    assert a.person.tolist() == [10, 10, 10, 20, 20]
    assert (a.created, a.retired, a.events) == ([], [], [])


def test_a_merge_keeps_the_bigger_persons_id() -> None:
    a = run([1, 1, 1, 1, 1], [20, 20, 20, 10, 10], next_id=21)
    assert a.person.tolist() == [20] * 5
    assert a.events == [IdEvent("merge", 10, 20, 2)]
    assert (a.created, a.retired) == ([], [10])


def test_a_merge_of_equals_keeps_the_smaller_id() -> None:
    a = run([1, 1, 1, 1, 5], [20, 20, 10, 10, 0], next_id=21)
    assert a.person.tolist() == [10, 10, 10, 10, 21]
    assert a.events == [IdEvent("merge", 20, 10, 2)]
    assert (a.created, a.retired) == ([21], [20])


def test_a_split_leaves_the_id_with_the_biggest_fragment() -> None:
    a = run([1, 1, 3, 3, 3, 6], [10, 10, 10, 10, 10, 10], next_id=11)
    assert a.person.tolist() == [11, 11, 10, 10, 10, 12]
    assert a.events == [IdEvent("split", 10, 11, 2), IdEvent("split", 10, 12, 1)]
    assert (a.created, a.retired) == ([11, 12], [])


def test_a_fragment_keeps_another_predecessor_it_is_the_biggest_part_of() -> None:
    # Person 10 splits in two; the smaller fragment also holds most of person 30.
    a = run([1, 1, 1, 4, 4, 4], [10, 10, 10, 10, 30, 30], next_id=31)
    assert a.person.tolist() == [10, 10, 10, 30, 30, 30]
    assert a.events == [IdEvent("split", 10, 30, 1)]
    assert (a.created, a.retired) == ([], [])


def test_a_person_scattered_to_two_others_is_a_split_though_retired() -> None:
    a = run([1, 1, 1, 4, 4, 4], [20, 20, 10, 10, 30, 30], next_id=31)
    assert a.person.tolist() == [20, 20, 20, 30, 30, 30]
    assert a.events == [IdEvent("split", 10, 20, 1), IdEvent("split", 10, 30, 1)]
    assert (a.created, a.retired) == ([], [10])


def test_new_records_alone_get_new_ids_in_key_order() -> None:
    a = run([9, 2, 9, 5], [0, 0, 0, 0], next_id=7)
    assert a.person.tolist() == [9, 7, 9, 8]
    assert (a.created, a.retired, a.events) == ([7, 8, 9], [], [])


def test_nothing_to_assign() -> None:
    a = run([], [], next_id=1)
    assert a.person.tolist() == []
    assert (a.created, a.retired, a.events) == ([], [], [])


@pytest.mark.parametrize(
    ("keys", "previous", "next_id", "message"),
    [
        ([1, 1], [5, 0], 5, "next id 5 is not above the highest previous id 5"),
        ([1], [0], 0, "next id 0"),
        ([1, 1], [-3, 0], 5, "-3 is negative"),
    ],
)
def test_bad_arguments_are_refused(
    keys: list[int], previous: list[int], next_id: int, message: str
) -> None:
    with pytest.raises(LinkError, match=message):
        run(keys, previous, next_id)


def test_arrays_must_agree_in_length() -> None:
    with pytest.raises(LinkError, match="disagree in length"):
        assign_ids(np.array([1, 2]), np.array([1, 1]), np.array([0]), 1)


@st.composite
def runs(draw: st.DrawFn) -> tuple[list[int], list[int], int]:
    n = draw(st.integers(0, 30))
    keys = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    previous = draw(st.lists(st.sampled_from([0, 0, 3, 4, 5, 9]), min_size=n, max_size=n))
    return keys, previous, draw(st.integers(10, 12))


@given(runs())
def test_ids_are_one_per_cluster_and_either_kept_or_created(
    run_args: tuple[list[int], list[int], int],
) -> None:
    keys, previous, next_id = run_args
    a = run(keys, previous, next_id)
    person = a.person.tolist()
    id_of: dict[int, int] = {}
    for key, pid in zip(keys, person, strict=True):
        assert id_of.setdefault(key, pid) == pid  # one id per cluster
    assert len(set(id_of.values())) == len(id_of)  # and no two clusters share one
    old = set(previous) - {0}
    assert set(person) <= old | set(a.created)
    assert a.created == list(range(next_id, next_id + len(a.created)))
    assert a.retired == sorted(old - set(person))

    moves = Counter((p, q) for p, q in zip(previous, person, strict=True) if p and p != q)
    assert {(e.old_id, e.new_id): e.records for e in a.events} == moves
    held = Counter(p for p in previous if p)
    for e in a.events:
        assert e.kind == ("merge" if e.records == held[e.old_id] else "split")
    assert [(e.old_id, e.new_id) for e in a.events] == sorted(moves)


@given(runs())
def test_running_again_on_the_same_clusters_is_stable(
    run_args: tuple[list[int], list[int], int],
) -> None:
    keys, previous, next_id = run_args
    first = run(keys, previous, next_id)
    again = run(keys, first.person.tolist(), next_id + len(first.created))
    assert again.person.tolist() == first.person.tolist()
    assert (again.created, again.retired, again.events) == ([], [], [])


@given(runs())
def test_each_cluster_keeps_its_largest_predecessor_unless_a_bigger_claim_took_it(
    run_args: tuple[list[int], list[int], int],
) -> None:
    keys, previous, next_id = run_args
    a = run(keys, previous, next_id)
    id_of = dict(zip(keys, a.person.tolist(), strict=True))
    overlap = Counter((k, p) for k, p in zip(keys, previous, strict=True) if p)
    holder = {pid: key for key, pid in id_of.items()}
    for (key, old), count in overlap.items():
        if id_of[key] == old:
            continue
        # This cluster did not keep `old`: it had already kept an id it ranks higher, or a
        # cluster ranking `old` higher took it first.
        rank = (-count, old, key)
        mine = id_of[key]
        kept_better = mine < next_id and (-overlap[(key, mine)], mine, key) < rank
        other = holder.get(old)
        lost_to_better = other is not None and (-overlap[(other, old)], old, other) < rank
        assert kept_better or lost_to_better
