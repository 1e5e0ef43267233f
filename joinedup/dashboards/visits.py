"""Visit coordination: households visited by two or more agencies in the same fortnight, and
how many of those visits could have been combined.

A *visit* is a contact whose channel says someone went to the home: ``VISIT_CHANNELS``, as
the feeds write it (Adult Social Care's ``visit``, Fire and Rescue's ``home visit``, FHIR's
``HH``, "home health", for community health's encounters). It is counted at the household of
the person seen, once per agency, household and day: a fire officer seeing three occupants
in one call is one visit. Fortnights start on Mondays (``calendar``).

When several agencies visit one household in one fortnight, the agency that visited most
sets the trips needed; every other agency's visits could have joined one of those, so
*combinable* visits are all the visits less the most any one agency made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Subquery, func, select

from joinedup.dashboards.calendar import day_of, fortnight_of, fortnight_start
from joinedup.dashboards.figures import Measure, Row, Table, table_of
from joinedup.dashboards.options import Options
from joinedup.dashboards.scope import ALL_WARDS, NOT_KNOWN, Counted, not_sealed, ward_order
from joinedup.store.schema import agency, contact, place, residence, source

TITLE = "Visit coordination"
VISIT_CHANNELS = ("visit", "home visit", "home_visit", "hh", "home health")
"""Contact channels that are a visit to the home, compared lower-case and trimmed."""
NOTES = (
    "A visit is a contact whose channel is one of: " + ", ".join(VISIT_CHANNELS)
    + " (any case); each agency's visits to one household on one day count once.",
    "Fortnights start on Mondays, counted from Monday 1 January 1900, so the same dates "
    "always fall in the same fortnight; a date range cuts the first and last fortnights.",
    "Combinable visits: in a fortnight when two or more agencies visited a household, "
    "all their visits less the most any one agency made.",
)
_CON = contact.table


def _per_agency(counted: Counted, options: Options) -> Subquery:
    """Visits by each agency to each household in each fortnight."""
    by, records = source.alias("contact_source"), counted.records
    when = options.during(_CON.c.occurred_at)
    visits = (select(by.c.agency_id, residence.c.uprn,
                     day_of(_CON.c.occurred_at).label("day"))
              .select_from(_CON.join(by, by.c.id == _CON.c.source_id)
                           .join(records, records.c.record_id == _CON.c.person_record_id)
                           .join(residence, residence.c.person_id == records.c.person_id))
              .where(by.c.name.in_(counted.scope.contact_sources),
                     func.lower(func.trim(_CON.c.channel)).in_(VISIT_CHANNELS),
                     not_sealed(_CON.c.sensitivity), *when)
              .distinct().subquery("visits"))
    fortnight = (visits.c.day // 14).label("fortnight")
    return (select(visits.c.uprn, fortnight, visits.c.agency_id,
                   func.count().label("visits"))
            .group_by(visits.c.uprn, fortnight, visits.c.agency_id).subquery("per_agency"))


def _fortnights(found: Sequence[Any], options: Options) -> list[Row]:
    """A row for every fortnight from the first to the last (or across the dates asked
    for), none skipped, so the chart's time axis is even."""
    d = options.disclosure
    known = {int(f): (int(n), int(v), int(c)) for f, n, v, c in found}
    ends = [*known]
    if options.since:
        ends.append(fortnight_of(options.since))
    if options.until:
        ends.append(fortnight_of(options.until))
    if not ends:
        return []
    return [Row((fortnight_start(f).isoformat(),),
                (d.count(n), d.count(v, n), d.count(c, n)))
            for f in range(min(ends), max(ends) + 1)
            for n, v, c in [known.get(f, (0, 0, 0))]]


def tables(connection: Connection, counted: Counted, options: Options
           ) -> tuple[Table, ...]:
    d = options.disclosure
    per_agency = _per_agency(counted, options)
    shared = (select(per_agency.c.uprn, per_agency.c.fortnight,
                     func.sum(per_agency.c.visits).label("visits"),
                     (func.sum(per_agency.c.visits) - func.max(per_agency.c.visits))
                     .label("combinable"))
              .group_by(per_agency.c.uprn, per_agency.c.fortnight)
              .having(func.count() >= 2).subquery("shared"))
    by_fortnight = connection.execute(
        select(shared.c.fortnight, func.count(), func.sum(shared.c.visits),
               func.sum(shared.c.combinable)).group_by(shared.c.fortnight)).all()
    ward = func.coalesce(place.c.ward, NOT_KNOWN)
    by_ward = connection.execute(
        select(ward, func.count(func.distinct(shared.c.uprn)), func.count(),
               func.sum(shared.c.visits), func.sum(shared.c.combinable))
        .select_from(shared.outerjoin(place, place.c.uprn == shared.c.uprn))
        .group_by(ward)).all()
    one, other = per_agency.alias("one"), per_agency.alias("other")
    first, second = agency.alias("first"), agency.alias("second")
    pairs = connection.execute(
        select(first.c.name, second.c.name, func.count(func.distinct(one.c.uprn)),
               func.count())
        .select_from(one.join(other, (other.c.uprn == one.c.uprn)
                              & (other.c.fortnight == one.c.fortnight))
                     .join(first, first.c.id == one.c.agency_id)
                     .join(second, (second.c.id == other.c.agency_id)
                           & (second.c.name > first.c.name)))
        .group_by(first.c.name, second.c.name).order_by(first.c.name, second.c.name)).all()

    wards = sorted(by_ward, key=lambda r: ward_order(r[0]))
    total = [sum(int(r[i]) for r in by_ward) for i in range(1, 5)]
    measures = (Measure("households"), Measure("household fortnights"), Measure("visits"),
                Measure("combinable visits"))

    def shown(households: int, fortnights: int, visits: int, combinable: int
              ) -> tuple[int | None, ...]:
        return (d.count(households), d.count(fortnights, households),
                d.count(visits, households), d.count(combinable, households))

    return (
        table_of("county", "Households visited by two or more agencies in a fortnight",
                 "In the whole county: households visited by two or more agencies in the same "
                 "fortnight, how many such fortnights, the visits in them and how many could "
                 "have been combined.", ("area",), measures, [Row((ALL_WARDS,), shown(*total))],
                 chart="bars", disclosure=d),
        table_of("fortnights", "Households visited by two or more agencies, by fortnight",
                 "For each fortnight (starting on a Monday): households that two or more "
                 "agencies visited, all those agencies' visits to them, and how many of the "
                 "visits could have been combined.",
                 ("fortnight starting",), (Measure("households"), Measure("visits"),
                                           Measure("combinable visits")),
                 _fortnights(by_fortnight, options), chart="columns", disclosure=d,
                 plotted=("households",)),
        table_of("wards", "Households visited by two or more agencies in a fortnight, by ward",
                 "Ward by ward: households visited by two or more agencies in the same "
                 "fortnight, how many such fortnights, the visits in them and how many could "
                 "have been combined.", ("ward",), measures,
                 [Row((r[0],), shown(*map(int, r[1:]))) for r in wards], chart="bars",
                 disclosure=d, plotted=("households", "combinable visits")),
        table_of("pairs", "Which agencies visit the same households in the same fortnight",
                 "For each pair of agencies: households both visited in the same fortnight, "
                 "and in how many household fortnights.",
                 ("agency", "and agency"), (Measure("households"),
                                            Measure("household fortnights")),
                 [Row((a, b), (d.count(h), d.count(f, h))) for a, b, h, f in pairs],
                 chart="bars", disclosure=d, plotted=("households",)),
    )
