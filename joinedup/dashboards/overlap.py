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
from joinedup.dashboards.scope import BANDS, NOT_KNOWN, Counted, band, band_names, ward_order
from joinedup.store.schema import place, residence

TITLE = "Multi-agency overlap"
NOTES = (
    "An agency knows a person when one of its sources holds a record of them; a household "
    "is the persons living at one property, known to every agency that knows one of them.",
    "A person's ward is their home's; persons with no known home, and homes with no ward, "
    "are counted under \"Not known\".",
)
NAMES = band_names("agency", "agencies")
MEASURES = tuple(Measure(name) for name in NAMES)


def _by_ward(unit: Any, agencies: Any, uprn: Any) -> Select[Any]:
    """Per ward, how many of ``unit`` are known to each band of agencies."""
    ward = func.coalesce(place.c.ward, NOT_KNOWN)
    banded = band(agencies)
    return (select(ward, *(func.sum(case((banded == k, 1), else_=0)) for k, _ in BANDS))
            .select_from(unit.outerjoin(place, place.c.uprn == uprn))
            .group_by(ward))


def _pair(key: str, unit: str, what: str, found: Sequence[Any], options: Options
          ) -> tuple[Table, Table]:
    """The county's ``unit`` by how many agencies know them, and the same ward by ward (by
    name, "Not known" last); each cell suppressed on its own."""
    d = options.disclosure
    totals = [sum(int(r[i]) for r in found) for i in range(1, len(BANDS) + 1)]
    wards = sorted(found, key=lambda r: ward_order(r[0]))
    return (
        table_of(key, f"{unit.capitalize()} known to several agencies",
                 f"{what.capitalize()} known to one, two, three, or four or more agencies, in "
                 "the whole county.", ("agencies",), (Measure(unit),),
                 [Row((name,), (d.count(t),)) for name, t in zip(NAMES, totals, strict=True)],
                 chart="bars", disclosure=d),
        table_of(f"{key}-by-ward", f"{unit.capitalize()} known to several agencies, by ward",
                 f"{what.capitalize()} known to one, two, three, or four or more agencies, "
                 "ward by ward.", ("ward",), MEASURES,
                 [Row((r[0],), tuple(d.count(int(v)) for v in r[1:])) for r in wards],
                 chart="stacked", disclosure=d),
    )


def tables(connection: Connection, counted: Counted, options: Options
           ) -> tuple[Table, ...]:
    records = counted.records
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
    return (*_pair("persons", "persons", "persons",
                   connection.execute(persons).all(), options),
            *_pair("households", "households", "households (the persons at one property, "
                   "known through any of them)", connection.execute(homes).all(), options))
