"""The sensor registry: which sensors exist, what they measure, in which unit, where.

A registry file is CSV or YAML with one sensor a row; it is validated whole, so the data
engineer sees every problem at once, each with its row and column. Each kind of sensor has
one unit (``KINDS``): readings of one kind can then be compared and summed across sensors
(traffic in a ward), and a counter reporting ``cars`` where ``vehicles`` is meant is caught at
registration rather than in a dashboard.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, insert, select, update

from joinedup.errors import BadInput, Problem
from joinedup.store.schema import sensor, sensor_latest


@dataclass(frozen=True)
class Kind:
    """A kind of sensor: the unit all of its readings are in, and whether it counts things."""

    unit: str
    counting: bool
    description: str


KINDS: dict[str, Kind] = {
    "traffic_count": Kind("vehicles", True, "vehicles passing a roadside counter"),
    "cycle_count": Kind("cycles", True, "bicycles passing a counter"),
    "library_footfall": Kind("people", True, "people entering a library"),
    "car_park_occupancy": Kind("spaces", True, "spaces taken in a car park"),
    "air_quality_no2": Kind("ug/m3", False, "nitrogen dioxide concentration"),
    "air_quality_pm25": Kind("ug/m3", False, "fine particulate (PM2.5) concentration"),
    "air_quality_pm10": Kind("ug/m3", False, "particulate (PM10) concentration"),
    "air_temperature": Kind("Cel", False, "air temperature"),
    "noise_level": Kind("dB(A)", False, "A-weighted sound level"),
}
"""Every kind the hub knows, with its unit (UCUM-like). A new kind is one line here."""

COLUMNS = ("code", "kind", "unit", "name", "easting", "northing", "ward", "interval_seconds")
OPTIONAL = frozenset({"ward"})
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
# British National Grid's false origin to its extent (metres), with room for the sea.
EASTING = (0.0, 700_000.0)
NORTHING = (0.0, 1_300_000.0)
Complaint = Callable[[str, str], None]
"""Records a problem with a column: (column, message)."""


@dataclass(frozen=True)
class SensorSpec:
    """One sensor as a registry file describes it."""

    code: str
    kind: str
    unit: str
    name: str
    easting: float
    northing: float
    ward: str | None
    interval_seconds: int


@dataclass(frozen=True)
class Sensor(SensorSpec):
    id: int


@dataclass(frozen=True)
class RegisterReport:
    new: int
    updated: int
    unchanged: int


class RegistryError(BadInput):
    """A registry file is invalid; carries every problem found, each with row and column."""

    def __init__(self, path: Path | str, problems: Sequence[Problem]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{self.path}: {len(self.problems)} {noun} in the sensor registry:"
                         f"\n{lines}")


def read_registry(path: Path) -> list[SensorSpec]:
    """The sensors a registry file lists: CSV with a header row, or YAML (``*.yaml``/``*.yml``)
    as a list of mappings or ``{sensors: [...]}``; RegistryError lists every problem."""
    if path.suffix.lower() in (".yaml", ".yml"):
        items, label = _yaml_items(path), "item"
    else:
        items, label = _csv_items(path), "row"
    problems: list[Problem] = []
    specs: list[SensorSpec] = []
    seen: dict[str, str] = {}
    for position, item in items:
        where = f"{label} {position}"
        spec = _spec(item, where, problems)
        if spec is None:
            continue
        if spec.code in seen:
            problems.append(Problem(f"sensor {spec.code!r} is listed twice (first at "
                                    f"{seen[spec.code]})", f"{where}, column 'code'"))
            continue
        seen[spec.code] = where
        specs.append(spec)
    if not specs and not problems:
        problems.append(Problem("the registry lists no sensors"))
    if problems:
        raise RegistryError(path, problems)
    return specs


def _csv_items(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RegistryError(path, [Problem(f"cannot be read as a UTF-8 CSV file: {exc}")]
                            ) from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise RegistryError(path, [Problem("the file has no header row", "row 1")])
    header = [h.strip() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    if missing:
        raise RegistryError(path, [Problem(
            f"the header lacks column(s) {', '.join(missing)}; expected "
            f"{','.join(COLUMNS)} (ward may be left out)", "row 1")])
    items = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            items.append((number, {"": f"has {len(row)} fields, the header {len(header)}"}))
            continue
        items.append((number, dict(zip(header, row, strict=True))))
    return items


def _yaml_items(path: Path) -> list[tuple[int, Any]]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RegistryError(path, [Problem(f"cannot be read as YAML: {exc}")]) from exc
    if isinstance(loaded, Mapping) and "sensors" in loaded:
        loaded = loaded["sensors"]
    if not isinstance(loaded, list):
        raise RegistryError(path, [Problem("expected a list of sensors (or sensors: [...])")])
    return list(enumerate(loaded, start=1))


def _spec(item: Any, where: str, problems: list[Problem]) -> SensorSpec | None:
    if not isinstance(item, Mapping):
        problems.append(Problem("expected a mapping of code, kind, unit, ...", where))
        return None
    if "" in item:
        problems.append(Problem(str(item[""]), where))
        return None
    found = len(problems)

    def text(column: str) -> str:
        value = item.get(column)
        return "" if value is None else str(value).strip()

    def bad(column: str, message: str) -> None:
        problems.append(Problem(message, f"{where}, column {column!r}"))

    code, kind_name, unit, name, ward = (text(c) for c in ("code", "kind", "unit", "name",
                                                           "ward"))
    if not CODE.fullmatch(code):
        bad("code", f"{code!r} is not a sensor code; expected letters, digits, '-', '_' or "
                    "'.' (at most 100), e.g. TRAFFIC-A11-042")
    kind = KINDS.get(kind_name)
    if kind is None:
        bad("kind", f"unknown kind {kind_name!r}; expected one of {', '.join(KINDS)}")
    elif unit != kind.unit:
        bad("unit", f"{kind_name} is measured in {kind.unit!r}, not {unit!r}")
    if not name:
        bad("name", "the sensor needs a name")
    easting = _number(text("easting"), "easting", EASTING, bad)
    northing = _number(text("northing"), "northing", NORTHING, bad)
    interval = _interval(text("interval_seconds"), bad)
    if len(problems) > found:
        return None
    return SensorSpec(code, kind_name, unit, name, easting, northing, ward or None, interval)


def _number(raw: str, column: str, bounds: tuple[float, float], bad: Complaint) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not bounds[0] <= value <= bounds[1]:
        bad(column, f"{raw!r} is not a British National Grid {column}; expected metres "
                    f"from {bounds[0]:,.0f} to {bounds[1]:,.0f} (EPSG:27700)")
    return value


def _interval(raw: str, bad: Complaint) -> int:
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    bad("interval_seconds", f"{raw!r} is not a number of seconds; expected a whole number "
                            "above 0 (900 for readings every 15 minutes)")
    return 0


def register(connection: Connection, specs: Iterable[SensorSpec], *, now: datetime
             ) -> RegisterReport:
    """Add new sensors and update changed ones, by code; sensors not listed are kept.

    A sensor's unit cannot change once it has readings: they would silently become readings
    in the new unit. Register the changed sensor under a new code instead.
    """
    stored = {row.code: row for row in connection.execute(
        select(sensor, sensor_latest.c.sensor_id.is_not(None).label("reported"))
        .outerjoin(sensor_latest, sensor_latest.c.sensor_id == sensor.c.id))}
    new: list[dict[str, Any]] = []
    changed: list[tuple[int, dict[str, Any]]] = []
    unchanged = 0
    for spec in specs:
        values = dict(zip(COLUMNS, astuple(spec), strict=True))
        old = stored.get(spec.code)
        if old is None:
            new.append({**values, "registered_at": now, "updated_at": now})
        elif all(getattr(old, c) == v for c, v in values.items()):
            unchanged += 1
        elif old.reported and old.unit != spec.unit:
            raise BadInput(f"sensor {spec.code} has readings in {old.unit!r} and cannot "
                           f"change to {spec.unit!r}; register it under a new code")
        else:
            changed.append((old.id, {**values, "updated_at": now}))
    if new:
        connection.execute(insert(sensor), new)
    for sensor_id, values in changed:
        connection.execute(update(sensor).where(sensor.c.id == sensor_id).values(**values))
    return RegisterReport(new=len(new), updated=len(changed), unchanged=unchanged)


def sensors(connection: Connection) -> list[Sensor]:
    """Every registered sensor, by code."""
    rows = connection.execute(select(*(sensor.c[c] for c in COLUMNS), sensor.c.id)
                              .order_by(sensor.c.code))
    return [Sensor(**row._mapping) for row in rows]
