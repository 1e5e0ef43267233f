"""The publication check: every person-derived table of a release is checked against the
rules from the true counts, independently of how ``protect`` made it, and the whole release
is refused (nothing of it written) if any table breaks one.

The rules, and the attack each one stops:

- no count from 1 to ``threshold - 1`` is shown (a small group can be recognised);
- every count shown is the true count rounded to the nearest ``rounding`` (nothing exact
  slips through, nothing made up);
- no suppressed count, nor any sliver between geographies (a parish that is a ward plus a
  few households), can be worked out from what is shown to within ``threshold``: the linear
  programme of ``secondary.intervals`` is solved with each shown count as the interval its
  rounding leaves;
- a count shown exactly may not differ by a small amount from its true count in any earlier
  release that showed it exactly, not only the last (the difference counts the persons who
  moved; exact, rounded, exact again differences the first and the third);
- a table released with differential privacy records its epsilon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from joinedup.errors import BadInput
from joinedup.opendata.disclosure import (
    TOTAL,
    Cell,
    Earlier,
    Rule,
    System,
    build_system,
    close,
    moved,
    sensitive,
)
from joinedup.opendata.protect import table_key
from joinedup.opendata.secondary import unprotected
from joinedup.opendata.tables import Counts, Table, Value


@dataclass(frozen=True)
class Problem:
    dataset: str
    table: str
    row: str
    column: str
    what: str

    def __str__(self) -> str:
        return (f"dataset {self.dataset}, table {self.table}, row {self.row!r}, column "
                f"{self.column!r}: {self.what}")


class DisclosureRefused(BadInput):
    """A release that breaks the disclosure rules; nothing of it was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"publication refused, nothing was published: {len(self.problems)} "
                         f"disclosure {noun}:\n{lines}")


def _shown(counts: Counts, tables: Sequence[Table], dataset: str
           ) -> tuple[dict[Cell, Value], list[Problem]]:
    shown: dict[Cell, Value] = {}
    problems = []
    by_key = {t.key: t for t in tables}
    layout = counts.layout
    for g, geo in enumerate(layout.geographies):
        table = by_key.get(table_key(geo))
        if table is None or table.measures != layout.columns:
            problems.append(Problem(dataset, table_key(geo), "", "", "the table is missing "
                                    "or its columns are not the counts' categories"))
            continue
        rows = {labels[0]: values for labels, values in table.rows}
        for row in (*layout.rows[g], TOTAL):
            if row not in rows:
                problems.append(Problem(dataset, table.key, row, "", "the row is missing"))
                continue
            shown.update(((geo, row, c), v) for c, v in zip(layout.columns, rows[row],
                                                            strict=True))
    return shown, problems


def _where(system: System, cell: Cell) -> tuple[str, str, str]:
    if cell[0] == "~":
        return "slivers", system.slivers.get(cell[1], cell[1]), cell[2]
    return table_key(cell[0]), cell[1], cell[2]


def check_counts(dataset: str, counts: Counts, tables: Sequence[Table], rule: Rule, *,
                 previous: Earlier | None = None) -> list[Problem]:
    """Every way ``tables`` (made from ``counts``) break the rules; empty if none.
    ``previous``: the true counts of the earlier exact releases, every one of them."""
    if tables and all(t.epsilon is not None for t in tables):
        return [Problem(dataset, t.key, "", "", "differential privacy without a positive "
                        "epsilon recorded") for t in tables if not (t.epsilon or 0) > 0]
    system = build_system(counts.units, counts.layout)
    shown, problems = _shown(counts, tables, dataset)
    for cell, value in shown.items():
        true = system.values[cell]
        if value is None:
            continue
        if rule.small(true):
            problems.append(Problem(dataset, *_where(system, cell),
                                    f"shows a count below {rule.threshold}"))
        elif value != rule.rounded(true):
            problems.append(Problem(dataset, *_where(system, cell),
                                    f"shows {value}, which is not the true count rounded to "
                                    f"the nearest {rule.rounding}"))
    movers = moved(system, rule, previous)
    for cell in sorted(movers):
        if shown.get(cell) is not None and previous is not None:
            true = system.values[cell]
            was = ", ".join(f"{v} (a difference of {abs(true - v)})"
                            for v in close(rule, true, previous[cell]))
            problems.append(Problem(dataset, *_where(system, cell),
                                    f"shown exactly as {true}, and an earlier exact release "
                                    f"had {was}, which counts who moved in or out"))
    known = {c: rule.bounds(int(v)) for c, v in shown.items() if v is not None}
    targets = sorted(sensitive(system, rule, movers) - set(known))
    # a cell protected when every shown count is taken as exact is protected when they are
    # the intervals their rounding leaves (a larger feasible set): only the rest need those
    exactly = {c: (float(v), float(v)) for c, v in system.values.items()
               if c not in system.hidden and shown.get(c) is not None}
    doubtful = unprotected(system, exactly, targets, rule.threshold)
    rounded = {c: (float(lo), float(hi)) for c, (lo, hi) in known.items()}
    for cell, found in sorted(unprotected(system, rounded, sorted(doubtful),
                                          rule.threshold).items()):
        problems.append(Problem(
            dataset, *_where(system, cell), f"suppressed, but can be worked out to between "
            f"{found.low:g} and {found.high:g} from the published counts and totals"))
    return problems
