"""Validation: unusable rows are quarantined, bad optional values kept raw and warned about,
and a bad file refused whole with nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import (
    BAD_FILES,
    NHS_FAILING_CHECK,
    PEOPLE,
    fetch,
    ingest_file,
    load_people,
    make_definition,
    person_definition,
    records,
    snapshot,
    write_csv,
    write_people_csv,
)
from sqlalchemy import Engine

from joinedup.errors import BadInput, IngestError
from joinedup.store import schema

# -- validation: quarantine -------------------------------------------------------------------

def test_rows_that_cannot_be_used_are_quarantined_with_the_reason(engine: Engine,
                                                                  tmp_path: Path) -> None:
    rows = [
        PEOPLE[0],
        ["", "Nobody", "Knows", "01/01/1990", "F", "", "", "", "", "", ""],
        PEOPLE[1],
        ["P1", "Mary", "Again", "01/02/1970", "F", "", "", "", "", "", ""],
        ["P5", "", "1234", "01/01/1990", "F", "", "", "", "", "", ""],
        PEOPLE[2],
    ]

    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "people.csv", rows))

    assert (report.load.rows_read, report.load.accepted, report.load.quarantined) == (6, 3, 3)
    assert set(records(engine)) == {"P1", "P2", "P3"}
    assert records(engine)["P1"]["family_name"] == "O'Brien"  # the first P1 is kept
    no_id, duplicate, no_name = fetch(engine, schema.quarantine, order_by="row_no")
    assert (no_id["row_no"], no_id["record_id"], no_id["column_name"]) == (3, None, "id")
    assert no_id["reason"] == "no record id"
    assert "'id'" in no_id["expected"]
    assert (duplicate["row_no"], duplicate["record_id"], duplicate["column_name"],
            duplicate["value"]) == (5, "P1", "id", "P1")
    assert "duplicate record id" in duplicate["reason"]
    assert "row 2" in duplicate["reason"]  # names the row that was kept
    assert (no_name["row_no"], no_name["record_id"], no_name["reason"]) == (
        6, "P5", "no usable name")
    assert "surname" in no_name["column_name"]
    assert "1234" in no_name["value"]
    assert no_name["expected"]


def test_a_quarantined_row_has_no_warnings_of_its_own(engine: Engine, tmp_path: Path) -> None:
    rows = [PEOPLE[0], ["P1", "Mary", "Again", "31/02/1970", "F", "", "", "", "N/K", "", ""]]

    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "people.csv", rows))

    assert (report.load.quarantined, report.load.warnings) == (1, 0)


def test_a_ragged_csv_row_is_quarantined(engine: Engine, tmp_path: Path) -> None:
    path = write_people_csv(tmp_path / "people.csv", [*PEOPLE[:2], [*PEOPLE[2], "extra"]])

    report = ingest_file(engine, person_definition(tmp_path), path)

    assert (report.load.accepted, report.load.quarantined) == (2, 1)
    [row] = fetch(engine, schema.quarantine)
    assert row["row_no"] == 4
    assert "12 fields" in row["reason"]


def test_a_contact_for_a_person_never_loaded_is_quarantined(engine: Engine,
                                                            tmp_path: Path) -> None:
    load_people(engine, tmp_path)
    definition = make_definition(
        tmp_path, name="asc_contacts", kind="contact", person_source="asc_clients",
        record_id="contact_id", fields={"person": "client", "occurred_at": "when"})
    path = write_csv(tmp_path / "contacts.csv", ["contact_id", "client", "when"], [
        ["C1", "P1", "2024-04-03 09:15"],
        ["C2", "P99", "2024-04-03 10:15"],
        ["C3", "", "2024-04-03 11:15"],
    ])

    report = ingest_file(engine, definition, path)

    assert (report.load.accepted, report.load.quarantined) == (1, 2)
    unknown, blank = fetch(engine, schema.quarantine, order_by="row_no")
    assert (unknown["row_no"], unknown["record_id"], unknown["column_name"],
            unknown["value"]) == (3, "C2", "client", "P99")
    assert "no person record" in unknown["reason"]
    assert "asc_clients" in unknown["reason"]
    assert (blank["row_no"], blank["record_id"], blank["column_name"]) == (4, "C3", "client")
    assert [c["record_id"] for c in fetch(engine, schema.contact.table)] == ["C1"]


def test_a_contact_whose_required_date_cannot_be_read_is_quarantined(
        engine: Engine, tmp_path: Path) -> None:
    load_people(engine, tmp_path)
    definition = make_definition(
        tmp_path, name="asc_contacts", kind="contact", person_source="asc_clients",
        record_id="contact_id", fields={"person": "client", "occurred_at": "when"})
    path = write_csv(tmp_path / "contacts.csv", ["contact_id", "client", "when"],
                     [["C1", "P1", "sometime in May"]])

    report = ingest_file(engine, definition, path)

    assert report.load.quarantined == 1
    [row] = fetch(engine, schema.quarantine)
    assert (row["column_name"], row["value"]) == ("when", "sometime in May")
    assert "occurred_at" in row["reason"]


# -- validation: bad optional values are kept raw and warned about ----------------------------

def test_bad_optional_values_keep_the_row(engine: Engine, tmp_path: Path) -> None:
    rows = [["P1", "Mary", "O'Brien", "31/02/1970", "F", NHS_FAILING_CHECK, "12 High Street",
             "Norwich", "N/K", "unknown", "mary@example.org"], PEOPLE[1]]

    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "people.csv", rows))

    assert (report.load.accepted, report.load.quarantined, report.load.warnings) == (2, 0, 4)
    mary = records(engine)["P1"]
    assert (mary["date_of_birth"], mary["nhs_number"], mary["postcode"], mary["phone"]) == (
        None, None, None, None)
    assert mary["family_name"] == "O'Brien"
    assert json.loads(mary["invalid"]) == {"date_of_birth": "31/02/1970",
                                           "nhs_number": NHS_FAILING_CHECK,
                                           "postcode": "N/K", "phone": "unknown"}
    warnings = fetch(engine, schema.data_warning, order_by="field")
    assert [(w["row_no"], w["record_id"], w["field"], w["column_name"], w["value"])
            for w in warnings] == [
        (2, "P1", "date_of_birth", "dob", "31/02/1970"),
        (2, "P1", "nhs_number", "nhs_no", NHS_FAILING_CHECK),
        (2, "P1", "phone", "tel", "unknown"),
        (2, "P1", "postcode", "postcode", "N/K"),
    ]
    assert all(w["expected"] for w in warnings)
    assert "Modulus 11" in warnings[1]["expected"]


# -- bad files: an error naming the file, and nothing written ---------------------------------

@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_names_where_and_writes_nothing(engine: Engine, tmp_path: Path,
                                                   case: str) -> None:
    load_people(engine, tmp_path)
    before = snapshot(engine)
    builder, row, column, fragment = BAD_FILES[case]
    definition, path = builder(tmp_path)

    with pytest.raises(IngestError) as caught:
        ingest_file(engine, definition, path)

    error = caught.value
    assert isinstance(error, BadInput)
    assert error.exit_code == 2
    assert fragment in error.message
    assert (error.row, error.column) == (row, column)
    named = definition.path if case == "person source not loaded" else str(path)
    assert error.message.startswith(named)
    assert snapshot(engine) == before


def test_a_source_name_reused_for_another_kind_writes_nothing(engine: Engine,
                                                              tmp_path: Path) -> None:
    load_people(engine, tmp_path)
    before = snapshot(engine)
    (tmp_path / "v2").mkdir()
    definition = make_definition(tmp_path / "v2", name="asc_clients", kind="property",
                                 fields={"uprn": "uprn"})

    with pytest.raises(IngestError) as caught:
        ingest_file(engine, definition,
                    write_csv(tmp_path / "llpg.csv", ["id", "uprn"], [["1", "100091234567"]]))

    assert "already registered as kind person" in caught.value.message
    assert snapshot(engine) == before
