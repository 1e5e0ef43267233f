"""What every dashboard is made of: tables of counts over groups, with small counts already
suppressed, so the chart, the table under it and its CSV download all show the same figures
and none of them can show a count the disclosure rule holds back.

The rule (``Disclosure``): a count from 1 to ``threshold - 1`` is shown as ``<threshold``
(``<5`` by default), and so is a count of events (contacts, visits) that fewer than
``threshold`` persons or households are behind, since five contacts may all be one person's.
A true zero is shown: it names no one (Ofqual's rounding policy keeps zeros too). A money
figure is held back with the count it is made from. This is primary suppression only: full
disclosure control (rounding, differencing across tables) is the open-data work's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from joinedup.errors import BadInput

COUNT, GBP = "count", "gbp"
CHARTS = ("bars", "stacked", "columns", "lines")
"""How a table is drawn (``dashboards.charts``): horizontal bars per row, bars stacked across
the measures, columns over time, or one line per series over time."""


@dataclass(frozen=True)
class Disclosure:
    """How small a count may be shown: at least ``threshold`` (and never below 2, which would
    show single persons)."""

    threshold: int = 5

    def __post_init__(self) -> None:
        if self.threshold < 2:
            raise BadInput(f"the disclosure threshold must be at least 2 (a count of one "
                           f"is a person), not {self.threshold}")

    @property
    def shown_as(self) -> str:
        return f"<{self.threshold}"

    def count(self, value: int, behind: int | None = None) -> int | None:
        """``value``, or None where it is held back; ``behind`` is how many persons (or
        households) an event count is made of."""
        if 0 < value < self.threshold or (behind is not None and 0 < behind < self.threshold):
            return None
        return value


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str = COUNT


@dataclass(frozen=True)
class Row:
    labels: tuple[str, ...]
    values: tuple[int | float | None, ...]
    """One per measure; None where the disclosure rule holds the figure back."""


@dataclass(frozen=True)
class Table:
    """One chart's figures: rows labelled by ``labels`` (a ward; a month and a service), one
    value per measure."""

    key: str
    """The chart's id on the page and its CSV file name."""
    title: str
    description: str
    """How the figures were counted, in a sentence: the chart's ``<desc>``."""
    labels: tuple[str, ...]
    measures: tuple[Measure, ...]
    rows: tuple[Row, ...]
    chart: str
    plotted: tuple[int, ...]
    """The measures the chart draws, by index (the table under it shows them all)."""
    shown_as: str
    """What a held-back value reads as (``<5``)."""

    def __post_init__(self) -> None:
        assert self.chart in CHARTS, self.chart
        assert all(0 <= i < len(self.measures) for i in self.plotted)
        assert self.plotted or not self.measures, self.key
        assert all(len(r.labels) == len(self.labels) and len(r.values) == len(self.measures)
                   for r in self.rows), self.key

    def text(self, value: int | float | None, measure: Measure) -> str:
        """A value as the page and the CSV show it: ``1234``, ``1234.50`` (pounds), ``<5``."""
        if value is None:
            return self.shown_as
        return f"{value:.2f}" if measure.unit == GBP else str(int(value))

    def csv(self) -> str:
        """The table as CSV: a header of labels and measures, then a line per row."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow((*self.labels, *(m.name for m in self.measures)))
        for row in self.rows:
            writer.writerow((*row.labels, *(self.text(v, m)
                                            for v, m in zip(row.values, self.measures,
                                                            strict=True))))
        return out.getvalue()


@dataclass(frozen=True)
class Dashboard:
    """One dashboard as an analyst sees it: its tables and what they were counted from."""

    name: str
    title: str
    tables: tuple[Table, ...]
    sources: tuple[str, ...]
    """The sources counted: those an agreement in force shares with the analyst for
    analytics (or their own agency's)."""
    withheld: tuple[str, ...]
    """Sources left out for want of such an agreement: named, so nobody reads a part as the
    whole."""
    agreements: tuple[str, ...]
    threshold: int
    notes: tuple[str, ...]
    """How the figures were made (what a visit is, how fortnights fall), in sentences."""
    made_at: datetime

    def table(self, key: str) -> Table:
        """The chart ``key`` (one of those ``dashboard`` was asked to download)."""
        return {t.key: t for t in self.tables}[key]


def table_of(key: str, title: str, description: str, labels: Sequence[str],
             measures: Sequence[Measure], rows: Sequence[Row], *, chart: str,
             disclosure: Disclosure, plotted: Sequence[str] | None = None) -> Table:
    """A table whose held-back values read as ``disclosure`` shows them; ``plotted`` names
    the measures its chart draws (all of them if not given)."""
    names = [m.name for m in measures]
    drawn = tuple(range(len(names))) if plotted is None else tuple(names.index(p)
                                                                     for p in plotted)
    return Table(key, title, description, tuple(labels), tuple(measures), tuple(rows), chart,
                 drawn, disclosure.shown_as)
