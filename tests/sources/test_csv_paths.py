"""CSV is read by Arrow when it reads a file exactly as Python's csv module would, by the csv
module otherwise: the two give the same rows, row numbers and ragged rows."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest
from factories import make_definition

from joinedup.sources import readers
from joinedup.sources.definition import SourceDefinition
from joinedup.sources.readers import RaggedRow, read_batches

HEADER = b"id,forename,surname,dob\r\n"
FIELDS = {"given_name": "forename", "family_name": "surname", "date_of_birth": "dob"}


def _definition(tmp_path: Path) -> SourceDefinition:
    return make_definition(tmp_path, fields=FIELDS)


def _items(batches: Any) -> list[tuple[int, Any]]:
    items: list[tuple[int, Any]] = []
    for batch in batches:
        items += [*zip(batch.numbers, batch.rows(), strict=True), *batch.ragged]
    return sorted(items, key=lambda item: item[0])


def _by_python(definition: SourceDefinition, path: Path, size: int) -> list[tuple[int, Any]]:
    rows = readers._python_csv(definition, path, None, ",", '"')
    return _items(readers._batched(rows, size, len(definition.columns())))


def test_a_tricky_file_reads_the_same_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(codecs.BOM_UTF8 + HEADER + (
        b'P1,"Mary\r\nAnn",O\'Brien,01/02/1970\r\n'  # a line break inside quotes
        b'P2,Jo"hn,"Smith ""Jr""",15/06/1985\r\n'  # quotes inside fields
        b'P3,Flat 2, 8 Queen St,Roy,1970-01-01\r\n'  # ragged: one field too many
        b',,\r\n'  # nothing but delimiters: skipped like a blank line
        b'P4,Zo\xc3\xab,"",\r\n'
        b'P5,Ann,Lee\r\n'  # ragged: one too few
        b'P6,Bo,Li,1971-01-01\r\n\r\n\r\n'  # blank lines at the end are harmless
    ))
    definition = _definition(tmp_path)
    assert readers._arrow_header(path, '"') is not None

    for size in (1, 2, 5000):
        by_arrow = _items(read_batches(definition, path, size=size))
        assert by_arrow == _by_python(definition, path, size)
    assert by_arrow == [
        (2, ("P1", "Mary\r\nAnn", "O'Brien", "01/02/1970")),
        (3, ("P2", 'Jo"hn', 'Smith "Jr"', "15/06/1985")),
        (4, RaggedRow(fields=5, expected=4)),
        (6, ("P4", "Zoë", "", "")),
        (7, RaggedRow(fields=3, expected=4)),
        (8, ("P6", "Bo", "Li", "1971-01-01")),
    ]


@pytest.mark.parametrize("body", [
    HEADER + b"P1,Ann,Lee,1970-01-01\r\n\r\nP2,Bo,Li,1971-01-01\r\n",  # a blank line counts
    HEADER + b"P1,Ann,Lee,1970-01-01\n\rP2,Bo,Li,1971-01-01\r\n",
    HEADER + b"P1,Ann,Lee,1970-01-01\r\nP2,Bo\x00,Li,1971-01-01\r\n",  # csv refuses NUL
    b'"id",forename,surname,dob\r\nP1,Ann,Lee,1970-01-01\r\n',  # a quoted header
    b"\r\n" + HEADER,  # no header on the first line
    HEADER.rstrip(),  # one line, no line break
])
def test_files_arrow_might_read_differently_go_to_the_csv_module(tmp_path: Path,
                                                                  body: bytes) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(body)
    assert readers._arrow_header(path, '"') is None


def test_a_blank_line_at_a_chunk_seam_is_seen(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "people.csv"
    row = b"P1,Ann,Lee,1970-01-01\n"
    path.write_bytes(HEADER + row * 3 + b"\n" + row)
    chunk = len(HEADER + row * 3)  # the blank line's two breaks fall either side of a seam
    real_open = Path.open

    class Small:
        def __init__(self, raw: Any) -> None:
            self.raw = raw

        def read(self, _size: int) -> bytes:
            return bytes(self.raw.read(chunk))

        def __enter__(self) -> Small:
            return self

        def __exit__(self, *_: object) -> None:
            self.raw.close()

    monkeypatch.setattr(Path, "open", lambda self, mode="r": Small(real_open(self, mode)))
    assert readers._arrow_header(path, '"') is None


def test_numbers_step_over_skipped_rows_in_any_batch() -> None:
    from collections import deque

    ragged = RaggedRow(3, 4)
    skipped: deque[tuple[int, RaggedRow | None]] = deque([(3, ragged), (4, None), (9, ragged)])
    assert readers._numbered(2, 3, skipped) == ([2, 5, 6], [(3, ragged)], 7)
    assert readers._numbered(7, 2, skipped) == ([7, 8], [], 9)
    assert readers._numbered(9, 1, skipped) == ([10], [(9, ragged)], 11)
    assert not skipped
