"""The synthetic county's sensors: where they stand, the patterns they read, and the outages,
late readings and faults they come with, checked against what the hub's sensors core finds."""

from __future__ import annotations

import csv
import json
import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml
from conftest import Mapped
from sqlalchemy import Engine

from joinedup.errors import SynthError
from joinedup.sensors import gaps, ingest_file, ingest_transaction, read_registry, register
from joinedup.synth import CountySummary, generate_county
from joinedup.synth.places_data import NORFOLK_BOX, SETTLEMENTS
from joinedup.synth.sensor_patterns import uk_offset
from joinedup.synth.sensor_sites import OUTSIDE, choose_sites
from joinedup.synth.sensors import SensorFiles

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> CountySummary:
    """A week of readings of a small county, cheap to load into each backend."""
    return generate_county(tmp_path_factory.mktemp("sensors") / "out", people=200, seed=3,
                           sensor_weeks=1)


def rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def local_series(files: SensorFiles, kind: str) -> dict[str, list[tuple[datetime, float]]]:
    """Each sensor's readings of ``kind`` in UK local time, leaving out the faults the truth
    lists."""
    codes = {s.code for s in read_registry(files.registry) if s.kind == kind}
    faults = {(r["file"], int(r["row"])) for r in rows(files.problems_truth)}
    found: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for path in files.readings:
        first = 2 if path.suffix == ".csv" else 1  # a CSV's header is row 1
        for number, r in enumerate(rows(path), start=first):
            if r["sensor"] in codes and (path.name, number) not in faults:
                when = datetime.fromisoformat(r["observed_at"]).astimezone(LONDON)
                found[r["sensor"]].append((when, float(r["value"])))
    return found


def by_hour(series: dict[str, list[tuple[datetime, float]]], days: set[int]
            ) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Mean reading by local hour over the given weekdays (Monday 0), all sensors."""
    sums, counts = np.zeros(24), np.zeros(24)
    for readings in series.values():
        for when, value in readings:
            if when.weekday() in days:
                sums[when.hour] += value
                counts[when.hour] += 1
    return sums / np.maximum(counts, 1)


def test_sensors_stand_where_the_county_has_them(mapped: Mapped) -> None:
    files = mapped.summary.sensors
    specs = read_registry(files.registry)  # the hub's own reader accepts it
    kinds = defaultdict(list)
    for spec in specs:
        kinds[spec.kind].append(spec)
    assert set(kinds) == {"traffic_count", "library_footfall", "air_quality_no2"}
    assert len(kinds["traffic_count"]) == 8 and len(kinds["air_quality_no2"]) == 4
    assert files.sensors == len(specs)
    e_min, e_max, n_min, n_max = NORFOLK_BOX
    assert all(e_min <= s.easting <= e_max and n_min <= s.northing <= n_max for s in specs)
    assert {s.ward for s in specs} <= set(mapped.props.ward)
    assert {s.interval_seconds for s in kinds["traffic_count"]} == {900}
    branches = {r["home_branch"] for r in rows(mapped.summary.data["libraries"])
                if r.get("home_branch")}
    assert {f"{b} footfall" for b in branches} <= {s.name for s in kinds["library_footfall"]}
    for spec in kinds["traffic_count"]:  # "A11 south-west of Norwich": just outside it
        place = next(p for p in SETTLEMENTS if spec.name.endswith(f" of {p.name}"))
        away = math.hypot(spec.easting - place.easting, spec.northing - place.northing)
        assert place.spread < away < place.spread + OUTSIDE + 200, spec.name
    assert [s.code for s in kinds["air_quality_no2"]][:2] == ["NO2-NORWICH-01",
                                                              "NO2-NORWICH-02"]


@pytest.mark.parametrize(("people", "traffic", "monitors"),
                         [(12_000, 12, 6), (150_000, 150, 75), (2_000_000, 200, 100)])
def test_more_people_have_more_sensors_up_to_a_limit(mapped: Mapped, people: int,
                                                      traffic: int, monitors: int) -> None:
    sites = choose_sites(mapped.props, people, random.Random(1))
    kinds = [s.kind for s in sites]
    assert kinds.count("traffic_count") == traffic
    assert kinds.count("air_quality_no2") == monitors
    assert len({s.code for s in sites}) == len(sites)


def test_traffic_peaks_in_the_rush_hours_and_is_lighter_at_weekends(mapped: Mapped) -> None:
    traffic = local_series(mapped.summary.sensors, "traffic_count")
    weekday, weekend = by_hour(traffic, {0, 1, 2, 3, 4}), by_hour(traffic, {5, 6})
    assert weekday[8] > 1.3 * weekday[12] and weekday[17] > 1.3 * weekday[12]
    assert weekday[12] > 5 * weekday[3]
    assert weekend[8] < weekend[12]  # no morning rush at the weekend
    assert 0.7 < weekend.sum() / weekday.sum() < 0.95


def test_libraries_count_no_one_while_closed(mapped: Mapped) -> None:
    footfall = local_series(mapped.summary.sensors, "library_footfall")
    open_hours = [v for readings in footfall.values() for when, v in readings
                  if when.weekday() < 6 and 9 <= when.hour < 17]
    closed = [v for readings in footfall.values() for when, v in readings
              if when.weekday() == 6 or when.hour < 9 or when.hour >= 19]
    assert closed and not any(closed)
    assert np.mean(open_hours) > 10
    saturday, weekdays = by_hour(footfall, {5}), by_hour(footfall, {0, 1, 2, 3, 4})
    assert saturday[10:16].sum() > weekdays[10:16].sum()


def test_no2_follows_the_traffic(mapped: Mapped) -> None:
    files = mapped.summary.sensors
    traffic = by_hour(local_series(files, "traffic_count"), {0, 1, 2, 3, 4})
    no2_series = local_series(files, "air_quality_no2")
    no2 = by_hour(no2_series, {0, 1, 2, 3, 4})
    assert np.corrcoef(traffic, no2)[0, 1] > 0.9
    assert by_hour(no2_series, {6}).mean() < no2.mean()
    values = [v for readings in no2_series.values() for _, v in readings]
    assert 5 < np.mean(values) < 60 and min(values) > 0


def test_uk_summer_time_starts_and_ends_on_the_last_sundays(mapped: Mapped) -> None:
    moments = [datetime(2024, 3, 31, 0, 59, 59), datetime(2024, 3, 31, 1),
               datetime(2024, 10, 27, 0, 59, 59), datetime(2024, 10, 27, 1),
               datetime(2025, 3, 30, 1), datetime(2025, 7, 1)]
    seconds = np.array([int(m.replace(tzinfo=UTC).timestamp()) for m in moments])
    expected = [m.replace(tzinfo=UTC).astimezone(LONDON).utcoffset() for m in moments]
    assert uk_offset(seconds).tolist() == [0 if e is None else e.total_seconds()
                                           for e in expected]
    assert uk_offset(seconds).tolist() == [0, 3600, 3600, 0, 3600, 3600]
    for line in rows(mapped.summary.sensors.readings[1])[:50]:
        when = datetime.fromisoformat(line["observed_at"])
        assert when.utcoffset() == when.astimezone(LONDON).utcoffset()


def test_the_manifest_names_the_sensor_files_outside_its_loads(mapped: Mapped) -> None:
    summary = mapped.summary
    manifest = yaml.safe_load(summary.manifest.read_text(encoding="utf-8"))
    entry = manifest["sensors"]
    assert summary.outdir / entry["registry"] == summary.sensors.registry
    assert [summary.outdir / p for p in entry["readings"]] == list(summary.sensors.readings)
    assert summary.outdir / entry["late"] == summary.sensors.late
    start, end = datetime.fromisoformat(entry["from"]), datetime.fromisoformat(entry["to"])
    assert end == datetime.combine(summary.reference_date, datetime.min.time())
    assert end - start == timedelta(weeks=4)
    assert not any("sensors/" in load["data"] for load in manifest["loads"])


def test_the_hub_finds_the_faults_and_gaps_the_truth_lists(small: CountySummary,
                                                           engine: Engine) -> None:
    files = small.sensors
    now = files.end + timedelta(days=3)
    specs = read_registry(files.registry)
    with engine.begin() as c:
        register(c, specs, now=now)
    problems = set()
    for path in files.readings:
        with ingest_transaction(engine) as c:
            report = ingest_file(c, path, received_by="tests", now=now)
        assert report.read == report.accepted + report.rejected and not report.duplicates
        problems |= {(p.where, p.sensor, p.value) for p in report.problems}
    truth = rows(files.problems_truth)
    assert problems == {(f"{r['file']}:{r['row']}", r["sensor"], r["value"]) for r in truth}
    assert {r["fault"] for r in truth} == {"not a number", "negative count", "wrong unit",
                                          "no value", "unknown sensor"}

    def found() -> set[tuple[str, str, str, int]]:
        with engine.connect() as c:
            return {(s.code, g.start.isoformat(), g.end.isoformat(), g.missing)
                    for s in specs for g in gaps(c, s.code, files.start, files.end)}

    listed = rows(files.gaps_truth)
    assert {r["cause"] for r in listed} == {"outage", "delayed", "rejected"}
    assert found() == {(r["sensor"], r["start"], r["end"], int(r["missing"])) for r in listed}
    delayed = [r for r in listed if r["cause"] == "delayed"]
    with ingest_transaction(engine) as c:
        late = ingest_file(c, files.late, received_by="tests", now=now)
    assert late.duplicates == 2 * len(delayed)  # the two before each stretch, sent again
    assert late.corrected >= 1 and not late.rejected
    assert late.accepted == late.out_of_order == late.late
    assert late.read == sum(int(r["missing"]) for r in delayed) + late.duplicates \
        + late.corrected
    assert found() == {(r["sensor"], r["start"], r["end"], int(r["missing"])) for r in listed
                       if r["cause"] != "delayed"}


def test_the_late_file_is_out_of_order(small: CountySummary) -> None:
    times = [r["observed_at"] for r in rows(small.sensors.late)]
    assert times != sorted(times) and len(times) > 10


@pytest.mark.parametrize("weeks", [0, 53, "4", True, 2.5])
def test_bad_sensor_weeks_is_a_synth_error(tmp_path: Path, weeks: Any) -> None:
    with pytest.raises(SynthError, match="sensor weeks"):
        generate_county(tmp_path / "out", people=50, sensor_weeks=weeks)
