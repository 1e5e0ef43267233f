"""Releases in the store: each publication of every dataset, its tables' published cells, and
(apart, never served) the true counts behind them, for the differencing check of every later
release.

The public API and pages read only ``latest`` and ``listing``: what was published, as it was
published. Nothing here reads a person table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from joinedup.govern.vocabulary import Actor
from joinedup.opendata.disclosure import Cell
from joinedup.opendata.tables import Dataset, Table
from joinedup.store.schema import (
    opendata_dataset,
    opendata_release,
    opendata_row,
    opendata_table,
    opendata_truth,
)


@dataclass(frozen=True)
class Release:
    id: int
    released_at: datetime
    released_by: str
    organisation: str
    rule: dict[str, Any]
    audit_seq: int
    datasets: tuple[Dataset, ...]

    def dataset(self, name: str) -> Dataset | None:
        return next((d for d in self.datasets if d.name == name), None)


def _describe(d: Dataset) -> str:
    return json.dumps({
        "title": d.title, "description": d.description, "topic": d.topic,
        "keywords": list(d.keywords), "periodicity": d.periodicity,
        "temporal": None if d.temporal is None else [t.isoformat() for t in d.temporal],
        "spatial": d.spatial, "notes": list(d.notes), "sources": list(d.sources),
        "disclosure": d.disclosure, "epsilon": d.epsilon, "exact": d.exact}, sort_keys=True)


def save(connection: Connection, datasets: Sequence[Dataset], *, actor: Actor,
         rule: dict[str, Any], audit_seq: int, now: datetime) -> int:
    """Write a release in the caller's transaction; its id."""
    release_id = int(connection.execute(insert(opendata_release).values(
        released_at=now, released_by=actor.user, organisation=actor.organisation,
        role=str(actor.role), rule=json.dumps(rule, sort_keys=True), audit_seq=audit_seq)
        .returning(opendata_release.c.id)).scalar_one())
    for d in datasets:
        dataset_id = connection.execute(insert(opendata_dataset).values(
            release_id=release_id, name=d.name, description=_describe(d))
            .returning(opendata_dataset.c.id)).scalar_one()
        for t in d.tables:
            table_id = connection.execute(insert(opendata_table).values(
                dataset_id=dataset_id, key=t.key, title=t.title, description=t.description,
                columns=json.dumps(list(t.columns)), labels=len(t.labels),
                person_derived=t.person_derived, epsilon=t.epsilon)
                .returning(opendata_table.c.id)).scalar_one()
            if t.rows:
                connection.execute(insert(opendata_row), [
                    {"table_id": table_id, "position": i,
                     "cells": json.dumps([*labels, *values])}
                    for i, (labels, values) in enumerate(t.rows)])
            if t.key in d.truth:
                connection.execute(insert(opendata_truth).values(
                    table_id=table_id, counts=json.dumps(
                        [[*cell, value] for cell, value in d.truth[t.key].items()])))
    return release_id


def _dataset(name: str, description: str, tables: tuple[Table, ...]) -> Dataset:
    about = json.loads(description)
    temporal = about["temporal"]
    return Dataset(name, about["title"], about["description"], about["topic"],
                   tuple(about["keywords"]), about["periodicity"],
                   None if temporal is None else (date.fromisoformat(temporal[0]),
                                                  date.fromisoformat(temporal[1])),
                   about["spatial"], tuple(about["notes"]), tuple(about["sources"]),
                   about["disclosure"], tables, about["epsilon"], exact=about["exact"])


def _tables(connection: Connection, dataset_ids: Sequence[int]) -> dict[int, list[Table]]:
    found: dict[int, list[Table]] = {i: [] for i in dataset_ids}
    tables = connection.execute(select(opendata_table)
                                .where(opendata_table.c.dataset_id.in_(dataset_ids))
                                .order_by(opendata_table.c.id)).all()
    rows: dict[int, list[Any]] = {t.id: [] for t in tables}
    if tables:
        for r in connection.execute(select(opendata_row)
                                    .where(opendata_row.c.table_id.in_(list(rows)))
                                    .order_by(opendata_row.c.table_id,
                                              opendata_row.c.position)):
            rows[r.table_id].append(json.loads(r.cells))
    for t in tables:
        columns = json.loads(t.columns)
        found[t.dataset_id].append(Table(
            t.key, t.title, t.description, tuple(columns[:t.labels]),
            tuple(columns[t.labels:]),
            tuple((tuple(c[:t.labels]), tuple(c[t.labels:])) for c in rows[t.id]),
            bool(t.person_derived), t.epsilon))
    return found


def latest_id(connection: Connection) -> int | None:
    found = connection.execute(select(func.max(opendata_release.c.id))).scalar_one()
    return None if found is None else int(found)


def load(connection: Connection, release_id: int | None = None) -> Release | None:
    """A release as it was published (the latest if no id is given); None if there is none."""
    release_id = latest_id(connection) if release_id is None else release_id
    row = connection.execute(select(opendata_release)
                             .where(opendata_release.c.id == release_id)).first()
    if row is None:
        return None
    datasets = connection.execute(select(opendata_dataset)
                                  .where(opendata_dataset.c.release_id == row.id)
                                  .order_by(opendata_dataset.c.id)).all()
    tables = _tables(connection, [d.id for d in datasets])
    return Release(row.id, row.released_at, row.released_by, row.organisation,
                   json.loads(row.rule), row.audit_seq,
                   tuple(_dataset(d.name, d.description, tuple(tables[d.id]))
                         for d in datasets))


@dataclass(frozen=True)
class Summary:
    id: int
    released_at: datetime
    released_by: str
    datasets: int


def listing(connection: Connection) -> list[Summary]:
    count = (select(func.count()).where(opendata_dataset.c.release_id == opendata_release.c.id)
             .scalar_subquery())
    return [Summary(r.id, r.released_at, r.released_by, int(r.datasets)) for r in
            connection.execute(select(opendata_release.c.id, opendata_release.c.released_at,
                                      opendata_release.c.released_by,
                                      count.label("datasets"))
                               .order_by(opendata_release.c.id))]


def previous_counts(connection: Connection) -> dict[str, dict[Cell, frozenset[int]]]:
    """By dataset, each cell's true counts in every earlier release that published it exactly
    (an exact dataset, a table without differential privacy, the cell not suppressed): what
    the differencing check between releases compares with. Every such release, not only the
    last: exact, then rounded, then exact again still differences the first and the third,
    and 20, then 35, then 22 leaks the 2 between the first and the third.

    Two queries whatever the number of releases: the truths with what decides whether their
    table was exact, then the published rows of the tables that were."""
    truths = connection.execute(
        select(opendata_dataset.c.name, opendata_dataset.c.description, opendata_table.c.id,
               opendata_table.c.columns, opendata_table.c.labels, opendata_table.c.epsilon,
               opendata_truth.c.counts)
        .join(opendata_table, opendata_table.c.id == opendata_truth.c.table_id)
        .join(opendata_dataset, opendata_dataset.c.id == opendata_table.c.dataset_id)
        .order_by(opendata_table.c.id)).all()
    exact = {t.id: t for t in truths
             if t.epsilon is None and json.loads(t.description)["exact"]}
    shown: dict[int, set[tuple[str, str]]] = {i: set() for i in exact}
    if exact:
        for table_id, text in connection.execute(
                select(opendata_row.c.table_id, opendata_row.c.cells)
                .where(opendata_row.c.table_id.in_(list(exact)))):
            table, cells = exact[table_id], json.loads(text)
            measures = json.loads(table.columns)[table.labels:]
            shown[table_id].update(
                (str(cells[0]), column) for column, value in
                zip(measures, cells[table.labels:], strict=True) if value is not None)
    found: dict[str, dict[Cell, set[int]]] = {}
    for t in exact.values():
        counts = found.setdefault(t.name, {})
        for geo, row, column, value in json.loads(t.counts):
            if (row, column) in shown[t.id]:
                counts.setdefault((geo, row, column), set()).add(int(value))
    return {name: {cell: frozenset(values) for cell, values in counts.items()}
            for name, counts in found.items()}


def first_issued(connection: Connection) -> dict[str, datetime]:
    """When each dataset was first published."""
    return {name: when for name, when in connection.execute(
        select(opendata_dataset.c.name, func.min(opendata_release.c.released_at))
        .join(opendata_release, opendata_release.c.id == opendata_dataset.c.release_id)
        .group_by(opendata_dataset.c.name))}
