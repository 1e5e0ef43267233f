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
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, Text, select
from sqlalchemy.exc import OperationalError

from joinedup.errors import IngestError, StoreError
from joinedup.govern import audit
from joinedup.govern.register import check_source_may_load
from joinedup.sources.batches import mapped_batches
from joinedup.sources.definition import Kind, SourceDefinition
from joinedup.sources.mapping import PRACTITIONER_FIELDS, MappedBatch, staging_columns
from joinedup.store import loads, merge, schema
from joinedup.store.bulk import BulkInsert, indexes_rebuilt
from joinedup.store.issues import Issue
from joinedup.store.schema import Versioned
from joinedup.store.staging import Staging

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
    try:
        return _ingest(definition=definition, path=path, engine=engine, operator=operator,
                       force=force, progress=progress)
    except OperationalError as exc:
        if "locked" in str(exc.orig):
            raise StoreError("the database is busy with another load; nothing was written, "
                             "run this load again when that one has finished") from exc
        raise StoreError(f"the database refused the load, nothing was written: {exc.orig}"
                         ) from exc


def _ingest(*, definition: SourceDefinition, path: Path, engine: Engine, operator: str,
            force: bool, progress: Progress | None) -> LoadReport:
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
        check_source_may_load(connection, definition.name, now.date())
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
        sink = _Sink(connection, definition, versioned, source_id=registered.id,
                     load_id=load_id, now=now)
        rows_read = 0
        with _indexed_after(connection, versioned.table):
            for batch in mapped_batches(definition, path, progress):
                sink.write(batch.mapped, batch.ragged)
                rows_read += batch.rows_read
        if rows_read == 0:
            raise IngestError("the file has no data rows", path=path)
        staging = sink.staging
        staging.index()
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
                                new=counts.new + sink.inserted, updated=counts.updated)
        audit.append(connection, [audit.operation(
            operator, "load", f"load {load_id} of {definition.name} from {path.name}: "
            f"{row.rows_read} rows, {row.new} new, {row.updated} updated, {row.quarantined} "
            "quarantined", organisation=definition.agency)], now=now)
    return LoadReport(row, skipped=False, seconds=time.perf_counter() - started)


def _indexed_after(connection: Connection, table: Table) -> AbstractContextManager[None]:
    """Into an empty table (a first load), rows go in before its value indexes are built: a
    sort per index instead of a B-tree insert per row per index. Into a table that holds
    rows already, rebuilding its indexes would cost more than it saves."""
    empty = connection.execute(select(table.c.id).limit(1)).first() is None
    return indexes_rebuilt(connection, table) if empty else nullcontext()


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


class _Sink:
    """Where mapped rows go. A record id seen earlier in the file is quarantined; a record the
    store has never seen goes straight into its table (the bulk of a first load); the rest is
    staged, to be compared with what the store holds and merged with history."""

    def __init__(self, connection: Any, definition: SourceDefinition, versioned: Versioned, *,
                 source_id: int, load_id: int, now: datetime) -> None:
        self.connection = connection
        self.load_id = load_id
        self.record_column = definition.record_id
        self.first_row: dict[str, int] = {}
        table = versioned.table
        names = staging_columns(definition.kind)
        columns = [(c, table.c[c].type if c in table.c else Text()) for c in names]
        resolved = []
        if definition.person_source is not None:
            resolved.append("person_record_id")
        if definition.kind in PRACTITIONER_FIELDS:
            resolved.append(PRACTITIONER_TARGET[definition.kind])
        self.staging = Staging(connection, name=f"staging_{definition.kind.value}",
                               columns=columns, resolved=resolved)
        # Rows that refer to other records (a person, a practitioner) are resolved in SQL,
        # so only self-contained kinds can skip staging.
        self.direct: BulkInsert | None = None
        self.existing: set[str] = set()
        if not resolved:
            self.existing = loads.record_ids(connection, table, source_id)
            self.direct = BulkInsert(connection, table.name, ["record_id", *names], {
                "source_id": source_id, "load_id": load_id, "first_load_id": load_id,
                "valid_from": now})
        self.inserted = 0

    def write(self, batch: MappedBatch, ragged: list[Issue]) -> None:
        ids = batch.ids
        if self.direct is not None and self._all_new(ids):
            # The bulk of a first load: written column by column as mapped, no row built.
            self.first_row.update(zip(ids, batch.numbers, strict=True))
            self.direct.write_columns([ids, *batch.columns])
            self.inserted += len(ids)
            duplicates = []
        else:
            duplicates = self._write_rows(batch)
        gone = {d.row_no for d in duplicates}
        loads.add_warnings(self.connection, self.load_id,
                           [w for w in batch.warnings if w.row_no not in gone])
        loads.add_quarantined(self.connection, self.load_id,
                              [*ragged, *batch.rejected, *duplicates])

    def _all_new(self, ids: list[str]) -> bool:
        """No id of the batch is repeated, seen earlier in the file, or in the store."""
        return len(set(ids)) == len(ids) and self.first_row.keys().isdisjoint(ids) \
            and self.existing.isdisjoint(ids)

    def _write_rows(self, batch: MappedBatch) -> list[Issue]:
        """Write a batch row by row: new records, staged ones, duplicates (returned)."""
        first_row = self.first_row
        existing = self.existing
        direct = self.direct is not None
        duplicates: list[Issue] = []
        fresh: list[tuple[Any, ...]] = []
        staged: list[tuple[Any, ...]] = []
        for row in batch.rows:
            row_no, record_id = row[0], row[1]
            first = first_row.setdefault(record_id, row_no)
            if first != row_no:
                duplicates.append(Issue(row_no, record_id, self.record_column, record_id,
                                        f"duplicate record id: already used at row {first}",
                                        "a record id that appears once in the file"))
            elif direct and record_id not in existing:
                fresh.append(row[1:])
            else:
                staged.append(row)
        if self.direct is not None:
            self.direct.write(fresh)
            self.inserted += len(fresh)
        self.staging.write(staged)
        return duplicates
