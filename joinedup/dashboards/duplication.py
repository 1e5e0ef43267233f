"""Duplication: records that linkage found to be the same person, within each source and
across sources, and what keeping them costs.

A person with ``r`` records in ``s`` sources has ``r - s`` duplicates *within* sources (the
same person registered twice in one system) and ``s - 1`` *across* them (the same person held
again by another source); the two add up to every record beyond a person's first, so
``records - persons`` overall. The cost is duplicates times the cost per duplicate.
"""

from __future__ import annotations

from sqlalchemy import Connection, case, func, select

from joinedup.dashboards.figures import GBP, Measure, Row, Table, table_of
from joinedup.dashboards.options import Options
from joinedup.dashboards.scope import BANDS, Counted, band, band_names

TITLE = "Duplication"
NOTES = (
    "A duplicate is a record linkage put in the same person as another: within a source, "
    "every record of a person beyond their first in that source; across sources, every "
    "source beyond the first that holds them.",
    "Within and across add up to all records less all persons. Records not yet linked are "
    "not counted.",
)


def tables(connection: Connection, counted: Counted, options: Options
           ) -> tuple[Table, ...]:
    d, records = options.disclosure, counted.records
    per_person = (select(records.c.person_id,
                         func.count(func.distinct(records.c.source_id)).label("sources"))
                  .group_by(records.c.person_id).subquery("per_person"))
    by_source = connection.execute(
        select(records.c.source, func.count(), func.count(func.distinct(records.c.person_id)),
               func.count(func.distinct(case((per_person.c.sources > 1,
                                              records.c.person_id)))))
        .join(per_person, per_person.c.person_id == records.c.person_id)
        .group_by(records.c.source).order_by(records.c.source)).all()
    bucket = band(per_person.c.sources)
    spread = {k: (n, int(extra)) for k, n, extra in connection.execute(
        select(bucket, func.count(), func.sum(per_person.c.sources - 1)).group_by(bucket))}

    within = sum(records - persons for _, records, persons, _ in by_source)
    across = sum(extra for _, extra in spread.values())
    cost = options.cost_per_duplicate

    def priced(count: int) -> tuple[int | None, float | None]:
        shown = d.count(count)
        return shown, None if shown is None else round(count * cost, 2)

    return (
        table_of("within-source", "Duplicate records within each source",
                 "For each source: its records, the persons they are, the records beyond one "
                 "a person (duplicates within the source) and the persons also known to "
                 "another source.",
                 ("source",), (Measure("records"), Measure("persons"),
                               Measure("duplicates"), Measure("persons in other sources")),
                 [Row((name,), (d.count(records), d.count(persons), d.count(records - persons),
                                d.count(shared)))
                  for name, records, persons, shared in by_source],
                 chart="bars", disclosure=d, plotted=("duplicates",)),
        table_of("across-sources", "Persons by the number of sources that know them",
                 "Persons known to one, two, three, or four or more sources, and the records "
                 "held about them beyond their first source (duplicates across sources).",
                 ("sources",), (Measure("persons"), Measure("duplicates")),
                 [Row((name,), tuple(d.count(n) for n in spread.get(k, (0, 0))))
                  for (k, _), name in zip(BANDS, band_names("source", "sources"),
                                          strict=True)],
                 chart="bars", disclosure=d, plotted=("persons",)),
        table_of("cost", "Estimated cost of duplicate records",
                 f"Duplicate records times £{cost:,.2f}, the cost set for finding and "
                 "putting right one duplicate.",
                 ("duplicates",), (Measure("records"), Measure("cost", GBP)),
                 [Row((label,), priced(count)) for label, count in
                  (("within sources", within), ("across sources", across),
                   ("all", within + across))],
                 chart="bars", disclosure=d, plotted=("cost",)),
    )
