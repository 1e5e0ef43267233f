"""Batches: a data file read and mapped into batches of canonical rows, in a worker process
when the file is big enough to be worth it.

Reading and mapping are pure Python and the store's writes are another; on a machine with two
cores, a worker process that reads and maps while the loading process writes nearly halves the
time of a large load. Small files are mapped in-process: starting a worker costs more than it
saves. Either way the rows, their order and the issues found are the same.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Full
from typing import Any

from joinedup.errors import JoinedUpError
from joinedup.sources.definition import SourceDefinition
from joinedup.sources.mapping import Issue, MappedBatch, RowMapper
from joinedup.sources.readers import RaggedRow, Row, read_rows

BATCH = 5000
WORKER_FROM_BYTES = 16 << 20
"""Files at least this big are read and mapped in a worker process (when there are 2+ cores)."""
QUEUE_BATCHES = 8
"""Batches in flight between worker and loader: bounds memory whatever the file size."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Batch:
    mapped: MappedBatch
    ragged: list[Issue]
    rows_read: int


def mapped_batches(definition: SourceDefinition, path: Path,
                   progress: Progress | None = None) -> Iterator[Batch]:
    """Read ``path`` and map it, batch by batch, in this process or a worker."""
    worker = (os.cpu_count() or 1) > 1 and path.is_file() \
        and path.stat().st_size >= WORKER_FROM_BYTES
    return _from_worker(definition, path, progress) if worker \
        else _batches(definition, path, progress)


def _batches(definition: SourceDefinition, path: Path,
             progress: Progress | None) -> Iterator[Batch]:
    mapper = RowMapper(definition)
    numbers: list[int] = []
    rows: list[Row] = []
    ragged: list[Issue] = []
    read = 0
    for row_no, row in read_rows(definition, path, progress):
        read += 1
        if isinstance(row, RaggedRow):
            ragged.append(Issue(row_no, None, None, None,
                                f"the row has {row.fields} fields, the header has {row.expected}",
                                "one value per header column (check for an unquoted delimiter "
                                "in a value)"))
            continue
        numbers.append(row_no)
        rows.append(row)
        if len(rows) == BATCH:
            yield Batch(mapper.map_batch(numbers, rows), ragged, read)
            numbers, rows, ragged, read = [], [], [], 0
    yield Batch(mapper.map_batch(numbers, rows), ragged, read)


def _work(definition: SourceDefinition, path: Path, queue: Any, loader: int) -> None:
    """The worker: every batch, progress now and then, then ``done`` or the error."""

    def put(*message: Any) -> None:
        while True:
            try:
                queue.put(message, timeout=1.0)
                return
            except Full:
                if os.getppid() != loader:  # the loader was killed: stop, do not linger
                    queue.cancel_join_thread()  # nobody will ever read what is queued
                    raise SystemExit(1) from None

    try:
        for batch in _batches(definition, path, lambda done, total: put("progress", done,
                                                                         total)):
            put("batch", batch)
        put("done", None)
    except JoinedUpError as exc:
        put("error", exc)
    except Exception as exc:
        put("error", RuntimeError(f"{type(exc).__name__}: {exc}"))


def _from_worker(definition: SourceDefinition, path: Path,
                 progress: Progress | None) -> Iterator[Batch]:
    # spawn, not fork: the loading process holds database connections and a progress thread.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=QUEUE_BATCHES)
    process = context.Process(target=_work, args=(definition, path, queue, os.getpid()),
                              daemon=True,
                              name=f"joinedup-map-{definition.name}")
    process.start()
    try:
        while True:
            kind, *payload = queue.get()
            if kind == "batch":
                yield payload[0]
            elif kind == "progress":
                if progress is not None:
                    progress(payload[0], payload[1])
            elif kind == "error":
                raise payload[0]
            else:
                return
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
