"""Disclosure control without a store: the rules, primary and secondary suppression, and the
recovery attack, solved here independently of ``joinedup.opendata.secondary``: for each
suppressed cell, the smallest and largest value it can take given the published cells and
totals (as the intervals their rounding leaves) and that counts are not negative."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from joinedup.errors import BadInput
from joinedup.opendata.check import check_counts
from joinedup.opendata.disclosure import TOTAL, Layout, Rule, Unit, build_system, moved
from joinedup.opendata.protect import protect
from joinedup.opendata.tables import Counts, Table

CATEGORIES = ("a", "b", "c")


def counts(cells: dict[tuple[str, str], int], *, parish_of: dict[str, str] | None = None
           ) -> Counts:
    """Units making the given (ward, category) counts, in wards and (optionally) parishes."""
    wards = tuple(sorted({w for w, _c in cells}))
    units = []
    for (ward, category), n in cells.items():
        areas = (ward,) if parish_of is None else (ward, parish_of[ward])
        units += [Unit(areas, category)] * n
    if parish_of is None:
        layout = Layout(("ward",), (wards,), CATEGORIES)
    else:
        layout = Layout(("ward", "parish"), (wards, tuple(sorted(set(parish_of.values())))),
                        CATEGORIES)
    return Counts(tuple(units), layout, "persons", "band")


def attack(table: Table, rule: Rule) -> dict[tuple[str, str], tuple[float, float]]:
    """Every suppressed cell of a 2-D table with totals, solved for from the rest."""
    columns = table.measures
    grid = {(labels[0], c): v for labels, values in table.rows
            for c, v in zip(columns, values, strict=True)}
    cells = list(grid)
    index = {cell: i for i, cell in enumerate(cells)}
    bounds = [(0, None) if v is None else rule.bounds(int(v)) for v in grid.values()]
    rows = sorted({r for r, _c in cells} - {TOTAL})
    equations = []
    for r in (*rows, TOTAL):
        equations.append(([(r, TOTAL)], [(r, c) for c in columns if c != TOTAL]))
    for c in columns:
        equations.append(([(TOTAL, c)], [(r, c) for r in rows]))
    a_eq = np.zeros((len(equations), len(cells)))
    for k, (left, right) in enumerate(equations):
        for cell in left:
            a_eq[k, index[cell]] += 1
        for cell in right:
            a_eq[k, index[cell]] -= 1
    found = {}
    for cell, value in grid.items():
        if value is not None:
            continue
        ends = []
        for sign in (1, -1):
            objective = np.zeros(len(cells))
            objective[index[cell]] = sign
            result = linprog(objective, A_eq=a_eq, b_eq=np.zeros(len(equations)),
                             bounds=bounds, method="highs")
            ends.append(np.inf if result.status == 3 else sign * result.fun)
        found[cell] = (ends[0], ends[1])
    return found


def test_rounding_is_to_the_nearest_five_halves_up() -> None:
    rule = Rule()
    assert [rule.rounded(v) for v in (0, 2, 3, 7, 8, 12, 13)] == [0, 0, 5, 5, 10, 10, 15]
    assert Rule(rounding=1).rounded(13) == 13
    assert Rule(rounding=10).rounded(15) == 20


@given(st.integers(0, 10_000), st.sampled_from([1, 2, 5, 10]))
def test_the_bounds_of_a_rounded_count_hold_every_count_that_rounds_to_it(
        value: int, base: int) -> None:
    rule = Rule(rounding=base)
    published = rule.rounded(value)
    low, high = rule.bounds(published)
    assert low <= value <= high
    assert all(rule.rounded(v) == published for v in range(low, high + 1))
    assert high - low + 1 <= base


def test_the_nhs_rule_hides_one_to_seven_and_rounds_to_five() -> None:
    rule = Rule.nhs()
    assert [rule.small(v) for v in (0, 1, 7, 8)] == [False, True, True, False]
    assert rule.rounding == 5
    assert Rule.named("nhs", 10, 1) == rule


@pytest.mark.parametrize(("threshold", "rounding", "name"), [(1, 5, "threshold"),
                                                              (10, 0, "threshold"),
                                                              (10, 5, "census")])
def test_a_rule_that_cannot_protect_is_refused(threshold: int, rounding: int,
                                               name: str) -> None:
    with pytest.raises(BadInput):
        Rule.named(name, threshold, rounding)


def test_a_unit_outside_the_layout_is_refused() -> None:
    layout = Layout(("ward",), (("North",),), CATEGORIES)
    with pytest.raises(BadInput, match="'West', which is not a row"):
        build_system([Unit(("West",), "a")], layout)
    with pytest.raises(BadInput, match="category 'z'"):
        build_system([Unit(("North",), "z")], layout)


def test_one_small_cell_takes_three_more_with_it() -> None:
    """The textbook case: a 3 alone in its row and column would be the total less the rest,
    so a second cell is suppressed in its row, one in its column, and the fourth corner."""
    table = counts({("N", "a"): 3, ("N", "b"): 40, ("N", "c"): 50, ("S", "a"): 30,
                    ("S", "b"): 45, ("S", "c"): 60, ("W", "a"): 25, ("W", "b"): 35,
                    ("W", "c"): 55})
    rule = Rule(rounding=1)
    [published] = protect(table, rule, title="T", description="D.").tables
    assert sum(v is None for _l, vs in published.rows for v in vs) == 4
    (low, high) = attack(published, rule)["N", "a"]
    assert high - low >= rule.threshold
    assert check_counts("d", table, [published], rule) == []


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=12, max_size=12), st.sampled_from([1, 5]),
       st.sampled_from([5, 10]))
def test_no_suppressed_cell_can_be_recovered_from_the_totals(
        values: list[int], rounding: int, threshold: int) -> None:
    """Random 4 x 3 tables. The protection rule: a count of 1 to threshold - 1, wherever it
    is (a cell or a total), can only be narrowed to an interval at least threshold wide, so
    nobody can tell it from 0 nor from a count that could be shown. (A complement, suppressed
    to protect another, is no secret itself and may be narrower.)"""
    cells = {(f"W{i // 3}", CATEGORIES[i % 3]): v for i, v in enumerate(values)}
    rule = Rule(threshold, rounding)
    table = counts(cells)
    [published] = protect(table, rule, title="T", description="D.").tables
    truth = build_system(table.units, table.layout).values
    for (ward, category), (low, high) in attack(published, rule).items():
        true = truth["ward", ward, category]
        assert low - 1e-6 <= true <= high + 1e-6
        if rule.small(true):
            assert high - low >= threshold, (ward, category, true, low, high)
    for labels, row in published.rows:
        for category, value in zip(published.measures, row, strict=True):
            true = sum(v for (w, c), v in cells.items()
                       if labels[0] in (w, TOTAL) and category in (c, TOTAL))
            assert value is None or (not rule.small(true) and value == rule.rounded(true))


def test_a_parish_that_is_one_ward_does_not_give_the_ward_away() -> None:
    """Parish P2 is ward W3 exactly: a count suppressed in one is suppressed in the other,
    and P1 (W1 and W2) cannot be differenced against its wards either."""
    parish_of = {"W1": "P1", "W2": "P1", "W3": "P2"}
    cells = {(w, c): 20 for w in parish_of for c in CATEGORIES}
    cells["W3", "a"] = 4
    table = counts(cells, parish_of=parish_of)
    rule = Rule(rounding=1)
    wards, parishes = protect(table, rule, title="T", description="D.").tables
    ward_rows = {labels[0]: values for labels, values in wards.rows}
    parish_rows = {labels[0]: values for labels, values in parishes.rows}
    assert ward_rows["W3"][0] is None
    assert parish_rows["P2"][0] is None
    # the same persons: whatever one shows, the other shows, so neither gives the other away
    assert [v is None for v in ward_rows["W3"]] == [v is None for v in parish_rows["P2"]]
    assert check_counts("d", table, [wards, parishes], rule) == []


def test_a_parish_that_is_a_ward_and_a_few_more_hides_the_few() -> None:
    """P1 is W1 and the three persons of W2 (a sliver): publishing both W1 and P1 exactly
    would count W2's three by differencing, even with W2's own cells suppressed."""
    parish_of = {"W1": "P1", "W2": "P1", "W3": "P2", "W4": "P2"}
    cells = {("W1", c): 30 for c in CATEGORIES} | {("W2", "a"): 3} | {
        ("W3", c): 25 for c in CATEGORIES} | {("W4", c): 25 for c in CATEGORIES}
    table = counts(cells, parish_of=parish_of)
    rule = Rule(rounding=1)
    system = build_system(table.units, table.layout)
    assert any("not in ward W1" in s for s in system.slivers.values())
    wards, parishes = protect(table, rule, title="T", description="D.").tables
    assert check_counts("d", table, [wards, parishes], rule) == []
    parish_rows = {labels[0]: values for labels, values in parishes.rows}
    assert parish_rows["P1"] == (33, 30, 30, 93)  # shown, as W1's "a" and total are not
    # show W1 exactly as well, and P1 less W1 counts W2's three: the check names the sliver
    exposed = Table(wards.key, wards.title, wards.description, wards.labels, wards.measures,
                    tuple(((row,), (30, 30, 30, 90)) if row == "W1" else ((row,), values)
                          for (row,), values in wards.rows), person_derived=True)
    problems = check_counts("d", table, [exposed, parishes], rule)
    assert any(p.table == "slivers" and p.row == "in parish P1 and not in ward W1"
               and "between 3 and 3" in p.what for p in problems), problems
    assert any(p.table == "by-ward" and p.row == "W2" and p.column == "a" for p in problems)


def test_the_check_names_the_dataset_table_row_and_column_of_each_problem() -> None:
    cells = {(f"W{i}", c): 12 + i for i in range(4) for c in CATEGORIES}
    cells["W2", "b"] = 2
    table = counts(cells)
    rule = Rule(rounding=1)
    [published] = protect(table, rule, title="T", description="D.").tables
    assert check_counts("asc", table, [published], rule) == []
    rows = [(labels, tuple(2 if (labels[0], c) == ("W2", "b") else v
                           for c, v in zip(published.measures, values, strict=True)))
            for labels, values in published.rows]
    shown = Table(published.key, published.title, published.description, published.labels,
                  published.measures, tuple(rows), person_derived=True)
    problems = check_counts("asc", table, [shown], rule)
    small = [p for p in problems if "below 10" in p.what]
    assert [(p.dataset, p.table, p.row, p.column) for p in small] == [
        ("asc", "by-ward", "W2", "b")]
    assert "dataset asc, table by-ward, row 'W2', column 'b'" in str(small[0])


def test_a_count_not_rounded_is_refused() -> None:
    table = counts({("W1", c): 20 for c in CATEGORIES} | {("W2", c): 20 for c in CATEGORIES})
    rule = Rule()
    [published] = protect(table, rule, title="T", description="D.").tables
    rows = tuple(((labels[0],), (21, *values[1:])) if labels[0] == "W1" else (labels, values)
                 for labels, values in published.rows)
    shown = Table(published.key, published.title, published.description, published.labels,
                  published.measures, rows, person_derived=True)
    [problem] = check_counts("d", table, [shown], rule)
    assert problem.row == "W1" and "rounded to the nearest 5" in problem.what


def test_a_small_change_since_an_exact_release_is_suppressed() -> None:
    """Last time W1 "a" was published exactly as 20; now it is 22: showing 22 would count
    the two who moved in, so it is suppressed (with its complements), and a table that shows
    it is refused."""
    before = {(f"W{i}", c): 20 for i in range(3) for c in CATEGORIES}
    now = {**before, ("W1", "a"): 22}
    rule = Rule(rounding=1)
    old = counts(before)
    previous = {c: frozenset({v}) for c, v in build_system(old.units, old.layout).values.items()}
    table = counts(now)
    system = build_system(table.units, table.layout)
    assert ("ward", "W1", "a") in moved(system, rule, previous)
    [published] = protect(table, rule, title="T", description="D.", previous=previous).tables
    assert dict((labels[0], v) for labels, v in published.rows)["W1"][0] is None
    assert check_counts("d", table, [published], rule, previous=previous) == []
    [plain] = protect(table, rule, title="T", description="D.").tables
    problems = check_counts("d", table, [plain], rule, previous=previous)
    assert any(p.row == "W1" and p.column == "a" and "had 20 (a difference of 2)" in p.what
               for p in problems), problems
    # rounded releases are not exact, so nothing moved in the rule's sense
    assert moved(system, Rule(), previous) == frozenset()


def _earlier(*releases: dict[tuple[str, str], int]) -> dict[tuple[str, ...], frozenset[int]]:
    """What ``releases.previous_counts`` gives after these exact releases, none suppressed."""
    found: dict[tuple[str, ...], set[int]] = {}
    for cells in releases:
        made = counts(cells)
        for cell, value in build_system(made.units, made.layout).values.items():
            found.setdefault(cell, set()).add(value)
    return {cell: frozenset(values) for cell, values in found.items()}


def test_a_new_exact_release_is_differenced_with_every_earlier_exact_one() -> None:
    """W1 "a" was 20 in exact release A and 35 in exact release B; now it is 22. Against B
    alone (a change of 13) it could be shown, but 22 less A's 20 counts the two who moved in:
    ``protect`` suppresses it, and the check refuses a table that shows it, naming A's 20."""
    a = {(f"W{i}", c): 20 for i in range(3) for c in CATEGORIES}
    b, c = {**a, ("W1", "a"): 35}, {**a, ("W1", "a"): 22}
    rule = Rule(rounding=1)
    previous = _earlier(a, b)
    assert previous["ward", "W1", "a"] == frozenset({20, 35})
    table = counts(c)
    system = build_system(table.units, table.layout)
    assert moved(system, rule, _earlier(b)) == frozenset()  # the latest alone misses it
    assert ("ward", "W1", "a") in moved(system, rule, previous)
    [published] = protect(table, rule, title="T", description="D.", previous=previous).tables
    shown = dict((labels[0], v) for labels, v in published.rows)
    assert shown["W1"][0] is None and shown["W0"][0] == 20
    assert check_counts("d", table, [published], rule, previous=previous) == []
    [plain] = protect(table, rule, title="T", description="D.", previous=_earlier(b)).tables
    assert check_counts("d", table, [plain], rule, previous=_earlier(b)) == []
    problems = {(p.row, p.column): p.what for p in check_counts(
        "d", table, [plain], rule, previous=previous) if "earlier exact release" in p.what}
    # the cell and the totals it is in (60, then 75, now 62) all moved by two since A
    assert set(problems) == {("W1", "a"), ("W1", TOTAL), (TOTAL, "a"), (TOTAL, TOTAL)}
    assert "shown exactly as 22, and an earlier exact release had 20 (a difference of 2)" in (
        problems["W1", "a"])


def test_differential_privacy_records_its_epsilon_and_keeps_totals_consistent() -> None:
    pytest.importorskip("opendp")
    random.seed(3)
    cells = {(f"W{i}", c): random.randint(0, 40) for i in range(5) for c in CATEGORIES}
    protected = protect(counts(cells), Rule(), title="T", description="D.", epsilon=0.5)
    [table] = protected.tables
    assert table.epsilon == pytest.approx(0.5)
    assert protected.epsilon == pytest.approx(0.5)
    for _labels, values in table.rows:
        assert all(isinstance(v, int) and v >= 0 for v in values)
        assert sum(values[:-1]) == values[-1]  # type: ignore[arg-type]
    assert check_counts("d", counts(cells), [table], Rule()) == []
