"""The queries behind exports of hub data to flat files, streamed so size never matters.

Who may export what is ``joinedup.govern.exports``'s business; benchmarks and tests that score
linkage against ground truth read ``export_links`` directly.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from sqlalchemy import Engine, Select, func, select

from joinedup.store.schema import person_link, source, source_record

RECORD_COLUMNS = ("given_name", "middle_names", "family_name", "date_of_birth", "sex",
                  "nhs_number", "uprn", "address", "postcode", "phone", "email", "identifiers")
LINK_COLUMNS = ("source", "record_id", "person_id", "match_weight")


class RowWriter(Protocol):
    def writerow(self, row: Any, /) -> Any: ...


def records_query(sources: Collection[str] | None = None) -> Select[Any]:
    """``source, record_id``, the canonical person fields, then sensitivity and person id."""
    table = source_record.table
    query = (select(source.c.name, table.c.record_id, *(table.c[c] for c in RECORD_COLUMNS),
                    func.coalesce(table.c.sensitivity, "standard"), person_link.c.person_id)
             .join(source, source.c.id == table.c.source_id)
             .outerjoin(person_link, person_link.c.source_record_id == table.c.id)
             .where(source.c.kind == "person")
             .order_by(source.c.name, table.c.record_id))
    return query if sources is None else query.where(source.c.name.in_(sorted(sources)))


def links_query(sources: Collection[str] | None = None) -> Select[Any]:
    """``source, record_id, person_id, match_weight``, then sensitivity: a record with no link
    since its load has no person id (it arrived after the last ``joinedup link``)."""
    table = source_record.table
    query = (select(source.c.name, table.c.record_id, person_link.c.person_id,
                    person_link.c.match_weight, func.coalesce(table.c.sensitivity, "standard"))
             .join(source, source.c.id == table.c.source_id)
             .outerjoin(person_link, person_link.c.source_record_id == table.c.id)
             .where(source.c.kind == "person")
             .order_by(source.c.name, table.c.record_id))
    return query if sources is None else query.where(source.c.name.in_(sorted(sources)))


def link_row(name: str, record_id: str, person_id: int | None, weight: float | None
             ) -> tuple[Any, ...]:
    return (name, record_id, "" if person_id is None else person_id,
            "" if weight is None else f"{weight:.4f}")


def export_links(engine: Engine, writer: RowWriter) -> tuple[int, int]:
    """Every person record's person id, ungoverned: for scoring linkage against ground truth
    in tests and benchmarks. Returns (rows, records not linked yet)."""
    writer.writerow(LINK_COLUMNS)
    count = unlinked = 0
    with engine.connect() as connection:
        for name, record_id, person_id, weight, _ in connection.execute(
                links_query().execution_options(yield_per=10_000)):
            writer.writerow(link_row(name, record_id, person_id, weight))
            count += 1
            unlinked += person_id is None
    return count, unlinked
