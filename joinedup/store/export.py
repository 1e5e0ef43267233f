"""Exports of hub data to flat files, streamed so size never matters."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Engine, select

from joinedup.store.schema import person_link, source, source_record

RECORD_COLUMNS = ("given_name", "middle_names", "family_name", "date_of_birth", "sex",
                  "nhs_number", "uprn", "address", "postcode", "phone", "email", "identifiers")


class RowWriter(Protocol):
    def writerow(self, row: Any, /) -> Any: ...


def export_records(engine: Engine, writer: RowWriter, *, source_name: str | None = None) -> int:
    """Write ``source, record_id`` and the canonical person fields; returns the row count."""
    table = source_record.table
    query = (select(source.c.name, table.c.record_id, *(table.c[c] for c in RECORD_COLUMNS))
             .join(source, source.c.id == table.c.source_id)
             .order_by(source.c.name, table.c.record_id))
    if source_name is not None:
        query = query.where(source.c.name == source_name)
    writer.writerow(("source", "record_id", *RECORD_COLUMNS))
    count = 0
    with engine.connect() as connection:
        for row in connection.execution_options(yield_per=10_000).execute(query):
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def export_links(engine: Engine, writer: RowWriter) -> tuple[int, int]:
    """Write ``source, record_id, person_id, match_weight`` for every person record; returns
    (rows, records not linked yet). A record with no link since its load has an empty
    ``person_id``: it arrived after the last ``joinedup link``."""
    table = source_record.table
    query = (select(source.c.name, table.c.record_id, person_link.c.person_id,
                    person_link.c.match_weight)
             .join(source, source.c.id == table.c.source_id)
             .outerjoin(person_link, person_link.c.source_record_id == table.c.id)
             .where(source.c.kind == "person")
             .order_by(source.c.name, table.c.record_id))
    writer.writerow(("source", "record_id", "person_id", "match_weight"))
    count = unlinked = 0
    with engine.connect() as connection:
        for name, record_id, person_id, weight in connection.execution_options(
                yield_per=10_000).execute(query):
            writer.writerow((name, record_id, "" if person_id is None else person_id,
                             "" if weight is None else f"{weight:.4f}"))
            count += 1
            unlinked += person_id is None
    return count, unlinked
