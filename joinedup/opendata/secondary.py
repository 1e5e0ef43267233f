"""Secondary suppression: no suppressed cell (nor sliver) may be worked out from what is
published, by anyone who solves the tables' relations as a linear programme.

``intervals`` is the attack: for a cell, the smallest and largest value it can take given the
published cells (each exact, or the interval its rounding leaves), every relation between
cells, and that counts are not negative (``scipy.optimize.linprog``, HiGHS). A cell is
*protected* when that interval spans at least the threshold, so nobody can tell a 3 from a
zero, nor from a count big enough to be published.

``suppress`` audits and repairs: while a sensitive cell is not protected, it suppresses one
more published cell next to it (in a relation with it, or with a cell already suppressed
beside it), choosing an inner cell before a total and the smallest count first, so the least
is lost. Suppressing a cell only widens every interval, so a protected cell stays protected
and each round re-checks only the cells that were not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog

from joinedup.opendata.disclosure import TOTAL, Cell, Rule, System

Bounds = tuple[float, float]


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    """``inf`` when nothing bounds the cell from above."""

    @property
    def width(self) -> float:
        return self.high - self.low

    def protects(self, threshold: int) -> bool:
        return self.width >= threshold - 1e-6


class _Groups:
    """The free cells (those not published exactly), the relations between them with the
    published cells' values moved to the right-hand side, and which free cells are linked
    through relations: an attack on a cell needs only its own group."""

    def __init__(self, system: System, known: Mapping[Cell, Bounds]) -> None:
        self.known = known
        self.fixed = {c: b[0] for c, b in known.items() if b[0] == b[1]}
        self.free = [c for c in system.values if c not in self.fixed]
        self.index = {c: i for i, c in enumerate(self.free)}
        parent = list(range(len(self.free)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        rows: list[tuple[dict[int, float], float]] = []
        for left, right in system.relations:
            coefficients: dict[int, float] = defaultdict(float)
            constant = 0.0
            for cells, sign in ((left, 1.0), (right, -1.0)):
                for c in cells:
                    if c in self.index:
                        coefficients[self.index[c]] += sign
                    else:
                        constant -= sign * self.fixed[c]
            variables = [i for i, v in coefficients.items() if v]
            if not variables:
                continue
            for i in variables[1:]:
                parent[find(i)] = find(variables[0])
            rows.append(({i: coefficients[i] for i in variables}, constant))
        self.group = [find(i) for i in range(len(self.free))]
        self.members: dict[int, list[int]] = defaultdict(list)
        for i, g in enumerate(self.group):
            self.members[g].append(i)
        self.rows: dict[int, list[tuple[dict[int, float], float]]] = defaultdict(list)
        for row in rows:
            self.rows[self.group[next(iter(row[0]))]].append(row)

    def system(self, group: int) -> tuple[list[int], sparse.csr_array | None, NDArray[Any],
                                         list[tuple[float, float | None]]]:
        members = self.members[group]
        local = {v: k for k, v in enumerate(members)}
        rows = self.rows[group]
        a_eq = None
        if rows:
            entries = [(r, local[i], value) for r, (coefficients, _c) in enumerate(rows)
                       for i, value in coefficients.items()]
            r, c, v = zip(*entries, strict=True)
            a_eq = sparse.csr_array((v, (r, c)), shape=(len(rows), len(members)))
        b_eq = np.array([constant for _c, constant in rows])
        bounds: list[tuple[float, float | None]] = [
            self.known.get(self.free[i], (0.0, None)) for i in members]
        return members, a_eq, b_eq, bounds

    def interval(self, cell: Cell) -> Interval:
        if cell in self.fixed:
            return Interval(self.fixed[cell], self.fixed[cell])
        return _Attack(self, self.group[self.index[cell]]).interval(self.index[cell])


class _Attack:
    """Linear programmes over one group. Every solution is a feasible point, and the lowest
    and highest value each cell takes over the solutions found bound its interval from
    inside, so a few solutions can show many cells wide enough without solving for each."""

    def __init__(self, groups: _Groups, group: int) -> None:
        self.members, self.a_eq, self.b_eq, self.bounds = groups.system(group)
        self.local = {v: j for j, v in enumerate(self.members)}
        self.low = np.full(len(self.members), np.inf)
        self.high = np.full(len(self.members), -np.inf)

    def run(self, objective: NDArray[np.float64]) -> float | None:
        """The minimum of ``objective``; None when it is unbounded below."""
        result = linprog(objective, A_eq=self.a_eq,
                         b_eq=self.b_eq if self.a_eq is not None else None,
                         bounds=self.bounds, method="highs")
        if result.status == 3:
            return None
        assert result.status == 0, result.message
        self.low = np.minimum(self.low, result.x)
        self.high = np.maximum(self.high, result.x)
        return float(result.fun)

    def objective(self, free: Iterable[int], sign: float) -> NDArray[np.float64]:
        found = np.zeros(len(self.members))
        for i in free:
            found[self.local[i]] = sign
        return found

    def seen_wide(self, free: int, threshold: int) -> bool:
        j = self.local[free]
        return bool(self.high[j] - self.low[j] >= threshold - 1e-6)

    def interval(self, free: int) -> Interval:
        low = self.run(self.objective([free], 1.0))
        high = self.run(self.objective([free], -1.0))
        assert low is not None  # counts are not negative
        return Interval(low, float("inf") if high is None else -high)


def intervals(system: System, known: Mapping[Cell, Bounds], targets: Iterable[Cell]
              ) -> dict[Cell, Interval]:
    """What an attacker can work out about each target: the range of values it can take,
    given ``known`` (published cells, each between its bounds), the relations, and that no
    count is negative. Only the relations linked to a target are solved."""
    groups = _Groups(system, known)
    return {c: groups.interval(c) for c in targets}


def unprotected(system: System, known: Mapping[Cell, Bounds], targets: Iterable[Cell],
                threshold: int) -> dict[Cell, Interval]:
    """The targets an attacker can narrow to an interval less than ``threshold`` wide, with
    those intervals: the same attack as ``intervals``, solved for a cell only when the
    solutions found so far in its group do not already show it wide enough."""
    groups = _Groups(system, known)
    by_group: dict[int, list[Cell]] = defaultdict(list)
    failing = {}
    for cell in targets:
        if cell in groups.fixed:
            failing[cell] = groups.interval(cell)
        else:
            by_group[groups.group[groups.index[cell]]].append(cell)
    for group, cells in by_group.items():
        attack = _Attack(groups, group)
        free = [groups.index[c] for c in cells]
        attack.run(attack.objective(free, 1.0))  # all as low as they can be together
        attack.run(attack.objective(free, -1.0))  # and as high
        for cell, i in zip(cells, free, strict=True):
            if not attack.seen_wide(i, threshold) and not (
                    found := attack.interval(i)).protects(threshold):
                failing[cell] = found
    return failing


def exact(system: System, suppressed: Iterable[Cell]) -> dict[Cell, Bounds]:
    """The published cells at their true values: the strongest attacker, so cells protected
    against it are protected against the rounded ones too."""
    gone = set(suppressed) | system.hidden
    return {c: (float(v), float(v)) for c, v in system.values.items() if c not in gone}


def _cost(system: System, cell: Cell) -> tuple[bool, bool, int]:
    value = system.values[cell]
    return TOTAL in cell[1:], value == 0, value


def _complement(system: System, start: Cell, unknown: set[Cell],
                near: Mapping[Cell, list[int]]) -> Cell | None:
    """The cheapest published cell linked to ``start`` through relations and unknown cells."""
    seen, frontier = {start}, [start]
    while frontier:
        candidates: set[Cell] = set()
        reached: list[Cell] = []
        for cell in frontier:
            for r in near[cell]:
                left, right = system.relations[r]
                for other in (*left, *right):
                    if other in seen:
                        continue
                    seen.add(other)
                    if other in unknown:
                        reached.append(other)
                    else:
                        candidates.add(other)
        if candidates:
            return min(candidates, key=lambda c: (_cost(system, c), c))
        frontier = reached
    return None


def _no_singletons(system: System, suppressed: set[Cell], secret: set[Cell]) -> None:
    """Give every suppressed (or secret hidden) cell a partner in each of its relations: a
    cell alone unknown in a row, a column or a nesting is that relation's difference, so the
    cheapest published cell of the relation goes too, until none is alone. Cheap, and most of
    what the linear programmes would find."""
    changed = True
    while changed:
        changed = False
        for left, right in system.relations:
            cells = (*left, *right)
            unknown = [c for c in cells if c in suppressed or c in system.hidden]
            if len(unknown) != 1 or not (unknown[0] in suppressed or unknown[0] in secret):
                continue
            published = [c for c in cells if c not in suppressed and c not in system.hidden]
            if published:
                suppressed.add(min(published, key=lambda c: (_cost(system, c), c)))
                changed = True


def suppress(system: System, rule: Rule, primary: Iterable[Cell],
             sensitive: Iterable[Cell]) -> frozenset[Cell]:
    """The published cells to suppress (``primary`` and their complements) so that every
    ``sensitive`` cell is protected against the exact attacker."""
    pending = set(sensitive)
    suppressed = set(primary) | (pending - system.hidden)
    _no_singletons(system, suppressed, pending & system.hidden)
    near: dict[Cell, list[int]] = defaultdict(list)
    for r, (left, right) in enumerate(system.relations):
        for cell in (*left, *right):
            near[cell].append(r)
    while pending:
        failing = sorted(unprotected(system, exact(system, suppressed), sorted(pending),
                                     rule.threshold))
        for cell in failing:
            chosen = _complement(system, cell, suppressed | system.hidden, near)
            assert chosen is not None, f"{cell} cannot be protected"
            suppressed.add(chosen)
        pending = set(failing)
    return frozenset(suppressed)
