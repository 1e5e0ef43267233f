"""What the synthetic sensors read: daily and weekly patterns in UK local time, with noise.

Times are whole seconds since 1970 (UTC), one array per sensor; people keep local time, so
every pattern is read off the local hour and weekday (British Summer Time from the last Sunday
of March to the last Sunday of October, 01:00 UTC both).

    traffic    vehicles in each 15 minutes: weekday morning and evening peaks, a broad midday
               hump at weekends, Saturday 14% and Sunday 26% lighter than a weekday, Friday
               busiest; Poisson counts around the day's flow, each day +-6%
    footfall   people entering in each hour: none before 9, after closing (17 or 19 on
               weekdays, 16 or 17 on Saturdays) or on Sundays; busiest late morning and after
               school, Saturdays 30% busier
    NO2        hourly mean ug/m3: a background plus the road's traffic (the same weekday and
               hourly shape), both scaled by the weather, a day-to-day random walk that
               reverts (wind clears, still air holds)
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from joinedup.synth.sensor_sites import Site

Seconds = NDArray[np.int64]
DAY = 86_400
EPOCH = datetime(1970, 1, 1)

_WEEKDAY = (0.25, 0.15, 0.12, 0.12, 0.2, 0.55, 1.35, 2.1, 2.2, 1.55, 1.3, 1.3, 1.35, 1.35,
            1.45, 1.7, 2.05, 2.15, 1.65, 1.15, 0.85, 0.65, 0.5, 0.35)
_SATURDAY = (0.45, 0.3, 0.2, 0.15, 0.15, 0.25, 0.45, 0.75, 1.1, 1.5, 1.8, 1.95, 2.0, 1.95,
             1.85, 1.75, 1.65, 1.5, 1.25, 1.0, 0.8, 0.65, 0.55, 0.45)
_SUNDAY = (0.5, 0.35, 0.25, 0.18, 0.15, 0.2, 0.3, 0.5, 0.8, 1.2, 1.6, 1.85, 1.95, 1.95, 1.85,
           1.8, 1.7, 1.55, 1.3, 1.05, 0.8, 0.6, 0.45, 0.35)
HOURLY = np.array([_WEEKDAY] * 5 + [_SATURDAY, _SUNDAY], dtype=np.float64)
HOURLY /= HOURLY.mean(axis=1, keepdims=True)
"""Traffic by local weekday (Monday 0) and hour, each day's hours averaging 1."""
DAILY = np.array([0.98, 1.0, 1.0, 1.02, 1.06, 0.86, 0.74])
"""A day's traffic by weekday, against an average day."""
OPENS = 9
FOOTFALL_HOURS = np.array([0.65, 0.95, 1.15, 1.05, 0.9, 1.0, 1.25, 1.2, 0.8, 0.6])
"""People an hour from 9:00 to 18:00, against an average open hour."""
SATURDAY_BUSIER = 1.3


def slots(start: datetime, end: datetime, interval: int) -> Seconds:
    """The times a sensor reports at every ``interval`` seconds from ``start`` to ``end``."""
    first, last = ((moment - EPOCH) // timedelta(seconds=1) for moment in (start, end))
    return np.arange(first, last, interval, dtype=np.int64)


def uk_offset(times: Seconds) -> Seconds:
    """Seconds UK local time is ahead of UTC at each time: 3600 in summer time, else 0."""
    offset = np.zeros(len(times), dtype=np.int64)
    if not len(times):
        return offset
    for year in range(_year(int(times.min())), _year(int(times.max())) + 1):
        begins, ends = (_last_sunday_1am(year, month) for month in (3, 10))
        offset[(times >= begins) & (times < ends)] = 3600
    return offset


def local_clock(times: Seconds) -> tuple[NDArray[np.float64], NDArray[np.int64],
                                         NDArray[np.int64]]:
    """Each time's local hour of day (with its fraction), weekday (Monday 0) and local day
    number since 1970."""
    local = times + uk_offset(times)
    day = local // DAY
    return (local % DAY) / 3600.0, (day + 3) % 7, day  # 1970-01-01 was a Thursday


def traffic_shape(hour: NDArray[np.float64], weekday: NDArray[np.int64]
                  ) -> NDArray[np.float64]:
    """Flow at each moment against the average of its day, the hours' values joined
    smoothly (each hour's value at its middle)."""
    centres = np.arange(-0.5, 25.0)
    shape = np.empty(len(hour), dtype=np.float64)
    for day in range(7):
        mine = weekday == day
        row = HOURLY[day]
        shape[mine] = np.interp(hour[mine], centres, np.concatenate(([row[-1]], row,
                                                                    [row[0]])))
    return shape


def readings(site: Site, times: Seconds, rng: np.random.Generator) -> NDArray[np.float64]:
    """The true value of ``site`` at each of ``times``."""
    hour, weekday, day = local_clock(times)
    days = day - day.min() if len(day) else day
    if site.kind == "traffic_count":
        flow = site.level * DAILY[weekday] * traffic_shape(hour, weekday) \
            * site.interval / DAY * _per_day(rng.lognormal(0, 0.06, _count(days)), days)
        return rng.poisson(flow).astype(np.float64)
    if site.kind == "library_footfall":
        whole = hour.astype(np.int64)
        closes = np.where(weekday == 5, site.closes[1], site.closes[0])
        open_now = (weekday < 6) & (whole >= OPENS) & (whole < closes)
        shape = FOOTFALL_HOURS[np.clip(whole - OPENS, 0, len(FOOTFALL_HOURS) - 1)]
        busy = np.where(weekday == 5, SATURDAY_BUSIER, 1.0)
        mean = site.level * shape * busy * _per_day(rng.lognormal(0, 0.1, _count(days)), days)
        return np.where(open_now, rng.poisson(mean), 0).astype(np.float64)
    weather = _per_day(np.exp(_reverting(rng, _count(days))), days)
    road = site.level * DAILY[weekday] * traffic_shape(hour, weekday)
    value = (site.background + road) * weather + rng.normal(0, 2.5, len(times))
    return np.round(np.maximum(value, 0.5), 1).astype(np.float64)


def _count(days: NDArray[np.int64]) -> int:
    return int(days.max()) + 1 if len(days) else 0


def _per_day(values: NDArray[np.float64], days: NDArray[np.int64]) -> NDArray[np.float64]:
    return values[days] if len(days) else np.ones(0)


def _reverting(rng: np.random.Generator, count: int) -> NDArray[np.float64]:
    """A day-to-day log-scale random walk pulled back towards 0 (sd about 0.35)."""
    steps = rng.normal(0, 0.25, count)
    walk = np.empty(count, dtype=np.float64)
    level = 0.0
    for i, step in enumerate(steps.tolist()):
        level = 0.7 * level + step
        walk[i] = level
    return walk


def _year(seconds: int) -> int:
    return (EPOCH + timedelta(seconds=seconds)).year


def _last_sunday_1am(year: int, month: int) -> int:
    """01:00 UTC on the last Sunday of ``month``: when UK clocks change."""
    last = datetime(year, month, 31)
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    return (sunday.replace(hour=1) - EPOCH) // timedelta(seconds=1)
