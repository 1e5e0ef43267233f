"""Times of readings: naive UTC datetimes outside, whole seconds since 1970 inside the store.

Whole seconds make the readings' key 8 bytes and put every period's bucket a division away;
city sensors report every minute at most, so nothing is lost that a sensor meant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

EPOCH = datetime(1970, 1, 1)
SECOND = timedelta(seconds=1)
NOT_A_TIME = np.iinfo(np.int64).min
"""What ``parse_times`` puts where a value is not a time."""


def to_seconds(moment: datetime) -> int:
    """Whole seconds since 1970 (rounded down); naive means UTC, an aware time is converted."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - EPOCH) // SECOND


def to_datetime(seconds: int) -> datetime:
    """The naive UTC datetime of ``seconds`` since 1970."""
    return EPOCH + timedelta(seconds=int(seconds))


def parse_time(value: str | datetime) -> int | None:
    """Seconds since 1970 of an ISO 8601 date and time ("Z" or an offset converted to UTC,
    none meaning UTC), or None if ``value`` is not one (a date alone is not a time)."""
    if isinstance(value, datetime):
        return to_seconds(value)
    text = value.strip()
    if len(text) <= len("2026-01-01"):
        return None
    try:
        return to_seconds(datetime.fromisoformat(text))
    except ValueError:
        return None


def parse_times(values: Sequence[str | datetime | None]) -> NDArray[np.int64]:
    """``parse_time`` of each value (``NOT_A_TIME`` where it is none), each distinct value
    parsed once: the sensors of one file share their timestamps."""
    seconds = {value: _seconds_or_not(value) for value in set(values)}
    return np.fromiter(map(seconds.__getitem__, values), dtype=np.int64, count=len(values))


def _seconds_or_not(value: str | datetime | None) -> int:
    parsed = None if value is None else parse_time(value)
    return NOT_A_TIME if parsed is None else parsed
