"""Dates and date-times: UK day-first and ISO text to ``datetime`` values, quickly.

Ingestion parses the same few formats on millions of rows, and ``strptime`` is slow, so the
common formats are parsed by slicing; any other ``strptime`` format still works, just slower.
Day-first is the default because these are UK sources: 01/02/1980 is 1 February.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joinedup.standardise.invalid import InvalidValue

_EXAMPLE = datetime(1980, 12, 31, 13, 45, 30)
_ANY_DATE = "a date like 31/12/1980 or 1980-12-31"
_ANY_DATETIME = "a date and time like 31/12/1980 13:45 or 1980-12-31T13:45:30"
_EARLIEST_BIRTH = date(1880, 1, 1)


def _expected(kind: str, fmt: str) -> str:
    return f"a {kind} like {_EXAMPLE.strftime(fmt)} ({fmt})"


# Fast paths: each turns text in its format's fixed-width shape into "YYYY-MM-DD" for the
# C-coded date.fromisoformat, which insists on ASCII digits and a real date; text in any other
# shape gives None. When fromisoformat refuses, strptime has the final word, so odd text it
# accepts (" 1/12/1980", other scripts' digits) still parses exactly as it would.


def _ymd(raw: str) -> str | None:  # %Y-%m-%d
    return raw if len(raw) == 10 and raw[4] == "-" and raw[7] == "-" else None


def _day_first(sep: str) -> Callable[[str], str | None]:
    def iso(raw: str) -> str | None:  # %d{sep}%m{sep}%Y
        if len(raw) == 10 and raw[2] == sep and raw[5] == sep:
            return f"{raw[6:]}-{raw[3:5]}-{raw[:2]}"
        return None

    return iso


def _compact(raw: str) -> str | None:  # %Y%m%d
    return f"{raw[:4]}-{raw[4:6]}-{raw[6:]}" if len(raw) == 8 else None


def _short_year(raw: str) -> str | None:  # %d/%m/%y, pivoting at 69 as strptime does
    if len(raw) == 8 and raw[2] == "/" and raw[5] == "/":
        century = "19" if raw[6:] >= "69" else "20"
        return f"{century}{raw[6:]}-{raw[3:5]}-{raw[:2]}"
    return None


_FAST_DATES: dict[str, tuple[Callable[[str], str | None], int]] = {
    "%Y-%m-%d": (_ymd, 10),
    "%d/%m/%Y": (_day_first("/"), 10),
    "%d-%m-%Y": (_day_first("-"), 10),
    "%d.%m.%Y": (_day_first("."), 10),
    "%Y%m%d": (_compact, 8),
    "%d/%m/%y": (_short_year, 8),
}

_DAY_FIRST = re.compile(
    r"(\d\d?)([/.-])(\d\d?)\2(\d{4})"
    r"(?:[ T](\d\d?):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?",
    re.ASCII,
)
_ISO_START = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)


def _date_with_format(raw: str, fmt: str) -> date:
    fast = _FAST_DATES.get(fmt)
    if fast is not None:
        iso = fast[0](raw)
        if iso is not None:
            try:
                return date.fromisoformat(iso)
            except ValueError:
                pass
    return datetime.strptime(raw, fmt).date()


def _any_date(raw: str) -> date:
    if len(raw) == 10:  # the common case: 31/12/1980, 31-12-1980, 31.12.1980 or 1980-12-31
        sep = raw[2]
        if sep in "/-." and raw[5] == sep:
            return date.fromisoformat(f"{raw[6:]}-{raw[3:5]}-{raw[:2]}")
        if raw[4] == "-" and raw[7] == "-":
            return date.fromisoformat(raw)
    if _ISO_START.match(raw):
        if raw[10] not in "T ":
            raise ValueError("not an ISO date")
        datetime.fromisoformat(raw)  # the time part must be valid too
        return date.fromisoformat(raw[:10])
    match = _DAY_FIRST.fullmatch(raw)
    if match is None:
        raise ValueError("not a date")
    day, _, month, year = match.group(1, 2, 3, 4)
    _time_of(match)  # any time part must be valid too
    return date(int(year), int(month), int(day))


@lru_cache(maxsize=65536)
def parse_date(raw: str, fmt: str | None = None) -> date:
    """``'31/12/1980'`` -> ``date(1980, 12, 31)``.

    With ``fmt``, exactly that ``strptime`` format. Without, ISO ``1980-12-31`` (a trailing
    time, as in ``1980-12-31T09:30:00``, is checked and dropped) or day-first ``31/12/1980``
    with ``/``, ``-`` or ``.`` between the parts (a trailing ``00:00`` time is dropped).
    """
    try:
        return _any_date(raw) if fmt is None else _date_with_format(raw, fmt)
    except ValueError:
        pass
    raise InvalidValue(_ANY_DATE if fmt is None else _expected("date", fmt))


def _time_of(match: re.Match[str]) -> tuple[int, int, int, int]:
    hour, minute, second, fraction = match.group(5, 6, 7, 8)
    if hour is None:
        return 0, 0, 0, 0
    micro = int(fraction.ljust(6, "0")) if fraction else 0
    times = int(hour), int(minute), int(second or 0), micro
    if times[0] > 23 or times[1] > 59 or times[2] > 59:
        raise ValueError("time out of range")
    return times


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _fast_datetimes() -> dict[str, tuple[Callable[[str], str | None], int, str, bool]]:
    """Fast date formats followed by a space or ``T`` and ``%H:%M`` or ``%H:%M:%S``."""
    table = {}
    for date_fmt, (iso, width) in _FAST_DATES.items():
        for sep in (" ", "T"):
            for time_fmt, seconds in (("%H:%M", False), ("%H:%M:%S", True)):
                table[f"{date_fmt}{sep}{time_fmt}"] = (iso, width, sep, seconds)
    return table


_FAST_DATETIMES = _fast_datetimes()


def _fast_datetime(raw: str, fmt: str) -> datetime | None:
    fast_date = _FAST_DATES.get(fmt)
    if fast_date is not None:
        iso = fast_date[0](raw)
        return None if iso is None else datetime.fromisoformat(iso)
    fast = _FAST_DATETIMES.get(fmt)
    if fast is None:
        return None
    to_iso, width, sep, seconds = fast
    if (
        len(raw) == width + (9 if seconds else 6)
        and raw[width] == sep
        and raw[width + 3] == ":"
        and (not seconds or raw[width + 6] == ":")
    ):
        iso = to_iso(raw[:width])
        if iso is not None:
            return datetime.fromisoformat(f"{iso}T{raw[width + 1 :]}")
    return None


def _datetime_with_format(raw: str, fmt: str) -> datetime:
    try:
        parsed = _fast_datetime(raw, fmt)
    except ValueError:
        parsed = None
    if parsed is not None:
        return parsed
    return _naive_utc(datetime.strptime(raw, fmt))


@lru_cache(maxsize=65536)
def parse_datetime(raw: str, fmt: str | None = None) -> datetime:
    """``'31/12/1980 13:45'`` -> ``datetime(1980, 12, 31, 13, 45)``, always naive.

    With ``fmt``, exactly that ``strptime`` format. Without, ISO 8601 or day-first as for
    ``parse_date`` with an optional ``HH:MM[:SS[.ffffff]]``. A time-zone offset is converted to
    UTC and then dropped; a bare date means midnight.
    """
    try:
        if fmt is not None:
            return _datetime_with_format(raw, fmt)
        if _ISO_START.match(raw):
            return _naive_utc(datetime.fromisoformat(raw))
        match = _DAY_FIRST.fullmatch(raw)
        if match is not None:
            day, _, month, year = match.group(1, 2, 3, 4)
            return datetime(int(year), int(month), int(day), *_time_of(match))
    except ValueError:
        pass
    raise InvalidValue(_ANY_DATETIME if fmt is None else _expected("date and time", fmt))


# Column-at-a-time: each format's fixed-width shapes, with where the year, month and day sit.
Span = tuple[int, int]
_DAY_FIRST_SPANS: tuple[Span, Span, Span] = ((6, 10), (3, 5), (0, 2))
_ISO_SPANS: tuple[Span, Span, Span] = ((0, 4), (5, 7), (8, 10))
_SHAPES: dict[str | None, list[tuple[str, tuple[Span, Span, Span]]]] = {
    None: [(r"^[0-9]{2}(?:/[0-9]{2}/|-[0-9]{2}-|\.[0-9]{2}\.)[0-9]{4}$", _DAY_FIRST_SPANS),
           (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", _ISO_SPANS)],
    "%Y-%m-%d": [(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", _ISO_SPANS)],
    "%d/%m/%Y": [(r"^[0-9]{2}/[0-9]{2}/[0-9]{4}$", _DAY_FIRST_SPANS)],
    "%d-%m-%Y": [(r"^[0-9]{2}-[0-9]{2}-[0-9]{4}$", _DAY_FIRST_SPANS)],
    "%d.%m.%Y": [(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{4}$", _DAY_FIRST_SPANS)],
    "%Y%m%d": [(r"^[0-9]{8}$", ((0, 4), (4, 6), (6, 8)))],
}


ACCEPTED_FORMATS = frozenset(_SHAPES)
"""The formats (None: any of the common ones) ``accept_dates`` reads; it leaves every value
of any other format to ``parse_date``."""


def accept_dates(values: pa.Array, fmt: str | None = None, *, birth: bool = False
                 ) -> pa.Array:
    """Many dates at once: the ISO text of what ``parse_date(value, fmt)`` gives (and, with
    ``birth``, ``check_birth_date`` passes) for each value in one of the format's fixed-width
    shapes, null for every other value (blank, bad, or in a shape only ``parse_date``
    reads)."""
    accepted = pa.nulls(len(values), pa.string())
    for pattern, spans in _SHAPES.get(fmt, []):
        shaped = pc.fill_null(pc.match_substring_regex(values, pattern), False)
        candidates = pc.filter(values, shaped)
        if not len(candidates):
            continue
        year, month, day = (pc.utf8_slice_codeunits(values, start, stop)
                            for start, stop in spans)
        y, m, d = (pc.cast(pc.filter(part, shaped), pa.int64()).to_numpy()
                   for part in (year, month, day))
        months = ((y - 1970) * 12 + m - 1).astype("datetime64[M]")
        days_in_month = ((months + 1).astype("datetime64[D]")
                         - months.astype("datetime64[D]")).astype(np.int64)
        real = (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= days_in_month)
        iso = pc.binary_join_element_wise(year, month, day, "-")
        if birth:
            iso_candidates = pc.filter(iso, shaped)
            real &= pc.and_(pc.greater_equal(iso_candidates, _EARLIEST_BIRTH.isoformat()),
                            pc.less_equal(iso_candidates, date.today().isoformat())
                            ).to_numpy(zero_copy_only=False)
        found = np.zeros(len(values), dtype=bool)
        found[np.flatnonzero(shaped.to_numpy(zero_copy_only=False))[real]] = True
        accepted = pc.if_else(pa.array(found), iso, accepted)
    return accepted


def check_birth_date(value: date, *, today: date | None = None) -> date:
    """``value`` unchanged if it is a plausible date of birth, else InvalidValue."""
    if value < _EARLIEST_BIRTH or value > (today or date.today()):
        raise InvalidValue("a date of birth between 1880-01-01 and today")
    return value
