"""Ingesting readings: one batch (a file, an HTTP post) in one transaction, with its report.

``read == accepted + duplicates + rejected``: every reading is stored (new, or correcting the
value held for its time), recognised as one the hub already has, or rejected with a problem
that is stored with the batch. Late and out-of-order readings are accepted like the rest and
counted, so a feed that lags or replays shows up in the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update

from joinedup.errors import NotFound
from joinedup.sensors.checks import Known, check
from joinedup.sensors.readings import (
    Chunk,
    RawReading,
    ReadingProblem,
    chunks,
    file_chunks,
    read_readings,
)
from joinedup.sensors.times import to_datetime, to_seconds
from joinedup.sensors.writer import Counts, Writer
from joinedup.store.database import WRITE_FIRST, one_writer
from joinedup.store.schema import sensor, sensor_batch, sensor_correction, sensor_problem

__all__ = ["Batch", "Correction", "IngestReport", "RawReading", "ReadingProblem", "batch",
           "batches", "ingest", "ingest_file", "ingest_transaction", "read_readings"]

Progress = Callable[[int, int], None]
"""Called after each chunk with (done, total): bytes of a file, or readings with total 0."""


@dataclass(frozen=True)
class IngestReport:
    batch_id: int
    read: int
    accepted: int
    duplicates: int
    corrected: int
    late: int
    out_of_order: int
    rejected: int
    problems: tuple[ReadingProblem, ...]
    """The first 1,000 problems; ``batch()`` reads them all."""


@dataclass(frozen=True)
class Batch:
    id: int
    source: str
    received_by: str
    received_at: datetime
    read: int
    accepted: int
    duplicates: int
    corrected: int
    late: int
    out_of_order: int
    rejected: int


@dataclass(frozen=True)
class Correction:
    code: str
    observed_at: datetime
    old_value: float
    new_value: float


COUNTS = tuple(f.name for f in fields(Counts))


@contextmanager
def ingest_transaction(engine: Engine) -> Iterator[Connection]:
    """The transaction a batch needs: on SQLite it takes the write lock at BEGIN (the batch
    reads before it writes) and queues behind this process's other writers; committed on
    success, rolled back whole on any failure."""
    with one_writer(engine), engine.connect() as connection:
        connection.execution_options(**{WRITE_FIRST: True})
        with connection.begin():
            yield connection


def ingest(connection: Connection, readings: Iterable[RawReading], *, source: str,
           received_by: str, now: datetime, progress: Progress | None = None
           ) -> IngestReport:
    """Store ``readings`` as one batch from ``source`` sent by ``received_by`` at ``now``."""
    return _ingest(connection, chunks(readings), source=source, received_by=received_by,
                   now=now, progress=progress)


def ingest_file(connection: Connection, path: Path, *, received_by: str, now: datetime,
                source: str | None = None, progress: Progress | None = None) -> IngestReport:
    """Store a CSV or JSON Lines file of readings as one batch (``source``: the file name);
    the same rules as ``ingest``, read column-wise for speed."""
    return _ingest(connection, file_chunks(path), source=source or path.name,
                   received_by=received_by, now=now, progress=progress)


def _ingest(connection: Connection, parts: Iterator[Chunk], *, source: str, received_by: str,
            now: datetime, progress: Progress | None) -> IngestReport:
    batch_id = connection.execute(insert(sensor_batch).values(
        source=source, received_by=received_by, received_at=now,
        **dict.fromkeys(COUNTS, 0)).returning(sensor_batch.c.id)).scalar_one()
    known = Known.load(connection)
    moment = to_seconds(now)
    writer = Writer(connection, batch_id, known, now=moment)
    for part in parts:
        writer.write(check(part, known, now=moment), len(part) + len(part.malformed))
        if progress is not None:
            progress(part.done, part.total)
    counts = writer.counts
    connection.execute(update(sensor_batch).where(sensor_batch.c.id == batch_id)
                       .values(**{name: getattr(counts, name) for name in COUNTS}))
    return IngestReport(batch_id=batch_id, read=counts.read, accepted=counts.accepted,
                        duplicates=counts.duplicates, corrected=counts.corrected,
                        late=counts.late, out_of_order=counts.out_of_order,
                        rejected=counts.rejected, problems=tuple(writer.problems))


def batches(connection: Connection, *, limit: int = 50) -> list[Batch]:
    """The latest batches, newest first."""
    rows = connection.execute(select(sensor_batch).order_by(sensor_batch.c.id.desc())
                              .limit(limit))
    return [Batch(*row) for row in rows]


def batch(connection: Connection, batch_id: int, *, limit: int = 1000
          ) -> tuple[Batch, list[ReadingProblem], list[Correction]]:
    """One batch with (up to ``limit`` of) its problems and corrections."""
    row = connection.execute(select(sensor_batch).where(sensor_batch.c.id == batch_id)).first()
    if row is None:
        raise NotFound(f"there is no batch {batch_id}; see joinedup sensors batches")
    p = sensor_problem.c
    problems = [ReadingProblem(r.location, r.what, r.expected, r.sensor, r.observed_at, r.value)
                for r in connection.execute(select(sensor_problem).where(p.batch_id == batch_id)
                                            .order_by(p.seq).limit(limit))]
    c = sensor_correction.c
    corrections = [Correction(r.code, to_datetime(r.observed_at), r.old_value, r.new_value)
                   for r in connection.execute(
                       select(sensor.c.code, c.observed_at, c.old_value, c.new_value)
                       .join(sensor, sensor.c.id == c.sensor_id)
                       .where(c.batch_id == batch_id).order_by(c.id).limit(limit))]
    return Batch(*row), problems, corrections
