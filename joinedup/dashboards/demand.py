"""Service demand by ward over time, and beside it traffic and library use by area from the
sensors.

Demand is contacts per UTC calendar month, by service (the contact's service, else its
agency), counted at the ward of the person's home (``places``); a month's count is held back
when fewer than the threshold of persons are behind it.

Sensor figures are a counting sensor's average day in each month, its mean reading in the
month (``sensors.rollup_all``) times the readings a day it sends, summed over the sensors of
each ward: the average daily traffic that road counts are reported in, which a partial month
or an outage does not lower (``joinedup sensors gaps`` shows where they are). They count
vehicles and visitors, not known persons, so nothing is held back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, Subquery, func, select

from joinedup.dashboards.calendar import month_of
from joinedup.dashboards.figures import Measure, Row, Table, table_of
from joinedup.dashboards.options import Options
from joinedup.dashboards.scope import NOT_KNOWN, Counted, not_sealed, ward_order
from joinedup.sensors import rollup_all, sensors
from joinedup.store.schema import agency, contact, place, residence, source

TITLE = "Service demand and city sensors"
SENSOR_FIGURES = (("traffic", "traffic_count", "Vehicles counted at the roadside",
                   "vehicles a day"),
                  ("library", "library_footfall", "Library visits", "visits a day"))
"""Each sensor chart: its key, the sensor kind it sums, its title and what it counts."""
DAY_SECONDS = 86_400
NOTES = (
    "Contacts are counted in UTC calendar months, by service (or the agency, where a feed "
    "names no service), at the ward of the person's home.",
    "Sensor figures are an average day in each month at the roadside and library counters "
    "of each ward, from the readings each sensor sent, so a partial month or an outage does "
    "not lower them. They count vehicles and visitors, not known persons, so none is held "
    "back; a month shows for a ward only if its sensors reported in it.",
)
_CON = contact.table


def _contacts(counted: Counted, options: Options) -> Subquery:
    """Contacts counted, with their month, service, ward and person."""
    by, records = source.alias("contact_source"), counted.records
    ward = func.coalesce(place.c.ward, NOT_KNOWN)
    when = options.during(_CON.c.occurred_at)
    if options.ward:
        when.append(ward == options.ward)
    return (select(month_of(_CON.c.occurred_at).label("month"),
                   func.coalesce(_CON.c.service, agency.c.name).label("service"),
                   ward.label("ward"), records.c.person_id)
            .select_from(_CON.join(by, by.c.id == _CON.c.source_id)
                         .join(agency, agency.c.id == by.c.agency_id)
                         .join(records, records.c.record_id == _CON.c.person_record_id)
                         .outerjoin(residence, residence.c.person_id == records.c.person_id)
                         .outerjoin(place, place.c.uprn == residence.c.uprn))
            .where(by.c.name.in_(counted.scope.contact_sources),
                   not_sealed(_CON.c.sensitivity), *when)
            .subquery("contacts"))


def _next(month: str) -> str:
    """The ``YYYY-MM`` after ``month``."""
    year, number = int(month[:4]), int(month[5:])
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def _months(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``."""
    found = [first]
    while found[-1] < last:
        found.append(_next(found[-1]))
    return found


def _span(months: Iterable[str], options: Options) -> list[str]:
    """The months from the first to the last with figures, or across the dates asked for."""
    ends = [*months, *(f"{d:%Y-%m}" for d in (options.since, options.until) if d)]
    return _months(min(ends), max(ends)) if ends else []


def _series_rows(values: dict[tuple[str, str], tuple[int, int | None]], months: Sequence[str],
                 series: Iterable[str], options: Options) -> list[Row]:
    """A row per month and series, none missing (a month without any is a true zero)."""
    d = options.disclosure
    return [Row((month, name), (d.count(count, behind),))
            for name in sorted(series) for month in months
            for count, behind in [values.get((month, name), (0, None))]]


def _sensor_tables(connection: Connection, months: Sequence[str], options: Options
                   ) -> tuple[Table, ...]:
    """Each counting kind's average a day, month by month, summed over each ward's sensors;
    a month appears for a ward only if its sensors reported in it."""
    d = options.disclosure
    rollups = {} if not months else rollup_all(
        connection, "month", datetime.strptime(months[0], "%Y-%m"),
        datetime.strptime(_next(months[-1]), "%Y-%m"))
    placed = {s.code: s for s in sensors(connection)}
    tables = []
    for key, kind, title, what in SENSOR_FIGURES:
        daily: dict[tuple[str, str], float] = defaultdict(float)
        for code, buckets in rollups.items():
            where = placed[code].ward or NOT_KNOWN
            if placed[code].kind != kind or options.ward not in (None, where):
                continue
            per_day = DAY_SECONDS / placed[code].interval_seconds
            for bucket in buckets:
                daily[f"{bucket.start:%Y-%m}", where] += bucket.mean * per_day
        tables.append(table_of(
            key, f"{title}, by ward", f"{title} on an average day of each month, from each "
            "sensor's readings (so an outage does not lower it), summed over the sensors in "
            "each ward. Sensors count no known person, so nothing is held back.",
            ("month", "ward"), (Measure(what),),
            [Row((month, ward), (round(daily[month, ward]),))
             for month, ward in sorted(daily, key=lambda k: (ward_order(k[1]), k[0]))],
            chart="lines", disclosure=d))
    return tuple(tables)


def wards(connection: Connection) -> list[str]:
    """Every ward a property is in, for the analyst to pick: places, not persons."""
    return list(connection.execute(select(place.c.ward).where(place.c.ward.is_not(None))
                                   .distinct().order_by(place.c.ward)).scalars())


def tables(connection: Connection, counted: Counted, options: Options
           ) -> tuple[Table, ...]:
    d = options.disclosure
    contacts = _contacts(counted, options)
    by_month = connection.execute(
        select(contacts.c.month, contacts.c.service, func.count(),
               func.count(func.distinct(contacts.c.person_id)))
        .group_by(contacts.c.month, contacts.c.service)).all()
    by_ward = connection.execute(
        select(contacts.c.ward, contacts.c.service, func.count(),
               func.count(func.distinct(contacts.c.person_id)))
        .group_by(contacts.c.ward, contacts.c.service)).all()
    months = _span((m for m, *_ in by_month), options)
    services = sorted({s for _, s, *_ in by_month})
    area = options.ward or "the county"
    per_ward: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for ward, service, count, persons in by_ward:
        per_ward[ward][service] = (count, persons)
    wards = sorted(per_ward, key=ward_order)
    return (
        table_of("services", f"Contacts each month by service, in {area}",
                 f"Contacts with persons living in {area} each month, one line per service.",
                 ("month", "service"), (Measure("contacts"),),
                 _series_rows({(m, s): (c, p) for m, s, c, p in by_month}, months, services,
                              options), chart="lines", disclosure=d),
        table_of("wards", "Contacts by ward and service",
                 "Contacts over the whole period with persons living in each ward, by "
                 "service.", ("ward",), tuple(Measure(s) for s in services),
                 [Row((w,), tuple(d.count(*per_ward[w].get(s, (0, 0))) for s in services))
                  for w in wards], chart="stacked", disclosure=d),
        *_sensor_tables(connection, months, options),
    )
