"""Months and fortnights in SQL, the same on SQLite and PostgreSQL, so figures are grouped by
the database rather than by a loop over contacts.

Times in the store are naive UTC, so a month is a UTC calendar month (``2024-03``). A
fortnight is a run of 14 days starting on a Monday, counted from Monday 1 January 1900
(``EPOCH``): fortnight ``n`` starts ``EPOCH + 14 n`` days, so every fortnight, in any year,
starts on a Monday and the same dates always fall in the same fortnight.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

EPOCH = date(1900, 1, 1)
assert EPOCH.weekday() == 0, "fortnights start on a Monday"
_EPOCH_JULIAN = 2415020.5  # SQLite's julianday('1900-01-01')
FORTNIGHT_DAYS = 14


class month_of(FunctionElement[str]):
    """``YYYY-MM`` of a timestamp."""

    type = String()
    inherit_cache = True


class day_of(FunctionElement[int]):
    """Whole days from ``EPOCH`` to a timestamp's date."""

    type = Integer()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"CAST(julianday(date({compiler.process(element.clauses, **kw)})) - "
            f"{_EPOCH_JULIAN} AS INTEGER)")


@compiles(day_of, "postgresql")
def _day_postgresql(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"(CAST({compiler.process(element.clauses, **kw)} AS DATE) - "
            f"DATE '{EPOCH.isoformat()}')")


def fortnight_start(fortnight: int) -> date:
    """The Monday fortnight number ``fortnight`` starts on."""
    return EPOCH + timedelta(days=FORTNIGHT_DAYS * fortnight)


def fortnight_of(day: date) -> int:
    return (day - EPOCH).days // FORTNIGHT_DAYS
