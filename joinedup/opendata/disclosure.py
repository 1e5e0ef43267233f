"""Disclosure control for person-derived tables, pure (no store): the rules, and the linked
cells that a set of published tables makes.

A person-derived dataset is a list of ``Unit`` (a person, a household): the area it is in,
in each geography (ward, parish), and its category (an age band). Each geography gives one
table, areas by categories, with a ``Total`` column and a ``Total`` row. Everything an
attacker can combine is one ``System`` of cells and the linear relations between them:

- within a table, every row sums to its total and every column to its total;
- across geographies, from unit-level membership: an area of one geography is compared with
  the areas of the other that lie mostly inside it. Where they hold exactly the same units the
  relation is exact (a parish made of two wards is their sum, cell by cell); where they differ,
  the units in one and not the other are a *sliver*, cells that are never published but can
  be solved for by differencing (a parish that is a ward plus three households reveals those
  households). Slivers are hidden cells, protected like any small cell.

``Rule`` says what may be shown: a count from 1 to ``threshold - 1`` is suppressed (the
primary suppression), every published count is rounded to the nearest ``rounding`` and totals
are rounded from their own true values, not summed from rounded cells. ``secondary`` then
suppresses more cells until no suppressed cell, nor sliver, can be narrowed by linear
programming to an interval narrower than the threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from joinedup.errors import BadInput

TOTAL = "Total"
Cell = tuple[str, ...]
"""A table cell is ``(geography, row, column)``; a sliver cell ``("~", sliver, column)``."""
Relation = tuple[tuple[Cell, ...], tuple[Cell, ...]]
"""The sum of the cells on the left equals the sum of those on the right."""
Earlier = Mapping[Cell, frozenset[int]]
"""Each cell's true counts in every earlier release that published it exactly (neither rounded,
suppressed nor noised): what a new exact release is differenced against."""


@dataclass(frozen=True)
class Rule:
    """What a person-derived table may show: counts of at least ``threshold`` (never below 2,
    which would show single persons), rounded to the nearest ``rounding``."""

    threshold: int = 10
    rounding: int = 5
    name: str = "threshold"

    def __post_init__(self) -> None:
        if self.threshold < 2:
            raise BadInput(f"the disclosure threshold must be at least 2 (a count of one is "
                           f"a person), not {self.threshold}")
        if self.rounding < 1:
            raise BadInput(f"rounding must be to a whole number of at least 1, not "
                           f"{self.rounding}")

    @classmethod
    def nhs(cls) -> Rule:
        """NHS Digital's sub-national rule: 1 to 7 hidden, everything else rounded to 5."""
        return cls(threshold=8, rounding=5, name="nhs")

    @classmethod
    def named(cls, name: str, threshold: int, rounding: int) -> Rule:
        """``nhs`` (its own numbers) or ``threshold`` (the numbers given)."""
        if name == "nhs":
            return cls.nhs()
        if name != "threshold":
            raise BadInput(f"unknown disclosure rule {name!r}; expected threshold or nhs")
        return cls(threshold, rounding)

    @property
    def exact(self) -> bool:
        """Whether published counts are the true ones (no rounding)."""
        return self.rounding == 1

    def small(self, value: int) -> bool:
        return 0 < value < self.threshold

    def rounded(self, value: int) -> int:
        """``value`` to the nearest multiple of ``rounding``, halves up (2 -> 0, 3 -> 5)."""
        return (value + self.rounding // 2) // self.rounding * self.rounding

    def bounds(self, published: int) -> tuple[int, int]:
        """The true values that round to ``published``."""
        return (max(0, published - self.rounding // 2),
                published + (self.rounding - 1) // 2)

    def describe(self) -> str:
        shown = "exact" if self.exact else f"rounded to the nearest {self.rounding}"
        return (f"counts of 1 to {self.threshold - 1} suppressed, with enough others that no "
                f"suppressed count can be worked out to within {self.threshold}; counts "
                f"{shown}, totals {shown.split(' ')[0]} from their own true values")


@dataclass(frozen=True)
class Unit:
    """One person (or household) counted: its area in each geography, and its category."""

    areas: tuple[str, ...]
    category: str


@dataclass(frozen=True)
class Layout:
    """The tables a dataset's units make: one per geography, with these rows and columns
    (every area of the geography, whether or not a unit is in it)."""

    geographies: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    categories: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.categories, TOTAL)

    def cells(self, g: int) -> list[Cell]:
        geo = self.geographies[g]
        return [(geo, row, column) for row in (*self.rows[g], TOTAL)
                for column in self.columns]


@dataclass(frozen=True)
class System:
    """Every cell a dataset's tables and slivers hold, true values, and their relations."""

    values: Mapping[Cell, int]
    hidden: frozenset[Cell]
    relations: tuple[Relation, ...]
    slivers: Mapping[str, str] = field(default_factory=dict)
    """What each sliver is, in words ("in parish X and not in ward A")."""

    def table_cells(self) -> list[Cell]:
        return [c for c in self.values if c not in self.hidden]


def _check_units(units: Sequence[Unit], layout: Layout) -> None:
    known = [set(rows) for rows in layout.rows]
    categories = set(layout.categories)
    for i, unit in enumerate(units):
        if len(unit.areas) != len(layout.geographies):
            raise BadInput(f"unit {i} has {len(unit.areas)} areas, expected one for each of "
                           f"{', '.join(layout.geographies)}")
        for g, area in enumerate(unit.areas):
            if area not in known[g]:
                raise BadInput(f"unit {i} is in {area!r}, which is not a row of the "
                               f"{layout.geographies[g]} table")
        if unit.category not in categories:
            raise BadInput(f"unit {i} is in category {unit.category!r}, not one of "
                           f"{', '.join(layout.categories)}")


def _table(units: Sequence[Unit], layout: Layout, g: int
           ) -> tuple[dict[Cell, int], list[Relation]]:
    geo = layout.geographies[g]
    counts: dict[Cell, int] = dict.fromkeys(layout.cells(g), 0)
    for unit in units:
        for row in (unit.areas[g], TOTAL):
            for column in (unit.category, TOTAL):
                counts[geo, row, column] += 1
    relations: list[Relation] = []
    for row in (*layout.rows[g], TOTAL):
        relations.append((((geo, row, TOTAL),),
                          tuple((geo, row, c) for c in layout.categories)))
    for column in layout.columns:
        relations.append((((geo, TOTAL, column),),
                          tuple((geo, row, column) for row in layout.rows[g])))
    return counts, relations


def _members(units: Sequence[Unit], g: int) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for i, unit in enumerate(units):
        found[unit.areas[g]].add(i)
    return found


def build_system(units: Sequence[Unit], layout: Layout) -> System:
    """The tables of ``units`` and every relation between their cells (see the module)."""
    _check_units(units, layout)
    values: dict[Cell, int] = {}
    relations: list[Relation] = []
    for g in range(len(layout.geographies)):
        counts, within = _table(units, layout, g)
        values.update(counts)
        relations.extend(within)
    slivers: dict[frozenset[int], str] = {}
    described: dict[str, str] = {}
    hidden: set[Cell] = set()

    def sliver(members: set[int], what: str) -> str:
        key = frozenset(members)
        if key not in slivers:
            name = slivers[key] = f"s{len(slivers) + 1}"
            described[name] = what
            for column in layout.columns:
                values["~", name, column] = sum(
                    1 for i in members if column in (TOTAL, units[i].category))
                hidden.add(("~", name, column))
            relations.append(((("~", name, TOTAL),),
                              tuple(("~", name, c) for c in layout.categories)))
        return slivers[key]

    for a in range(len(layout.geographies)):
        for b in range(len(layout.geographies)):
            if a == b:
                continue
            inside_a, inside_b = _members(units, a), _members(units, b)
            for area, members in inside_b.items():
                parts = [name for name, m in inside_a.items() if 2 * len(m & members) > len(m)]
                if not parts:
                    continue
                union = set().union(*(inside_a[p] for p in parts))
                extra, missing = members - union, union - members
                geo_a, geo_b = layout.geographies[a], layout.geographies[b]
                wards = f"{geo_a} {', '.join(parts)}"
                left = [sliver(missing, f"in {wards} and not in {geo_b} {area}")
                        ] if missing else []
                right = [sliver(extra, f"in {geo_b} {area} and not in {wards}")
                         ] if extra else []
                for column in layout.columns:
                    relations.append((
                        ((layout.geographies[b], area, column),
                         *(("~", s, column) for s in left)),
                        (*((layout.geographies[a], p, column) for p in parts),
                         *(("~", s, column) for s in right))))
    return System(values, frozenset(hidden), tuple(dict.fromkeys(relations)), described)


def primary(system: System, rule: Rule) -> frozenset[Cell]:
    """The published cells whose true count is small: suppressed whatever else happens."""
    return frozenset(c for c in system.table_cells() if rule.small(system.values[c]))


def close(rule: Rule, value: int, earlier: Iterable[int]) -> list[int]:
    """The earlier exact counts that ``value`` differs from by a small amount, in order."""
    return sorted(v for v in earlier if rule.small(abs(value - v)))


def moved(system: System, rule: Rule, previous: Earlier | None) -> frozenset[Cell]:
    """Cells that would be published exactly now, whose true count differs by a small amount
    from their true count in any earlier release that published them exactly: the difference
    would count the persons who moved in or out. Every earlier exact release, not only the
    last, since an attacker can difference any two (``previous`` is empty when no exact
    release came before, or None)."""
    if not previous or not rule.exact:
        return frozenset()
    return frozenset(c for c in system.table_cells()
                     if close(rule, system.values[c], previous.get(c, ())))


def sensitive(system: System, rule: Rule, extra: Iterable[Cell] = ()) -> frozenset[Cell]:
    """Cells no one may be able to work out: small published cells, small slivers, and
    ``extra`` (the cells ``moved`` finds)."""
    return frozenset({c for c, v in system.values.items() if rule.small(v)} | set(extra))
