"""The differencing check between releases reads every earlier exact release from the store,
on SQLite and PostgreSQL: releases made by ``protect`` and written by ``releases.save``, then
``releases.previous_counts`` for the next one, as ``publish`` does."""

from __future__ import annotations

from sqlalchemy import Engine
from test_disclosure import CATEGORIES, counts
from world import ANALYST, NOW

from joinedup.opendata import releases
from joinedup.opendata.check import check_counts
from joinedup.opendata.disclosure import TOTAL, Rule
from joinedup.opendata.protect import protect
from joinedup.opendata.tables import Dataset, Table

NAME = "cared-for"
EXACT, ROUNDED = Rule(rounding=1), Rule()
EVEN = {(f"W{i}", c): 20 for i in range(3) for c in CATEGORIES}


def release(engine: Engine, cells: dict[tuple[str, str], int], rule: Rule) -> Table:
    """Protect ``cells`` against the store's earlier exact releases and save them as the next
    release; its one table, as published."""
    with engine.begin() as c:
        previous = releases.previous_counts(c).get(NAME)
        protected = protect(counts(cells), rule, title="T", description="D.",
                            previous=previous)
        releases.save(c, [Dataset(NAME, "T", "D.", "social-care", (), "monthly", None, "",
                                  (), ("asc_clients",), rule.describe(), protected.tables,
                                  truth=protected.truth, exact=rule.exact)],
                      actor=ANALYST, rule={"rounding": rule.rounding}, audit_seq=1, now=NOW)
    [table] = protected.tables
    return table


def shown(table: Table, row: str, column: str) -> int | None:
    return dict((labels[0], values) for labels, values in table.rows)[row][
        table.measures.index(column)]


def earlier(engine: Engine) -> dict[tuple[str, ...], frozenset[int]]:
    with engine.connect() as c:
        return releases.previous_counts(c)[NAME]


def test_exact_then_rounded_then_exact_is_differenced_with_the_first(engine: Engine) -> None:
    """A (exact, W1 "a" 20), B (rounded, 27), C (exact, 22): B's rounding does not end the
    history, so C is checked against A, and its 22 (two who moved in) is not shown."""
    a = release(engine, {**EVEN, ("W2", "b"): 3}, EXACT)
    assert shown(a, "W2", "b") is None
    release(engine, {**EVEN, ("W1", "a"): 27}, ROUNDED)
    previous = earlier(engine)
    # only A's truths, and only of the cells A showed: B rounded, A suppressed W2 "b"
    assert previous["ward", "W1", "a"] == frozenset({20})
    assert all(("ward", labels[0], column) not in previous
               for labels, values in a.rows
               for column, value in zip(a.measures, values, strict=True) if value is None)
    now = {**EVEN, ("W1", "a"): 22}
    [plain] = protect(counts(now), EXACT, title="T", description="D.").tables
    refused = check_counts(NAME, counts(now), [plain], EXACT, previous=previous)
    assert any((p.row, p.column) == ("W1", "a") and "had 20 (a difference of 2)" in p.what
               for p in refused), refused
    c = release(engine, now, EXACT)
    assert shown(c, "W1", "a") is None and shown(c, "W0", "a") == 20
    assert check_counts(NAME, counts(now), [c], EXACT, previous=previous) == []


def test_twenty_then_thirty_five_then_twenty_two_suppresses_the_twenty_two(
        engine: Engine) -> None:
    """Exact releases of 20, then 35 (a change of 15: shown), then 22: two from the 35 is no
    small change, but 22 less the first release's 20 counts two persons."""
    release(engine, EVEN, EXACT)
    b = release(engine, {**EVEN, ("W1", "a"): 35}, EXACT)
    assert shown(b, "W1", "a") == 35
    assert earlier(engine)["ward", "W1", "a"] == frozenset({20, 35})
    c = release(engine, {**EVEN, ("W1", "a"): 22}, EXACT)
    assert shown(c, "W1", "a") is None and shown(c, "W1", TOTAL) is None
    assert shown(c, "W0", "a") == 20
    after = earlier(engine)
    # C's suppressed cells add nothing an attacker could difference; its shown ones do
    assert after["ward", "W1", "a"] == frozenset({20, 35})
    assert after["ward", "W0", "a"] == frozenset({20})
