"""FHIR R4: Patients and Encounters from a Bundle, flattened and loaded like any other file."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from factories import (
    NHS,
    encounter,
    fetch,
    ingest_file,
    make_definition,
    patient,
    records,
    snapshot,
    write_bundle,
)
from sqlalchemy import Engine

from joinedup.errors import IngestError
from joinedup.sources.definition import SourceDefinition
from joinedup.sources.fhir import read_bundle, unknown_keys
from joinedup.store import schema

MRN = "https://example.org/Id/mrn"

PATIENT_FIELDS = {
    "given_name": "given",
    "middle_names": "middle",
    "family_name": "family",
    "date_of_birth": "birthDate",
    "sex": "gender",
    "nhs_number": "nhs_number",
    "address": ["address_line", "city"],
    "postcode": "postalCode",
    "phone": "phone",
    "email": "email",
    "identifiers": {"mrn": f"identifier:{MRN}"},
}
ENCOUNTER_FIELDS = {
    "person": "subject",
    "occurred_at": "period_start",
    "service": "serviceProvider",
    "channel": "class",
    "practitioner": "participant",
    "team": "type",
    "summary": "reason",
}


def _stream(document: object) -> io.BytesIO:
    return io.BytesIO(json.dumps(document).encode())


def patients() -> list[dict[str, object]]:
    return [
        patient("pat-1", nhs_number=NHS[0], given=["Mary", "Jane"], family="O'Brien",
                birth_date="1970-02-01", gender="female", lines=["12 High Street", "Eaton"],
                city="Norwich", postcode="NR4 7AB", phone="01603 123456",
                email="Mary@Example.org", identifiers={MRN: "M123"}),
        patient("pat-2", nhs_number=NHS[1], given=["John"], family="Smith",
                birth_date="1985-06-15", gender="male"),
    ]


def patient_definition(tmp_path: Path) -> SourceDefinition:
    return make_definition(tmp_path, name="gp_patients", agency="Community Health",
                           format="fhir", fields=PATIENT_FIELDS)


def encounter_definition(tmp_path: Path) -> SourceDefinition:
    return make_definition(tmp_path, name="gp_encounters", agency="Community Health",
                           format="fhir", kind="contact", person_source="gp_patients",
                           fields=ENCOUNTER_FIELDS)


# -- flattening -------------------------------------------------------------------------------

def test_a_patient_flattens_to_the_documented_keys(tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "entry": [{"resource": patients()[0]}]}

    [(number, flat)] = read_bundle(_stream(bundle), "Patient", path=tmp_path / "b.json")

    assert number == 1
    assert flat == {
        "id": "pat-1", "nhs_number": NHS[0], f"identifier:{MRN}": "M123", "given": "Mary",
        "middle": "Jane", "family": "O'Brien", "name_text": None, "birthDate": "1970-02-01",
        "gender": "female", "address_line": "12 High Street, Eaton", "city": "Norwich",
        "district": None, "postalCode": "NR4 7AB", "phone": "01603 123456",
        "email": "Mary@Example.org",
    }


def test_the_official_name_and_home_address_are_preferred(tmp_path: Path) -> None:
    resource = {
        "resourceType": "Patient", "id": "p",
        "name": [{"use": "nickname", "given": ["Molly"]},
                 {"use": "official", "given": ["Mary"], "family": "Lee"}],
        "address": [{"use": "work", "city": "Ipswich"}, {"use": "home", "city": "Norwich"}],
        "telecom": [{"system": "fax", "value": "0"}, {"system": "phone", "value": "1"},
                    {"system": "phone", "value": "2"}],
    }
    bundle = {"resourceType": "Bundle", "entry": [{"resource": resource}]}

    [(_, flat)] = read_bundle(_stream(bundle), "Patient", path=tmp_path / "b.json")

    assert (flat["given"], flat["family"], flat["city"], flat["phone"]) == (
        "Mary", "Lee", "Norwich", "1")


def test_an_encounter_flattens_and_other_resources_are_passed_over(tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "entry": [
        {"resource": patients()[0]},
        {"resource": encounter("enc-1", patient_id="pat-1", start="2024-03-01T10:30:00Z",
                               end="2024-03-01T11:00:00Z", class_code="HH",
                               type_text="Home visit", provider="Norfolk Community Health",
                               practitioner="Nurse Ann Lee", reason="Wound care")},
    ]}

    assert list(read_bundle(_stream(bundle), "Encounter", path=tmp_path / "b.json")) == [
        (2, {"id": "enc-1", "subject": "pat-1", "period_start": "2024-03-01T10:30:00Z",
             "period_end": "2024-03-01T11:00:00Z", "class": "HH", "type": "Home visit",
             "serviceProvider": "Norfolk Community Health", "participant": "Nurse Ann Lee",
             "reason": "Wound care"})]


@pytest.mark.parametrize("document, fragment", [
    ({"resourceType": "Patient", "id": "p"}, "found 'Patient'"),
    ([{"resourceType": "Bundle"}], "found 'list'"),
    ({"resourceType": "Bundle", "entry": {"resource": {}}}, "must be a list"),
])
def test_what_is_not_a_bundle(tmp_path: Path, document: object, fragment: str) -> None:
    with pytest.raises(IngestError) as caught:
        list(read_bundle(_stream(document), "Patient", path=tmp_path / "b.json"))

    assert fragment in caught.value.message


def test_an_entry_without_a_resource_is_named_by_number(tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "entry": [{"resource": patients()[0]}, {"fullUrl": "x"}]}

    with pytest.raises(IngestError) as caught:
        list(read_bundle(_stream(bundle), "Patient", path=tmp_path / "b.json"))

    assert caught.value.row == 2


def test_unknown_keys() -> None:
    assert unknown_keys("Patient", ["id", "family", "identifier:urn:x", "surname"]) == ["surname"]
    assert unknown_keys("Encounter", ["subject", "given"]) == ["given"]


# -- loading ----------------------------------------------------------------------------------

def test_patients_load_as_person_records(engine: Engine, tmp_path: Path) -> None:
    path = write_bundle(tmp_path / "patients.json", patients())

    report = ingest_file(engine, patient_definition(tmp_path), path)

    assert (report.load.rows_read, report.load.new, report.load.warnings) == (2, 2, 0)
    mary = records(engine)["pat-1"]
    assert mary["nhs_number"] == NHS[0]
    assert (mary["given_name"], mary["middle_names"], mary["family_name"]) == (
        "Mary", "Jane", "O'Brien")
    assert mary["date_of_birth"] == date(1970, 2, 1)
    assert mary["sex"] == "female"
    assert mary["address"] == "12 High Street, Eaton, Norwich"
    assert mary["postcode"] == "NR4 7AB"
    assert mary["phone"] == "01603123456"
    assert mary["email"] == "mary@example.org"
    assert json.loads(mary["identifiers"]) == {"mrn": "M123"}
    john = records(engine)["pat-2"]
    assert (john["address"], john["postcode"], john["phone"], john["identifiers"]) == (
        None, None, None, None)


def test_encounters_load_as_contacts_of_the_patients(engine: Engine, tmp_path: Path) -> None:
    ingest_file(engine, patient_definition(tmp_path),
                write_bundle(tmp_path / "patients.json", patients()))
    path = write_bundle(tmp_path / "encounters.json", [
        encounter("enc-1", patient_id="pat-1", start="2024-03-01T10:30:00+00:00",
                  class_code="HH", type_text="District nursing",
                  provider="Norfolk Community Health", practitioner="Ann Lee",
                  reason="Wound care"),
        encounter("enc-2", patient_id="pat-2", start="2024-06-01T10:30:00+01:00",
                  class_code="AMB", practitioner="ANN LEE"),
    ])

    report = ingest_file(engine, encounter_definition(tmp_path), path)

    assert (report.load.new, report.load.quarantined) == (2, 0)
    people = {r["id"]: r["record_id"] for r in fetch(engine, schema.source_record.table)}
    [practitioner] = fetch(engine, schema.practitioner, "id", "name")
    assert practitioner["name"] == "Ann Lee"
    one, two = fetch(engine, schema.contact.table)
    assert people[one["person_record_id"]] == "pat-1"
    assert one["occurred_at"] == datetime(2024, 3, 1, 10, 30)
    assert (one["service"], one["channel"], one["team"], one["summary"]) == (
        "Norfolk Community Health", "HH", "District nursing", "Wound care")
    assert one["practitioner_id"] == practitioner["id"]
    assert people[two["person_record_id"]] == "pat-2"
    assert two["occurred_at"] == datetime(2024, 6, 1, 9, 30)  # stored in UTC
    assert two["practitioner_id"] == practitioner["id"]  # the same person, however written


def test_an_encounter_for_an_unknown_patient_is_quarantined(engine: Engine,
                                                           tmp_path: Path) -> None:
    ingest_file(engine, patient_definition(tmp_path),
                write_bundle(tmp_path / "patients.json", patients()))
    path = write_bundle(tmp_path / "encounters.json", [
        encounter("enc-1", patient_id="pat-1", start="2024-03-01T10:30:00Z"),
        encounter("enc-2", patient_id="pat-404", start="2024-03-02T10:30:00Z"),
    ])

    report = ingest_file(engine, encounter_definition(tmp_path), path)

    assert (report.load.accepted, report.load.quarantined) == (1, 1)
    [row] = fetch(engine, schema.quarantine)
    assert (row["row_no"], row["record_id"], row["column_name"], row["value"]) == (
        2, "enc-2", "subject", "pat-404")
    assert "gp_patients" in row["reason"]


@pytest.mark.parametrize("content", [
    json.dumps({"resourceType": "Patient", "id": "pat-1"}),
    '{"resourceType": "Bundle", "entry": [',
])
def test_a_file_that_is_not_a_bundle_writes_nothing(engine: Engine, tmp_path: Path,
                                                    content: str) -> None:
    definition = patient_definition(tmp_path)
    ingest_file(engine, definition, write_bundle(tmp_path / "patients.json", patients()))
    before = snapshot(engine)
    path = tmp_path / "not_a_bundle.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(IngestError) as caught:
        ingest_file(engine, definition, path)

    assert caught.value.path == str(path)
    assert snapshot(engine) == before


def test_a_truncated_bundle_is_not_valid_json(tmp_path: Path) -> None:
    text = json.dumps({"resourceType": "Bundle", "entry": [{"resource": patients()[0]}]})
    with pytest.raises(IngestError) as caught:
        list(read_bundle(io.BytesIO(text[:-20].encode()), "Patient", path=tmp_path / "b.json"))

    assert "not valid JSON" in caught.value.message


def test_resource_type_may_come_after_the_entries_but_must_be_there(tmp_path: Path) -> None:
    entries = [{"resource": patients()[0]}]
    late = json.dumps({"entry": entries, "resourceType": "Bundle"}).encode()
    assert len(list(read_bundle(io.BytesIO(late), "Patient", path=tmp_path / "b.json"))) == 1

    missing = json.dumps({"entry": entries}).encode()
    with pytest.raises(IngestError) as caught:
        list(read_bundle(io.BytesIO(missing), "Patient", path=tmp_path / "b.json"))
    assert "no resourceType" in caught.value.message
