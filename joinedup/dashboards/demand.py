"""Service demand by ward over time, and beside it traffic and library use by area from the
sensors.

Demand is contacts per UTC calendar month, by service (the contact's service, else its
agency), counted at the ward of the person's home (``places``); a month's count is held back
when fewer than the threshold of persons are behind it. Sensor figures are the monthly totals
of the counting sensors (``sensors.rollup_all``), summed over the sensors of each ward: they
count vehicles and visitors, not known persons, so nothing is held back, and a month with an
outage counts less (``joinedup sensors gaps`` shows where).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Subquery, func, select

from joinedup.dashboards.calendar import month_of
from joinedup.dashboards.figures import Measure, Row, Table, table_of
from joinedup.dashboards.options import Options
from joinedup.dashboards.scope import NOT_KNOWN, Counted, not_sealed, ward_order
from joinedup.sensors import rollup_all, sensors
from joinedup.store.schema import agency, contact, place, residence, source

TITLE = "Service demand and city sensors"
SENSOR_FIGURES = (("traffic", "traffic_count", "Vehicles counted at the roadside",
                   "vehicles"),
                  ("library", "library_footfall", "Library visits", "visits"))
"""Each sensor chart: its key, the sensor kind it sums, its title and what it counts."""
NOTES = (
    "Contacts are counted in UTC calendar months, by service (or the agency, where a feed "
    "names no service), at the ward of the person's home.",
    "Sensor figures are monthly totals of the roadside and library counters in each ward: "
    "they count vehicles and visitors, not known persons, so none is held back; a month with "
    "an outage counts less.",
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
            .where(by.c.name.in_(counted.scope.contact_sources), not_sealed(_CON.c.sensitivity), *when)
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
    d = options.disclosure
    if not months:
        return tuple(table_of(key, title, "", ("month", "ward"), (Measure(what),), [],
                              chart="lines", disclosure=d)
                     for key, _, title, what in SENSOR_FIGURES)
    sums = rollup_all(connection, "month", datetime.strptime(months[0], "%Y-%m"),
                      datetime.strptime(_next(months[-1]), "%Y-%m"))
    placed = {s.code: (s.kind, s.ward or NOT_KNOWN) for s in sensors(connection)}
    tables = []
    for key, kind, title, what in SENSOR_FIGURES:
        totals: dict[tuple[str, str], float] = defaultdict(float)
        for code, buckets in sums.items():
            if placed[code][0] != kind or (options.ward and placed[code][1] != options.ward):
                continue
            for bucket in buckets:
                totals[f"{bucket.start:%Y-%m}", placed[code][1]] += bucket.sum
        wards = sorted({w for _, w in totals})
        tables.append(table_of(
            key, f"{title}, by ward", f"{title} each month, summed over the sensors in each "
            "ward; sensor counts are not of known persons, so none is held back.",
            ("month", "ward"), (Measure(what),),
            [Row((month, ward), (round(totals.get((month, ward), 0.0)),))
             for ward in wards for month in months], chart="lines", disclosure=d))
    return tuple(tables)


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
