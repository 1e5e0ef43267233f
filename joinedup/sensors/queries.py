"""Reading the sensors back: latest values, rollups by period, gaps, history.

Each query reads one contiguous range of the readings' clustered key per sensor (``rollup_all``
reads that range for every sensor in one statement). PostgreSQL computes each bucket's count,
sum, min, max and 95th percentile in SQL; SQLite has no percentile, so its readings come back
and numpy sorts each bucket once, which costs less than SQLite's own GROUP BY would. Buckets are
UTC calendar periods: hours, days, weeks from Monday 00:00, months from the 1st.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import BigInteger, Connection, Select, bindparam, func, select
from sqlalchemy.dialects import postgresql

from joinedup.errors import BadInput, NotFound
from joinedup.sensors.times import to_datetime, to_seconds
from joinedup.store.schema import sensor, sensor_latest, sensor_reading

PERIODS = ("hour", "day", "week", "month")
SECONDS = {"hour": 3600, "day": 86_400, "week": 7 * 86_400}
MONDAY = -3 * 86_400
"""1970-01-01 was a Thursday: the Monday before it, in seconds since then."""
GAP_FACTOR = 1.5
"""A silence longer than this many expected intervals is a gap."""
Q95 = 0.95


@dataclass(frozen=True)
class Latest:
    code: str
    observed_at: datetime
    value: float
    unit: str


@dataclass(frozen=True)
class Bucket:
    start: datetime
    count: int
    sum: float
    mean: float
    min: float
    max: float
    p95: float


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime
    missing: int


def latest(connection: Connection, codes: Sequence[str] | None = None) -> list[Latest]:
    """The newest reading of each sensor (of ``codes``, or all), by code; sensors that have
    never reported are absent."""
    query = (select(sensor.c.code, sensor_latest.c.observed_at, sensor_latest.c.value,
                    sensor.c.unit)
             .join(sensor_latest, sensor_latest.c.sensor_id == sensor.c.id)
             .order_by(sensor.c.code))
    if codes is not None:
        _ids(connection, codes)
        query = query.where(sensor.c.code.in_(codes))
    return [Latest(code, to_datetime(t), value, unit)
            for code, t, value, unit in connection.execute(query)]


def rollup(connection: Connection, code: str, period: str, start: datetime, end: datetime
           ) -> list[Bucket]:
    """Readings of one sensor with ``start <= time < end`` by ``period``; only buckets with
    readings, a partial first or last bucket holding only the readings inside the range."""
    sensor_id = _ids(connection, [code])[code]
    return _rollups(connection, [sensor_id], period, start, end).get(sensor_id, [])


def rollup_all(connection: Connection, period: str, start: datetime, end: datetime
               ) -> dict[str, list[Bucket]]:
    """``rollup`` of every sensor with readings in the range, by code, from one query."""
    codes = dict(connection.execute(select(sensor.c.id, sensor.c.code)).all())
    found = _rollups(connection, sorted(codes), period, start, end)
    return dict(sorted((codes[sensor_id], buckets) for sensor_id, buckets in found.items()))


def _rollups(connection: Connection, ids: list[int], period: str, start: datetime,
             end: datetime) -> dict[int, list[Bucket]]:
    """The buckets of each of these sensors that has readings in the range, by sensor id.

    PostgreSQL aggregates in SQL (``percentile_cont`` interpolates as numpy does), sending a
    row per bucket instead of every reading; SQLite has no percentile, so its readings come
    back and numpy sorts each bucket once."""
    edges = bucket_edges(period, start, end)
    if not ids:
        return {}
    r = sensor_reading.c
    inside = (r.sensor_id.in_(ids), r.observed_at >= to_seconds(start),
              r.observed_at < to_seconds(end))
    if connection.dialect.name == "postgresql":
        bucket = (func.width_bucket(r.observed_at, bindparam(
            "edges", edges.tolist(), type_=postgresql.ARRAY(BigInteger))) - 1).label("bucket")
        table = _table(connection, select(
            r.sensor_id, bucket, func.count(), func.sum(r.value), func.min(r.value),
            func.max(r.value), func.percentile_cont(Q95).within_group(r.value))
            .where(*inside).group_by(r.sensor_id, bucket))
    else:  # a sensor's id is left out when there is one: a fifth of the time to fetch
        one = len(ids) == 1
        readings = _table(connection, select(*(() if one else (r.sensor_id,)), r.observed_at,
                                             r.value).where(*inside))
        owners = np.full(len(readings), ids[0]) if one else readings[:, 0].astype(np.int64)
        table = _aggregate(owners, np.searchsorted(edges, readings[:, -2], side="right") - 1,
                           readings[:, -1], len(edges))
    if not len(table):
        return {}
    table = table[np.lexsort((table[:, 1], table[:, 0]))]
    owners, index, count = (table[:, i].astype(np.int64) for i in range(3))
    moments = [to_datetime(e) for e in edges.tolist()]
    buckets = list(map(Bucket, [moments[i] for i in index.tolist()], count.tolist(),
                       table[:, 3].tolist(), (table[:, 3] / count).tolist(),
                       table[:, 4].tolist(), table[:, 5].tolist(), table[:, 6].tolist()))
    firsts = np.flatnonzero(np.append(True, owners[1:] != owners[:-1])).tolist()
    return {int(owners[a]): buckets[a:b]
            for a, b in zip(firsts, [*firsts[1:], len(buckets)], strict=True)}


def gaps(connection: Connection, code: str, start: datetime, end: datetime) -> list[Gap]:
    """Each silence longer than 1.5 expected intervals overlapping ``[start, end)``: from the
    reading before it to the one after (or to ``end`` if none came yet), with the number of
    readings missing. There are no gaps before a sensor's first reading."""
    lo, hi = _range(start, end)
    row = connection.execute(select(sensor.c.id, sensor.c.interval_seconds)
                             .where(sensor.c.code == code)).first()
    if row is None:
        raise _unknown([code])
    sensor_id, interval = row
    r = sensor_reading.c
    mine = r.sensor_id == sensor_id
    before = connection.execute(select(func.max(r.observed_at))
                                .where(mine, r.observed_at < lo)).scalar()
    inside = connection.execute(select(r.observed_at).where(
        mine, r.observed_at >= lo, r.observed_at < hi).order_by(r.observed_at)).scalars().all()
    after = connection.execute(select(func.min(r.observed_at))
                               .where(mine, r.observed_at >= hi)).scalar()
    times = np.array([t for t in (before, *inside, after) if t is not None], dtype=np.int64)
    if not len(times):
        return []
    ends = np.append(times[1:], hi if after is None else after)
    silence = ends - times
    found = np.flatnonzero(silence > GAP_FACTOR * interval)
    return [Gap(to_datetime(times[i]), to_datetime(ends[i]),
                int(-(-silence[i] // interval)) - 1)
            for i in found.tolist() if ends[i] > lo and times[i] < hi]


def history(connection: Connection, code: str, start: datetime, end: datetime, *,
            limit: int = 10_000) -> list[tuple[datetime, float]]:
    """The readings of one sensor with ``start <= time < end`` in time order, the first
    ``limit`` (ask again from the last one's time for more)."""
    lo, hi = _range(start, end)
    sensor_id = _ids(connection, [code])[code]
    r = sensor_reading.c
    rows = connection.execute(select(r.observed_at, r.value).where(
        r.sensor_id == sensor_id, r.observed_at >= lo, r.observed_at < hi)
        .order_by(r.observed_at).limit(limit))
    return [(to_datetime(t), v) for t, v in rows]


def bucket_edges(period: str, start: datetime, end: datetime) -> NDArray[np.int64]:
    """Boundaries of the ``period`` buckets covering ``[start, end)``, in seconds: the first
    at or before ``start``, the last at or after ``end``."""
    lo, hi = _range(start, end)
    if period == "month":
        moment = datetime(to_datetime(lo).year, to_datetime(lo).month, 1)
        edges = [moment]
        while to_seconds(edges[-1]) < hi:
            m = edges[-1]
            edges.append(datetime(m.year + m.month // 12, m.month % 12 + 1, 1))
        return np.array([to_seconds(e) for e in edges], dtype=np.int64)
    if period not in SECONDS:
        raise BadInput(f"period {period!r}: expected one of {', '.join(PERIODS)}")
    step = SECONDS[period]
    origin = MONDAY if period == "week" else 0
    first = lo - (lo - origin) % step
    return first + step * np.arange(-(-(hi - first) // step) + 1, dtype=np.int64)


def _aggregate(owners: NDArray[np.int64], buckets: NDArray[np.int64],
               values: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """A row per (owner, bucket) with readings: owner, bucket, count, sum, min, max, p95."""
    if not len(values):
        return np.empty((0, 7))
    groups = owners * width + buckets
    order = np.lexsort((values, groups))
    g, x = groups[order], values[order]
    starts = np.flatnonzero(np.append(True, g[1:] != g[:-1]))
    count = np.diff(np.append(starts, len(x)))
    rank = Q95 * (count - 1)  # linear interpolation, numpy's and pandas' default
    below = np.floor(rank).astype(np.int64)
    low, high = x[starts + below], x[starts + np.minimum(below + 1, count - 1)]
    owner, bucket = np.divmod(g[starts], width)
    return np.column_stack([owner, bucket, count, np.add.reduceat(x, starts),
                            x[starts], x[starts + count - 1],
                            low + (rank - below) * (high - low)])


def _table(connection: Connection, query: Select[Any]) -> NDArray[np.float64]:
    """``query``'s rows, all numbers, as a float array. Read straight from the driver's
    cursor (binary on PostgreSQL): a Row object for each of a year's 35,000 readings cost more
    than the query (the parameters are plain numbers, so nothing needs converting)."""
    compiled = query.compile(dialect=connection.dialect,
                             compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    driver: Any = connection.connection.driver_connection
    postgres = connection.dialect.name == "postgresql"
    cursor = driver.cursor(binary=True) if postgres else driver.cursor()
    try:
        if postgres:
            # never prepared: psycopg prepares a statement run five times, and PostgreSQL's
            # generic plan for a rollup then took ten times as long as a fresh one
            cursor.execute(compiled.string, params, prepare=False)
        else:
            cursor.execute(compiled.string, [params[k] for k in compiled.positiontup or ()])
        rows = cursor.fetchall()
    finally:
        cursor.close()
    width = len(query.selected_columns)
    return np.fromiter(chain.from_iterable(rows), dtype=np.float64,
                       count=width * len(rows)).reshape(len(rows), width)


def _range(start: datetime, end: datetime) -> tuple[int, int]:
    lo, hi = to_seconds(start), to_seconds(end)
    if lo >= hi:
        raise BadInput(f"the range {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} is empty; "
                       "expected its start before its end")
    return lo, hi


def _ids(connection: Connection, codes: Sequence[str]) -> dict[str, int]:
    found = dict(connection.execute(select(sensor.c.code, sensor.c.id)
                                    .where(sensor.c.code.in_(codes))).all())
    missing = [c for c in codes if c not in found]
    if missing:
        raise _unknown(missing)
    return found


def _unknown(codes: Sequence[str]) -> NotFound:
    return NotFound(f"no sensor {', '.join(repr(c) for c in codes)}; "
                    "see joinedup sensors list")

