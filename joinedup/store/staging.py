"""Staging: a temporary table that receives one load's rows in bulk before they are merged.

Rows are written with store/bulk.py; everything after (references, history, upsert) is plain
SQL both backends understand (store/merge.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table
from sqlalchemy.types import TypeEngine

from joinedup.store.bulk import BulkInsert

StagedRow = tuple[Any, ...]


class Staging:
    """One load's staging table; created, filled, merged and dropped inside the load's
    transaction, so nothing of it outlives a failed load."""

    def __init__(self, connection: Connection, *, name: str,
                 columns: Sequence[tuple[str, TypeEngine[Any]]],
                 resolved: Sequence[str] = ()) -> None:
        self.connection = connection
        self.written = tuple(["row_no", "record_id", *(c for c, _ in columns)])
        self.table = Table(
            name, MetaData(),
            Column("row_no", Integer, nullable=False),
            Column("record_id", String(200), nullable=False),
            *(Column(c, t) for c, t in columns),
            *(Column(c, Integer) for c in resolved),
            prefixes=["TEMPORARY"],
        )
        self.name = name
        self.table.create(connection)
        self._bulk = BulkInsert(connection, name, self.written)

    def write(self, rows: list[StagedRow]) -> None:
        self._bulk.write(rows)

    def index(self) -> None:
        """Index the record id once filled: merging joins on it."""
        Index(f"ix_{self.name}_record", self.table.c.record_id, self.table.c.row_no
              ).create(self.connection)

    def drop(self) -> None:
        self.table.drop(self.connection)

