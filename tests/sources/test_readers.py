"""Readers: each format streams rows of the columns a definition names, or fails naming where."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import (
    PEOPLE,
    PERSON_HEADER,
    make_definition,
    write_csv,
    write_jsonl,
    write_people_csv,
    write_xlsx,
)

from joinedup.errors import IngestError
from joinedup.sources.definition import SourceDefinition
from joinedup.sources.readers import RaggedRow, read_rows

SIMPLE_FIELDS = {"given_name": "forename", "family_name": "surname", "date_of_birth": "dob"}


def simple(tmp_path: Path, **kwargs: Any) -> SourceDefinition:
    kwargs.setdefault("fields", SIMPLE_FIELDS)
    return make_definition(tmp_path, **kwargs)


def read(definition: SourceDefinition, path: Path) -> list[tuple[int, Any]]:
    return list(read_rows(definition, path))


def failure(definition: SourceDefinition, path: Path) -> IngestError:
    with pytest.raises(IngestError) as caught:
        read(definition, path)
    return caught.value


# -- CSV --------------------------------------------------------------------------------------

def test_csv_rows_come_in_definition_column_order_with_spreadsheet_row_numbers(
        tmp_path: Path) -> None:
    rows = read(simple(tmp_path), write_people_csv(tmp_path / "people.csv"))

    assert rows[0] == (2, ("P1", "Mary", "O'Brien", "01/02/1970"))
    assert [n for n, _ in rows] == [2, 3, 4, 5]


def test_csv_blank_cells_are_empty(tmp_path: Path) -> None:
    definition = simple(tmp_path, fields={"family_name": "surname", "phone": "tel"})

    rows = read(definition, write_people_csv(tmp_path / "people.csv"))

    number, (record_id, surname, phone) = rows[2]
    assert (number, record_id, surname) == (4, "P3", "Khan")
    assert not phone  # None or "": the mapping treats both as absent


def test_csv_with_another_delimiter_and_commas_inside_values(tmp_path: Path) -> None:
    definition = simple(tmp_path, fields={"family_name": "surname", "address": ["addr1"]},
                        options={"delimiter": ";"})
    path = tmp_path / "people.csv"
    path.write_text("id;surname;addr1\r\nP1;Khan;Flat 2, 8 Queen Street\r\n", encoding="utf-8")

    assert read(definition, path) == [(2, ("P1", "Khan", "Flat 2, 8 Queen Street"))]


def test_csv_with_a_tab_delimiter_and_quotechar(tmp_path: Path) -> None:
    definition = simple(tmp_path, fields={"family_name": "surname"},
                        options={"delimiter": "\t", "quotechar": "'"})
    path = tmp_path / "people.tsv"
    path.write_text("id\tsurname\r\nP1\t'Smith\tJones'\r\n", encoding="utf-8")

    assert read(definition, path) == [(2, ("P1", "Smith\tJones"))]


def test_csv_in_cp1252(tmp_path: Path) -> None:
    definition = simple(tmp_path, options={"encoding": "cp1252"})
    path = write_csv(tmp_path / "excel.csv", ["id", "forename", "surname", "dob"],
                     [["P1", "Renée", "O’Neill", "01/02/1970"]], encoding="cp1252")
    assert "é".encode("cp1252") in path.read_bytes()
    assert "’".encode("cp1252") in path.read_bytes()

    assert read(definition, path) == [(2, ("P1", "Renée", "O’Neill", "01/02/1970"))]


@pytest.mark.parametrize("encoding", [None, "utf-8", "utf-8-sig"])
def test_csv_in_utf8_with_a_byte_order_mark(tmp_path: Path, encoding: str | None) -> None:
    definition = simple(tmp_path, options={"encoding": encoding} if encoding else None)
    path = write_csv(tmp_path / "bom.csv", ["id", "forename", "surname", "dob"],
                     [["P1", "Zoë", "Ng", "1970-02-01"]], bom=True)

    assert read(definition, path) == [(2, ("P1", "Zoë", "Ng", "1970-02-01"))]


def test_cp1252_bytes_read_as_utf8_name_the_row_and_suggest_the_encoding(
        tmp_path: Path) -> None:
    path = write_csv(tmp_path / "excel.csv", ["id", "forename", "surname", "dob"],
                     [["P1", "Ann", "Lee", "01/02/1970"], ["P2", "Renée", "Roy", "01/02/1971"]],
                     encoding="cp1252")

    error = failure(simple(tmp_path), path)

    assert error.path == str(path)
    assert error.row == 3
    assert "cannot decode" in error.message
    assert "encoding: cp1252" in error.message


def test_a_mapped_column_missing_from_the_header(tmp_path: Path) -> None:
    definition = simple(tmp_path, fields={**SIMPLE_FIELDS, "phone": "telephone"})

    error = failure(definition, write_people_csv(tmp_path / "people.csv"))

    assert (error.row, error.column) == (1, "telephone")
    assert "'telephone'" in error.message
    assert "asc_clients.yaml" in error.message  # which definition asked for it
    assert "'tel'" in error.message  # what the file has instead


def test_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    error = failure(simple(tmp_path), path)

    assert "empty" in error.message
    assert error.path == str(path)


def test_a_header_only_file_has_no_rows(tmp_path: Path) -> None:
    assert read(simple(tmp_path), write_people_csv(tmp_path / "people.csv", [])) == []


def test_a_missing_file(tmp_path: Path) -> None:
    assert "file not found" in failure(simple(tmp_path), tmp_path / "nope.csv").message


def test_a_ragged_row_is_reported_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,forename,surname,dob\r\nP1,Ann,Lee,1970-01-01\r\n"
                    "P2,Flat 2, 8 Queen St,Roy,1970-01-01\r\n\r\nP3,Bo,Li,1971-01-01\r\n",
                    encoding="utf-8")

    rows = read(simple(tmp_path), path)

    assert rows[1] == (3, RaggedRow(fields=5, expected=4))
    assert rows[2] == (5, ("P3", "Bo", "Li", "1971-01-01"))  # the blank line is skipped
    assert len(rows) == 3


def test_progress_reaches_the_file_size(tmp_path: Path) -> None:
    path = write_people_csv(tmp_path / "people.csv")
    calls: list[tuple[int, int]] = []

    list(read_rows(simple(tmp_path), path, lambda done, total: calls.append((done, total))))

    assert calls[-1] == (path.stat().st_size, path.stat().st_size)


# -- JSON Lines -------------------------------------------------------------------------------

def test_jsonl_values_become_text_and_line_numbers_are_kept(tmp_path: Path) -> None:
    definition = simple(tmp_path, format="jsonl", fields={
        "family_name": "surname", "nhs_number": "nhs", "uprn": "uprn", "phone": "tel"})
    path = write_jsonl(tmp_path / "people.jsonl", [
        {"id": "P1", "surname": "Lee", "nhs": 9434765919, "uprn": 100091234567.0, "tel": None},
        "",
        {"id": 2, "surname": "Roy", "nhs": "943 476 5005", "uprn": "", "tel": "01603 123456",
         "ignored": [1, 2]},
    ])

    assert read(definition, path) == [
        (1, ("P1", "Lee", "9434765919", "100091234567", None)),
        (3, ("2", "Roy", "943 476 5005", None, "01603 123456")),
    ]


def test_a_malformed_json_line_is_named(tmp_path: Path) -> None:
    definition = simple(tmp_path, format="jsonl")
    good = {"id": "P1", "forename": "A", "surname": "B", "dob": "1970-01-01"}
    path = write_jsonl(tmp_path / "people.jsonl", [good, good, '{"id": "P3", "surname": '])

    error = failure(definition, path)

    assert error.row == 3
    assert "not valid JSON" in error.message
    assert str(path) in error.message


def test_a_json_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "people.jsonl", ["[1, 2, 3]"])

    error = failure(simple(tmp_path, format="jsonl"), path)

    assert error.row == 1
    assert "expected a JSON object" in error.message


def test_a_key_no_jsonl_object_has(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "people.jsonl",
                       [{"id": "P1", "forename": "A", "surname": "B"}])

    error = failure(simple(tmp_path, format="jsonl"), path)

    assert error.column == "dob"


def test_jsonl_in_cp1252_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_bytes('{"id": "P1", "forename": "Renée", "surname": "Roy", "dob": "1970-01-01"}\n'
                     .encode("cp1252"))

    error = failure(simple(tmp_path, format="jsonl"), path)

    assert error.row == 1
    assert "cannot decode" in error.message


# -- Excel ------------------------------------------------------------------------------------

def test_xlsx_real_date_cells_and_numbers(tmp_path: Path) -> None:
    definition = simple(tmp_path, format="xlsx",
                        fields={**SIMPLE_FIELDS, "nhs_number": "nhs_no", "uprn": "uprn"})
    path = write_xlsx(tmp_path / "people.xlsx", [*PERSON_HEADER[:4], "nhs_no", "uprn"], [
        ["P1", "Mary", "O'Brien", date(1970, 2, 1), 9434765919, 100091234567],
        ["P2", "John", "Smith", datetime(1985, 6, 15), "9434765005", None],
        [None, None, None, None, None, None],
        ["P3", "Aisha", "Khan", datetime(2001, 11, 30, 12, 30), 9434765013.0, "   "],
    ])

    assert read(definition, path) == [
        (2, ("P1", "Mary", "O'Brien", "1970-02-01", "9434765919", "100091234567")),
        (3, ("P2", "John", "Smith", "1985-06-15", "9434765005", None)),
        (5, ("P3", "Aisha", "Khan", "2001-11-30 12:30:00", "9434765013", "   ")),
    ]


def test_xlsx_sheet_and_header_row_options(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["cover sheet"])
    sheet = book.create_sheet("Clients")
    sheet.append(["Exported 2024-01-01"])
    sheet.append(["id", "forename", "surname", "dob"])
    sheet.append(["P1", "Ann", "Lee", date(1970, 1, 1)])
    path = tmp_path / "book.xlsx"
    book.save(path)
    definition = simple(tmp_path, format="xlsx", options={"sheet": "Clients", "header_row": 2})

    assert read(definition, path) == [(3, ("P1", "Ann", "Lee", "1970-01-01"))]


def test_xlsx_without_the_named_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", PERSON_HEADER, PEOPLE, sheet="Data")

    error = failure(simple(tmp_path, format="xlsx", options={"sheet": "Clients"}), path)

    assert "no sheet named 'Clients'" in error.message
    assert "Data" in error.message


def test_a_csv_named_as_xlsx(tmp_path: Path) -> None:
    path = write_people_csv(tmp_path / "people.xlsx")

    error = failure(simple(tmp_path, format="xlsx"), path)

    assert "not a readable .xlsx workbook" in error.message


def test_xlsx_missing_a_mapped_column(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", ["id", "forename", "surname"], [["P1", "A", "B"]])

    error = failure(simple(tmp_path, format="xlsx"), path)

    assert (error.row, error.column) == (1, "dob")
