"""Readings as they arrive, and the files they arrive in, read column-wise in chunks.

Everything downstream works on a ``Chunk``: the readings' columns as lists (and the values as
an Arrow string array, checked as numbers in one pass), so a file of a million readings costs a
few C-speed passes rather than a million Python objects. CSV files are read with Arrow's
streaming reader; a row whose field count differs from the header's is kept as a problem with
its row number (header = row 1), never guessed at.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from numpy.typing import NDArray

from joinedup.errors import IngestError

CHUNK = 100_000
"""Readings handled together: big enough that per-chunk work (a lookup of the latest readings,
the statements) is noise, small enough that memory stays flat."""
BLOCK_BYTES = 4 << 20
"""Arrow's CSV block: about 100,000 readings."""
NEEDED = ("sensor", "observed_at", "value")
OPTIONAL = ("unit",)
JSON_LINES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class RawReading:
    """One reading as sent: text or values not yet checked against the registry."""

    sensor: str
    observed_at: str | datetime
    value: str | float | None
    unit: str | None
    where: str


@dataclass(frozen=True)
class ReadingProblem:
    """A rejected reading: where it was, what was wrong, what was expected, and what it said."""

    where: str
    what: str
    expected: str
    sensor: str = ""
    observed_at: str = ""
    value: str = ""


@dataclass
class Chunk:
    """Consecutive readings, column-wise; ``where(i)`` locates the i-th for a problem report.
    In a file, ``rows`` are the readings' row numbers and ``malformed`` the rows among them
    that could not be read as readings at all, by row number."""

    sensor: list[str | None]
    observed_at: Sequence[str | datetime | None]
    value: pa.Array
    unit: list[str | None] | None
    where: Callable[[int], str]
    rows: list[int] | None = None
    malformed: list[tuple[int, ReadingProblem]] = field(default_factory=list)
    done: int = 0
    total: int = 0
    """Progress after this chunk: bytes of a file, or readings (total 0: not known)."""

    def __len__(self) -> int:
        return len(self.sensor)


def value_texts(values: Iterable[str | float | None]) -> pa.Array:
    """Values as text, as a file gives them: one check for numbers serves both (a bool or a
    NaN from JSON then fails it as a word would)."""
    return pa.array([v if v is None or isinstance(v, str) else str(v) for v in values],
                    type=pa.string())


def chunks(readings: Iterable[RawReading]) -> Iterator[Chunk]:
    """``readings`` (from an HTTP batch, say) in chunks."""
    iterator = iter(readings)
    done = 0
    while batch := list(islice(iterator, CHUNK)):
        done += len(batch)
        units = [r.unit for r in batch]
        yield Chunk(sensor=[r.sensor for r in batch],
                    observed_at=[r.observed_at for r in batch],
                    value=value_texts(r.value for r in batch),
                    unit=units if any(u is not None for u in units) else None,
                    where=_where_of(batch),
                    done=done)


def file_chunks(path: Path) -> Iterator[Chunk]:
    """The readings of a CSV (``sensor,observed_at,value[,unit]``, any order, other columns
    ignored) or JSON Lines file (``*.jsonl``, one object with those keys a line)."""
    if not path.is_file():
        raise IngestError("no such file", path=path)
    if path.suffix.lower() in JSON_LINES:
        return _jsonl_chunks(path)
    if path.suffix.lower() == ".csv":
        return _csv_chunks(path)
    raise IngestError("expected a .csv or .jsonl file of readings", path=path)


def read_readings(path: Path) -> Iterator[RawReading]:
    """The readings of a file one at a time (``ingest_file`` is the fast way to store them).
    A row that is not a reading at all raises IngestError, naming it."""
    for chunk in file_chunks(path):
        if chunk.malformed:
            row, first = chunk.malformed[0]
            raise IngestError(f"{first.what}: {first.value}", path=path, row=row)
        values = chunk.value.to_pylist()
        units = chunk.unit or [None] * len(chunk)
        for i, sensor in enumerate(chunk.sensor):
            yield RawReading(sensor or "", chunk.observed_at[i] or "", values[i], units[i],
                             chunk.where(i))


def _header(path: Path) -> list[str]:
    """The header's column names as written (``ingest`` finds them with spaces around)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        try:
            header = next(csv.reader(f), None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise IngestError(f"not readable as UTF-8 CSV: {exc}", path=path, row=1) from exc
    names = header or []
    missing = [c for c in NEEDED if c not in (n.strip() for n in names)]
    if missing:
        raise IngestError(f"the header has no column {missing[0]!r}; expected "
                          f"{','.join(NEEDED + OPTIONAL)} (unit may be left out)",
                          path=path, row=1, column=missing[0])
    return names


class _Ragged:
    """Collects the rows Arrow could not split into the header's columns, with their row."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[int] = []
        self.pending: list[tuple[int, ReadingProblem]] = []

    def __call__(self, row: Any) -> str:
        self.rows.append(row.number)
        self.pending.append((row.number, ReadingProblem(
            f"{self.name}:{row.number}",
            f"the row has {row.actual_columns} fields where the header has "
            f"{row.expected_columns}", "one value for each column of the header",
            value=str(row.text)[:200])))
        return "skip"

    def row_numbers(self, first: int, count: int) -> NDArray[np.int64]:
        """The file rows of the read rows ``first .. first + count - 1`` (counted from 0): the
        header is row 1, and each ragged row before one pushes it down a row."""
        index = np.arange(first, first + count, dtype=np.int64)
        ragged = np.asarray(self.rows, dtype=np.int64)
        before = np.searchsorted(ragged - np.arange(len(ragged)) - 2, index, side="right")
        return index + 2 + before

    def take(self, up_to: int) -> list[tuple[int, ReadingProblem]]:
        """The ragged rows up to row ``up_to`` not yet taken."""
        count = sum(1 for row, _ in self.pending if row <= up_to)
        taken, self.pending = self.pending[:count], self.pending[count:]
        return taken


def _csv_chunks(path: Path) -> Iterator[Chunk]:
    present = [n for n in _header(path) if n.strip() in NEEDED + OPTIONAL]
    ragged = _Ragged(path.name)
    total = path.stat().st_size
    with path.open("rb") as raw:
        try:
            reader = pa_csv.open_csv(
                raw,
                read_options=pa_csv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES),
                parse_options=pa_csv.ParseOptions(invalid_row_handler=ragged,
                                                  ignore_empty_lines=False),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=present, column_types={c: pa.string() for c in present},
                    strings_can_be_null=True))
            first = 0
            for batch in reader:
                rows = ragged.row_numbers(first, batch.num_rows)
                first += batch.num_rows
                yield _csv_chunk(batch, rows, path.name, ragged.take(int(rows[-1])),
                                 raw.tell(), total)
        except pa.ArrowInvalid as exc:
            raise IngestError(f"not readable as UTF-8 CSV: {exc}", path=path) from exc
    if ragged.pending:
        yield Chunk([], [], pa.array([], type=pa.string()), None, _rows_of(path.name, []),
                    rows=[], malformed=ragged.take(2**62), done=total, total=total)


def _csv_chunk(batch: pa.RecordBatch, rows: NDArray[np.int64], name: str,
               malformed: list[tuple[int, ReadingProblem]], done: int, total: int) -> Chunk:
    columns: dict[str, pa.Array] = {n.strip(): a for n, a in zip(batch.schema.names,
                                                                  batch.columns, strict=True)}
    empty = np.logical_and.reduce([a.is_null().to_numpy(zero_copy_only=False)
                                   for a in columns.values()])
    if empty.any():  # a blank line is not a reading
        keep = pa.array(~empty)
        columns = {n: a.filter(keep) for n, a in columns.items()}
        rows = rows[~empty]
    unit = columns.get("unit")
    numbers = rows.tolist()
    return Chunk(sensor=columns["sensor"].to_pylist(),
                 observed_at=columns["observed_at"].to_pylist(),
                 value=columns["value"],
                 unit=None if unit is None or unit.null_count == len(unit) else unit.to_pylist(),
                 where=_rows_of(name, numbers), rows=numbers, malformed=malformed,
                 done=done, total=total)


def _rows_of(name: str, numbers: list[int]) -> Callable[[int], str]:
    return lambda i: f"{name}:{numbers[i]}"


def _where_of(batch: list[RawReading]) -> Callable[[int], str]:
    return lambda i: batch[i].where


def _jsonl_chunks(path: Path) -> Iterator[Chunk]:
    total = path.stat().st_size
    name = path.name
    with path.open("rb") as f:
        lines = enumerate(f, start=1)
        while block := list(islice(lines, CHUNK)):
            numbers: list[int] = []
            objects: list[dict[str, Any]] = []
            malformed: list[tuple[int, ReadingProblem]] = []
            for number, line in block:
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except ValueError as exc:
                    item = exc
                if isinstance(item, dict):
                    numbers.append(number)
                    objects.append(item)
                else:
                    malformed.append((number, ReadingProblem(
                        f"{name}:{number}", "the line is not a JSON object",
                        "one object a line: {\"sensor\": ..., \"observed_at\": ..., "
                        "\"value\": ...}", value=line.decode("utf-8", "replace")[:200].strip())))
            units = [_text(o.get("unit")) for o in objects]
            yield Chunk(sensor=[_text(o.get("sensor")) for o in objects],
                        observed_at=[_text(o.get("observed_at")) for o in objects],
                        value=value_texts(o.get("value") for o in objects),
                        unit=units if any(u is not None for u in units) else None,
                        where=_rows_of(name, numbers), rows=numbers,
                        malformed=malformed, done=f.tell(), total=total)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
