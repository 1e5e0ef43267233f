"""Bulk inserts: the one thing the two backends do differently, behind one small class.

SQLite takes ``executemany`` on a prepared INSERT; PostgreSQL takes ``COPY``, several times
faster than INSERTs. Values the same on every row (the load id, the time) are passed once, and
so, on SQLite, is a column that is empty in every row of a batch given column by column:
binding parameters is most of what a Python insert costs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table


def _literal(value: int | str | datetime) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str | datetime):
        raise TypeError(f"constants must be int, str or datetime, not {type(value).__name__}")
    if isinstance(value, int):
        return str(int(value))
    text = value.isoformat(sep=" ", timespec="microseconds") if isinstance(value, datetime) \
        else value
    return "'" + text.replace("'", "''") + "'"


class BulkInsert:
    """Append rows of ``columns`` to ``table``, adding ``constants`` to each."""

    def __init__(self, connection: Connection, table: str, columns: Sequence[str],
                 constants: Mapping[str, int | str | datetime] | None = None) -> None:
        self.connection = connection
        self.constants = dict(constants or {})
        self._table = table
        self._columns = tuple(columns)
        self._postgres = connection.dialect.name == "postgresql"
        if self._postgres:
            names = [*columns, *self.constants]
            self._copy = f"COPY {table} ({', '.join(names)}) FROM STDIN"
            self._extra = tuple(self.constants.values())
        self._inserts: dict[tuple[bool, ...], str] = {}

    def _insert(self, empty: tuple[bool, ...]) -> str:
        """The INSERT binding every column except the ``empty`` ones (NULL for those)."""
        sql = self._inserts.get(empty)
        if sql is None:
            names = [*self._columns, *self.constants]
            values = [*("NULL" if e else "?" for e in empty),
                      *(_literal(v) for v in self.constants.values())]
            sql = self._inserts[empty] = (f"INSERT INTO {self._table} ({', '.join(names)}) "
                                          f"VALUES ({', '.join(values)})")
        return sql

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._write(rows, (False,) * len(self._columns))

    def write_columns(self, columns: Sequence[Sequence[Any]]) -> None:
        """Write rows given column by column, all of one length; see the module docstring."""
        if not columns or not len(columns[0]):
            return
        if self._postgres:
            self._write(zip(*columns, strict=True), (False,) * len(columns))
            return
        empty = tuple(c.count(None) == len(c) for c in columns)
        if all(empty):  # one column bound, so that there are rows at all
            empty = (False, *empty[1:])
        self._write(zip(*(c for c, e in zip(columns, empty, strict=True) if not e),
                        strict=True), empty)

    def _write(self, rows: Iterable[Sequence[Any]], empty: tuple[bool, ...]) -> None:
        cursor: Any = self.connection.connection.cursor()
        try:
            if self._postgres:
                extra = self._extra
                with cursor.copy(self._copy) as copy:
                    for row in rows:
                        copy.write_row((*row, *extra) if extra else row)
            else:
                cursor.executemany(self._insert(empty), rows)
        finally:
            cursor.close()


@contextmanager
def indexes_rebuilt(connection: Connection, table: Table) -> Iterator[None]:
    """Drop ``table``'s secondary indexes for a bulk rewrite and build them again after:
    one sort per index instead of a B-tree insert per row (a million-record link run's key
    index went from 72 s to a fraction of that)."""
    for index in table.indexes:
        index.drop(connection)
    yield
    for index in table.indexes:
        index.create(connection)
