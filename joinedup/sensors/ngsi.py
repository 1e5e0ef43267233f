"""The sensors in NGSI-LD (ETSI GS CIM 009), so that FIWARE-style smart-city tools can read
the hub as they read an Orion-LD broker: entities, one entity, and its temporal evolution.

Each sensor is one entity of the Smart Data Models type for what it measures (``MODELS``),
identified ``urn:ngsi-ld:<Type>:<code>``, with its ``name``, its ``location`` (a GeoJSON
Point in WGS84), the ward it serves (``areaServed``) and its latest reading as a Property
with ``observedAt`` and, where UN/CEFACT has a code for the unit, ``unitCode``. The temporal
representation is the measured attribute's instances (``[value, observedAt]`` pairs when
simplified) or their aggregation by hour, day, week, month or the whole range
(``aggrMethods`` totalCount, sum, avg, min, max), from the core's rollups.

There is no person data here: readings of roads, libraries' doors and the air. Times are
UTC ("Z"); instances come in time order. Anything the hub cannot answer (``q``, geo-queries,
``stddev``) is refused as ``BadInput`` naming what it does answer, never silently ignored.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from sqlalchemy import Connection

from joinedup.errors import BadInput, NotFound
from joinedup.places.crs import to_wgs84
from joinedup.sensors.queries import Bucket, Latest, history, latest, rollup
from joinedup.sensors.registry import KINDS, Sensor, sensors

CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
DATA_MODELS_CONTEXT = "https://smartdatamodels.org/context.jsonld"
CONTEXT = [DATA_MODELS_CONTEXT, CORE_CONTEXT]
"""The ``@context`` of every answer: Smart Data Models' terms, then NGSI-LD's core."""
URN = "urn:ngsi-ld:"
MAX_INSTANCES = 10_000
"""Instances one temporal answer holds at most; more are a partial answer (HTTP 206)."""
EPOCH = datetime(1970, 1, 1)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Model:
    """How one kind of sensor is an NGSI-LD entity: its Smart Data Models type, the property
    its readings are, their UN/CEFACT unit code if there is one, and constant properties."""

    type: str
    attribute: str
    unit_code: str | None
    constants: tuple[tuple[str, str], ...] = ()


MODELS: dict[str, Model] = {
    "traffic_count": Model("TrafficFlowObserved", "intensity", None),
    "cycle_count": Model("TrafficFlowObserved", "intensity", None,
                         (("vehicleType", "bicycle"),)),
    "library_footfall": Model("CrowdFlowObserved", "peopleCount", "IE"),  # IE: person
    "car_park_occupancy": Model("OffStreetParking", "occupiedSpotNumber", None),
    "air_quality_no2": Model("AirQualityObserved", "no2", "GQ"),  # GQ: microgram per m3
    "air_quality_pm25": Model("AirQualityObserved", "pm25", "GQ"),
    "air_quality_pm10": Model("AirQualityObserved", "pm10", "GQ"),
    "air_temperature": Model("WeatherObserved", "temperature", "CEL"),
    "noise_level": Model("NoiseLevelObserved", "LAeq", "2N"),  # 2N: decibel
}
"""Every kind of ``registry.KINDS`` (a test holds them equal); counts of vehicles, cycles and
spaces have no UN/CEFACT unit, so no ``unitCode``, as in Smart Data Models' own examples."""

AGGREGATIONS = ("totalCount", "sum", "avg", "min", "max")
PERIODS = {"PT1H": "hour", "P1D": "day", "P1W": "week", "P7D": "week", "P1M": "month"}
WHOLE_RANGE = frozenset({"P0D", "PT0S", "PT0H", "PT0M"})
"""``aggrPeriodDuration`` values: calendar periods (UTC; weeks from Monday) or none, the
whole range at once (NGSI-LD's default)."""
TIMERELS = ("before", "after", "between")


# -- identities ------------------------------------------------------------------------------

def model(sensor: Sensor) -> Model:
    return MODELS[sensor.kind]


def entity_id(sensor: Sensor) -> str:
    return f"{URN}{model(sensor).type}:{sensor.code}"


def find(connection: Connection, entity: str) -> Sensor:
    """The sensor an entity id names; ``NotFound`` if it names none (a known code under
    another type is none either)."""
    for candidate in sensors(connection):
        if entity_id(candidate) == entity:
            return candidate
    if not entity.startswith(URN) or entity.count(":") < 3:
        raise BadInput(f"{entity!r} is not an entity id; expected urn:ngsi-ld:<Type>:<code>, "
                       "e.g. urn:ngsi-ld:TrafficFlowObserved:TRAFFIC-A11-001")
    raise NotFound(f"no entity {entity}; GET /ngsi-ld/v1/entities?type=... lists them")


# -- representation --------------------------------------------------------------------------

def when(moment: datetime) -> str:
    """An NGSI-LD DateTime: UTC with a "Z"."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def locations(found: Sequence[Sensor]) -> list[list[float]]:
    """Each sensor's [longitude, latitude] in WGS84, to about 10 cm."""
    lon, lat = to_wgs84([s.easting for s in found], [s.northing for s in found])
    return [[round(x, 6), round(y, 6)] for x, y in zip(lon.tolist(), lat.tolist(),
                                                       strict=True)]


def as_entity(sensor: Sensor, where: list[float], reading: Latest | None, *,
              attrs: frozenset[str] | None = None, simplified: bool = False
              ) -> dict[str, Any]:
    """A sensor as an NGSI-LD entity, normalized (each attribute typed) or simplified (each
    attribute its value); only ``attrs`` if given; the reading only once there is one."""
    m = model(sensor)
    values: dict[str, Any] = {"name": sensor.name, "location": {"type": "Point",
                                                               "coordinates": where}}
    if sensor.ward:
        values["areaServed"] = sensor.ward
    values.update(m.constants)
    found: dict[str, Any] = {"id": entity_id(sensor), "type": m.type}
    for name, value in values.items():
        if attrs is None or name in attrs:
            found[name] = value if simplified else {
                "type": "GeoProperty" if name == "location" else "Property", "value": value}
    if reading is not None and (attrs is None or m.attribute in attrs):
        found[m.attribute] = _number(sensor, reading.value) if simplified else _instance(
            sensor, reading.observed_at, reading.value)
    return found


def _number(sensor: Sensor, value: float) -> float | int:
    """A count as a whole number (``42``, not ``42.0``)."""
    return int(value) if KINDS[sensor.kind].counting and value.is_integer() else value


def _instance(sensor: Sensor, observed: datetime, value: float) -> dict[str, Any]:
    found: dict[str, Any] = {"type": "Property", "value": _number(sensor, value),
                             "observedAt": when(observed)}
    unit_code = model(sensor).unit_code
    if unit_code:
        found["unitCode"] = unit_code
    return found


def as_temporal(sensor: Sensor, instances: Sequence[tuple[datetime, float]], *,
                simplified: bool) -> dict[str, Any]:
    """The temporal representation: the measured attribute's instances in time order, as
    Property objects or, simplified (``temporalValues``), ``[value, observedAt]`` pairs."""
    m = model(sensor)
    series: Any = ({"type": "Property", "values": [[_number(sensor, v), when(t)]
                                                   for t, v in instances]}
                   if simplified else [_instance(sensor, t, v) for t, v in instances])
    return {"id": entity_id(sensor), "type": m.type, m.attribute: series}


@dataclass(frozen=True)
class Aggregate:
    """Readings in one aggregation period: what ``AGGREGATIONS`` are computed from."""

    start: datetime
    end: datetime
    count: int
    sum: float
    min: float
    max: float

    def method(self, name: str) -> float | int:
        return {"totalCount": self.count, "sum": self.sum, "avg": self.sum / self.count,
                "min": self.min, "max": self.max}[name]


def as_aggregated(sensor: Sensor, periods: Sequence[Aggregate], methods: Sequence[str]
                  ) -> dict[str, Any]:
    """The aggregated temporal representation: per method, ``[value, startAt, endAt]`` for
    each period with readings."""
    m = model(sensor)
    series: dict[str, Any] = {"type": "Property"}
    for name in methods:
        series[name] = [[p.method(name), when(p.start), when(p.end)] for p in periods]
    return {"id": entity_id(sensor), "type": m.type, m.attribute: series}


ERROR_TYPES = {
    400: ("BadRequestData", "The request includes input data which does not meet the "
                            "requirements of the operation"),
    404: ("ResourceNotFound", "The referred resource has not been found"),
    500: ("InternalError", "There has been an error during the operation execution")}
"""NGSI-LD's error types (``https://uri.etsi.org/ngsi-ld/errors/...``) by HTTP status."""


def problem(status: int, detail: str) -> dict[str, Any]:
    """An NGSI-LD ProblemDetails (RFC 7807) body: NGSI-LD's error type for the status, or,
    where it has none (signing in, refusals), ``about:blank`` and the HTTP meaning."""
    if status in ERROR_TYPES:
        kind, title = ERROR_TYPES[status]
        return {"type": f"https://uri.etsi.org/ngsi-ld/errors/{kind}", "title": title,
                "status": status, "detail": detail}
    return {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail}


# -- queries ---------------------------------------------------------------------------------

ENTITY_PARAMETERS = frozenset({"type", "id", "idPattern", "attrs", "limit", "offset", "count",
                               "options", "format"})
ONE_ENTITY_PARAMETERS = frozenset({"attrs", "options", "format"})
TEMPORAL_PARAMETERS = frozenset({"timerel", "timeAt", "endTimeAt", "timeproperty", "lastN",
                                 "attrs", "options", "format", "aggrMethods",
                                 "aggrPeriodDuration"})


def check_parameters(names: Sequence[str], allowed: frozenset[str]) -> None:
    """Refuse a query parameter the hub does not answer (``q``, ``georel``, ...) rather than
    answer as if it had not been sent."""
    unknown = sorted(set(names) - allowed)
    if unknown:
        raise BadInput(f"{', '.join(unknown)}: not a parameter the hub answers here; it "
                       f"takes {', '.join(sorted(allowed))}")


def representation(options: str | None, format: str | None, *, temporal: bool) -> str:
    """``normalized``, ``simplified`` or (temporal) ``temporalValues`` or
    ``aggregatedValues``, from NGSI-LD's ``options`` and ``format`` parameters."""
    simple = "temporalValues" if temporal else "simplified"
    known = {"normalized": "normalized", "keyValues": simple, "simplified": simple}
    if temporal:
        known |= {"temporalValues": "temporalValues", "aggregatedValues": "aggregatedValues"}
    chosen = set()
    for word in [w.strip() for w in (options or "").split(",") if w.strip()] + \
            ([format.strip()] if format else []):
        if word not in known:
            raise BadInput(f"options/format {word!r}: expected one of {', '.join(known)}")
        chosen.add(known[word])
    chosen.discard("normalized")
    if len(chosen) > 1:
        raise BadInput(f"options/format ask for {' and '.join(sorted(chosen))}: choose one")
    return chosen.pop() if chosen else "normalized"


@dataclass(frozen=True)
class EntityQuery:
    """``GET /entities``: at least one of types, ids, id_pattern or attrs."""

    types: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    id_pattern: str | None = None
    attrs: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0
    simplified: bool = False


@dataclass(frozen=True)
class EntityPage:
    entities: list[dict[str, Any]]
    total: int
    """How many matched in all (``NGSILD-Results-Count``)."""


def query_entities(connection: Connection, query: EntityQuery) -> EntityPage:
    """The sensors a query matches, by code, a page of them as entities."""
    if not (query.types or query.ids or query.id_pattern or query.attrs):
        raise BadInput("say which entities: give type (e.g. type=TrafficFlowObserved), id, "
                       "idPattern or attrs")
    pattern = _pattern(query.id_pattern)
    wanted = frozenset(query.attrs) or None
    matched = [s for s in sensors(connection)
               if (not query.types or model(s).type in query.types)
               and (not query.ids or entity_id(s) in query.ids)
               and (pattern is None or pattern.fullmatch(entity_id(s)))]
    readings = {r.code: r for r in latest(connection)}
    if wanted is not None:  # only entities holding one of the attributes asked for
        matched = [s for s in matched if wanted & _held_attributes(s, s.code in readings)]
    page = matched[query.offset:query.offset + query.limit]
    return EntityPage([as_entity(s, where, readings.get(s.code), attrs=wanted,
                                 simplified=query.simplified)
                       for s, where in zip(page, locations(page), strict=True)], len(matched))


def retrieve_entity(connection: Connection, entity: str, *, attrs: tuple[str, ...] = (),
                    simplified: bool = False) -> dict[str, Any]:
    """One sensor as an entity; ``NotFound`` for an id that names none."""
    sensor = find(connection, entity)
    reading = latest(connection, [sensor.code])
    return as_entity(sensor, locations([sensor])[0], reading[0] if reading else None,
                     attrs=frozenset(attrs) or None, simplified=simplified)


def _held_attributes(sensor: Sensor, reported: bool) -> set[str]:
    """The attributes the sensor's entity has: its reading only once it has reported."""
    m = model(sensor)
    return {"name", "location", *(["areaServed"] if sensor.ward else []),
            *(name for name, _ in m.constants), *([m.attribute] if reported else [])}


def _pattern(text: str | None) -> re.Pattern[str] | None:
    if text is None:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        raise BadInput(f"idPattern {text!r} is not a regular expression: {exc}") from exc


@dataclass(frozen=True)
class TemporalQuery:
    """``GET /temporal/entities/{id}``, its parameters as sent (``timeAt`` etc. as text)."""

    timerel: str | None = None
    time_at: str | None = None
    end_time_at: str | None = None
    last_n: int | None = None
    attrs: tuple[str, ...] = ()
    values: str = "normalized"  # or temporalValues, aggregatedValues (``representation``)
    methods: tuple[str, ...] = ()
    period: str | None = None


@dataclass(frozen=True)
class TemporalAnswer:
    body: dict[str, Any]
    partial: bool
    """More instances matched than ``MAX_INSTANCES``: the first of them are in ``body``."""
    first: datetime | None = None
    last: datetime | None = None
    """The times of the first and last instance in ``body`` (none when aggregated)."""


def retrieve_temporal(connection: Connection, entity: str, query: TemporalQuery
                      ) -> TemporalAnswer:
    """The temporal evolution of one sensor's readings within the query's time range."""
    start, end = time_range(query.timerel, query.time_at, query.end_time_at)
    _check_aggregation(query)
    sensor = find(connection, entity)
    m = model(sensor)
    if query.attrs and m.attribute not in query.attrs:
        return TemporalAnswer({"id": entity_id(sensor), "type": m.type}, partial=False)
    held = _held(connection, sensor)
    lo, hi = (EPOCH, EPOCH) if held is None else (max(start or held[0], held[0]),
                                                  min(end or held[1], held[1]))
    if query.values == "aggregatedValues":
        periods = _periods(connection, sensor, query.period, lo, hi, start, end)
        if query.last_n:
            periods = periods[-query.last_n:]
        return TemporalAnswer(as_aggregated(sensor, periods, query.methods), partial=False)
    if lo >= hi:
        instances: list[tuple[datetime, float]] = []
    elif query.last_n:
        instances = _last(connection, sensor, lo, hi, query.last_n)
    else:
        instances = history(connection, sensor.code, lo, hi, limit=MAX_INSTANCES + 1)
    partial = len(instances) > MAX_INSTANCES
    instances = instances[:MAX_INSTANCES]
    body = as_temporal(sensor, instances, simplified=query.values == "temporalValues")
    return TemporalAnswer(body, partial, instances[0][0] if instances else None,
                          instances[-1][0] if instances else None)


def time_range(timerel: str | None, time_at: str | None, end_time_at: str | None
               ) -> tuple[datetime | None, datetime | None]:
    """NGSI-LD's temporal query as ``[start, end)`` in naive UTC (None: open): ``before``
    is before ``timeAt``, ``after`` from it on, ``between`` from it to before ``endTimeAt``."""
    if timerel is None:
        if time_at is not None or end_time_at is not None:
            raise BadInput("timeAt needs timerel: before, after or between")
        return None, None
    if timerel not in TIMERELS:
        raise BadInput(f"timerel {timerel!r}: expected before, after or between")
    if time_at is None:
        raise BadInput(f"timerel={timerel} needs timeAt, e.g. timeAt=2024-06-01T00:00:00Z")
    at = _time(time_at, "timeAt")
    if timerel == "before":
        return None, at
    if timerel == "after":
        return at, None
    if end_time_at is None:
        raise BadInput("timerel=between needs endTimeAt as well as timeAt")
    until = _time(end_time_at, "endTimeAt")
    if until <= at:
        raise BadInput(f"endTimeAt {end_time_at} is not after timeAt {time_at}")
    return at, until


def _time(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        raise BadInput(f"{name} {text!r} is not a date and time; expected ISO 8601 in UTC, "
                       "e.g. 2024-06-01T08:00:00Z") from None


def _check_aggregation(query: TemporalQuery) -> None:
    if query.values != "aggregatedValues":
        if query.methods or query.period:
            raise BadInput("aggrMethods and aggrPeriodDuration need options=aggregatedValues")
        return
    if not query.methods:
        raise BadInput("options=aggregatedValues needs aggrMethods: one or more of "
                       f"{', '.join(AGGREGATIONS)}")
    unknown = [m for m in query.methods if m not in AGGREGATIONS]
    if unknown:
        raise BadInput(f"aggrMethods {', '.join(unknown)}: the hub aggregates by "
                       f"{', '.join(AGGREGATIONS)}")
    if query.period is not None and query.period not in PERIODS \
            and query.period not in WHOLE_RANGE:
        raise BadInput(f"aggrPeriodDuration {query.period!r}: the hub aggregates by PT1H, "
                       "P1D, P1W (or P7D), P1M, or P0D for the whole range")


def _held(connection: Connection, sensor: Sensor) -> tuple[datetime, datetime] | None:
    """The sensor's first reading's time and the second after its newest, if it has any."""
    newest = latest(connection, [sensor.code])
    if not newest:
        return None
    end = newest[0].observed_at + SECOND
    return history(connection, sensor.code, EPOCH, end, limit=1)[0][0], end


def _periods(connection: Connection, sensor: Sensor, period: str | None, lo: datetime,
             hi: datetime, start: datetime | None, end: datetime | None) -> list[Aggregate]:
    """The aggregation periods with readings in ``[lo, hi)``, each as long as asked but no
    longer than the query's own range."""
    if lo >= hi:
        return []
    if period is None or period in WHOLE_RANGE:
        buckets = rollup(connection, sensor.code, "month", lo, hi)
        return [Aggregate(start or lo, end or hi, sum(b.count for b in buckets),
                          math.fsum(b.sum for b in buckets), min(b.min for b in buckets),
                          max(b.max for b in buckets))] if buckets else []
    name = PERIODS[period]
    found = []
    for b in rollup(connection, sensor.code, name, lo, hi):
        found.append(_aggregate(b, max(b.start, start) if start else b.start,
                                min(_next(b.start, name), end) if end else _next(b.start, name)))
    return found


def _aggregate(bucket: Bucket, start: datetime, end: datetime) -> Aggregate:
    return Aggregate(start, end, bucket.count, bucket.sum, bucket.min, bucket.max)


def _next(moment: datetime, period: str) -> datetime:
    if period == "month":
        return datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1)
    return moment + {"hour": timedelta(hours=1), "day": timedelta(days=1),
                     "week": timedelta(weeks=1)}[period]


def _last(connection: Connection, sensor: Sensor, lo: datetime, hi: datetime, count: int
          ) -> list[tuple[datetime, float]]:
    """The last ``count`` readings in ``[lo, hi)``: read from a window reaching back as far as
    ``count`` readings should, widened fourfold until it holds them or covers the range."""
    span = timedelta(seconds=min(count * sensor.interval_seconds,
                                 int((hi - lo).total_seconds()) + 1))
    while True:
        begin = lo if span >= hi - lo else hi - span
        tail: deque[tuple[datetime, float]] = deque(maxlen=count)
        cursor = begin
        while cursor < hi:
            page = history(connection, sensor.code, cursor, hi, limit=MAX_INSTANCES)
            tail.extend(page)
            if len(page) < MAX_INSTANCES:
                break
            cursor = page[-1][0] + SECOND
        if len(tail) == count or begin == lo:
            return list(tail)
        span *= 4
