"""``protect``: a person-derived dataset's counts to the tables that may be published.

Without differential privacy: primary suppression of small counts (and of counts that differ
by a small amount from their true count in any earlier release that published them exactly),
secondary suppression until no suppressed count nor sliver between geographies can be worked
out (``secondary``), then rounding, every total from its own true value. With it
(``epsilon``): OpenDP's noise on the inner counts, totals summed from them (``privacy``).
"""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.opendata import privacy
from joinedup.opendata.disclosure import (
    TOTAL,
    Cell,
    Earlier,
    Rule,
    System,
    build_system,
    moved,
    primary,
    sensitive,
)
from joinedup.opendata.secondary import suppress
from joinedup.opendata.tables import Counts, Table, Value


@dataclass(frozen=True)
class Protected:
    tables: tuple[Table, ...]
    truth: dict[str, dict[Cell, int]]
    """The true count of every cell, by table: kept in the store, never published."""
    epsilon: float | None


def table_key(geography: str) -> str:
    return f"by-{geography}"


def _published(system: System, rule: Rule, previous: Earlier | None
               ) -> dict[Cell, Value]:
    small = primary(system, rule)
    movers = moved(system, rule, previous)
    gone = suppress(system, rule, small | movers, sensitive(system, rule, movers))
    return {c: None if c in gone else rule.rounded(system.values[c])
            for c in system.table_cells()}


def _noisy(system: System, counts: Counts, epsilon: float) -> tuple[dict[Cell, Value], float]:
    layout = counts.layout
    found: dict[Cell, Value] = {}
    spent = 0.0
    for g, geo in enumerate(layout.geographies):
        inner = [(geo, row, c) for row in layout.rows[g] for c in layout.categories]
        noisy, cost = privacy.noisy_counts([system.values[c] for c in inner], epsilon)
        spent += cost
        found.update(zip(inner, noisy, strict=True))
        for row in layout.rows[g]:
            found[geo, row, TOTAL] = sum(int(found[geo, row, c] or 0)
                                         for c in layout.categories)
        for column in layout.columns:
            found[geo, TOTAL, column] = sum(int(found[geo, row, column] or 0)
                                            for row in layout.rows[g])
    return found, spent


def protect(counts: Counts, rule: Rule, *, title: str, description: str,
            previous: Earlier | None = None, epsilon: float | None = None
            ) -> Protected:
    """The tables of ``counts``, one per geography, as they may be published; ``previous``,
    the true counts of the earlier exact releases (``releases.previous_counts``)."""
    system = build_system(counts.units, counts.layout)
    spent: float | None = None
    if epsilon is None:
        values = _published(system, rule, previous)
    else:
        values, spent = _noisy(system, counts, epsilon)
    layout = counts.layout
    tables, truth = [], {}
    for g, geo in enumerate(layout.geographies):
        key = table_key(geo)
        rows = tuple(((row,), tuple(values[geo, row, c] for c in layout.columns))
                     for row in (*layout.rows[g], TOTAL))
        tables.append(Table(key, f"{title}, by {geo}",
                            f"{description} {counts.unit.capitalize()} by {counts.category} "
                            f"in each {geo}, with totals.", (geo,), layout.columns, rows,
                            person_derived=True,
                            epsilon=None if spent is None else spent / len(layout.geographies)))
        truth[key] = {c: system.values[c] for c in layout.cells(g)}
    return Protected(tuple(tables), truth, spent)
