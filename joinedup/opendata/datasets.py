"""The datasets the hub publishes, each built from the current store.

Person-derived ones (people supported by adult social care by age band, households known to
several agencies) are counted only from what ``dashboards.scope.counted`` lets an analyst
count: the sources an analytics agreement shares, no sealed record, and nobody who objected
to planning and research. They come out as ``Counts`` (units placed in every geography), for
``protect`` to turn into tables. Sensor ones (library visits, traffic counts) count no known
person and come out as finished tables.

A unit's area is where it is: a person's home (``residence``) inside a stored ward or parish,
or "Not known" where the hub has no home for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, distinct, func, select

from joinedup.dashboards.scope import NOT_KNOWN, Counted, ward_order
from joinedup.opendata.disclosure import Layout, Unit
from joinedup.opendata.geography import Geography
from joinedup.opendata.tables import Counts, Table
from joinedup.places.needs import age
from joinedup.sensors import rollup_all, sensors
from joinedup.sensors.times import to_datetime
from joinedup.store.schema import residence, sensor_reading, source_record

MONTHLY = "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
SOCIAL_CARE, MULTI_AGENCY, SENSORS = "social-care", "multi-agency", "sensors"
ASC_SOURCE = "asc_clients"
AGE_BANDS = ((0, 64, "Under 65"), (65, 74, "65 to 74"), (75, 84, "75 to 84"),
             (85, 200, "85 and over"))
AGENCY_BANDS = ("1 agency", "2 agencies", "3 or more agencies")
DAY_SECONDS = 86_400
_SR = source_record.table.c


@dataclass(frozen=True)
class Context:
    connection: Connection
    counted: Counted
    geographies: tuple[Geography, ...]
    today: date


@dataclass(frozen=True)
class Built:
    counts: Counts | None = None
    tables: tuple[Table, ...] = ()
    temporal: tuple[date, date] | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    name: str
    title: str
    description: str
    topic: str
    keywords: tuple[str, ...]
    notes: tuple[str, ...]
    build: Callable[[Context], Built]
    periodicity: str = MONTHLY


def age_band(born: date | None, today: date) -> str:
    if born is None:
        return NOT_KNOWN
    years = age(born, today)
    return next((label for low, high, label in AGE_BANDS if low <= years <= high), NOT_KNOWN)


def _units(geographies: Sequence[Geography], easting: Sequence[float | None],
           northing: Sequence[float | None], categories: Sequence[str]) -> tuple[Unit, ...]:
    placed = [g.locate(easting, northing) for g in geographies]
    return tuple(Unit(tuple(p[i] for p in placed), category)
                 for i, category in enumerate(categories))


def _layout(geographies: Sequence[Geography], categories: tuple[str, ...]) -> Layout:
    return Layout(tuple(g.kind for g in geographies), tuple(g.rows for g in geographies),
                  categories)


def adult_social_care(ctx: Context) -> Built:
    """Persons with an adult social care record, by age band today, at their home's area."""
    records = ctx.counted.records
    persons = (select(records.c.person_id, func.min(_SR.date_of_birth).label("born"))
               .join(source_record.table, _SR.id == records.c.record_id)
               .where(records.c.source == ASC_SOURCE)
               .group_by(records.c.person_id).subquery("asc_persons"))
    rows = ctx.connection.execute(
        select(persons.c.person_id, persons.c.born, residence.c.easting, residence.c.northing)
        .outerjoin(residence, residence.c.person_id == persons.c.person_id)
        .order_by(persons.c.person_id)).all()
    categories = (*(label for *_, label in AGE_BANDS), NOT_KNOWN)
    units = _units(ctx.geographies, [r.easting for r in rows], [r.northing for r in rows],
                   [age_band(r.born, ctx.today) for r in rows])
    counted = ctx.counted.scope.person_sources
    return Built(Counts(units, _layout(ctx.geographies, categories), "persons", "age band"),
                 temporal=(ctx.today, ctx.today),
                 sources=tuple(s for s in counted if s == ASC_SOURCE))


def households(ctx: Context) -> Built:
    """Households (the persons at one property) by how many agencies know one of them."""
    records = ctx.counted.records
    rows = ctx.connection.execute(
        select(residence.c.uprn, func.min(residence.c.easting).label("easting"),
               func.min(residence.c.northing).label("northing"),
               func.count(distinct(records.c.agency_id)).label("agencies"))
        .join(residence, residence.c.person_id == records.c.person_id)
        .group_by(residence.c.uprn).order_by(residence.c.uprn)).all()
    units = _units(ctx.geographies, [r.easting for r in rows], [r.northing for r in rows],
                   [AGENCY_BANDS[min(int(r.agencies), 3) - 1] for r in rows])
    return Built(Counts(units, _layout(ctx.geographies, AGENCY_BANDS), "households",
                        "agencies"), temporal=(ctx.today, ctx.today),
                 sources=ctx.counted.scope.person_sources)


def _month_after(month: datetime) -> datetime:
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


def _sensor_table(ctx: Context, kind: str, key: str, title: str, measure: str,
                  description: str, daily: bool) -> Built:
    """Per month and ward, the readings of every sensor of ``kind`` there: summed over the
    month, or (``daily``) as an average day, the mean reading times readings a day."""
    first, last = ctx.connection.execute(select(func.min(sensor_reading.c.observed_at),
                                                func.max(sensor_reading.c.observed_at))).one()
    wards = ctx.geographies[0]
    placed = [s for s in sensors(ctx.connection) if s.kind == kind]
    where = dict(zip((s.code for s in placed),
                     wards.locate([s.easting for s in placed], [s.northing for s in placed]),
                     strict=True))
    totals: dict[tuple[str, str], float] = defaultdict(float)
    temporal = None
    if first is not None and placed:
        start = to_datetime(int(first)).replace(day=1, hour=0, minute=0, second=0)
        end = _month_after(to_datetime(int(last)).replace(day=1, hour=0, minute=0, second=0))
        temporal = (start.date(), end.date())
        per_day = {s.code: DAY_SECONDS / s.interval_seconds for s in placed}
        for code, buckets in rollup_all(ctx.connection, "month", start, end).items():
            if code not in where:
                continue
            for b in buckets:
                totals[f"{b.start:%Y-%m}", where[code]] += (b.mean * per_day[code] if daily
                                                             else b.sum)
    rows = tuple(((month, ward), (round(totals[month, ward]),))
                 for month, ward in sorted(totals, key=lambda k: (ward_order(k[1]), k[0])))
    table = Table(key, title, description, ("month", "ward"), (measure,), rows,
                  person_derived=False)
    return Built(tables=(table,), temporal=temporal, sources=(f"sensors:{kind}",))


def library_visits(ctx: Context) -> Built:
    return _sensor_table(ctx, "library_footfall", "by-ward", "Library visits each month, by "
                         "ward", "visits", "Visitors counted at library entrances each "
                         "month, summed over the libraries of each ward.", daily=False)


def traffic(ctx: Context) -> Built:
    return _sensor_table(ctx, "traffic_count", "by-ward", "Vehicles counted at the roadside "
                         "on an average day, by ward", "vehicles a day",
                         "Vehicles on an average day of each month, from each roadside "
                         "counter's readings (so an outage does not lower it), summed over "
                         "the counters of each ward.", daily=True)


DATASETS = {d.name: d for d in (
    Definition("adult-social-care-by-age", "People supported by adult social care, by age",
               "People with an adult social care record, by age band, in each ward and "
               "parish of the county.", SOCIAL_CARE,
               ("adult social care", "age", "ward", "parish"),
               ("A person is counted once, at their home's ward and parish; people with no "
                "known home are counted under \"Not known\".",
                "Ages are in whole years on the day of publication."),
               adult_social_care),
    Definition("households-known-to-agencies", "Households known to several agencies",
               "Households (the people at one address) by how many of the county's agencies "
               "know at least one of them, in each ward and parish.", MULTI_AGENCY,
               ("households", "multi-agency", "ward", "parish"),
               ("An agency knows a household when one of its records is of someone living "
                "there; people with no known home are in no household.",), households),
    Definition("library-visits", "Library visits each month",
               "Visitors counted by the footfall sensors at library entrances, each month, "
               "by ward.", SENSORS, ("libraries", "footfall", "sensors"),
               ("Sensors count visits, not known persons, so nothing is suppressed.",),
               library_visits),
    Definition("traffic-counts", "Traffic counts",
               "Vehicles counted by roadside sensors on an average day of each month, by "
               "ward.", SENSORS, ("traffic", "roads", "sensors"),
               ("Sensors count vehicles, not persons, so nothing is suppressed.",), traffic),
)}
