"""Sensors at city scale: 500 sensors and a year of 15-minute readings (17.5 million) on SQLite
and PostgreSQL, beside pandas on the same data.

    python bench/sensors.py                                    # 17,520,000 readings, a year
    python bench/sensors.py --readings 1000000 --runs 5        # a quick look (20 days)
    python bench/sensors.py --backend sqlite --rebuild         # build the store again

1. The data (numpy, the same for a seed): 300 roadside traffic counters, 100 library footfall
   counters and 100 NO2 monitors, a reading every 15 minutes from 2025-01-01. Traffic has
   morning and evening peaks and quieter weekends (Poisson counts); libraries open 9:00 to
   19:00 Monday to Saturday; NO2 follows the traffic, with noise. One CSV file a day, time by
   time as a platform exports them, cached in bench/out/sensors/.
2. Ingest, end to end (``ingest_file`` in ``ingest_transaction``: reading the CSV, the checks,
   the writes, the commit), each day's file a batch received ten minutes after the day: the
   first ``--sample`` readings into an empty store, then the same files again (every reading
   a duplicate, which must change nothing).
3. The year store: every file ingested once, timed, and cached (bench/out/sensors/*.db and the
   PostgreSQL schema bench_sensors_<readings>); ``--rebuild`` starts again.
4. Queries on it, ``--runs`` times after a warm-up, median and p95: the latest value of every
   sensor (checked against the data, and beside the naive GROUP BY it replaces, run once), a
   daily rollup of one traffic counter over the year, and every sensor for one day, by day and
   by hour.
5. pandas in the same run on the same rows: ``read_sql`` and ``resample`` (count, sum, mean,
   min, max and ``quantile(0.95)``), timed the same way; its figures must equal ours (counts
   exactly, the rest to 1e-9 relative).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
import pyarrow.csv as pa_csv
from govern import PG, cached_store_url
from numpy.typing import NDArray
from sqlalchemy import Engine, bindparam, create_engine, func, select, text

from joinedup.sensors import (
    Bucket,
    ingest_file,
    ingest_transaction,
    latest,
    read_registry,
    register,
    rollup,
    rollup_all,
)
from joinedup.sensors.times import to_seconds
from joinedup.store.database import open_store
from joinedup.store.schema import sensor, sensor_batch

OUT = Path(__file__).parent / "out" / "sensors"
YEAR = datetime(2025, 1, 1)
STEP = 900
PER_DAY = 86_400 // STEP
KINDS = (("TRAFFIC", "traffic_count", "vehicles", 300), ("LIB", "library_footfall", "people", 100),
         ("NO2", "air_quality_no2", "ug/m3", 100))
SENSORS = sum(k[3] for k in KINDS)
ONE = "TRAFFIC-0001"
TARGETS = {"ingest": 100_000, "latest": 0.020, "one": 0.050, "all": 0.500}


# -- the data ---------------------------------------------------------------------------------

def codes() -> list[str]:
    return [f"{prefix}-{i:04d}" for prefix, _kind, _unit, n in KINDS for i in range(1, n + 1)]


def write_registry(path: Path) -> Path:
    rng = np.random.default_rng(7)
    lines = ["code,kind,unit,name,easting,northing,ward,interval_seconds"]
    for prefix, kind, unit, n in KINDS:
        for i in range(1, n + 1):
            east, north = rng.uniform(560_000, 650_000), rng.uniform(280_000, 340_000)
            lines.append(f"{prefix}-{i:04d},{kind},{unit},{kind} {i},{east:.0f},{north:.0f},"
                         f"Ward {i % 84 + 1},{STEP}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _traffic_shape(hour: NDArray[np.float64], weekend: NDArray[np.bool_]) -> NDArray[np.float64]:
    weekday = (0.15 + np.exp(-((hour - 8) / 1.5) ** 2) + 0.9 * np.exp(-((hour - 17.5) / 2) ** 2)
               + 0.4 * np.exp(-((hour - 13) / 3) ** 2))
    return np.where(weekend, 0.1 + 0.6 * np.exp(-((hour - 13) / 4) ** 2), weekday)


def day_values(day: int, seed: int) -> NDArray[np.float64]:
    """The readings of day ``day`` (from 2025-01-01): one row per time, one column per sensor."""
    rng = np.random.default_rng([seed, day])
    sizes = np.random.default_rng(seed).uniform(size=SENSORS)
    start = YEAR + timedelta(days=day)
    hour = (np.arange(PER_DAY) * STEP / 3600)[:, None]
    weekday = start.weekday()
    traffic = _traffic_shape(hour, np.full_like(hour, weekday >= 5, dtype=bool))
    n_traffic, n_library, _ = (k[3] for k in KINDS)
    values = np.empty((PER_DAY, SENSORS))
    values[:, :n_traffic] = rng.poisson(traffic * (20 + 380 * sizes[:n_traffic]))
    closes = 17 if weekday == 5 else 19
    open_ = (hour >= 9) & (hour < closes) & (weekday != 6)
    visits = open_ * (0.5 + np.sin(np.pi * (hour - 9) / (closes - 9)))
    values[:, n_traffic:n_traffic + n_library] = rng.poisson(
        visits * (5 + 55 * sizes[n_traffic:n_traffic + n_library]))
    no2 = sizes[n_traffic + n_library:]
    values[:, n_traffic + n_library:] = np.round(
        8 + 17 * no2 + 25 * traffic * no2 + rng.normal(0, 3, size=(PER_DAY, len(no2))), 1)
    return values


def day_file(day: int, seed: int, folder: Path) -> Path:
    path = folder / f"{(YEAR + timedelta(days=day)):%Y-%m-%d}.csv"
    if path.exists():
        return path
    times = np.datetime64(YEAR) + np.timedelta64(day * 86_400, "s") \
        + np.arange(PER_DAY) * np.timedelta64(STEP, "s")
    stamps = np.char.add(np.datetime_as_string(times, unit="s"), "Z")
    table = pa.table({"sensor": pa.array(np.tile(codes(), PER_DAY)),
                      "observed_at": pa.array(np.repeat(stamps, SENSORS)),
                      "value": pa.array(day_values(day, seed).ravel())})
    partial = path.with_suffix(".partial")
    pa_csv.write_csv(table, partial,
                     write_options=pa_csv.WriteOptions(quoting_style="none"))
    partial.replace(path)
    return path


# -- ingest -----------------------------------------------------------------------------------

def store_url(backend: str, name: str, rebuild: bool) -> str:
    return cached_store_url(backend, name, OUT, rebuild=rebuild)


def ingest_days(engine: Engine, files: Sequence[Path], first_day: int = 0,
                label: str = "") -> tuple[int, float, int]:
    """Ingest each day's file as a batch: readings read, seconds, readings accepted."""
    read = accepted = 0
    started = time.perf_counter()
    for i, path in enumerate(files):
        received = YEAR + timedelta(days=first_day + i + 1, minutes=10)
        with ingest_transaction(engine) as c:
            report = ingest_file(c, path, received_by="bench", now=received)
        if report.rejected:
            raise SystemExit(f"{path}: {report.rejected} readings rejected: "
                             f"{report.problems[:3]}")
        read, accepted = read + report.read, accepted + report.accepted
        if label and i % 30 == 29:
            rate = read / (time.perf_counter() - started)
            print(f"{label}: {i + 1} of {len(files)} days, {rate:,.0f} readings/s", flush=True)
    return read, time.perf_counter() - started, accepted


def measure_ingest(backend: str, files: Sequence[Path], registry: Path) -> dict[str, float]:
    url = store_url(backend, "bench_sensors_ingest", True)
    with open_store(url) as engine:
        with engine.begin() as c:
            register(c, read_registry(registry), now=YEAR)
        read, seconds, accepted = ingest_days(engine, files)
        assert accepted == read, (accepted, read)
        again, again_seconds, changed = ingest_days(engine, files)
        assert changed == 0, f"sending the same files again changed {changed} readings"
    if backend == "sqlite":
        store_url(backend, "bench_sensors_ingest", True)
    else:
        with create_engine(PG).begin() as c:
            c.execute(text("DROP SCHEMA bench_sensors_ingest CASCADE"))
    return {"new": read / seconds, "again": again / again_seconds, "readings": read}


def year_store(backend: str, files: Sequence[Path], registry: Path, rebuild: bool
               ) -> tuple[str, dict[str, Any]]:
    """The store holding every file, built unless cached; its URL and how it was built."""
    name = f"bench_sensors_{len(files) * PER_DAY * SENSORS}"
    marker = OUT / f"{name}-{backend}.json"
    url = store_url(backend, name, rebuild)
    with open_store(url) as engine, engine.connect() as c:
        batches = c.execute(select(func.count()).select_from(sensor_batch)).scalar_one()
    if batches == len(files) and marker.exists() and not rebuild:
        return url, dict(json.loads(marker.read_text(encoding="utf-8")))
    url = store_url(backend, name, True)
    with open_store(url) as engine:
        with engine.begin() as c:
            register(c, read_registry(registry), now=YEAR)
        read, seconds, _ = ingest_days(engine, files, label=f"{backend}: building the year")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE sensor_reading"))
    info = {"readings": read, "seconds": round(seconds, 1), "rate": round(read / seconds)}
    marker.write_text(json.dumps(info), encoding="utf-8")
    return url, info


# -- queries ----------------------------------------------------------------------------------

@dataclass
class Timed:
    seconds: list[float]
    result: Any

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return float(np.percentile(self.seconds, 95))


def timed(runs: int, call: Callable[[], Any]) -> Timed:
    result = call()  # warm-up
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return Timed(seconds, result)


def pandas_buckets(frame: pd.DataFrame, rule: str) -> pd.DataFrame:
    """What an analyst writes: resample the readings and aggregate."""
    resampled = frame.resample(rule)["value"]
    table = resampled.agg(["count", "sum", "mean", "min", "max"])
    table["p95"] = resampled.quantile(0.95)
    return table[table["count"] > 0]


def read_frame(engine: Engine, sql: str, **params: int | list[int]) -> pd.DataFrame:
    """The rows of ``sql`` as a DataFrame indexed by time: what the analyst reads."""
    query = text(sql).bindparams(*(bindparam(name, expanding=True)
                                   for name, value in params.items() if isinstance(value, list)))
    with engine.connect() as c:
        frame = pd.read_sql(query, c, params=params)
    return frame.set_index(pd.to_datetime(frame.pop("observed_at"), unit="s"))


ONE_SQL = ("SELECT observed_at, value FROM sensor_reading WHERE sensor_id = :sensor AND "
           "observed_at >= :lo AND observed_at < :hi")
ALL_SQL = ("SELECT sensor_id, observed_at, value FROM sensor_reading WHERE sensor_id IN :ids "
           "AND observed_at >= :lo AND observed_at < :hi")  # the key ranges, as ours reads


def same(ours: list[Bucket], theirs: pd.DataFrame, what: str) -> None:
    mine = np.array([[b.count, b.sum, b.mean, b.min, b.max, b.p95] for b in ours])
    starts = [pd.Timestamp(b.start) for b in ours]
    if starts != list(theirs.index) or not np.array_equal(mine[:, 0], theirs["count"]) \
            or not np.allclose(mine[:, 1:], theirs[["sum", "mean", "min", "max", "p95"]],
                               rtol=1e-9, atol=1e-9):
        raise SystemExit(f"{what}: our rollup differs from pandas'")


def queries(url: str, days: int, seed: int, runs: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    end = YEAR + timedelta(days=days)
    one_day = (YEAR + timedelta(days=days // 2), YEAR + timedelta(days=days // 2 + 1))
    lo, hi = to_seconds(one_day[0]), to_seconds(one_day[1])
    with open_store(url) as engine:
        with engine.connect() as c:
            ids = dict(c.execute(select(sensor.c.code, sensor.c.id)).all())

            found["latest"] = timed(runs, lambda: latest(c))
            last = day_values(days - 1, seed)[-1]
            if [(x.code, x.value) for x in found["latest"].result] != \
                    sorted(zip(codes(), last.tolist(), strict=True)):
                raise SystemExit("latest() is not the last reading of each sensor")
            found["naive"] = timed(1, lambda: c.execute(text(
                "SELECT r.sensor_id, r.observed_at, r.value FROM sensor_reading r JOIN "
                "(SELECT sensor_id, max(observed_at) AS t FROM sensor_reading GROUP BY "
                "sensor_id) m ON r.sensor_id = m.sensor_id AND r.observed_at = m.t")).all())
            found["one"] = timed(runs, lambda: rollup(c, ONE, "day", YEAR, end))
            found["all day"] = timed(runs, lambda: rollup_all(c, "day", *one_day))
            found["all hour"] = timed(runs, lambda: rollup_all(c, "hour", *one_day))

        params = {"sensor": ids[ONE], "lo": to_seconds(YEAR), "hi": to_seconds(end)}
        found["pandas one"] = timed(runs, lambda: pandas_buckets(
            read_frame(engine, ONE_SQL, **params), "D"))
        frame = read_frame(engine, ONE_SQL, **params)
        found["pandas one resample"] = timed(runs, lambda: pandas_buckets(frame, "D"))
        same(found["one"].result, found["pandas one"].result, f"{ONE} by day")

        def every_sensor(rule: str) -> pd.DataFrame:
            frame = read_frame(engine, ALL_SQL, ids=sorted(ids.values()), lo=lo, hi=hi)
            grouped = frame.groupby(["sensor_id", pd.Grouper(freq=rule)])["value"]
            table = grouped.agg(["count", "sum", "mean", "min", "max"])
            table["p95"] = grouped.quantile(0.95)
            return table[table["count"] > 0]

        found["pandas all day"] = timed(runs, lambda: every_sensor("D"))
        found["pandas all hour"] = timed(runs, lambda: every_sensor("h"))
        for period, rule in (("day", "all day"), ("hour", "all hour")):
            theirs = found[f"pandas {rule}"].result
            ours = found[rule].result
            if len(ours) != SENSORS or theirs.index.get_level_values(0).nunique() != SENSORS:
                raise SystemExit(f"every sensor by {period}: not every sensor answered")
            for code, buckets in ours.items():
                same(buckets, theirs.loc[ids[code]], f"{code} on {one_day[0]:%Y-%m-%d} by "
                     f"{period}")
        with engine.connect() as c:
            found["rows"] = c.execute(text("SELECT count(*) FROM sensor_reading")).scalar_one()
    return found


# -- the report -------------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    with create_engine(PG).connect() as c:
        pg = c.execute(text("SHOW server_version")).scalar_one()
    return (f"{cpu}, {os.cpu_count()} cores, {kib / 2**20:.0f} GiB RAM; Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, PostgreSQL {pg}, "
            f"numpy {np.__version__}, pandas {pd.__version__}; {date.today()}; load average "
            f"{os.getloadavg()[0]:.1f} at the end")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def report(readings: int, sample: int, ingests: dict[str, dict[str, float]],
           builds: dict[str, dict[str, Any]], found: dict[str, dict[str, Any]]) -> None:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    backends = list(found)
    print(f"\n{machine()}\n")
    print(f"{SENSORS} sensors, {readings:,} readings ({readings // SENSORS:,} each, 15 "
          f"minutes apart), {found[backends[0]]['rows']:,} in each store.\n")
    print("| | " + " | ".join(names[b] for b in backends) + " | target |")
    print("|---|" + "---|" * (len(backends) + 1))

    def row(label: str, cells: Sequence[str], target: str = "") -> None:
        print(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    def runs(key: str) -> list[str]:
        return [f"{_ms(found[b][key].median)} ({_ms(found[b][key].p95)})" for b in backends]

    def ratio(ours: str, theirs: str) -> list[str]:
        return [f"{found[b][theirs].median / found[b][ours].median:.1f}x" for b in backends]

    row(f"ingest, new readings ({sample:,}), readings/s",
        [f"{ingests[b]['new']:,.0f}" for b in backends], "≥ 100,000")
    row("ingest, the same files again (all duplicates), readings/s",
        [f"{ingests[b]['again']:,.0f}" for b in backends])
    row(f"ingest, the whole year into one store ({readings:,}), readings/s",
        [f"{builds[b]['rate']:,} ({builds[b]['seconds']:,.0f} s)" for b in backends])
    row("latest value of every sensor, median (p95)", runs("latest"), "≤ 20 ms")
    row("&nbsp;&nbsp;the naive `GROUP BY` it replaces, once",
        [_ms(found[b]["naive"].median) for b in backends])
    row(f"daily rollup of one sensor over the {readings // SENSORS // PER_DAY} days, "
        "median (p95)", runs("one"), "≤ 50 ms")
    row("&nbsp;&nbsp;pandas `read_sql` + `resample`, median", [
        _ms(found[b]["pandas one"].median) for b in backends])
    row("&nbsp;&nbsp;pandas `resample` alone (rows in memory), median", [
        _ms(found[b]["pandas one resample"].median) for b in backends])
    row("&nbsp;&nbsp;ratio: pandas (read + resample) / joinedup", ratio("one", "pandas one"))
    row("every sensor for one day, by day, median (p95)", runs("all day"), "≤ 500 ms")
    row("&nbsp;&nbsp;pandas `read_sql` + `groupby([sensor, Grouper(freq)])`, median",
        [_ms(found[b]["pandas all day"].median) for b in backends])
    row("&nbsp;&nbsp;ratio: pandas / joinedup", ratio("all day", "pandas all day"))
    row("every sensor for one day, by hour, median (p95)", runs("all hour"), "≤ 500 ms")
    row("&nbsp;&nbsp;pandas, median", [_ms(found[b]["pandas all hour"].median)
                                       for b in backends])
    row("&nbsp;&nbsp;ratio: pandas / joinedup", ratio("all hour", "pandas all hour"))
    print("\nEvery rollup equals pandas' (counts exactly; sum, mean, min, max and p95 to 1e-9), "
          "and the latest values are the last readings generated.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=365 * PER_DAY * SENSORS,
                        help="how many (rounded to whole days of 500 sensors)")
    parser.add_argument("--sample", type=int, default=21 * PER_DAY * SENSORS,
                        help="readings for the ingest measure on an empty store")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    days = max(1, args.readings // (PER_DAY * SENSORS))
    sample_days = max(1, min(days, args.sample // (PER_DAY * SENSORS)))
    folder = OUT / f"days-{args.seed}"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"writing {days} daily files into {folder} (cached)", flush=True)
    files = [day_file(day, args.seed, folder) for day in range(days)]
    registry = write_registry(OUT / "registry.csv")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ingests, builds, found = {}, {}, {}
    for backend in backends:
        print(f"{backend}: ingest into an empty store", flush=True)
        ingests[backend] = measure_ingest(backend, files[:sample_days], registry)
        url, builds[backend] = year_store(backend, files, registry, args.rebuild)
        print(f"{backend}: queries", flush=True)
        found[backend] = queries(url, days, args.seed, args.runs)
    report(days * PER_DAY * SENSORS, sample_days * PER_DAY * SENSORS, ingests, builds, found)


if __name__ == "__main__":
    main()
