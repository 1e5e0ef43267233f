"""Reading back: rollups equal a brute-force computation, calendar buckets, gaps, latest."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sensor_world import AIR, LIBRARY, TRAFFIC, empty, send
from sqlalchemy import Engine

from joinedup.errors import BadInput, NotFound
from joinedup.sensors import Bucket, Gap, gaps, history, latest, rollup, rollup_all
from joinedup.sensors.queries import bucket_edges
from joinedup.sensors.times import to_datetime

START = datetime(2026, 1, 26)  # a Monday
END = START + timedelta(days=80)
NOW = datetime(2026, 4, 20)
HYPOTHESIS = settings(max_examples=20, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def _bucket_start(moment: datetime, period: str) -> datetime:
    """The obvious way: truncate the datetime."""
    if period == "hour":
        return moment.replace(minute=0, second=0)
    day = moment.replace(hour=0, minute=0, second=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _brute(readings: list[tuple[datetime, float]], period: str) -> list[Bucket]:
    groups: dict[datetime, list[float]] = defaultdict(list)
    for moment, value in readings:
        groups[_bucket_start(moment, period)].append(value)
    found = []
    for start, values in sorted(groups.items()):
        ordered = sorted(values)
        rank = 0.95 * (len(ordered) - 1)
        low, high = ordered[math.floor(rank)], ordered[math.ceil(rank)]
        total = math.fsum(values)
        found.append(Bucket(start, len(values), total, total / len(values), ordered[0],
                            ordered[-1], low + (rank - math.floor(rank)) * (high - low)))
    return found


def _assert_close(got: list[Bucket], expected: list[Bucket]) -> None:
    assert [(b.start, b.count, b.min, b.max) for b in got] == \
        [(b.start, b.count, b.min, b.max) for b in expected]
    for g, e in zip(got, expected, strict=True):
        assert (g.sum, g.mean, g.p95) == pytest.approx((e.sum, e.mean, e.p95), rel=1e-9,
                                                       abs=1e-9)


readings_strategy = st.lists(
    st.tuples(st.integers(0, 80 * 24 * 60 - 1),  # a minute in the 80 days
              st.floats(-1000, 1000, allow_nan=False).map(lambda v: round(v, 3))),
    min_size=1, max_size=200, unique_by=lambda r: r[0])


@HYPOTHESIS
@given(readings=readings_strategy, period=st.sampled_from(["hour", "day", "week", "month"]),
       cut=st.integers(0, 80 * 24 * 60))
def test_rollups_equal_a_brute_force_computation(shared: Engine,
                                                 readings: list[tuple[int, float]],
                                                 period: str, cut: int) -> None:
    empty(shared)
    timed = [(START + timedelta(minutes=m), v) for m, v in readings]
    send(shared, [(AIR, t, v) for t, v in timed] + [(LIBRARY, t, abs(v)) for t, v in timed],
         now=NOW)
    start = START + timedelta(minutes=cut // 2)  # a range starting mid-bucket
    inside = [(t, v) for t, v in timed if start <= t < END]

    with shared.connect() as c:
        one = rollup(c, AIR, period, start, END)
        every = rollup_all(c, period, start, END)

    _assert_close(one, _brute(inside, period))
    assert set(every) == ({AIR, LIBRARY} if inside else set())
    if inside:
        _assert_close(every[AIR], one)
        _assert_close(every[LIBRARY], _brute([(t, abs(v)) for t, v in inside], period))


@pytest.mark.parametrize(("period", "start", "end", "first", "last"), [
    ("hour", datetime(2026, 3, 1, 10, 30), datetime(2026, 3, 1, 12), datetime(2026, 3, 1, 10),
     datetime(2026, 3, 1, 12)),
    ("day", datetime(2026, 3, 1, 10), datetime(2026, 3, 3, 0, 0, 1), datetime(2026, 3, 1),
     datetime(2026, 3, 4)),
    # 2026-03-04 is a Wednesday: its week began on Monday the 2nd
    ("week", datetime(2026, 3, 4, 23), datetime(2026, 3, 16), datetime(2026, 3, 2),
     datetime(2026, 3, 16)),
    ("week", datetime(1969, 12, 31), datetime(1970, 1, 2), datetime(1969, 12, 29),
     datetime(1970, 1, 5)),
    ("month", datetime(2025, 11, 30, 23), datetime(2026, 2, 1, 0, 0, 1), datetime(2025, 11, 1),
     datetime(2026, 3, 1)),
])
def test_buckets_follow_the_utc_calendar(period: str, start: datetime, end: datetime,
                                         first: datetime, last: datetime) -> None:
    edges = [to_datetime(e) for e in bucket_edges(period, start, end).tolist()]
    assert (edges[0], edges[-1]) == (first, last)
    assert edges == sorted(set(edges))
    assert all(_bucket_start(e, period) == e for e in edges)


def test_a_reading_on_a_boundary_starts_the_next_bucket(registered: Engine) -> None:
    send(registered, [(TRAFFIC, "2026-03-01T23:45:00Z", 1), (TRAFFIC, "2026-03-02T00:00:00Z", 2),
                      (TRAFFIC, "2026-03-31T23:59:59Z", 3), (TRAFFIC, "2026-04-01T00:00:00Z", 4)],
         now=NOW)
    with registered.connect() as c:
        weeks = rollup(c, TRAFFIC, "week", datetime(2026, 2, 1), datetime(2026, 5, 1))
        months = rollup(c, TRAFFIC, "month", datetime(2026, 2, 1), datetime(2026, 5, 1))

    # Sunday 1 March is in the week of Monday 23 February; Monday 2 March starts the next
    assert [(b.start, b.sum) for b in weeks] == [(datetime(2026, 2, 23), 1.0),
                                                 (datetime(2026, 3, 2), 2.0),
                                                 (datetime(2026, 3, 30), 7.0)]
    assert [(b.start, b.sum) for b in months] == [(datetime(2026, 3, 1), 6.0),
                                                  (datetime(2026, 4, 1), 4.0)]


def test_bad_periods_ranges_and_codes_are_refused(registered: Engine) -> None:
    day = (datetime(2026, 3, 1), datetime(2026, 3, 2))
    with registered.connect() as c:
        with pytest.raises(BadInput, match="period 'year': expected one of hour, day, week, "
                                           "month"):
            rollup(c, TRAFFIC, "year", *day)
        with pytest.raises(BadInput, match="the range 2026-03-02 00:00 to 2026-03-01 00:00 is "
                                           "empty; expected its start before its end"):
            rollup_all(c, "day", day[1], day[0])
        with pytest.raises(NotFound, match="no sensor 'NOPE'; see joinedup sensors list"):
            gaps(c, "NOPE", *day)
        with pytest.raises(NotFound, match="no sensor 'NOPE', 'NADA'"):
            latest(c, ["NOPE", TRAFFIC, "NADA"])
        assert rollup(c, TRAFFIC, "day", *day) == []
        assert rollup_all(c, "day", *day) == {}


def _quarter_hours(*spans: tuple[str, str]) -> list[tuple[str, datetime, float]]:
    """Readings every 15 minutes over each [first, last] span."""
    found = []
    for first, last in spans:
        moment, end = datetime.fromisoformat(first), datetime.fromisoformat(last)
        while moment <= end:
            found.append((TRAFFIC, moment, 1.0))
            moment += timedelta(minutes=15)
    return found


def test_gaps_are_silences_longer_than_one_and_a_half_intervals(registered: Engine) -> None:
    send(registered, _quarter_hours(("2026-03-01T00:00", "2026-03-01T06:00"),
                                    ("2026-03-01T06:20", "2026-03-01T08:05"),  # 20 min: no gap
                                    ("2026-03-01T10:00", "2026-03-01T12:00"),
                                    ("2026-03-02T12:00", "2026-03-02T13:00")), now=NOW)
    with registered.connect() as c:
        found = gaps(c, TRAFFIC, datetime(2026, 3, 1), datetime(2026, 3, 3))
        morning = gaps(c, TRAFFIC, datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 9, 30))
        before = gaps(c, TRAFFIC, datetime(2026, 2, 1), datetime(2026, 3, 1))

    assert found == [
        Gap(datetime(2026, 3, 1, 8, 5), datetime(2026, 3, 1, 10), 7),  # 1 h 55: 7 missing
        Gap(datetime(2026, 3, 1, 12), datetime(2026, 3, 2, 12), 95),
        # silent since 13:00 on the 2nd, up to the end of the range asked about
        Gap(datetime(2026, 3, 2, 13), datetime(2026, 3, 3), 43),
    ]
    assert morning == [found[0]]  # a range inside a gap finds the whole of it
    assert before == []  # nothing before the first reading is a gap


def test_a_sensor_silent_for_a_whole_range_has_one_gap_from_its_last_reading(
        registered: Engine) -> None:
    send(registered, _quarter_hours(("2026-03-01T00:00", "2026-03-01T01:00")), now=NOW)
    with registered.connect() as c:
        found = gaps(c, TRAFFIC, datetime(2026, 3, 5), datetime(2026, 3, 6))
        never = gaps(c, LIBRARY, datetime(2026, 3, 5), datetime(2026, 3, 6))
    assert found == [Gap(datetime(2026, 3, 1, 1), datetime(2026, 3, 6), 5 * 96 - 5)]
    assert never == []


def test_history_is_in_time_order_and_limited(registered: Engine) -> None:
    send(registered, [(TRAFFIC, f"2026-03-01T0{h}:00:00Z", h) for h in (3, 1, 2, 0)], now=NOW)
    with registered.connect() as c:
        every = history(c, TRAFFIC, datetime(2026, 3, 1), datetime(2026, 3, 2))
        first_two = history(c, TRAFFIC, datetime(2026, 3, 1), datetime(2026, 3, 2), limit=2)
        later = history(c, TRAFFIC, datetime(2026, 3, 1, 2), datetime(2026, 3, 2))
    assert [v for _, v in every] == [0.0, 1.0, 2.0, 3.0]
    assert first_two == every[:2]
    assert later == every[2:]


def test_latest_of_chosen_sensors_and_of_all(registered: Engine) -> None:
    send(registered, [(TRAFFIC, "2026-03-01T01:00:00Z", 5), (AIR, "2026-03-01T02:00:00Z", 9.5)],
         now=NOW)
    with registered.connect() as c:
        assert [(x.code, x.value, x.unit) for x in latest(c)] == \
            [(AIR, 9.5, "ug/m3"), (TRAFFIC, 5.0, "vehicles")]  # the library never reported
        assert [x.code for x in latest(c, [TRAFFIC])] == [TRAFFIC]
        assert latest(c, [LIBRARY]) == []
