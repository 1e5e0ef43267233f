"""Readers: stream one data file as rows of the columns a definition needs.

Every format is read into the same batches: row numbers, and one Arrow string array per column
of ``SourceDefinition.columns()`` (null or ``""`` for an absent or blank value; mapping treats
both as blank), so the mapping step never cares which format a row came from. CSV, the bulk of
real feeds, is parsed by Arrow; the other formats yield ``(row_number, values)`` tuples that
are gathered into batches. Files are streamed, never slurped, FHIR Bundles included, so memory
does not grow with file size. Row numbers are what a person opening the file would see: the
spreadsheet row (header = row 1), the JSON Lines line, or the Bundle entry.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import operator
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

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
    """Consecutive rows of a file, column-wise: one Arrow string array per definition column
    (null or "" for a blank value), the usable rows' numbers, and the ragged rows."""

    numbers: list[int] = field(default_factory=list)
    columns: list[pa.Array] = field(default_factory=list)
    ragged: list[tuple[int, RaggedRow]] = field(default_factory=list)

    def rows(self) -> list[Row]:
        """The usable rows as tuples (the slow form, for tests and the odd caller)."""
        return list(zip(*(c.to_pylist() for c in self.columns), strict=True))


def read_batches(definition: SourceDefinition, path: Path, progress: Progress | None = None,
                 *, size: int = 5000) -> Iterator[RowBatch]:
    """Yield the rows of ``path`` as ``definition`` reads them, at most ``size`` at a time;
    raise IngestError on a bad file. CSV, the bulk of real feeds, is parsed by Arrow."""
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
    return _batched(readers[definition.format](definition, path, progress), size,
                    len(definition.columns()))


def read_rows(definition: SourceDefinition, path: Path,
              progress: Progress | None = None) -> Iterator[RowItem]:
    """The rows of ``path`` one at a time, in file order (ragged rows included)."""
    for batch in read_batches(definition, path, progress):
        items: list[RowItem] = [*zip(batch.numbers, batch.rows(), strict=True), *batch.ragged]
        yield from sorted(items, key=lambda item: item[0])


def _columnar(numbers: list[int], rows: list[Row], ragged: list[tuple[int, RaggedRow]],
              width: int) -> RowBatch:
    columns = [pa.array(c, type=pa.string()) for c in zip(*rows, strict=True)] if rows \
        else [pa.array([], type=pa.string())] * width
    return RowBatch(numbers, columns, ragged)


def _batched(items: Iterator[RowItem], size: int, width: int) -> Iterator[RowBatch]:
    numbers: list[int] = []
    rows: list[Row] = []
    ragged: list[tuple[int, RaggedRow]] = []
    for row_no, row in items:
        if isinstance(row, RaggedRow):
            ragged.append((row_no, row))
            continue
        numbers.append(row_no)
        rows.append(row)
        if len(rows) == size:
            yield _columnar(numbers, rows, ragged, width)
            numbers, rows, ragged = [], [], []
    yield _columnar(numbers, rows, ragged, width)


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


def _read_csv(definition: SourceDefinition, path: Path, progress: Progress | None,
              size: int) -> Iterator[RowBatch]:
    """Arrow's CSV reader for a UTF-8 file it reads exactly as Python's csv module would;
    the csv module for the rest (other encodings, NUL bytes, blank lines mid-file)."""
    encoding = _encoding(definition)
    delimiter = str(definition.options.get("delimiter", ","))
    quotechar = str(definition.options.get("quotechar", '"'))
    header = _arrow_header(path, quotechar) if encoding == "utf-8-sig" else None
    if header is None:
        yield from _batched(_python_csv(definition, path, progress, delimiter, quotechar), size,
                            len(definition.columns()))
    else:
        names = next(csv.reader([header], delimiter=delimiter, quotechar=quotechar), [])
        yield from _arrow_csv(definition, path, progress, size, names, delimiter, quotechar)


_BLANK_LINE = (b"\n\n", b"\r\r", b"\n\r")  # \r\n ends a line; a line break after another


def _arrow_header(path: Path, quotechar: str) -> str | None:
    """The header line if Arrow may read the file, else None.

    The file is scanned once (at disk speed): it must decode as UTF-8 (a bad byte is reported
    with its line, as the csv path reports it), hold no NUL byte (the csv module refuses
    those), have no blank line before the end (the csv module counts one as a row and Arrow
    does not, so row numbers would shift) and a one-line, unquoted header (Arrow skips it as
    one line).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    safe = True
    tail = b""
    with path.open("rb") as raw:
        chunk = raw.read(1 << 20)
        first = chunk.removeprefix(codecs.BOM_UTF8)[:4096]
        while chunk:
            following = raw.read(1 << 20)
            try:
                decoder.decode(chunk, final=not following)
            except UnicodeDecodeError as exc:
                raise _decode_error(exc, path, _undecodable_line(path, "utf-8-sig"),
                                    "utf-8-sig") from exc
            body = chunk if following else chunk.rstrip(b"\r\n")
            seam = tail + body[:1]
            if safe and (b"\0" in chunk or any(b in body or b in seam for b in _BLANK_LINE)):
                safe = False
            tail = chunk[-1:]
            chunk = following
    end = min((at for at in (first.find(b"\r"), first.find(b"\n")) if at >= 0),
              default=-1)
    if not safe or end <= 0:
        return None
    line = first[:end].decode("utf-8")
    return None if quotechar in line else line


def _header_positions(definition: SourceDefinition, header: list[str] | None,
                      path: Path) -> tuple[int, list[int]]:
    """The header's width and the position of each column the definition reads."""
    if header is None or not any(h.strip() for h in header):
        raise IngestError("the file has no header row", path=path, row=1)
    index = {n: i for i, n in enumerate(h.strip() for h in header)}
    needed = definition.columns()
    if any(c not in index for c in needed):
        raise _missing_columns(definition, set(index), path)
    return len(header), [index[c] for c in needed]


def _arrow_csv(definition: SourceDefinition, path: Path, progress: Progress | None, size: int,
               header: list[str], delimiter: str, quotechar: str) -> Iterator[RowBatch]:
    width, positions = _header_positions(definition, header, path)
    skipped: deque[tuple[int, RaggedRow | None]] = deque()

    def invalid(row: Any) -> str:
        """A row of the wrong width: ragged, or nothing but delimiters (skipped as blank)."""
        fields = next(csv.reader(io.StringIO(row.text, newline=""), delimiter=delimiter,
                                 quotechar=quotechar), [])
        skipped.append((row.number, RaggedRow(len(fields), width) if any(fields) else None))
        return "skip"

    wanted = [str(p) for p in positions]
    total = path.stat().st_size
    try:
        with pa.OSFile(str(path)) as source:
            # One thread: Arrow then numbers the rows it skips, and row numbers must be exact.
            reader = pa_csv.open_csv(
                source,
                read_options=pa_csv.ReadOptions(use_threads=False, block_size=1 << 20,
                                                skip_rows=1,
                                                column_names=[str(i) for i in range(width)]),
                parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char=quotechar,
                                                  newlines_in_values=True,
                                                  invalid_row_handler=invalid),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=wanted, column_types=dict.fromkeys(wanted, pa.string()),
                    strings_can_be_null=False, quoted_strings_can_be_null=False))
            row_no = 2
            for block in reader:
                for start in range(0, block.num_rows, size):
                    part = block.slice(start, size)
                    numbers, ragged, row_no = _numbered(row_no, part.num_rows, skipped)
                    yield RowBatch(numbers, part.columns, ragged)
                if progress is not None:
                    progress(min(source.tell(), total), total)
    except pa.ArrowInvalid as exc:
        raise IngestError(f"not readable as CSV: {exc}", path=path) from exc
    yield RowBatch([], [pa.array([], type=pa.string())] * len(positions),
                   [(n, r) for n, r in skipped if r is not None])
    if progress is not None:
        progress(total, total)


def _numbered(first: int, count: int, skipped: deque[tuple[int, RaggedRow | None]]
              ) -> tuple[list[int], list[tuple[int, RaggedRow]], int]:
    """Row numbers for ``count`` rows from ``first`` on, stepping over the skipped rows among
    them (the ragged ones returned); and the number after the last."""
    numbers: list[int] = []
    ragged: list[tuple[int, RaggedRow]] = []
    row_no, left = first, count
    while skipped and skipped[0][0] < row_no + left:
        skipped_no, row = skipped.popleft()
        numbers.extend(range(row_no, skipped_no))
        left -= skipped_no - row_no
        row_no = skipped_no + 1
        if row is not None:
            ragged.append((skipped_no, row))
    numbers.extend(range(row_no, row_no + left))
    return numbers, ragged, row_no + left


def _python_csv(definition: SourceDefinition, path: Path, progress: Progress | None,
                delimiter: str, quotechar: str) -> Iterator[RowItem]:
    encoding = _encoding(definition)
    total = path.stat().st_size
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter, quotechar=quotechar, strict=False)
        row_no = 1
        try:
            width, positions = _header_positions(definition, next(reader, None), path)
            pick = _picker(positions)
            for row_no, row in enumerate(reader, start=2):
                if len(row) == width:
                    yield row_no, pick(row)
                elif any(row):  # a blank line is not a row
                    yield row_no, RaggedRow(len(row), width)
                if progress is not None and not row_no & 0x3FFF:
                    progress(raw.tell(), total)
        except UnicodeDecodeError as exc:
            # The text layer decodes ahead of the rows parsed so far.
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
