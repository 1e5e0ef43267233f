"""Batches: a data file read and mapped into batches of canonical rows, in a worker process
when the file is big enough to be worth it.

Reading and mapping take one core and the store's writes another: on a machine with two cores,
a worker process that reads and maps while the loading process writes nearly halves the time
of a large load. The worker hands batches over unmapped whenever the loader is idle, so the
mapping work settles wherever there is CPU to spare (which side that is depends on the backend
and the data). Small files are mapped in-process: starting a worker costs more than it saves.
Either way the rows, their order and the issues found are the same.
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
from joinedup.sources.mapping import MappedBatch, RowMapper
from joinedup.sources.readers import RowBatch, read_batches
from joinedup.store.issues import Issue

BATCH = 20_000
"""Rows a batch holds at most (a CSV batch is one block Arrow parsed, about a megabyte)."""
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


def _mapped(mapper: RowMapper, rows: RowBatch) -> Batch:
    ragged = [Issue(row_no, None, None, None,
                    f"the row has {row.fields} fields, the header has {row.expected}",
                    "one value per header column (check for an unquoted delimiter in a value)")
              for row_no, row in rows.ragged]
    return Batch(mapper.map_batch(rows.numbers, rows.columns), ragged,
                 len(rows.numbers) + len(rows.ragged))


def _batches(definition: SourceDefinition, path: Path,
             progress: Progress | None) -> Iterator[Batch]:
    mapper = RowMapper(definition)
    for rows in read_batches(definition, path, progress, size=BATCH):
        yield _mapped(mapper, rows)


def _work(definition: SourceDefinition, path: Path, queue: Any, loader: int) -> None:
    """The worker: every batch with the progress so far, then ``done`` or the error."""

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
        mapper = RowMapper(definition)
        read = [0, 0]  # bytes (or rows) done and total, sent along with each batch

        def note(done: int, total: int) -> None:
            read[:] = [done, total]

        for rows in read_batches(definition, path, note, size=BATCH):
            # Balance the two processes: while the loader has next to nothing queued it is
            # waiting on this one, so hand it the batch unmapped to map while this reads on.
            if _queued(queue) < 2:
                put("rows", rows, *read)
            else:
                put("batch", _mapped(mapper, rows), *read)
        put("done", None)
    except JoinedUpError as exc:
        put("error", exc)
    except Exception as exc:
        put("error", RuntimeError(f"{type(exc).__name__}: {exc}"))


def _queued(queue: Any) -> int:
    try:
        return int(queue.qsize())
    except NotImplementedError:  # macOS: no qsize; map everything in the worker
        return 1


def _from_worker(definition: SourceDefinition, path: Path,
                 progress: Progress | None) -> Iterator[Batch]:
    # Not fork: the loading process holds database connections and a progress thread. A fork
    # server that has imported only this module starts workers in milliseconds, where spawn
    # would re-import the whole command line program first.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context: Any = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    else:  # Windows
        context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=QUEUE_BATCHES)
    process = context.Process(target=_work, args=(definition, path, queue, os.getpid()),
                              daemon=True,
                              name=f"joinedup-map-{definition.name}")
    process.start()
    try:
        mapper = RowMapper(definition)
        mapper.warm_up()  # while the worker starts, not on the first batch it hands over
        while True:
            kind, *payload = queue.get()
            if kind in ("batch", "rows"):
                if progress is not None and payload[2]:
                    progress(payload[1], payload[2])
                yield payload[0] if kind == "batch" else _mapped(mapper, payload[0])
            elif kind == "error":
                raise payload[0]
            else:
                return
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
