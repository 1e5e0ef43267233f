"""Ingest: one file of one source into the store, mapped, validated, wholly or not at all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import (
    BAD_FILES,
    NHS,
    NHS_FAILING_CHECK,
    PEOPLE,
    PERSON_HEADER,
    fetch,
    ingest_file,
    make_definition,
    person_definition,
    records,
    snapshot,
    table_counts,
    write_csv,
    write_jsonl,
    write_people_csv,
    write_xlsx,
)
from sqlalchemy import Engine

from joinedup.errors import BadInput, IngestError, JoinedUpError
from joinedup.store import schema
from joinedup.store.database import open_store

# -- formats and options, end to end ----------------------------------------------------------


def test_a_csv_person_source_is_standardised(engine: Engine, tmp_path: Path) -> None:
    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "people.csv"))

    load = report.load
    assert not report.skipped
    assert (load.rows_read, load.accepted, load.new, load.updated, load.unchanged) == (
        4, 4, 4, 0, 0)
    assert (load.warnings, load.quarantined, load.status) == (0, 0, "complete")
    john = records(engine)["P2"]
    assert (john["given_name"], john["family_name"]) == ("John", "Smith")
    assert john["date_of_birth"] == date(1985, 6, 15)
    assert john["sex"] == "male"
    assert john["nhs_number"] == NHS[1]
    assert john["address"] == "3 Mill Lane, Dereham"
    assert john["postcode"] == "NR19 1AB"
    assert john["phone"] == "07700900123"
    assert john["email"] == "john@example.org"
    assert (john["invalid"], john["identifiers"]) == (None, None)
    assert records(engine)["P1"]["postcode"] == "NR2 4AB"
    assert records(engine)["P3"]["address"] == "Flat 2, 8 Queen Street, King's Lynn"


def test_csv_with_a_semicolon_delimiter(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path, options={"delimiter": ";"})

    ingest_file(engine, definition, write_people_csv(tmp_path / "people.csv", delimiter=";"))

    assert records(engine)["P3"]["address"] == "Flat 2, 8 Queen Street, King's Lynn"


def test_csv_in_cp1252_keeps_accents_and_apostrophes(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path, options={"encoding": "cp1252"})
    rows = [["P1", "Renée", "O’Neill", "01/02/1970", "F", NHS[0], "1 Rue Café", "Norwich",
             "NR2 4AB", "", ""]]
    path = write_people_csv(tmp_path / "excel.csv", rows, encoding="cp1252")

    ingest_file(engine, definition, path)

    renee = records(engine)["P1"]
    assert (renee["given_name"], renee["family_name"]) == ("Renée", "O'Neill")
    assert renee["address"] == "1 Rue Café, Norwich"


def test_utf8_with_a_byte_order_mark(engine: Engine, tmp_path: Path) -> None:
    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "bom.csv", bom=True))

    assert report.load.accepted == 4
    assert set(records(engine)) == {"P1", "P2", "P3", "P4"}


def test_jsonl(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path, format="jsonl")
    objects: list[dict[str, Any]] = [dict(zip(PERSON_HEADER, row, strict=True))
                                     for row in PEOPLE]
    objects[0]["nhs_no"] = int(NHS[0])  # numbers arrive as numbers
    objects[1]["tel"] = None

    report = ingest_file(engine, definition, write_jsonl(tmp_path / "people.jsonl", objects))

    assert report.load.new == 4
    assert records(engine)["P1"]["nhs_number"] == NHS[0]
    assert records(engine)["P2"]["phone"] is None


def test_xlsx_with_real_date_cells(engine: Engine, tmp_path: Path) -> None:
    fields = {"given_name": "forename", "family_name": "surname", "date_of_birth": "dob",
              "nhs_number": "nhs_no", "uprn": "uprn"}
    definition = make_definition(tmp_path, format="xlsx", fields=fields)
    path = write_xlsx(tmp_path / "people.xlsx", ["id", "forename", "surname", "dob", "nhs_no",
                                                 "uprn"], [
        ["P1", "Mary", "O'Brien", datetime(1970, 2, 1), int(NHS[0]), 100091234567],
        ["P2", "John", "Smith", date(1985, 6, 15), NHS[1], None],
    ])

    report = ingest_file(engine, definition, path)

    assert (report.load.new, report.load.warnings) == (2, 0)
    mary = records(engine)["P1"]
    assert mary["date_of_birth"] == date(1970, 2, 1)
    assert mary["nhs_number"] == NHS[0]
    assert mary["uprn"] == "100091234567"
    assert records(engine)["P2"]["date_of_birth"] == date(1985, 6, 15)


# -- mapping ----------------------------------------------------------------------------------

def test_full_name_is_split(engine: Engine, tmp_path: Path) -> None:
    definition = make_definition(tmp_path, fields={"full_name": "name"})
    path = write_csv(tmp_path / "p.csv", ["id", "name"], [
        ["P1", "SMITH, John Paul"], ["P2", "Mary Jane O'Brien"], ["P3", "Aisha Khan"],
        ["P4", "KHAN, AISHA"]])

    ingest_file(engine, definition, path)

    assert {rid: (r["given_name"], r["middle_names"], r["family_name"])
            for rid, r in records(engine).items()} == {
        "P1": ("John", "Paul", "Smith"),
        "P2": ("Mary", "Jane", "O'Brien"),
        "P3": ("Aisha", None, "Khan"),
        "P4": ("Aisha", None, "Khan"),
    }


def test_date_formats(engine: Engine, tmp_path: Path) -> None:
    formats = {"%d/%m/%Y": "01/02/1970", "%Y%m%d": "19700201", "%d-%b-%Y": "01-Feb-1970",
               "%m/%d/%Y": "02/01/1970"}
    for number, (fmt, raw) in enumerate(formats.items()):
        definition = make_definition(tmp_path, name=f"dates_{number}", fields={
            "family_name": "surname", "date_of_birth": {"column": "dob", "format": fmt}})
        ingest_file(engine, definition, write_csv(tmp_path / f"{number}.csv",
                                                  ["id", "surname", "dob"], [[fmt, "Lee", raw]]))

    born = {r["record_id"]: r["date_of_birth"] for r in records(engine).values()}
    assert born == dict.fromkeys(formats, date(1970, 2, 1))  # record id: the format used


def test_a_list_of_columns_is_joined_as_the_address(engine: Engine, tmp_path: Path) -> None:
    definition = make_definition(tmp_path, fields={
        "family_name": "surname", "address": ["addr1", "addr2", "town"]})
    path = write_csv(tmp_path / "p.csv", ["id", "surname", "addr1", "addr2", "town"], [
        ["P1", "Lee", "12 HIGH STREET", "EATON", "NORWICH"],
        ["P2", "Roy", "3 Mill Lane", "", "Dereham"],
        ["P3", "Ng", "", "", ""],
    ])

    ingest_file(engine, definition, path)

    found = records(engine)
    assert found["P1"]["address"] == "12 High Street, Eaton, Norwich"
    assert found["P2"]["address"] == "3 Mill Lane, Dereham"
    assert found["P3"]["address"] is None


def test_named_identifiers_are_stored_as_json(engine: Engine, tmp_path: Path) -> None:
    definition = make_definition(tmp_path, fields={
        "family_name": "surname",
        "identifiers": {"ssn": "soc_sec_id", "mosaic": "mosaic_id"}})
    path = write_csv(tmp_path / "p.csv", ["id", "surname", "soc_sec_id", "mosaic_id"], [
        ["P1", "Lee", "SS-1", "M/77"],
        ["P2", "Roy", "", "M/78"],
        ["P3", "Ng", "", ""],
    ])

    ingest_file(engine, definition, path)

    found = records(engine)
    assert json.loads(found["P1"]["identifiers"]) == {"ssn": "SS-1", "mosaic": "M/77"}
    assert json.loads(found["P2"]["identifiers"]) == {"mosaic": "M/78"}
    assert found["P3"]["identifiers"] is None


def test_a_constant_value_fills_every_row(engine: Engine, tmp_path: Path) -> None:
    definition = make_definition(tmp_path, fields={
        "family_name": "surname", "sex": {"value": "F"}, "address": {"value": "HMP Norwich"}})

    ingest_file(engine, definition,
                write_csv(tmp_path / "p.csv", ["id", "surname"], [["P1", "Lee"], ["P2", "Roy"]]))

    assert {(r["sex"], r["address"]) for r in records(engine).values()} == {
        ("female", "HMP Norwich")}


# -- kinds ------------------------------------------------------------------------------------

def load_people(engine: Engine, tmp_path: Path) -> dict[int, str]:
    """Load the four standard people; returns record id by source_record id."""
    ingest_file(engine, person_definition(tmp_path), write_people_csv(tmp_path / "people.csv"))
    return {r["id"]: r["record_id"] for r in fetch(engine, schema.source_record.table)}


def test_contacts_refer_to_their_person_records(engine: Engine, tmp_path: Path) -> None:
    people = load_people(engine, tmp_path)
    definition = make_definition(
        tmp_path, name="asc_contacts", kind="contact", person_source="asc_clients",
        record_id="contact_id", fields={
            "person": "client", "occurred_at": {"column": "when", "format": "%d/%m/%Y %H:%M"},
            "service": {"value": "Adult Social Care"}, "channel": "how", "practitioner": "worker",
            "team": "team", "summary": "notes"})
    path = write_csv(tmp_path / "contacts.csv",
                     ["contact_id", "client", "when", "how", "worker", "team", "notes"], [
                         ["C1", "P1", "03/04/2024 09:15", "phone", "Sam Jones", "North", "Call"],
                         ["C2", "P2", "04/04/2024 14:00", "visit", "", "South", ""],
                     ])

    report = ingest_file(engine, definition, path)

    assert (report.load.new, report.load.quarantined) == (2, 0)
    c1, c2 = fetch(engine, schema.contact.table)
    assert people[c1["person_record_id"]] == "P1"
    assert c1["occurred_at"] == datetime(2024, 4, 3, 9, 15)
    assert (c1["service"], c1["channel"], c1["team"], c1["summary"]) == (
        "Adult Social Care", "phone", "North", "Call")
    [sam] = fetch(engine, schema.practitioner)
    assert sam["name"] == "Sam Jones"
    assert c1["practitioner_id"] == sam["id"]
    assert people[c2["person_record_id"]] == "P2"
    assert c2["practitioner_id"] is None


def test_involvements_register_their_key_workers(engine: Engine, tmp_path: Path) -> None:
    people = load_people(engine, tmp_path)
    definition = make_definition(
        tmp_path, name="asc_cases", kind="involvement", person_source="asc_clients",
        record_id="case_id", fields={
            "person": "client", "service": "service", "team": "team", "key_worker": "kw",
            "key_worker_role": "kw_role", "key_worker_email": "kw_email",
            "key_worker_phone": "kw_tel", "reason": "reason",
            "started_on": {"column": "opened", "format": "%d/%m/%Y"},
            "ended_on": {"column": "closed", "format": "%d/%m/%Y"}})
    header = ["case_id", "client", "service", "team", "kw", "kw_role", "kw_email", "kw_tel",
              "reason", "opened", "closed"]
    path = write_csv(tmp_path / "cases.csv", header, [
        ["K1", "P1", "Adult Social Care", "Reablement", "Priya Patel", "Social Worker",
         "Priya.Patel@norfolk.gov.uk", "01603 223344", "Fall at home", "01/03/2024", ""],
        ["K2", "P3", "Adult Social Care", "Reablement", "PRIYA PATEL", "Social Worker",
         "priya.patel@norfolk.gov.uk", "", "Carer breakdown", "05/03/2024", "30/04/2024"],
    ])

    report = ingest_file(engine, definition, path)

    assert report.load.new == 2
    [priya] = fetch(engine, schema.practitioner)
    assert (priya["name"], priya["role"], priya["email"], priya["phone"]) == (
        "Priya Patel", "Social Worker", "priya.patel@norfolk.gov.uk", "01603223344")
    k1, k2 = fetch(engine, schema.involvement.table)
    assert people[k1["person_record_id"]] == "P1"
    assert (k1["service"], k1["team"], k1["reason"]) == (
        "Adult Social Care", "Reablement", "Fall at home")
    assert (k1["started_on"], k1["ended_on"]) == (date(2024, 3, 1), None)
    assert (k2["started_on"], k2["ended_on"]) == (date(2024, 3, 5), date(2024, 4, 30))
    assert k1["key_worker_id"] == k2["key_worker_id"] == priya["id"]


def flag_definition(tmp_path: Path) -> Any:
    return make_definition(
        tmp_path, name="police_flags", agency="Norfolk Constabulary", kind="flag",
        person_source="asc_clients", record_id="flag_id", fields={
            "person": "client", "flag": "code", "description": "text",
            "sensitivity": "level", "raised_on": "raised", "expires_on": "expires"})


FLAG_HEADER = ["flag_id", "client", "code", "text", "level", "raised", "expires"]


def test_flags_carry_their_sensitivity(engine: Engine, tmp_path: Path) -> None:
    people = load_people(engine, tmp_path)
    path = write_csv(tmp_path / "flags.csv", FLAG_HEADER, [
        ["F1", "P2", "Risk to staff", "Dog on premises", "Standard", "2024-01-02", ""],
        ["F2", "P4", "DV", "Domestic abuse marker", "RESTRICTED", "2023-05-06", "2025-05-06"],
    ])

    report = ingest_file(engine, flag_definition(tmp_path), path)

    assert report.load.new == 2
    f1, f2 = fetch(engine, schema.flag.table)
    assert (people[f1["person_record_id"]], f1["flag"], f1["description"]) == (
        "P2", "Risk to staff", "Dog on premises")
    assert (f1["sensitivity"], f1["raised_on"], f1["expires_on"]) == (
        "standard", date(2024, 1, 2), None)
    assert (f2["sensitivity"], f2["expires_on"]) == ("restricted", date(2025, 5, 6))


def test_a_flag_whose_sensitivity_cannot_be_read_is_quarantined(engine: Engine,
                                                                tmp_path: Path) -> None:
    """Sensitivity decides who may see a flag, so it is never guessed."""
    load_people(engine, tmp_path)
    path = write_csv(tmp_path / "flags.csv", FLAG_HEADER, [
        ["F1", "P2", "Risk to staff", "", "standard", "", ""],
        ["F2", "P4", "DV", "", "secret", "", ""],
        ["F3", "P4", "DV", "", "", "", ""],
    ])

    report = ingest_file(engine, flag_definition(tmp_path), path)

    assert (report.load.accepted, report.load.quarantined) == (1, 2)
    unreadable, blank = fetch(engine, schema.quarantine, order_by="row_no")
    assert (unreadable["row_no"], unreadable["record_id"], unreadable["column_name"],
            unreadable["value"]) == (3, "F2", "level", "secret")
    assert (blank["row_no"], blank["record_id"], blank["column_name"]) == (4, "F3", "level")
    assert "sensitivity" in unreadable["reason"]
    assert "sensitivity" in blank["reason"]
    assert "standard" in unreadable["expected"]


def test_properties(engine: Engine, tmp_path: Path) -> None:
    definition = make_definition(
        tmp_path, name="llpg", agency="District Council", kind="property", record_id="uprn",
        fields={"uprn": "uprn", "address": ["pao", "street", "town"], "postcode": "pc",
                "easting": "x", "northing": "y", "ward": "ward"})
    path = write_csv(tmp_path / "llpg.csv", ["uprn", "pao", "street", "town", "pc", "x", "y",
                                             "ward"], [
        ["100091234567", "12", "HIGH STREET", "NORWICH", "nr2 4ab", "623456.5", "308765",
         "Mancroft"],
        ["100091234568", "14", "High Street", "Norwich", "NR2 4AB", "", "", ""],
    ])

    report = ingest_file(engine, definition, path)

    assert report.load.new == 2
    one, two = fetch(engine, schema.property_.table)
    assert (one["record_id"], one["uprn"], one["address"], one["postcode"]) == (
        "100091234567", "100091234567", "12, High Street, Norwich", "NR2 4AB")
    assert (one["easting"], one["northing"], one["ward"]) == (623456.5, 308765.0, "Mancroft")
    assert (two["easting"], two["ward"]) == (None, None)


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


# -- all or nothing ---------------------------------------------------------------------------

def person_lines(count: int, *, postcode: str = "NR2 4AB") -> list[dict[str, str]]:
    return [{"id": f"P{i}", "forename": "Ann", "surname": f"Lee{i}", "dob": "01/02/1970",
             "sex": "F", "nhs_no": "", "addr1": f"{i} High Street", "town": "Norwich",
             "postcode": postcode, "tel": "", "email": ""} for i in range(1, count + 1)]


@pytest.mark.parametrize("good_rows", [499, 6_000])  # 6,000: past the first batch
def test_a_failure_midway_leaves_the_store_as_it_was(engine: Engine, tmp_path: Path,
                                                     good_rows: int) -> None:
    definition = person_definition(tmp_path, format="jsonl")
    ingest_file(engine, definition, write_jsonl(tmp_path / "v1.jsonl", person_lines(good_rows)))
    before = snapshot(engine)
    lines: list[Any] = person_lines(good_rows, postcode="NR1 1AA")
    lines[0] = lines[0] | {"nhs_no": NHS_FAILING_CHECK}  # a warning, and a changed record
    lines.append({"id": "P0", "forename": "", "surname": "", "dob": "", "sex": "",
                  "nhs_no": "", "addr1": "", "town": "", "postcode": "", "tel": "",
                  "email": ""})  # a quarantined row
    lines.append('{"id": "P-broken", "surname": ')

    with pytest.raises(IngestError) as caught:
        ingest_file(engine, definition, write_jsonl(tmp_path / "v2.jsonl", lines))

    assert caught.value.row == good_rows + 2
    assert snapshot(engine) == before
    other = person_definition(tmp_path, name="another_feed", agency="Police", format="jsonl")
    with pytest.raises(IngestError):
        ingest_file(engine, other, tmp_path / "v2.jsonl")
    assert snapshot(engine) == before


KILL_ROWS = 200_000


def _big_people_csv(path: Path, count: int, *, postcode: str = "NR2 4AB") -> Path:
    lines = ["id,forename,surname,dob,sex,nhs_no,addr1,town,postcode,tel,email"]
    lines += [f"K{i},Ann,Lee{i % 997},01/02/1970,F,{NHS[i % len(NHS)]},{i} High Street,Norwich,"
              f"{postcode},01603 123456,ann{i}@example.org" for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc; none found elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.slow
def test_a_killed_ingest_leaves_the_old_state_or_the_whole_new_load(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    definition = person_definition(tmp_path)
    big = _big_people_csv(tmp_path / "big.csv", KILL_ROWS)
    with open_store(url) as engine:
        ingest_file(engine, definition,
                    _big_people_csv(tmp_path / "small.csv", 1000, postcode="NR1 1AA"))
        old = snapshot(engine)

    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:  # a file, not a pipe: helpers may inherit it
        child = subprocess.Popen(
            [sys.executable, "-m", "joinedup", "ingest", definition.path, str(big),
             "--db", url],
            stdout=subprocess.DEVNULL, stderr=stderr,
            env={**os.environ, "JOINEDUP_OPERATOR": "killed"})
    # Kill about a second into the load proper: once the loader has started a helper (the
    # worker that reads and maps a big file), else after a second and a half.
    started = time.monotonic()
    helpers: list[int] = []
    while not helpers and child.poll() is None and time.monotonic() - started < 1.5:
        time.sleep(0.05)
        helpers = _children(child.pid)
    time.sleep(1.0)
    helpers = sorted({*helpers, *_children(child.pid)})
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    lingering = [p for p in helpers if _alive(p)]
    for pid in lingering:  # do not leave them behind, whatever the outcome
        os.kill(pid, signal.SIGKILL)

    assert child.returncode == -signal.SIGKILL, (
        f"the ingest ended by itself (exit {child.returncode}) before it was killed; make the "
        f"file bigger so the kill lands mid-load. stderr: {stderr_path.read_text()[-500:]}")
    with open_store(url) as engine:
        after = snapshot(engine)
        if after != old:  # then it must be the complete new load, nothing less
            _first, latest = fetch(engine, schema.load, order_by="id")
            assert (latest["status"], latest["rows_read"]) == ("complete", KILL_ROWS)
            assert table_counts(engine)["source_record"] == KILL_ROWS
            assert {r["load_id"] for r in fetch(engine, schema.source_record.table, "load_id")
                    } == {latest["id"]}
            assert after["load"][0] == old["load"][0]
            assert table_counts(engine)["source_record_history"] == 1000
    assert not lingering, (f"helper processes {lingering} outlived the killed ingest by 10 s "
                           "(killed now by the test)")


# -- idempotence ------------------------------------------------------------------------------

def test_the_same_file_again_is_skipped_and_writes_nothing(engine: Engine,
                                                          tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    path = write_people_csv(tmp_path / "people.csv")
    first = ingest_file(engine, definition, path)
    before = snapshot(engine)

    again = ingest_file(engine, definition, path)

    assert again.skipped
    assert again.load == first.load
    assert snapshot(engine) == before


def test_force_reloads_and_finds_everything_unchanged(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    path = write_people_csv(tmp_path / "people.csv")
    first = ingest_file(engine, definition, path)
    current = fetch(engine, schema.source_record.table)

    forced = ingest_file(engine, definition, path, force=True)

    assert not forced.skipped
    assert forced.load.id != first.load.id
    assert (forced.load.rows_read, forced.load.new, forced.load.updated,
            forced.load.unchanged) == (4, 0, 0, 4)
    assert fetch(engine, schema.source_record.table) == current
    assert table_counts(engine)["source_record_history"] == 0
    assert table_counts(engine)["load"] == 2


def test_the_same_file_with_a_changed_definition_is_loaded(engine: Engine,
                                                           tmp_path: Path) -> None:
    path = write_people_csv(tmp_path / "people.csv")
    ingest_file(engine, person_definition(tmp_path), path)

    again = ingest_file(engine, person_definition(tmp_path, description="now described"), path)

    assert not again.skipped
    assert again.load.unchanged == 4


def test_an_older_file_loaded_again_is_not_skipped(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    old = write_people_csv(tmp_path / "old.csv")
    ingest_file(engine, definition, old)
    ingest_file(engine, definition, write_people_csv(tmp_path / "new.csv", PEOPLE[:3]))

    again = ingest_file(engine, definition, old)

    assert not again.skipped
    assert again.load.unchanged == 4


def test_the_load_records_its_provenance(engine: Engine, tmp_path: Path) -> None:
    import hashlib

    definition = person_definition(tmp_path)
    path = write_people_csv(tmp_path / "people.csv")

    load = ingest_file(engine, definition, path).load

    assert load.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load.definition_sha256 == definition.sha256
    assert load.file_name == str(path)
    assert (load.source, load.agency, load.kind, load.operator) == (
        "asc_clients", "Adult Social Care", "person", "tester")
    assert load.finished_at is not None and load.finished_at >= load.started_at
    [source] = fetch(engine, schema.source)
    assert source["definition"] == definition.text
    assert {r["load_id"] for r in fetch(engine, schema.source_record.table)} == {load.id}


def test_errors_are_joinedup_errors(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(JoinedUpError):
        ingest_file(engine, person_definition(tmp_path), tmp_path / "nope.csv")
