"""Checking readings against the registry, a chunk at a time, with numpy and Arrow.

A reading is stored only if its sensor is registered, its time is a time and not in the
future, its value a finite number, its unit (when given) the sensor's, and, for a sensor that
counts, not negative. Every other reading becomes a ``ReadingProblem`` naming the first of
these it fails: reported and stored with its batch, never dropped unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from joinedup.sensors.readings import Chunk, ReadingProblem
from joinedup.sensors.registry import KINDS
from joinedup.sensors.times import NOT_A_TIME, parse_times, to_datetime
from joinedup.store.schema import sensor

CLOCK_SKEW = 300
"""Seconds a reading may be ahead of the hub's clock (a sensor's clock runs fast)."""
NUMBER = r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$"
"""A decimal number: what a sensor sends; not "NaN", "inf", "1_000" or "0x1f"."""


@dataclass(frozen=True)
class Known:
    """The registry as checks need it: each sensor's position, id, unit and whether it counts."""

    position: dict[str, int]
    ids: NDArray[np.int64]
    units: list[str]
    counting: NDArray[np.bool_]

    @classmethod
    def load(cls, connection: Connection) -> Known:
        rows = connection.execute(select(sensor.c.code, sensor.c.id, sensor.c.unit,
                                         sensor.c.kind).order_by(sensor.c.id)).all()
        return cls(position={r.code: i for i, r in enumerate(rows)},
                   ids=np.array([r.id for r in rows], dtype=np.int64),
                   units=[r.unit for r in rows],
                   counting=np.array([r.kind in KINDS and KINDS[r.kind].counting
                                      for r in rows], dtype=bool))


@dataclass(frozen=True)
class Checked:
    """The chunk's good readings, column-wise (sensors by position in ``Known``), and the
    problems of the rest, in the chunk's order."""

    position: NDArray[np.int64]
    seconds: NDArray[np.int64]
    value: NDArray[np.float64]
    problems: list[ReadingProblem]


def check(chunk: Chunk, known: Known, *, now: int) -> Checked:
    """Split ``chunk`` into good readings and problems; ``now`` in seconds since 1970."""
    position = _positions(chunk.sensor, known)
    seconds = parse_times(chunk.observed_at)
    value, numeric = _numbers(chunk.value)
    registered = position >= 0
    timed = seconds != NOT_A_TIME
    future = timed & (seconds > now + CLOCK_SKEW)
    unit_ok = _units_match(chunk.unit, position, known)
    negative = registered & known.counting[position] & (value < 0)
    good = registered & timed & ~future & numeric & unit_ok & ~negative
    problems: list[tuple[int, ReadingProblem]] = list(chunk.malformed)
    if not good.all():
        texts = chunk.value.to_pylist()
        for i in np.flatnonzero(~good).tolist():
            what, expected = _fault(chunk, known, i, int(position[i]), texts[i], now,
                                    (registered[i], timed[i], not future[i], numeric[i],
                                     unit_ok[i]))
            observed = chunk.observed_at[i]
            problems.append((i if chunk.rows is None else chunk.rows[i], ReadingProblem(
                chunk.where(i), what, expected, chunk.sensor[i] or "",
                observed.isoformat() if isinstance(observed, datetime) else observed or "",
                texts[i] or "")))
    problems.sort(key=lambda found: found[0])  # in the order they were sent
    return Checked(position[good], seconds[good], value[good], [p for _, p in problems])


def _positions(codes: list[str | None], known: Known) -> NDArray[np.int64]:
    get = known.position.get
    position = np.array([get(c, -1) for c in codes], dtype=np.int64)  # type: ignore[arg-type]
    for i in np.flatnonzero(position < 0).tolist():
        code = codes[i]
        if code:
            position[i] = get(code.strip(), -1)
    return position


def _numbers(texts: pa.Array) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each text as a float (NaN where it is none) and whether it is a finite number."""
    is_number = pc.fill_null(pc.match_substring_regex(texts, NUMBER), False)
    cleaned = pc.if_else(is_number, pc.utf8_trim_whitespace(texts),
                         pa.scalar(None, pa.string()))
    value = np.asarray(pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False),
                       dtype=np.float64)
    return value, np.asarray(is_number.to_numpy(zero_copy_only=False), dtype=bool) \
        & np.isfinite(value)


def _units_match(units: list[str | None] | None, position: NDArray[np.int64],
                 known: Known) -> NDArray[np.bool_]:
    if units is None:
        return np.ones(len(position), dtype=bool)
    expected = known.units
    ok = np.array([not u or (p >= 0 and u == expected[p])
                   for u, p in zip(units, position.tolist(), strict=True)], dtype=bool)
    for i in np.flatnonzero(~ok).tolist():
        unit = (units[i] or "").strip()
        ok[i] = not unit or (position[i] >= 0 and unit == expected[position[i]])
    return ok


def _fault(chunk: Chunk, known: Known, i: int, position: int, text: str | None, now: int,
           passed: tuple[bool, bool, bool, bool, bool]) -> tuple[str, str]:
    """What is wrong with reading ``i`` (the first check it fails) and what was expected."""
    registered, timed, not_future, numeric, unit_ok = passed
    if not registered:
        return (f"unknown sensor {chunk.sensor[i] or ''!r}",
                "the code of a registered sensor (joinedup sensors list)")
    if not timed:
        observed = chunk.observed_at[i]
        return (f"{observed or '(empty)'!s} is not a date and time",
                "an ISO 8601 date and time, e.g. 2026-03-01T08:15:00Z")
    if not not_future:
        return (f"{chunk.observed_at[i]} is in the future (received at "
                f"{to_datetime(now):%Y-%m-%d %H:%M:%S} UTC)",
                f"a time at most {CLOCK_SKEW // 60} minutes after the hub's clock")
    unit = known.units[position]
    if not numeric:
        return ("no value" if text is None or not text.strip() else
                f"value {text!r} is not a number", "a number, e.g. 12 or 41.5")
    if not unit_ok:
        assert chunk.unit is not None
        return (f"unit {chunk.unit[i]!r} is not the sensor's unit",
                f"{unit} (or no unit)")
    return f"{text} is negative", f"a count of {unit}: 0 or more"
