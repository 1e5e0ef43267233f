"""Ingest: one data file of one source into the store, wholly or not at all.

The whole load is one transaction: stream rows through the mapping into a staging table,
quarantine what cannot be used, then merge set-based into the versioned tables (history kept,
provenance recorded). Any error, or a kill, before the commit leaves the store as it was.
Loading the same file with the same definition again is recognised up front and changes nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Text

from joinedup.errors import IngestError
from joinedup.sources.definition import Kind, SourceDefinition
from joinedup.sources.mapping import PRACTITIONER_FIELDS, Issue, MappedBatch, RowMapper
from joinedup.sources.readers import RaggedRow, Row, read_rows
from joinedup.store import loads, merge, schema
from joinedup.store.schema import Versioned
from joinedup.store.staging import Staging

BATCH = 5000

VERSIONED: dict[Kind, Versioned] = {
    Kind.PERSON: schema.source_record,
    Kind.CONTACT: schema.contact,
    Kind.INVOLVEMENT: schema.involvement,
    Kind.FLAG: schema.flag,
    Kind.PROPERTY: schema.property_,
}
PRACTITIONER_TARGET = {Kind.CONTACT: "practitioner_id", Kind.INVOLVEMENT: "key_worker_id"}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LoadReport:
    """What a load did; ``skipped`` when the same file was already the source's latest load."""

    load: loads.LoadRow
    skipped: bool
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.load.rows_read / self.seconds if self.seconds else 0.0


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError as exc:
        raise IngestError("file not found", path=path) from exc
    except IsADirectoryError as exc:
        raise IngestError("is a directory, expected a data file", path=path) from exc
    return digest.hexdigest(), size


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ingest(*, definition: SourceDefinition, path: Path, engine: Engine, operator: str,
           force: bool = False, progress: Progress | None = None) -> LoadReport:
    """Load ``path`` as ``definition`` describes; see the module docstring for the guarantees."""
    started = time.perf_counter()
    sha, size = file_sha256(path)
    if not force:
        with engine.connect() as connection:
            registered = loads.source_by_name(connection, definition.name)
            previous = loads.latest_load(connection, registered.id) if registered else None
        if previous is not None and previous.file_sha256 == sha \
                and previous.definition_sha256 == definition.sha256:
            return LoadReport(previous, skipped=True, seconds=time.perf_counter() - started)
    with engine.begin() as connection:
        now = _now()
        person_source = _person_source(connection, definition)
        existing = loads.source_by_name(connection, definition.name)
        if existing is not None and existing.kind != definition.kind.value:
            raise IngestError(f"source {definition.name!r} is already registered as kind "
                              f"{existing.kind}, the definition says {definition.kind.value}; "
                              "give the new feed its own name", path=definition.path)
        registered = loads.register_source(
            connection, name=definition.name, agency_name=definition.agency,
            kind=definition.kind.value, fmt=definition.format.value, definition=definition.text,
            definition_sha256=definition.sha256, description=definition.description,
            person_source_id=person_source.id if person_source else None, now=now)
        load_id = loads.start_load(
            connection, source_id=registered.id, file_name=str(path), file_sha256=sha,
            file_bytes=size, definition_sha256=definition.sha256, operator=operator, now=now)
        versioned = VERSIONED[definition.kind]
        mapper = RowMapper(definition)
        staging = _staging(connection, definition, mapper, versioned)
        rows_read = _stream(definition, path, mapper, staging, load_id, progress)
        if rows_read == 0:
            raise IngestError("the file has no data rows", path=path)
        staging.index()
        merge.quarantine_duplicates(connection, staging, load_id=load_id,
                                    record_column=definition.record_id)
        if person_source is not None:
            merge.resolve_person_records(
                connection, staging, load_id=load_id, person_source_id=person_source.id,
                person_source=str(definition.person_source),
                column=definition.fields["person"].columns[0])
        if definition.kind in PRACTITIONER_TARGET:
            merge.resolve_practitioners(connection, staging, agency_id=registered.agency_id,
                                        target=PRACTITIONER_TARGET[definition.kind])
        counts = merge.merge(connection, staging, versioned, source_id=registered.id,
                             load_id=load_id, now=now)
        staging.drop()
        row = loads.finish_load(connection, load_id, finished_at=_now(), rows_read=rows_read,
                                new=counts.new, updated=counts.updated)
    return LoadReport(row, skipped=False, seconds=time.perf_counter() - started)


def _person_source(connection: Any, definition: SourceDefinition
                   ) -> loads.RegisteredSource | None:
    if definition.person_source is None:
        return None
    found = loads.source_by_name(connection, definition.person_source)
    if found is None or found.kind != Kind.PERSON.value:
        raise IngestError(f"person_source {definition.person_source!r} has not been loaded as a "
                          "person source yet; ingest its person file first",
                          path=definition.path)
    return found


def _staging(connection: Any, definition: SourceDefinition, mapper: RowMapper,
             versioned: Versioned) -> Staging:
    table = versioned.table.c
    columns = [(c, table[c].type if c in table else Text()) for c in mapper.columns]
    resolved = []
    if definition.person_source is not None:
        resolved.append("person_record_id")
    if definition.kind in PRACTITIONER_FIELDS:
        resolved.append(PRACTITIONER_TARGET[definition.kind])
    return Staging(connection, name=f"staging_{definition.kind.value}", columns=columns,
                   resolved=resolved)


def _stream(definition: SourceDefinition, path: Path, mapper: RowMapper, staging: Staging,
            load_id: int, progress: Progress | None) -> int:
    """Map every row into staging, a batch at a time; quarantine and warnings as they come.
    Returns the number of rows read."""
    numbers: list[int] = []
    rows: list[Row] = []
    ragged: list[Issue] = []
    rows_read = 0
    for row_no, row in read_rows(definition, path, progress):
        rows_read += 1
        if isinstance(row, RaggedRow):
            ragged.append(Issue(row_no, None, None, None,
                                f"the row has {row.fields} fields, the header has {row.expected}",
                                "one value per header column (check for an unquoted delimiter "
                                "in a value)"))
            continue
        numbers.append(row_no)
        rows.append(row)
        if len(rows) == BATCH:
            _write(staging, load_id, mapper.map_batch(numbers, rows), ragged)
            numbers, rows, ragged = [], [], []
    _write(staging, load_id, mapper.map_batch(numbers, rows), ragged)
    return rows_read


def _write(staging: Staging, load_id: int, batch: MappedBatch, ragged: list[Issue]) -> None:
    staging.write(batch.rows)
    loads.add_issues(staging.connection, "data_warning", [
        {"load_id": load_id, "row_no": w.row_no, "record_id": w.record_id, "field": w.field,
         "column_name": w.column, "value": w.value, "expected": w.expected}
        for w in batch.warnings])
    loads.add_issues(staging.connection, "quarantine", [
        {"load_id": load_id, "row_no": q.row_no, "record_id": q.record_id,
         "column_name": q.column, "value": q.value, "reason": q.reason, "expected": q.expected}
        for q in (*ragged, *batch.rejected)])
