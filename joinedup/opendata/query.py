"""Rows of a published table, filtered by column values and paged: the public API's reads,
from what a release stored and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from joinedup.errors import BadInput
from joinedup.opendata.tables import SUPPRESSED, Table

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    total: int
    """Rows matching the filters, on every page."""
    offset: int
    limit: int
    rows: list[dict[str, Any]]

    @property
    def next_offset(self) -> int | None:
        following = self.offset + self.limit
        return following if following < self.total else None


def parse_filters(table: Table, filters: Sequence[str]) -> list[tuple[str, str]]:
    """``column:value`` pairs, each naming one of ``table``'s columns."""
    found = []
    for given in filters:
        column, sep, value = given.partition(":")
        if not sep:
            raise BadInput(f"filter {given!r}: expected column:value, e.g. "
                           f"{table.columns[0]}:{table.rows[0][0][0] if table.rows else 'x'}")
        if column not in table.columns:
            raise BadInput(f"filter {given!r}: the table {table.key} has no column "
                           f"{column!r}; its columns are {', '.join(table.columns)}")
        found.append((column, value))
    return found


def _matches(record: dict[str, Any], filters: list[tuple[str, str]]) -> bool:
    return all((SUPPRESSED if record[c] is None else str(record[c])) == v
               for c, v in filters)


def page(table: Table, filters: Sequence[str] = (), *, limit: int = 100, offset: int = 0
         ) -> Page:
    """The rows of ``table`` matching every filter (a suppressed count matches "[c]"), from
    ``offset``, at most ``limit`` of them."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be from 1 to {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise BadInput(f"offset must be 0 or more, not {offset}")
    wanted = parse_filters(table, filters)
    matching = [r for r in table.records() if _matches(r, wanted)]
    return Page(len(matching), offset, limit, matching[offset:offset + limit])
