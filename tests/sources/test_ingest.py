"""Ingest: one file of one source into the store, mapped, validated, wholly or not at all."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from factories import (
    NHS,
    PEOPLE,
    PERSON_HEADER,
    fetch,
    ingest_file,
    load_people,
    make_definition,
    person_definition,
    records,
    write_csv,
    write_jsonl,
    write_people_csv,
    write_xlsx,
)
from sqlalchemy import Engine

from joinedup.store import schema

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
        ["F2", "P4", "DV", "Domestic abuse marker", "Criminal Offence", "2023-05-06", "2025-05-06"],
    ])

    report = ingest_file(engine, flag_definition(tmp_path), path)

    assert report.load.new == 2
    f1, f2 = fetch(engine, schema.flag.table)
    assert (people[f1["person_record_id"]], f1["flag"], f1["description"]) == (
        "P2", "Risk to staff", "Dog on premises")
    assert (f1["sensitivity"], f1["raised_on"], f1["expires_on"]) == (
        "standard", date(2024, 1, 2), None)
    assert (f2["sensitivity"], f2["expires_on"]) == ("criminal_offence", date(2025, 5, 6))


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
