"""A small county for tell-us-once tests: a person, their household and a namesake, held by
different agencies, so routing can be checked to reach exactly the person's agencies.

    person 1  Mary O'Brien (1940)  asc A1, police N1, children's services S1 (sealed), and a
                                   fire service home visit citing A1 (a contact, no record)
    person 2  John O'Brien (1938)  same address: asc A2, police N2, community health C2
    person 3  Mary O'Brien (1985)  a namesake elsewhere: libraries L3
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from factories import ingest_file, make_definition, write_csv
from sqlalchemy import Engine, select
from world import link

from joinedup.govern.vocabulary import Actor, Role
from joinedup.store import schema

NOW = datetime(2026, 11, 22, 10, 0)
ASC, POLICE, HEALTH = ("Adult Social Care", "Norfolk Constabulary",
                       "Norfolk Community Health and Care NHS Trust")
CS, FIRE, LIBRARIES = ("Children's Services", "Norfolk Fire and Rescue Service",
                       "Norfolk Library and Information Service")
COUNCIL_DATA_TEAM = "Norfolk County Council Data Team"

COUNCIL_ENGINEER = Actor("de.council", COUNCIL_DATA_TEAM, Role.DATA_ENGINEER)
POLICE_ENGINEER = Actor("de.police", POLICE, Role.DATA_ENGINEER)
HEALTH_ENGINEER = Actor("de.health", HEALTH, Role.DATA_ENGINEER)
FIRE_ENGINEER = Actor("de.fire", FIRE, Role.DATA_ENGINEER)
DPO = Actor("dpo.reed", "Norfolk County Council Information Governance", Role.DPO)
SOCIAL_WORKER = Actor("sw.jones", ASC, Role.SOCIAL_WORKER, "Norwich Adult Social Care")
MARY = Actor("citizen:1", "citizen", Role.CITIZEN)
ENGINEERS = (COUNCIL_ENGINEER, POLICE_ENGINEER, HEALTH_ENGINEER, FIRE_ENGINEER, DPO,
             SOCIAL_WORKER)
"""Staff with sign-in accounts on the served app."""

FIELDS = {"given_name": "forename", "family_name": "surname",
          "date_of_birth": {"column": "dob", "format": "%Y-%m-%d"},
          "address": "address", "postcode": "postcode", "phone": "phone", "email": "email",
          "sensitivity": "restriction"}
HEADER = ["id", "forename", "surname", "dob", "address", "postcode", "phone", "email",
          "restriction"]
HOME = ("12 High Street, Norwich", "NR2 4AB")
PEOPLE = {
    "asc_clients": (ASC, [
        ["A1", "Mary", "O'Brien", "1940-02-01", *HOME, "01603 123456", "", ""],
        ["A2", "John", "O'Brien", "1938-05-05", *HOME, "01603 123456", "", ""]]),
    "police": (POLICE, [
        ["N1", "Mary", "OBrien", "1940-02-01", "12 High St, Norwich", "NR2 4AB", "", "", ""],
        ["N2", "John", "OBrien", "1938-05-05", "12 High St, Norwich", "NR2 4AB", "", "", ""]]),
    "childrens_services": (CS, [
        ["S1", "Mary", "O'Brien", "1940-02-01", "Refuge, 1 Secret Road, Norwich", "NR1 1AA",
         "", "", "sealed"]]),
    "community_health": (HEALTH, [
        ["C2", "John", "O'Brien", "1938-05-05", *HOME, "", "", ""]]),
    "libraries": (LIBRARIES, [
        ["L3", "Mary", "O'Brien", "1985-09-09", "4 Elm Road, Cromer", "NR27 9AA", "",
         "mary.obrien@example.org", ""]]),
}
PERSONS = {1: ["A1", "N1", "S1"], 2: ["A2", "N2", "C2"], 3: ["L3"]}
MARYS_AGENCIES = (ASC, CS, POLICE, FIRE)


@dataclass
class County:
    engine: Engine
    records: dict[str, int]
    """source_record id by record id (A1, N1, ...)."""
    directory: Path


def feed(engine: Engine, directory: Path, name: str, rows: list[list[str]]) -> None:
    """Load (or load again) one of the person feeds with these rows."""
    agency, _ = PEOPLE[name]
    definition = make_definition(directory, name=name, agency=agency, fields=FIELDS)
    ingest_file(engine, definition, write_csv(directory / f"{name}.csv", HEADER, rows))


def build(engine: Engine, directory: Path) -> County:
    for name, (_, rows) in PEOPLE.items():
        feed(engine, directory, name, rows)
    visits = make_definition(directory, name="fire_visits", agency=FIRE, kind="contact",
                             person_source="asc_clients", record_id="ref",
                             fields={"person": "client", "occurred_at": "at",
                                     "service": "service"})
    ingest_file(engine, visits, write_csv(directory / "visits.csv",
                                          ["ref", "client", "at", "service"],
                                          [["V1", "A1", "2026-10-01 10:00", "Home safety"]]))
    with engine.connect() as c:
        records = {r: i for i, r in c.execute(select(schema.source_record.table.c.id,
                                                     schema.source_record.table.c.record_id))}
    link(engine, records, PERSONS)
    return County(engine, records, directory)
