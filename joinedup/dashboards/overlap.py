"""Multi-agency overlap: persons and households known to one, two, three, four or more
agencies, ward by ward.

An agency knows a person when one of its person sources holds a record linkage put in that
person; a household is the persons living at one property (``places``' ``residence``) and is
known to every agency that knows one of them. A person's ward is their home's; persons with no
known home, and homes with no ward, are counted under "Not known".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, case, func, select

from joinedup.dashboards.figures import Measure, Row, Table, table_of
from joinedup.dashboards.options import Options
from joinedup.dashboards.scope import ALL_WARDS, BANDS, NOT_KNOWN, Counted, band, ward_order
from joinedup.store.schema import place, residence

TITLE = "Multi-agency overlap"
NOTES = (
    "An agency knows a person when one of its sources holds a record of them; a household "
    "is the persons living at one property, known to every agency that knows one of them.",
    "A person's ward is their home's; persons with no known home, and homes with no ward, "
    "are counted under \"Not known\".",
)
MEASURES = tuple(Measure(f"{label} {'agency' if k == 1 else 'agencies'}") for k, label in BANDS)


def _by_ward(unit: Any, agencies: Any, uprn: Any) -> Select[Any]:
    """Per ward, how many of ``unit`` are known to each band of agencies."""
    ward = func.coalesce(place.c.ward, NOT_KNOWN)
    banded = band(agencies)
    return (select(ward, *(func.sum(case((banded == k, 1), else_=0)) for k, _ in BANDS))
            .select_from(unit.outerjoin(place, place.c.uprn == uprn))
            .group_by(ward))


def _rows(found: Sequence[Any], options: Options) -> list[Row]:
    """The county first, then each ward by name, "Not known" last; each cell suppressed on
    its own."""
    d = options.disclosure
    wards = sorted(found, key=lambda r: ward_order(r[0]))
    totals = [sum(int(r[i]) for r in found) for i in range(1, len(BANDS) + 1)]
    return [Row((ALL_WARDS,), tuple(d.count(t) for t in totals)),
            *(Row((r[0],), tuple(d.count(int(v)) for v in r[1:])) for r in wards)]


def tables(connection: Connection, counted: Counted, options: Options
           ) -> tuple[Table, ...]:
    d, records = options.disclosure, counted.records
    per_person = (select(records.c.person_id,
                         func.count(func.distinct(records.c.agency_id)).label("agencies"))
                  .group_by(records.c.person_id).subquery("per_person"))
    persons = _by_ward(per_person.outerjoin(residence,
                                            residence.c.person_id == per_person.c.person_id),
                       per_person.c.agencies, residence.c.uprn)
    per_home = (select(residence.c.uprn,
                       func.count(func.distinct(records.c.agency_id)).label("agencies"))
                .join(residence, residence.c.person_id == records.c.person_id)
                .group_by(residence.c.uprn).subquery("per_home"))
    homes = _by_ward(per_home, per_home.c.agencies, per_home.c.uprn)
    return (
        table_of("persons", "Persons known to several agencies, by ward",
                 "Persons known to one, two, three, or four or more agencies, for the county "
                 "and for each ward they live in.",
                 ("ward",), MEASURES, _rows(connection.execute(persons).all(), options),
                 chart="stacked", disclosure=d),
        table_of("households", "Households known to several agencies, by ward",
                 "Households (the persons at one property) known to one, two, three, or four "
                 "or more agencies through any of their members, for the county and each ward.",
                 ("ward",), MEASURES, _rows(connection.execute(homes).all(), options),
                 chart="stacked", disclosure=d),
    )
