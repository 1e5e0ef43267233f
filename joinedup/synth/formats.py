"""Dates and times as the agencies write them, and the moments events happen at."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from functools import lru_cache

from joinedup.synth.records import View


def dob_dmy_slash(v: View) -> str:
    """``'07/03/1950'`` (ASC, ``%d/%m/%Y``)."""
    return f"{v.d:02d}/{v.m:02d}/{v.y}" if v.y else ""


def dob_dmy_dash(v: View) -> str:
    """``'07-03-1950'`` (fire, ``%d-%m-%Y``)."""
    return f"{v.d:02d}-{v.m:02d}-{v.y}" if v.y else ""


def dob_iso(v: View) -> str:
    """``'1950-03-07'`` (police, libraries, FHIR)."""
    return f"{v.y}-{v.m:02d}-{v.d:02d}" if v.y else ""


def dob_cell(v: View) -> date | str | None:
    """A real date for a spreadsheet cell; an impossible one stays text, as typed."""
    if not v.y:
        return None
    return v.date_of_birth() or f"{v.d:02d}/{v.m:02d}/{v.y}"


def d_dmy(d: date | None) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if d is not None else ""


def d_dmy_dash(d: date | None) -> str:
    """``'05-03-2024'`` (fire, ``%d-%m-%Y``)."""
    return f"{d.day:02d}-{d.month:02d}-{d.year}" if d is not None else ""


def d_iso(d: date | None) -> str:
    return d.isoformat() if d is not None else ""


def dt_dmy_hm(dt: datetime | None) -> str:
    """``'05/03/2024 14:35'`` (``%d/%m/%Y %H:%M``)."""
    if dt is None:
        return ""
    return f"{dt.day:02d}/{dt.month:02d}/{dt.year} {dt.hour:02d}:{dt.minute:02d}"


def dt_dmy_dash_hm(dt: datetime | None) -> str:
    """``'05-03-2024 14:35'`` (``%d-%m-%Y %H:%M``)."""
    if dt is None:
        return ""
    return f"{dt.day:02d}-{dt.month:02d}-{dt.year} {dt.hour:02d}:{dt.minute:02d}"


@lru_cache(maxsize=64)
def _summer_time(year: int) -> tuple[date, date]:
    """British Summer Time runs from the last Sunday of March to the last Sunday of October."""
    def last_sunday(month: int) -> date:
        end = date(year, month, 31)
        return end - timedelta(days=(end.weekday() + 1) % 7)
    return last_sunday(3), last_sunday(10)


def dt_fhir(dt: datetime | None) -> str:
    """Local UK time with its offset: ``'2024-07-05T14:35:00+01:00'`` (FHIR dateTime)."""
    if dt is None:
        return ""
    start, end = _summer_time(dt.year)
    offset = "+01:00" if start <= dt.date() < end else "+00:00"
    return f"{dt.year}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:00{offset}"


def working_day(rng: random.Random, today: int, days_back: int) -> int:
    """A date ordinal in the ``days_back`` days before ``today``, mostly a weekday."""
    day = today - 1 - int(rng.random() * days_back)
    weekday = (day + 6) % 7  # date.fromordinal(1) is a Monday
    if weekday >= 5 and rng.random() < 0.85:
        day -= weekday - 4  # back to the Friday
    return day


def working_moment(rng: random.Random, today: int, days_back: int,
                   *, start_hour: int = 8, hours: int = 10) -> datetime:
    day = date.fromordinal(working_day(rng, today, days_back))
    minutes = int(rng.random() * hours * 12) * 5
    return datetime(day.year, day.month, day.day, start_hour + minutes // 60, minutes % 60)
