"""The county's sensors as a hub receives them, with the truth about what went wrong.

Written into ``sensors/`` (see the package docstring for what each file holds): the registry,
the readings of the last weeks before the reference date as two suppliers send them, a file
of readings that came late, and the truth. What goes wrong, per sensor and by design:

    outage      the sensor sent nothing for hours (2-12, seven in ten) or days (1-3): about
                0.15 a sensor a week, at least one in the county; and one sensor is silent
                for the last day or two before the reference date, still broken
    delayed     one in five sensors lost its link for 3-36 hours and sent those readings
                days later, with the two before them again and in no order (``late.jsonl``);
                at least one in the county
    faults      single readings a hub must refuse: "ERR" from a traffic counter, -1 from a
                footfall counter (a reset), NO2 in ppb rather than ug/m3, NO2 with no value;
                1 + one per 25 sensors of the kind each; and an hour of readings from a
                counter nobody registered yet (``TRAFFIC-A47-901``)
    corrected   ratified NO2: a few hourly values re-sent lower in ``late.jsonl``

Every event keeps a day clear of the next and of the period's start, so each is a gap of its
own: ``gaps_truth.csv`` lists them as ``joinedup.sensors.gaps`` reports them (from the last
reading before to the next after, or the period's end; ``missing`` readings expected in
between), with their cause (``outage``, ``delayed``: a gap only until ``late.jsonl`` is in,
``rejected``: a fault). ``problems_truth.csv`` names each faulty reading by file and row
(a CSV's header is row 1; a JSON Lines file's first line is line 1).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from joinedup.synth.context import County, stream
from joinedup.synth.sensor_patterns import EPOCH, Seconds, readings, slots, uk_offset
from joinedup.synth.sensor_sites import Site, choose_sites

DIRECTORY = "sensors"
MIN_WEEKS, MAX_WEEKS = 1, 52
OUTAGES_PER_WEEK = 0.15
DELAYED_SHARE = 0.2
UNREGISTERED = "TRAFFIC-A47-901"
PPB = 1.9125
"""ug/m3 of NO2 in one part per billion (at 20 C and 1013 mb, as UK monitoring converts)."""
_CHUNK = 100_000

NOT_A_NUMBER, NEGATIVE, WRONG_UNIT, NO_VALUE, UNKNOWN = (
    "not a number", "negative count", "wrong unit", "no value", "unknown sensor")
FAULT_KINDS = {NOT_A_NUMBER: "traffic_count", NEGATIVE: "library_footfall",
               WRONG_UNIT: "air_quality_no2", NO_VALUE: "air_quality_no2"}
_COUNT_FAULTS = {NOT_A_NUMBER: "ERR", NEGATIVE: "-1"}


@dataclass(frozen=True)
class SensorFiles:
    """What was written, in the order a hub loads it: the registry, the readings files, then
    the late file."""

    registry: Path
    readings: tuple[Path, ...]
    late: Path
    gaps_truth: Path
    problems_truth: Path
    sensors: int
    start: datetime
    end: datetime


@dataclass
class _Series:
    """One sensor's readings over the period, and what happens to them."""

    site: Site
    times: Seconds
    values: NDArray[np.float64]
    sent: NDArray[np.bool_]  # in the readings file
    faults: dict[int, str] = field(default_factory=dict)  # slot -> fault
    taken: list[tuple[int, int]] = field(default_factory=list)  # slots of events

    @property
    def pad(self) -> int:
        return 86_400 // self.site.interval

    @cached_property
    def stamps(self) -> list[str]:
        """Each slot's time in UTC as the files write it, ``2024-06-03T08:15:00Z``."""
        return [f"{t}Z" for t in np.datetime_as_string(self.times.astype("datetime64[s]"))]

    def place(self, length: int, rng: random.Random, *, at_end: bool = False) -> int | None:
        """A free start for an event of ``length`` slots a day clear of the others, or None."""
        n = len(self.times)
        if n - length - self.pad < self.pad:
            return None
        for _ in range(50):
            start = n - length if at_end else rng.randint(self.pad, n - length - self.pad)
            if all(start + length + self.pad <= a or b + self.pad <= start
                   for a, b in self.taken):
                self.taken.append((start, start + length))
                return start
            if at_end:
                return None
        return None


@dataclass
class _Plan:
    gaps: list[tuple[_Series, int, int, str]] = field(default_factory=list)
    late: list[tuple[_Series, int, float]] = field(default_factory=list)


def write_sensors(county: County, outdir: Path, *, weeks: int) -> SensorFiles:
    """Write the county's sensors for the ``weeks`` before its reference date."""
    end = datetime.combine(county.reference, time())
    start = end - timedelta(weeks=weeks)
    sites = choose_sites(county.props, len(county.pop.people), county.rng("sensors:sites"))
    series = []
    for site in sites:
        times = slots(start, end, site.interval)
        values = readings(site, times, np.random.default_rng(
            stream(county.seed, f"sensors:{site.code}").getrandbits(64)))
        series.append(_Series(site, times, values, np.ones(len(times), dtype=bool)))
    rng = county.rng("sensors:events")
    plan = _plan(series, weeks, rng)
    directory = outdir / DIRECTORY
    directory.mkdir()
    files = SensorFiles(
        registry=directory / "registry.csv",
        readings=(directory / "readings.csv", directory / "air_quality.jsonl"),
        late=directory / "late.jsonl", gaps_truth=directory / "gaps_truth.csv",
        problems_truth=directory / "problems_truth.csv", sensors=len(sites), start=start,
        end=end)
    _write_registry(files.registry, sites)
    counters = [s for s in series if s.site.kind != "air_quality_no2"]
    monitors = [s for s in series if s.site.kind == "air_quality_no2"]
    problems = [*_write_csv(files.readings[0], counters, _unregistered(counters, rng)),
                *_write_jsonl(files.readings[1], monitors)]
    _write_late(files.late, plan.late, rng)
    _write_truth(files.gaps_truth, ("sensor", "start", "end", "missing", "cause"),
                 sorted(_gap_row(s, a, b, cause, end) for s, a, b, cause in plan.gaps))
    _write_truth(files.problems_truth,
                 ("file", "row", "sensor", "observed_at", "value", "unit", "fault"), problems)
    return files


def _plan(series: list[_Series], weeks: int, rng: random.Random) -> _Plan:
    """Outages, delayed stretches, faults and corrections, placed sensor by sensor."""
    plan = _Plan()

    def event(s: _Series, hours: int, cause: str, *, at_end: bool = False) -> bool:
        length = max(1, hours * 3600 // s.site.interval)
        begin = s.place(length, rng, at_end=at_end)
        if begin is None:
            return False
        s.sent[begin:begin + length] = False
        plan.gaps.append((s, begin, begin + length, cause))
        if cause == "delayed":
            plan.late.extend((s, i, s.values[i]) for i in range(begin - 2, begin + length))
        return True

    event(series[rng.randrange(len(series))], rng.randint(24, 48), "outage", at_end=True)
    outages = delays = 0
    for s in series:
        for _ in range(weeks):
            if rng.random() < OUTAGES_PER_WEEK:
                hours = rng.randint(2, 12) if rng.random() < 0.7 else rng.randint(24, 72)
                outages += event(s, hours, "outage")
        if rng.random() < DELAYED_SHARE:
            delays += event(s, rng.randint(3, 36), "delayed")
    if not outages:
        event(series[0], rng.randint(2, 12), "outage")
    if not delays:
        event(series[-1], rng.randint(3, 36), "delayed")
    for fault, kind in FAULT_KINDS.items():
        mine = [s for s in series if s.site.kind == kind]
        for _ in range(1 + len(mine) // 25 if mine else 0):
            s = mine[rng.randrange(len(mine))]
            slot = s.place(1, rng)
            if slot is not None:
                s.faults[slot] = fault
                plan.gaps.append((s, slot, slot + 1, "rejected"))
    monitors = [s for s in series if s.site.kind == "air_quality_no2"]
    for _ in range(1 + len(monitors) // 4 if monitors else 0):
        s = monitors[rng.randrange(len(monitors))]
        slot = s.place(1, rng)
        if slot is not None:
            old = float(s.values[slot])
            new = round(old * rng.uniform(0.85, 0.95), 1)
            plan.late.append((s, slot, new if new != old else round(old + 0.1, 1)))
    return plan


def _unregistered(counters: list[_Series], rng: random.Random
                  ) -> list[tuple[int, str, str]]:
    """An hour of readings from a counter not in the registry: (time, code, value)."""
    traffic = [s for s in counters if s.site.kind == "traffic_count"]
    like = traffic[0] if traffic else counters[0]
    at = rng.randrange(len(like.times) - 4)
    return [(int(like.times[i]), UNREGISTERED, str(int(like.values[i])))
            for i in range(at, at + 4)]


def _write_registry(path: Path, sites: list[Site]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("code", "kind", "unit", "name", "easting", "northing", "ward",
                         "interval_seconds"))
        writer.writerows((s.code, s.kind, s.unit, s.name, s.easting, s.northing, s.ward,
                          s.interval) for s in sites)


def _local(times: Seconds) -> list[str]:
    """UK local times with their offset, as the air quality supplier sends them."""
    offset = uk_offset(times)
    wall = np.datetime_as_string((times + offset).astype("datetime64[s]"))
    return [f"{w}+{o // 3600:02d}:00" for w, o in zip(wall, offset.tolist(), strict=True)]


def _utc(seconds: int) -> str:
    return f"{EPOCH + timedelta(seconds=seconds):%Y-%m-%dT%H:%M:%S}Z"


def _in_order(series: list[_Series]) -> Iterator[tuple[_Series, int]]:
    """Every sent reading of ``series`` as (series, slot), by time then sensor code."""
    owner = np.concatenate([np.full(int(s.sent.sum()), i) for i, s in enumerate(series)]
                           or [np.zeros(0, dtype=np.int64)])
    slot = np.concatenate([np.flatnonzero(s.sent) for s in series]
                          or [np.zeros(0, dtype=np.int64)])
    when = np.concatenate([s.times[s.sent] for s in series] or [np.zeros(0, dtype=np.int64)])
    codes = np.array([s.site.code for s in series] or [""])
    order = np.lexsort((codes[owner], when))
    for lo in range(0, len(order), _CHUNK):
        part = order[lo:lo + _CHUNK]
        yield from zip((series[i] for i in owner[part].tolist()), slot[part].tolist(),
                       strict=True)


def _write_csv(path: Path, series: list[_Series], extra: list[tuple[int, str, str]]
               ) -> list[tuple[Any, ...]]:
    """Traffic and footfall as the county's counter supplier sends them (UTC, a unit on
    every row); returns the problems truth of its faulty rows."""
    problems: list[tuple[Any, ...]] = []
    pending = sorted(extra)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("sensor", "observed_at", "value", "unit"))
        row = 1

        def put(sensor: str, stamp: str, value: str, unit: str, fault: str | None) -> None:
            nonlocal row
            row += 1
            writer.writerow((sensor, stamp, value, unit))
            if fault is not None:
                problems.append((path.name, row, sensor, stamp, value, unit, fault))

        for s, slot in _in_order(series):
            moment = s.times[slot]
            while pending and (pending[0][0], pending[0][1]) < (moment, s.site.code):
                t, code, value = pending.pop(0)
                put(code, _utc(t), value, "vehicles", UNKNOWN)
            fault = s.faults.get(slot)
            value = _COUNT_FAULTS[fault] if fault else str(int(s.values[slot]))
            put(s.site.code, s.stamps[slot], value, s.site.unit, fault)
        for t, code, value in pending:
            put(code, _utc(t), value, "vehicles", UNKNOWN)
    return problems


def _write_jsonl(path: Path, series: list[_Series]) -> list[tuple[Any, ...]]:
    """NO2 as the air quality supplier sends it: one object a line, UK local time with its
    offset; returns the problems truth of its faulty lines."""
    problems: list[tuple[Any, ...]] = []
    local = {id(s): _local(s.times) for s in series}
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for line, (s, slot) in enumerate(_in_order(series), start=1):
            observed = local[id(s)][slot]
            value: float | None = float(s.values[slot])
            unit = s.site.unit
            fault = s.faults.get(slot)
            if fault == WRONG_UNIT:
                value, unit = round(float(s.values[slot]) / PPB, 1), "ppb"
            elif fault == NO_VALUE:
                value = None
            f.write(json.dumps({"sensor": s.site.code, "observed_at": observed,
                                "value": value, "unit": unit}) + "\n")
            if fault is not None:
                problems.append((path.name, line, s.site.code, observed,
                                 "" if value is None else str(value), unit, fault))
    return problems


def _write_late(path: Path, late: list[tuple[_Series, int, float]], rng: random.Random
                ) -> None:
    """The late readings in no order, as a buffer uploads them when its link is back."""
    lines = []
    for s, slot, value in late:
        sent: float | int = int(value) if s.site.kind != "air_quality_no2" else float(value)
        lines.append(json.dumps({"sensor": s.site.code, "observed_at": s.stamps[slot],
                                 "value": sent, "unit": s.site.unit}) + "\n")
    rng.shuffle(lines)
    path.write_text("".join(lines), encoding="utf-8", newline="\n")


def _gap_row(s: _Series, begin: int, stop: int, cause: str, end: datetime
             ) -> tuple[str, str, str, int, str]:
    after = (EPOCH + timedelta(seconds=int(s.times[stop]))) if stop < len(s.times) else end
    before = EPOCH + timedelta(seconds=int(s.times[begin - 1]))
    return (s.site.code, before.isoformat(), after.isoformat(), stop - begin, cause)


def _write_truth(path: Path, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
