"""Staging: a temporary table that receives one load's rows in bulk before they are merged.

Bulk writing is the one thing the backends do differently, so it is the one method they
implement: SQLite takes ``executemany`` on a prepared INSERT, PostgreSQL takes ``COPY``. Everything
after (duplicates, references, history, upsert) is plain SQL both understand (store/merge.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table
from sqlalchemy.types import TypeEngine

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
        self._postgres = connection.dialect.name == "postgresql"
        self._insert = (f"INSERT INTO {name} ({', '.join(self.written)}) "
                        f"VALUES ({', '.join('?' * len(self.written))})")

    def write(self, rows: list[StagedRow]) -> None:
        if not rows:
            return
        cursor: Any = self.connection.connection.cursor()
        try:
            if self._postgres:
                with cursor.copy(f"COPY {self.name} ({', '.join(self.written)}) FROM STDIN"
                                 ) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self._insert, rows)
        finally:
            cursor.close()

    def index(self) -> None:
        """Index the record id once filled: merging joins on it."""
        Index(f"ix_{self.name}_record", self.table.c.record_id, self.table.c.row_no
              ).create(self.connection)

    def drop(self) -> None:
        self.table.drop(self.connection)

