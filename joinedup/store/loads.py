"""Agencies, sources and loads: the provenance of everything in the hub.

Repositories never commit: the caller's unit of work does (see sources/ingest.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

from joinedup.store.issues import Issue
from joinedup.store.schema import agency, data_warning, load, quarantine, source


@dataclass(frozen=True)
class RegisteredSource:
    id: int
    agency_id: int
    kind: str


@dataclass(frozen=True)
class LoadRow:
    id: int
    source: str
    agency: str
    kind: str
    file_name: str
    file_sha256: str
    definition_sha256: str
    operator: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    accepted: int
    new: int
    updated: int
    unchanged: int
    warnings: int
    quarantined: int


@dataclass(frozen=True)
class LoadDetail:
    load: LoadRow
    quarantine: list[Issue]
    warnings: list[Issue]


def source_by_name(connection: Connection, name: str) -> RegisteredSource | None:
    row = connection.execute(select(source.c.id, source.c.agency_id, source.c.kind)
                             .where(source.c.name == name)).first()
    return RegisteredSource(row.id, row.agency_id, row.kind) if row else None


def register_source(connection: Connection, *, name: str, agency_name: str, kind: str,
                    fmt: str, definition: str, definition_sha256: str, description: str,
                    person_source_id: int | None, now: datetime) -> RegisteredSource:
    """Create or update the agency and source a definition describes."""
    agency_id = connection.execute(select(agency.c.id).where(agency.c.name == agency_name)
                                   ).scalar()
    if agency_id is None:
        agency_id = connection.execute(insert(agency).values(name=agency_name, created_at=now)
                                       .returning(agency.c.id)).scalar_one()
    values: dict[str, Any] = {
        "agency_id": agency_id, "kind": kind, "format": fmt, "definition": definition,
        "definition_sha256": definition_sha256, "description": description,
        "person_source_id": person_source_id, "updated_at": now,
    }
    existing = source_by_name(connection, name)
    if existing is None:
        source_id = connection.execute(insert(source).values(name=name, created_at=now, **values)
                                       .returning(source.c.id)).scalar_one()
    else:
        source_id = existing.id
        connection.execute(update(source).where(source.c.id == source_id).values(**values))
    return RegisteredSource(source_id, agency_id, kind)


def record_ids(connection: Connection, table: Table, source_id: int) -> set[str]:
    """Every record id a source already has in ``table``."""
    # Options on the statement, not the connection: Connection.execution_options() changes the
    # load's own connection in place, and on PostgreSQL every later statement of the load would
    # then run in a server-side cursor (which refuses DDL and executemany).
    rows = connection.execute(select(table.c.record_id).where(table.c.source_id == source_id)
                              .execution_options(yield_per=50_000))
    return {r for (r,) in rows}


def start_load(connection: Connection, *, source_id: int, file_name: str, file_sha256: str,
               file_bytes: int, definition_sha256: str, operator: str, now: datetime) -> int:
    return int(connection.execute(insert(load).values(
        source_id=source_id, file_name=file_name, file_sha256=file_sha256,
        file_bytes=file_bytes, definition_sha256=definition_sha256, operator=operator,
        status="running", started_at=now, rows_read=0, accepted=0, new=0, updated=0,
        unchanged=0, warnings=0, quarantined=0,
    ).returning(load.c.id)).scalar_one())


def finish_load(connection: Connection, load_id: int, *, finished_at: datetime,
                rows_read: int, new: int, updated: int) -> LoadRow:
    """Record the load's counts; warnings and quarantine are counted from their tables."""
    quarantined = connection.execute(select(func.count()).select_from(quarantine)
                                     .where(quarantine.c.load_id == load_id)).scalar_one()
    warnings = connection.execute(select(func.count()).select_from(data_warning)
                                  .where(data_warning.c.load_id == load_id)).scalar_one()
    accepted = rows_read - quarantined
    connection.execute(update(load).where(load.c.id == load_id).values(
        status="complete", finished_at=finished_at, rows_read=rows_read, accepted=accepted,
        new=new, updated=updated, unchanged=accepted - new - updated, warnings=warnings,
        quarantined=quarantined))
    found = get_load(connection, load_id)
    assert found is not None
    return found


def add_quarantined(connection: Connection, load_id: int, issues: Sequence[Issue]) -> None:
    if issues:
        connection.execute(insert(quarantine), [
            {"load_id": load_id, "row_no": i.row_no, "record_id": i.record_id,
             "column_name": i.column, "value": i.value, "reason": i.reason,
             "expected": i.expected} for i in issues])


def add_warnings(connection: Connection, load_id: int, issues: Sequence[Issue]) -> None:
    if issues:
        connection.execute(insert(data_warning), [
            {"load_id": load_id, "row_no": i.row_no, "record_id": i.record_id,
             "field": i.field, "column_name": i.column, "value": i.value,
             "expected": i.expected} for i in issues])


def _load_query() -> Any:
    return (select(load, source.c.name.label("source"), source.c.kind,
                   agency.c.name.label("agency"))
            .join(source, source.c.id == load.c.source_id)
            .join(agency, agency.c.id == source.c.agency_id))


def _load_row(row: Any) -> LoadRow:
    fields = {f: getattr(row, f) for f in LoadRow.__dataclass_fields__}
    return LoadRow(**fields)


def get_load(connection: Connection, load_id: int) -> LoadRow | None:
    row = connection.execute(_load_query().where(load.c.id == load_id)).first()
    return _load_row(row) if row else None


def latest_load(connection: Connection, source_id: int) -> LoadRow | None:
    row = connection.execute(_load_query().where(load.c.source_id == source_id)
                             .order_by(load.c.id.desc()).limit(1)).first()
    return _load_row(row) if row else None


def list_loads(connection: Connection, *, source_name: str | None = None,
               limit: int = 100) -> list[LoadRow]:
    query = _load_query().order_by(load.c.id.desc()).limit(limit)
    if source_name is not None:
        query = query.where(source.c.name == source_name)
    return [_load_row(r) for r in connection.execute(query)]


def load_detail(connection: Connection, load_id: int, *, limit: int = 1000) -> LoadDetail | None:
    found = get_load(connection, load_id)
    if found is None:
        return None
    q = connection.execute(select(quarantine).where(quarantine.c.load_id == load_id)
                           .order_by(quarantine.c.row_no).limit(limit))
    w = connection.execute(select(data_warning).where(data_warning.c.load_id == load_id)
                           .order_by(data_warning.c.row_no, data_warning.c.id).limit(limit))
    return LoadDetail(
        load=found,
        quarantine=[Issue(r.row_no, r.record_id, r.column_name, r.value, r.reason, r.expected)
                    for r in q],
        warnings=[Issue(r.row_no, r.record_id, r.column_name, r.value,
                        f"invalid {r.field}", r.expected, r.field) for r in w],
    )
