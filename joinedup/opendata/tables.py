"""The shapes open data takes: a published ``Table`` (what the world sees, a suppressed count
as ``None``, "[c]" in CSV as the GSS guidance writes it), the ``Counts`` a person-derived
dataset is made of before disclosure control, and a published ``Dataset``."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from joinedup.opendata.disclosure import Cell, Layout, Unit

SUPPRESSED = "[c]"
"""How CSV shows a suppressed count: "confidential", in the Government Statistical Service's
shorthand for symbols in tables."""
Value = int | float | None
Row = tuple[tuple[str, ...], tuple[Value, ...]]


@dataclass(frozen=True)
class Table:
    """One published table: label columns (a ward; a month and a ward), then measures."""

    key: str
    title: str
    description: str
    labels: tuple[str, ...]
    measures: tuple[str, ...]
    rows: tuple[Row, ...]
    person_derived: bool
    epsilon: float | None = None
    """The differential privacy budget its counts were released under, if any."""

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.labels, *self.measures)

    def records(self) -> list[dict[str, Any]]:
        """The rows as JSON objects, column by column."""
        return [dict(zip(self.columns, (*labels, *values), strict=True))
                for labels, values in self.rows]

    def suppressed(self) -> int:
        return sum(v is None for _labels, values in self.rows for v in values)


def csv_text(columns: tuple[str, ...], records: list[dict[str, Any]]) -> str:
    """CSV of ``records``, a suppressed count as "[c]"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([SUPPRESSED if record[c] is None else record[c] for c in columns])
    return out.getvalue()


@dataclass(frozen=True)
class Counts:
    """A person-derived dataset before disclosure control: its units (persons or households)
    placed in each geography, by category."""

    units: tuple[Unit, ...]
    layout: Layout
    unit: str
    """What one unit is, in the plural: ``persons``, ``households``."""
    category: str
    """What the columns are: ``age band``, ``agencies``."""


@dataclass(frozen=True)
class Dataset:
    """One dataset of a release, with its DCAT description; ``truth`` (the true counts of its
    person-derived tables) is kept in the store, never published."""

    name: str
    title: str
    description: str
    topic: str
    keywords: tuple[str, ...]
    periodicity: str
    temporal: tuple[date, date] | None
    spatial: str
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    disclosure: str
    """The rule its tables were published under, in words."""
    tables: tuple[Table, ...]
    epsilon: float | None = None
    truth: Mapping[str, Mapping[Cell, int]] = field(default_factory=dict)
    exact: bool = False
    """Whether its person-derived counts were published unrounded (the release-to-release
    differencing check applies to those)."""

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)
