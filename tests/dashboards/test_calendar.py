"""Months and fortnights computed by the store, on both backends, agree with Python's."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, Engine, literal, select

from joinedup.dashboards.calendar import day_of, fortnight_of, fortnight_start, month_of

MOMENTS = [datetime(2024, 2, 29, 23, 59), datetime(2024, 3, 1, 0, 0), datetime(2026, 3, 8, 12),
           datetime(2026, 3, 9, 0, 0, 1), datetime(1999, 12, 31, 23, 59, 59),
           datetime(1900, 1, 1)]


def test_month_and_day_number_in_sql_equal_python(engine: Engine) -> None:
    with engine.connect() as c:
        found = [c.execute(select(month_of(literal(m, DateTime())),
                                  day_of(literal(m, DateTime())))).one() for m in MOMENTS]

    assert [tuple(f) for f in found] == [
        (f"{m:%Y-%m}", (m.date() - date(1900, 1, 1)).days) for m in MOMENTS]


def test_every_fortnight_starts_on_a_monday_and_holds_its_fourteen_days() -> None:
    first = fortnight_of(date(2026, 3, 9))

    assert fortnight_start(first) == date(2026, 3, 9)
    assert fortnight_of(date(2026, 3, 22)) == first
    assert fortnight_of(date(2026, 3, 23)) == first + 1
    assert all(fortnight_start(n).weekday() == 0 for n in range(first - 30, first + 30))
