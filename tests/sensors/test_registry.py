"""The registry: files read whole with every problem named, sensors upserted by code."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sensor_world import AIR, NOW, REGISTRY_CSV, SPECS, TRAFFIC, send, write
from sqlalchemy import Engine

from joinedup.errors import BadInput
from joinedup.sensors import RegistryError, read_registry, register, sensors


def test_a_csv_registry_reads_as_specs(tmp_path: Path) -> None:
    assert read_registry(write(tmp_path / "sensors.csv", REGISTRY_CSV)) == SPECS


def test_a_yaml_registry_reads_the_same_and_ward_may_be_left_out(tmp_path: Path) -> None:
    path = write(tmp_path / "sensors.yaml", """sensors:
  - {code: TRAFFIC-A11-001, kind: traffic_count, unit: vehicles, name: A11 at Cringleford,
     easting: 619500, northing: 305800, ward: Cringleford, interval_seconds: 900}
  - {code: AQ-1, kind: air_quality_no2, unit: ug/m3, name: Castle Meadow,
     easting: 623200.5, northing: 308300, interval_seconds: 3600}
""")
    first, second = read_registry(path)
    assert first == SPECS[0]
    assert (second.code, second.easting, second.ward, second.interval_seconds) == \
        ("AQ-1", 623_200.5, None, 3600)


def test_every_problem_is_named_with_its_row_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "sensors.csv", REGISTRY_CSV + """\
bad code,traffic_count,vehicles,X,1,1,,900
T-2,trafic_count,vehicles,X,1,1,,900
T-3,traffic_count,cars,X,1,1,,900
T-4,traffic_count,vehicles,,-5,north,,15m
TRAFFIC-A11-001,traffic_count,vehicles,Again,1,1,,900
T-6,traffic_count
""")
    with pytest.raises(RegistryError) as caught:
        read_registry(path)

    found = [str(p) for p in caught.value.problems]
    assert found == [
        "row 5, column 'code': 'bad code' is not a sensor code; expected letters, digits, "
        "'-', '_' or '.' (at most 100), e.g. TRAFFIC-A11-042",
        "row 6, column 'kind': unknown kind 'trafic_count'; expected one of traffic_count, "
        "cycle_count, library_footfall, car_park_occupancy, air_quality_no2, "
        "air_quality_pm25, air_quality_pm10, air_temperature, noise_level",
        "row 7, column 'unit': traffic_count is measured in 'vehicles', not 'cars'",
        "row 8, column 'name': the sensor needs a name",
        "row 8, column 'easting': '-5' is not a British National Grid easting; expected "
        "metres from 0 to 700,000 (EPSG:27700)",
        "row 8, column 'northing': 'north' is not a British National Grid northing; "
        "expected metres from 0 to 1,300,000 (EPSG:27700)",
        "row 8, column 'interval_seconds': '15m' is not a number of seconds; expected a "
        "whole number above 0 (900 for readings every 15 minutes)",
        "row 9, column 'code': sensor 'TRAFFIC-A11-001' is listed twice (first at row 2)",
        "row 10: has 2 fields, the header 8",
    ]
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith(f"{path}: 9 problems in the sensor registry:")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("s.csv", "", "row 1: the file has no header row"),
    ("s.csv", "code,kind,unit,name\n", "row 1: the header lacks column(s) easting, northing, "
                                       "interval_seconds; expected code,kind,unit,name,"
                                       "easting,northing,ward,interval_seconds (ward may be "
                                       "left out)"),
    ("s.csv", "code,kind,unit,name,easting,northing,interval_seconds\n",
     "the registry lists no sensors"),
    ("s.yaml", "code: X\n", "expected a list of sensors (or sensors: [...])"),
    ("s.yaml", "- [1, 2]\n", "item 1: expected a mapping of code, kind, unit, ..."),
    ("s.yaml", "- {code: [\n", "cannot be read as YAML"),
])
def test_unusable_files_say_why(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(RegistryError) as caught:
        read_registry(write(tmp_path / name, text))
    assert message in caught.value.message


def test_register_adds_updates_and_keeps_sensors_by_code(store: Engine) -> None:
    with store.begin() as c:
        first = register(c, SPECS, now=NOW)
    moved = replace(SPECS[0], name="A11 southbound", easting=619_600.0)
    later = NOW + timedelta(days=1)
    with store.begin() as c:
        second = register(c, [moved, SPECS[1]], now=later)
        listed = sensors(c)

    assert (first.new, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.new, second.updated, second.unchanged) == (0, 1, 1)
    assert [s.code for s in listed] == sorted(s.code for s in SPECS)  # AQ-CASTLE kept
    by_code = {s.code: s for s in listed}
    assert by_code[TRAFFIC].name == "A11 southbound"
    assert by_code[TRAFFIC].easting == 619_600.0
    assert by_code[AIR].interval_seconds == 3600
    assert len({s.id for s in listed}) == 3


def test_a_unit_cannot_change_once_a_sensor_has_readings(store: Engine) -> None:
    other = replace(SPECS[2], kind="air_temperature", unit="Cel")
    with store.begin() as c:
        register(c, SPECS, now=NOW)
        register(c, [replace(SPECS[0], kind="cycle_count", unit="cycles")], now=NOW)
    send(store, [(AIR, "2026-03-10T09:00:00Z", 21.5)])

    with pytest.raises(BadInput) as caught, store.begin() as c:
        register(c, [other], now=NOW)

    assert caught.value.message == ("sensor AQ-CASTLE has readings in 'ug/m3' and cannot "
                                    "change to 'Cel'; register it under a new code")
    with store.connect() as c:
        units = {s.code: s.unit for s in sensors(c)}
    assert units[AIR] == "ug/m3"
    assert units[TRAFFIC] == "cycles"  # no readings yet: its unit could change
