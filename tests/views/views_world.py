"""A small governed world for the read models: four agencies' records about nine people, a
household at one address, contacts and involvements at several agencies with named
practitioners, flags of every sensitivity, sealed records and the blocking-key index.

    person 1  Mary O'Brien   asc A1, police N1 ("OBrien"), health C1 (NHS 943 476 5919), all
                             at 12 High Street (UPRN HOME); ASC Home Care (Jane Doe) and
                             Occupational Therapy (Sam Patel, closed), District Nursing (Claire
                             Green); contacts at ASC, health and police; flags MOBILITY,
                             DEMENTIA (ASC), WEAPONS (police)
    person 2  William Smith  asc A2 "William", health C2 "Bill", at HOME too: Mary's household;
                             ASC Reablement (Jane Doe), two recent contacts by Jane Doe
    person 3  John Smith     asc A3, 1950-06-15 (closed ASC involvement)
    person 4  Jon Smith      health C3, 1950-06-15
    person 5  John Smith     police N3, 1950-06-16
    person 6  Aisha Khan     asc A4 sealed (refuge), police N2
    person 7  Tom Baker      health C4 only
    person 8  (adopted)      children's services S1, sealed: nothing else
    person 9  Zara Hidden    asc A5 sealed, at HOME; police N4 elsewhere
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import world
import yaml
from factories import ingest_file, make_definition, write_csv
from sqlalchemy import Engine, select
from world import ASC, ASC_TEAM, CS, HEALTH, NOW, POLICE

from joinedup.govern.agreements import read_directory
from joinedup.govern.register import Register, load_agreements, register
from joinedup.store import schema

HOME, REFUGE = "100010001", "200020002"
NURSING_TEAM = "Norwich Community Nursing"
JANE = ("Jane Doe", "Social Worker", "jane.doe@asc.example.org", "01603 000001")
SAM = ("Sam Patel", "Occupational Therapist", "sam.patel@asc.example.org", "01603 000002")
GREEN = ("Claire Green", "Community Nurse", "claire.green@nhs.example.org", "01603 000003")

PERSON_FIELDS = {"given_name": "forename", "family_name": "surname",
                 "date_of_birth": {"column": "dob", "format": "%Y-%m-%d"},
                 "nhs_number": "nhs", "uprn": "uprn", "address": "address",
                 "postcode": "postcode", "phone": "phone", "sensitivity": "restriction"}
PERSON_HEADER = ["id", "forename", "surname", "dob", "nhs", "uprn", "address", "postcode",
                 "phone", "restriction"]
HIGH_STREET = "12 High Street, Norwich"
PEOPLE = {
    "asc_clients": (ASC, [
        ["A1", "Mary", "O'Brien", "1940-02-01", "", HOME, HIGH_STREET, "NR2 4AB",
         "01603 123456", ""],
        ["A2", "William", "Smith", "1950-06-15", "", HOME, HIGH_STREET, "NR2 4AB", "", ""],
        ["A3", "John", "Smith", "1950-06-15", "", "100010003", "3 Mill Lane, Dereham",
         "NR19 1AB", "", ""],
        ["A4", "Aisha", "Khan", "1991-11-30", "", REFUGE, "Refuge, 1 Secret Road, Norwich",
         "NR1 1AA", "07700 900999", "sealed"],
        ["A5", "Zara", "Hidden", "1985-05-05", "", HOME, HIGH_STREET, "NR2 4AB", "",
         "sealed"]]),
    "police": (POLICE, [
        ["N1", "Mary", "OBrien", "1940-02-01", "", HOME, "12 High St, Norwich", "NR2 4AB", "",
         ""],
        ["N2", "Aisha", "Khan", "1991-11-30", "", "100010008", "8 Queen Street, King's Lynn",
         "PE30 1HP", "", ""],
        ["N3", "John", "Smith", "1950-06-16", "", "", "7 Station Road, Norwich", "NR1 2AB",
         "", ""],
        ["N4", "Zara", "Hidden", "1985-05-05", "", "", "9 Elm Road, Norwich", "NR4 7AA", "",
         ""]]),
    "community_health": (HEALTH, [
        ["C1", "Mary", "O'Brien", "1940-02-01", "9434765919", HOME, HIGH_STREET, "NR2 4AB",
         "07700 900111", ""],
        ["C2", "Bill", "Smith", "1950-06-15", "9434765005", HOME, HIGH_STREET, "NR2 4AB", "",
         ""],
        ["C3", "Jon", "Smith", "1950-06-15", "9434765013", "", "1 Church Road, Cromer",
         "NR27 9ES", "", ""],
        ["C4", "Tom", "Baker", "1950-07-07", "9434765021", "", "2 Church Road, Cromer",
         "NR27 9ES", "", ""]]),
    "childrens_services": (CS, [
        ["S1", "Baby", "Adopted", "2020-03-03", "", "", "5 Hidden Lane, Norwich", "NR3 3AA",
         "", "sealed"]]),
}
PERSONS = {1: ["A1", "N1", "C1"], 2: ["A2", "C2"], 3: ["A3"], 4: ["C3"], 5: ["N3"],
           6: ["A4", "N2"], 7: ["C4"], 8: ["S1"], 9: ["A5", "N4"]}

INVOLVEMENT_HEADER = ["ref", "client", "service", "team", "worker", "role", "email", "phone",
                      "start", "end"]
ASC_INVOLVEMENTS = [
    ["I1", "A1", "Home Care", ASC_TEAM, *JANE, "2025-01-01", ""],
    ["I2", "A2", "Reablement", ASC_TEAM, *JANE, "2026-09-01", ""],
    ["I3", "A3", "Reablement", ASC_TEAM, *SAM, "2025-06-01", "2026-01-01"],
    ["I4", "A1", "Occupational Therapy", ASC_TEAM, *SAM, "2024-03-01", "2024-09-01"],
]
HEALTH_INVOLVEMENTS = [["HI1", "C1", "District Nursing", NURSING_TEAM, *GREEN, "2026-06-01",
                        ""]]
CONTACT_HEADER = ["ref", "client", "at", "service", "channel", "worker", "team", "note"]
CONTACTS = {
    "asc_contacts": (ASC, "asc_clients", [
        ["K1", "A1", "2026-10-01 10:00", "Home Care", "phone", "Jane Doe", ASC_TEAM,
         "Welfare call"],
        ["K2", "A2", "2026-11-10 11:00", "Reablement", "visit", "Jane Doe", ASC_TEAM,
         "Reablement visit"],
        ["K3", "A1", "2026-11-15 14:00", "Home Care", "visit", "Sam Patel", ASC_TEAM,
         "Review of care and support plan"],
        ["K4", "A2", "2026-11-12 11:00", "Reablement", "visit", "Jane Doe", ASC_TEAM,
         "Reablement visit"]]),
    "health_contacts": (HEALTH, "community_health", [
        ["H1", "C1", "2026-11-01 09:00", "District Nursing", "visit", "Claire Green",
         NURSING_TEAM, "Dressing changed"],
        ["H2", "C1", "2026-10-20 09:00", "District Nursing", "visit", "Claire Green",
         NURSING_TEAM, "Leg ulcer review"],
        ["H3", "C1", "2025-01-10 09:00", "District Nursing", "visit", "Claire Green",
         NURSING_TEAM, "First visit"]]),
    "police_contacts": (POLICE, "police", [
        ["P1", "N1", "2026-09-15 16:00", "Neighbourhood Policing", "visit", "PC Hale",
         "Norwich Safeguarding Hub", "Welfare check after a fall"]]),
}


def agreements() -> dict[str, Any]:
    """The world's agreements, with the health and police activity feeds added."""
    found = copy.deepcopy(world.AGREEMENTS)
    care = found["care"]["shares"][0]
    care["from"] = [*care["from"], "health_contacts", "health_involvements"]
    police = found["safeguarding"]["shares"][0]
    police["from"] = [*police["from"], "police_contacts"]
    police["fields"] = ["identity", "contact_details", "contacts", "flags.criminal_offence"]
    return found


@dataclass
class ViewsWorld:
    engine: Engine
    register: Register
    records: dict[str, int]
    """source_record id by record id (A1, N1, ...)."""
    tmp_path: Path


def load_involvements(engine: Engine, tmp_path: Path, rows: list[list[str]]) -> None:
    """(Re)load the ASC involvement feed with ``rows``."""
    definition = make_definition(
        tmp_path, name="asc_involvements", agency=ASC, kind="involvement",
        person_source="asc_clients", record_id="ref", fields=_INVOLVEMENT_FIELDS)
    ingest_file(engine, definition, write_csv(tmp_path / "asc_involvements.csv",
                                              INVOLVEMENT_HEADER, rows))


_INVOLVEMENT_FIELDS = {
    "person": "client", "service": "service", "team": "team", "key_worker": "worker",
    "key_worker_role": "role", "key_worker_email": "email", "key_worker_phone": "phone",
    "started_on": {"column": "start", "format": "%Y-%m-%d"},
    "ended_on": {"column": "end", "format": "%Y-%m-%d"}}


def _activity(engine: Engine, tmp_path: Path) -> None:
    load_involvements(engine, tmp_path, ASC_INVOLVEMENTS)
    health = make_definition(
        tmp_path, name="health_involvements", agency=HEALTH, kind="involvement",
        person_source="community_health", record_id="ref", fields=_INVOLVEMENT_FIELDS)
    ingest_file(engine, health, write_csv(tmp_path / "hi.csv", INVOLVEMENT_HEADER,
                                          HEALTH_INVOLVEMENTS))
    for name, (agency, parent, rows) in CONTACTS.items():
        definition = make_definition(
            tmp_path, name=name, agency=agency, kind="contact", person_source=parent,
            record_id="ref", fields={"person": "client", "occurred_at": "at",
                                     "service": "service", "channel": "channel",
                                     "practitioner": "worker", "team": "team",
                                     "summary": "note"})
        ingest_file(engine, definition, write_csv(tmp_path / f"{name}.csv", CONTACT_HEADER,
                                                  rows))
    flags = [("asc_flags", ASC, "asc_clients", [["F1", "A1", "MOBILITY", "standard"],
                                                ["F2", "A1", "DEMENTIA", "special_category"],
                                                ["F3", "A1", "HIDDEN", "sealed"]]),
             ("police_flags", POLICE, "police", [["W1", "N1", "WEAPONS", "criminal_offence"]])]
    for name, agency, parent, rows in flags:
        definition = make_definition(tmp_path, name=name, agency=agency, kind="flag",
                                     person_source=parent, record_id="ref",
                                     fields={"person": "client", "flag": "code",
                                             "sensitivity": "level"})
        ingest_file(engine, definition, write_csv(tmp_path / f"{name}.csv",
                                                  ["ref", "client", "code", "level"], rows))


def build(engine: Engine, tmp_path: Path) -> ViewsWorld:
    for name, (agency, rows) in PEOPLE.items():
        definition = make_definition(tmp_path, name=name, agency=agency, fields=PERSON_FIELDS)
        ingest_file(engine, definition, write_csv(tmp_path / f"{name}.csv", PERSON_HEADER,
                                                  rows))
    _activity(engine, tmp_path)
    with engine.connect() as c:
        records = {r: i for i, r in c.execute(select(schema.source_record.table.c.id,
                                                     schema.source_record.table.c.record_id))}
    world.link(engine, records, PERSONS)
    directory = tmp_path / "agreements"
    directory.mkdir()
    for name, doc in agreements().items():
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False),
                                                encoding="utf-8")
    with engine.begin() as c:
        load_agreements(c, read_directory(directory), operator="tester", now=NOW)
        return ViewsWorld(engine, register(c), records, tmp_path)
