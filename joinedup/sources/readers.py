"""Readers: stream one data file as rows of the columns a definition needs.

Every reader yields ``(row_number, values)`` where ``values`` is a tuple in the order of
``SourceDefinition.columns()`` (``None`` or ``""`` for an absent or blank value; mapping treats
both as blank), so the mapping step never cares which format a row came from. Files are
streamed, never slurped, FHIR Bundles included, so memory does not grow with file size.
Row numbers are what a person opening the file would see: the spreadsheet row (header = row 1),
the JSON Lines line, or the Bundle entry.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from joinedup.errors import IngestError
from joinedup.sources.definition import Format, Kind, SourceDefinition
from joinedup.sources.fhir import read_bundle

Row = tuple[str | None, ...]
Progress = Callable[[int, int], None]
"""Called now and then with (done, total): bytes for text formats, rows or entries otherwise."""


@dataclass(frozen=True)
class RaggedRow:
    """A CSV row whose field count differs from the header's: quarantined, never guessed at."""

    fields: int
    expected: int


RowItem = tuple[int, Row | RaggedRow]


@dataclass
class RowBatch:
    """Consecutive rows of a file: the usable ones with their row numbers, and ragged ones."""

    numbers: list[int] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    ragged: list[tuple[int, RaggedRow]] = field(default_factory=list)


def read_batches(definition: SourceDefinition, path: Path, progress: Progress | None = None,
                 *, size: int = 5000) -> Iterator[RowBatch]:
    """Yield the rows of ``path`` as ``definition`` reads them, ``size`` at a time; raise
    IngestError on a bad file. CSV, the bulk of real feeds, is batched natively for speed."""
    if not path.is_file():
        raise IngestError("file not found", path=path)
    if path.stat().st_size == 0:
        raise IngestError("the file is empty; expected a header row and data", path=path)
    if definition.format is Format.CSV:
        return _read_csv(definition, path, progress, size)
    readers: dict[Format, Callable[[SourceDefinition, Path, Progress | None],
                                   Iterator[RowItem]]] = {
        Format.JSONL: _read_jsonl,
        Format.XLSX: _read_xlsx,
        Format.FHIR: _read_fhir,
    }
    return _batched(readers[definition.format](definition, path, progress), size)


def read_rows(definition: SourceDefinition, path: Path,
              progress: Progress | None = None) -> Iterator[RowItem]:
    """The rows of ``path`` one at a time, in file order (ragged rows included)."""
    for batch in read_batches(definition, path, progress):
        items: list[RowItem] = [*zip(batch.numbers, batch.rows, strict=True), *batch.ragged]
        yield from sorted(items, key=lambda item: item[0])


def _batched(items: Iterator[RowItem], size: int) -> Iterator[RowBatch]:
    batch = RowBatch()
    for row_no, row in items:
        if isinstance(row, RaggedRow):
            batch.ragged.append((row_no, row))
            continue
        batch.numbers.append(row_no)
        batch.rows.append(row)
        if len(batch.rows) == size:
            yield batch
            batch = RowBatch()
    yield batch


def _encoding(definition: SourceDefinition) -> str:
    encoding = codecs.lookup(str(definition.options.get("encoding", "utf-8"))).name
    # A byte-order mark is noise, not data: read UTF-8 files with or without one.
    return "utf-8-sig" if encoding == "utf-8" else encoding


def _decode_error(exc: UnicodeDecodeError, path: Path, row: int, encoding: str) -> IngestError:
    hint = ("; if the file came from Excel on Windows, set options: {encoding: cp1252}"
            if encoding.startswith("utf") else "")
    return IngestError(f"cannot decode the file as {encoding} (byte {exc.object[exc.start]:#04x})"
                       f"{hint}", path=path, row=row)


def _undecodable_line(path: Path, encoding: str) -> int:
    """The line holding the first byte that ``encoding`` cannot decode (the error path only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line_no = 0
    with path.open("rb") as raw:
        for line_no, line in enumerate(raw, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return line_no
    return line_no


def _missing_columns(definition: SourceDefinition, present: set[str], path: Path) -> IngestError:
    needed = definition.columns()
    missing = [c for c in needed if c not in present]
    return IngestError(
        f"the definition {Path(definition.path).name} maps column(s) "
        f"{', '.join(repr(c) for c in missing)} that the file does not have; the file has "
        f"{', '.join(repr(c) for c in sorted(present)) or 'no columns'}",
        path=path, row=1, column=missing[0])


class _CountingReader(io.RawIOBase):
    """Counts bytes read, so a text stream's progress is known without ``tell()``."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n  # type: ignore[no-any-return]


def _read_csv(definition: SourceDefinition, path: Path, progress: Progress | None,
              size: int) -> Iterator[RowBatch]:
    encoding = _encoding(definition)
    opts = definition.options
    total = path.stat().st_size
    with path.open("rb") as raw:
        counter = _CountingReader(raw)
        text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 20), encoding=encoding,
                                newline="")
        reader = csv.reader(text, delimiter=str(opts.get("delimiter", ",")),
                            quotechar=str(opts.get("quotechar", '"')), strict=False)
        row_no = 1
        try:
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                raise IngestError("the file has no header row", path=path, row=1)
            names = [h.strip() for h in header]
            index = {n: i for i, n in enumerate(names)}
            needed = definition.columns()
            if any(c not in index for c in needed):
                raise _missing_columns(definition, set(index), path)
            width = len(names)
            pick = _picker([index[c] for c in needed])
            batch = RowBatch()
            numbers, rows = batch.numbers, batch.rows
            for row_no, row in enumerate(reader, start=2):
                if len(row) == width:
                    numbers.append(row_no)
                    rows.append(pick(row))
                    if len(rows) == size:
                        yield batch
                        batch = RowBatch()
                        numbers, rows = batch.numbers, batch.rows
                        if progress is not None:
                            progress(counter.count, total)
                elif any(row):  # a blank line is not a row
                    batch.ragged.append((row_no, RaggedRow(len(row), width)))
            yield batch
        except UnicodeDecodeError as exc:
            # The text layer decodes a megabyte at a time, ahead of the rows parsed so far.
            raise _decode_error(exc, path, _undecodable_line(path, encoding), encoding) from exc
        except csv.Error as exc:
            raise IngestError(f"not readable as CSV: {exc}", path=path, row=row_no + 1) from exc
        if progress is not None:
            progress(total, total)


def _picker(positions: list[int]) -> Callable[[list[str]], Row]:
    """A fast ``row -> tuple`` of the wanted cells (blank cells stay "": mapping skips them)."""
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    return operator.itemgetter(*positions)


def _read_jsonl(definition: SourceDefinition, path: Path,
                progress: Progress | None) -> Iterator[RowItem]:
    encoding = _encoding(definition)
    needed = definition.columns()
    seen: set[str] = set()
    done, size = 0, path.stat().st_size
    with path.open("rb") as raw:
        for line_no, line in enumerate(raw, start=1):
            done += len(line)
            try:
                text = line.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _decode_error(exc, path, line_no, encoding) from exc
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise IngestError(f"not valid JSON: {exc.msg} at character {exc.colno}",
                                  path=path, row=line_no) from exc
            if not isinstance(obj, dict):
                raise IngestError(f"expected a JSON object on each line, got "
                                  f"{type(obj).__name__}", path=path, row=line_no)
            seen.update(k for k in needed if k in obj)
            yield line_no, tuple(_cell(obj.get(c)) for c in needed)
            if progress is not None and not line_no & 0x3FFF:
                progress(done, size)
    if not seen:
        raise IngestError("the file has no JSON objects with the mapped keys", path=path)
    if len(seen) < len(needed):
        raise _missing_columns(definition, seen, path)
    if progress is not None:
        progress(size, size)


def _cell(value: Any) -> str | None:
    """One cell as text: numbers without a spurious '.0', dates in ISO form, blanks as None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() \
            else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_xlsx(definition: SourceDefinition, path: Path,
               progress: Progress | None) -> Iterator[RowItem]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise IngestError(f"not a readable .xlsx workbook: {exc}", path=path) from exc
    rows: Any = None
    try:
        sheet_name = definition.options.get("sheet")
        if sheet_name is not None and sheet_name not in book.sheetnames:
            raise IngestError(f"no sheet named {sheet_name!r}; the workbook has "
                              f"{', '.join(book.sheetnames)}", path=path)
        sheet = book[sheet_name] if sheet_name is not None else book.worksheets[0]
        header_row = int(definition.options.get("header_row", 1))
        rows = sheet.iter_rows(min_row=header_row, values_only=True)
        header = next(rows, None)
        if header is None:
            raise IngestError("the sheet is empty", path=path)
        index = {str(h).strip(): i for i, h in enumerate(header) if h is not None}
        needed = definition.columns()
        if any(c not in index for c in needed):
            raise _missing_columns(definition, set(index), path)
        positions = [index[c] for c in needed]
        for row_no, row in enumerate(rows, start=header_row + 1):
            if all(v is None for v in row):
                continue
            yield row_no, tuple(_cell(row[i]) if i < len(row) else None for i in positions)
            if progress is not None and not row_no & 0xFFF:
                progress(row_no, sheet.max_row or row_no)
    finally:
        if rows is not None:
            rows.close()  # else its open sheet stream outlives the workbook (ResourceWarning)
        book.close()


def _read_fhir(definition: SourceDefinition, path: Path,
               progress: Progress | None) -> Iterator[RowItem]:
    resource_type = "Encounter" if definition.kind is Kind.CONTACT else "Patient"
    needed = definition.columns()
    total = path.stat().st_size
    with path.open("rb") as raw:
        for entry_no, flat in read_bundle(raw, resource_type, path=path):
            yield entry_no, tuple(_cell(flat.get(c)) for c in needed)
            if progress is not None and not entry_no & 0xFFF:
                progress(raw.tell(), total)
