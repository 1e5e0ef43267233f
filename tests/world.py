"""A small governed world for access-decision tests: three agencies' records about five people,
relationships, flags of every sensitivity, sealed records and a set of sharing agreements.

    person 1  Mary O'Brien   asc A1, police N1, health C1; open ASC involvement (Norwich team);
                             flags: MOBILITY (standard), DEMENTIA (special category) at ASC,
                             WEAPONS (criminal offence) at police; one ASC contact
    person 2  John Smith     asc A2; ASC involvement closed 2026-01-01
    person 3  Aisha Khan     asc A3 (sealed: refuge address), police N2
    person 4  Tom Baker      health C2
    person 5  (adopted)      children's services S1, sealed: nothing else
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from factories import ingest_file, make_definition, write_csv
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.govern.agreements import read_directory
from joinedup.govern.register import Register, load_agreements, register
from joinedup.govern.vocabulary import Actor, Role
from joinedup.link.blocking import keys, rules_for
from joinedup.link.features import person_records, record_features
from joinedup.store import schema

NOW = datetime(2026, 11, 22, 10, 0)
ASC, POLICE, HEALTH, CS = ("Adult Social Care", "Norfolk Constabulary",
                           "Norfolk Community Health and Care NHS Trust", "Children's Services")
CUSTOMER_SERVICES = "Norfolk County Council Customer Services"
EMERGENCY_PLANNING = "Norfolk County Council Emergency Planning"
ANALYTICS = "Norfolk County Council Business Intelligence"
IG = "Norfolk County Council Information Governance"
ASC_TEAM = "Norwich Adult Social Care"

SOCIAL_WORKER = Actor("sw.jones", ASC, Role.SOCIAL_WORKER, ASC_TEAM)
OTHER_SOCIAL_WORKER = Actor("sw.patel", ASC, Role.SOCIAL_WORKER, "Breckland Adult Social Care")
NURSE = Actor("cn.green", HEALTH, Role.COMMUNITY_NURSE, "Norwich Community Nursing")
POLICE_OFFICER = Actor("pc.hale", POLICE, Role.POLICE_OFFICER, "Norwich Safeguarding Hub")
ADVISOR = Actor("cc.ahmed", CUSTOMER_SERVICES, Role.CALL_CENTRE_ADVISOR)
PLANNER = Actor("ep.wood", EMERGENCY_PLANNING, Role.EMERGENCY_PLANNER)
ANALYST = Actor("bi.kaur", ANALYTICS, Role.ANALYST)
DPO = Actor("dpo.reed", IG, Role.DPO)
ADMIN = Actor("admin.ng", IG, Role.ADMIN)

PERSON_FIELDS = {"given_name": "forename", "family_name": "surname",
                 "date_of_birth": {"column": "dob", "format": "%Y-%m-%d"},
                 "address": "address", "postcode": "postcode", "phone": "phone",
                 "sensitivity": "restriction"}
PERSON_HEADER = ["id", "forename", "surname", "dob", "address", "postcode", "phone",
                 "restriction"]
PEOPLE = {
    "asc_clients": (ASC, [
        ["A1", "Mary", "O'Brien", "1940-02-01", "12 High Street, Norwich", "NR2 4AB",
         "01603 123456", ""],
        ["A2", "John", "Smith", "1950-06-15", "3 Mill Lane, Dereham", "NR19 1AB", "", ""],
        ["A3", "Aisha", "Khan", "1991-11-30", "Refuge, 1 Secret Road, Norwich", "NR1 1AA",
         "07700 900999", "sealed"]]),
    "police": (POLICE, [
        ["N1", "Mary", "OBrien", "1940-02-01", "12 High St, Norwich", "NR2 4AB", "", ""],
        ["N2", "Aisha", "Khan", "1991-11-30", "8 Queen Street, King's Lynn", "PE30 1HP", "",
         ""]]),
    "community_health": (HEALTH, [
        ["C1", "Mary", "O'Brien", "1940-02-01", "12 High Street, Norwich", "NR2 4AB", "", ""],
        ["C2", "Tom", "Baker", "1950-07-07", "1 Church Road, Cromer", "NR27 9ES", "", ""]]),
    "childrens_services": (CS, [
        ["S1", "Baby", "Adopted", "2020-03-03", "5 Hidden Lane, Norwich", "NR3 3AA", "",
         "sealed"]]),
}
PERSONS = {1: ["A1", "N1", "C1"], 2: ["A2"], 3: ["A3", "N2"], 4: ["C2"], 5: ["S1"]}

AGREEMENTS = {
    "care": {
        "agreement": "DSA-CARE", "version": 1, "title": "Health and social care: direct care",
        "parties": [ASC, HEALTH], "purposes": ["direct_care"],
        "lawful_basis": {"article_6": "6(1)(e) public task",
                         "article_9": "9(2)(h) health or social care"},
        "dpia": "DPIA-1", "valid_from": "2024-04-01", "valid_to": "2028-03-31",
        "shares": [{"from": ["asc_clients", "asc_involvements", "asc_flags", "asc_contacts",
                             "community_health"],
                    "fields": ["identity", "contact_details", "contacts", "involvements",
                               "flags.standard", "flags.special_category"],
                    "to": [{"organisation": HEALTH, "roles": ["community_nurse"]},
                           {"organisation": ASC, "roles": ["social_worker"]}]}]},
    "safeguarding": {
        "agreement": "DSA-SAFE", "version": 1, "title": "Police and social care: safeguarding",
        "parties": [ASC, POLICE], "purposes": ["safeguarding"],
        "lawful_basis": {"article_6": "6(1)(e) public task",
                         "article_10": "DPA 2018 Sch. 1 para 18"},
        "dpia": "DPIA-2", "valid_from": "2024-04-01", "valid_to": "2028-03-31",
        "shares": [{"from": ["police", "police_flags"],
                    "fields": ["identity", "contact_details", "flags.criminal_offence"],
                    "to": [{"organisation": ASC, "roles": ["social_worker"]}]},
                   {"from": ["asc_clients", "asc_flags"],
                    "fields": ["identity", "contact_details", "flags.standard"],
                    "to": [{"organisation": POLICE, "roles": ["police_officer"]}]},
                   {"from": ["asc_clients"], "fields": ["identity", "contact_details"],
                    "sealed": True,
                    "to": [{"organisation": ASC, "roles": ["social_worker"]}]}]},
    "emergency": {
        "agreement": "DSA-EMERGENCY", "version": 1,
        "title": "Emergency response (Civil Contingencies Act 2004)",
        "parties": [ASC, HEALTH], "purposes": ["emergency_response"],
        "lawful_basis": {"article_6": "6(1)(d) vital interests",
                         "article_9": "9(2)(c) vital interests"},
        "dpia": "DPIA-3", "valid_from": "2024-04-01", "valid_to": "2028-03-31",
        "relationship": "not_required",
        "shares": [{"from": ["asc_clients", "asc_flags", "community_health"],
                    "fields": ["identity", "contact_details", "flags.standard",
                               "flags.special_category"],
                    "to": [{"organisation": EMERGENCY_PLANNING,
                            "roles": ["emergency_planner"]}]}]},
    "contact_centre": {
        "agreement": "DSA-CONTACT", "version": 1, "title": "Customer service",
        "parties": [ASC], "purposes": ["customer_service"],
        "lawful_basis": {"article_6": "6(1)(e) public task"},
        "dpia": "DPIA-4", "valid_from": "2024-04-01", "valid_to": "2028-03-31",
        "shares": [{"from": ["asc_clients", "asc_contacts"],
                    "fields": ["identity", "contact_details", "contacts"],
                    "to": [{"organisation": CUSTOMER_SERVICES,
                            "roles": ["call_centre_advisor"]}]}]},
    "analytics": {
        "agreement": "DSA-ANALYTICS", "version": 1, "title": "Pseudonymised analytics",
        "parties": [ASC, POLICE, HEALTH], "purposes": ["analytics"],
        "lawful_basis": {"article_6": "6(1)(e) public task"},
        "dpia": "DPIA-5", "valid_from": "2024-04-01", "valid_to": "2028-03-31",
        "pseudonymised": True,
        "shares": [{"from": ["asc_clients", "police", "community_health", "asc_contacts"],
                    "fields": ["identity", "contacts"],
                    "to": [{"organisation": ANALYTICS, "roles": ["analyst"]}]}]},
}


@dataclass
class World:
    engine: Engine
    register: Register
    records: dict[str, int]
    """source_record id by record id (A1, N1, ...)."""


def write_agreements(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, doc in AGREEMENTS.items():
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False),
                                                encoding="utf-8")
    return directory


def build(engine: Engine, tmp_path: Path) -> World:
    for name, (agency, rows) in PEOPLE.items():
        definition = make_definition(tmp_path, name=name, agency=agency, fields=PERSON_FIELDS)
        ingest_file(engine, definition, write_csv(tmp_path / f"{name}.csv", PERSON_HEADER, rows))
    _load_activity(engine, tmp_path)
    with engine.connect() as c:
        records = {r: i for i, r in c.execute(select(schema.source_record.table.c.id,
                                                     schema.source_record.table.c.record_id))}
    link(engine, records, PERSONS)
    with engine.begin() as c:
        load_agreements(c, read_directory(write_agreements(tmp_path / "agreements")),
                        operator="tester", now=NOW)
        return World(engine, register(c), records)


def _load_activity(engine: Engine, tmp_path: Path) -> None:
    involvements = make_definition(
        tmp_path, name="asc_involvements", agency=ASC, kind="involvement",
        person_source="asc_clients", record_id="ref",
        fields={"person": "client", "service": "service", "team": "team",
                "started_on": {"column": "start", "format": "%Y-%m-%d"},
                "ended_on": {"column": "end", "format": "%Y-%m-%d"}})
    ingest_file(engine, involvements, write_csv(
        tmp_path / "inv.csv", ["ref", "client", "service", "team", "start", "end"],
        [["I1", "A1", "Home Care", ASC_TEAM, "2025-01-01", ""],
         ["I2", "A2", "Reablement", ASC_TEAM, "2025-06-01", "2026-01-01"]]))
    flags = make_definition(tmp_path, name="asc_flags", agency=ASC, kind="flag",
                            person_source="asc_clients", record_id="ref",
                            fields={"person": "client", "flag": "code",
                                    "sensitivity": "level"})
    ingest_file(engine, flags, write_csv(tmp_path / "flags.csv", ["ref", "client", "code",
                                                                  "level"],
                                         [["F1", "A1", "MOBILITY", "standard"],
                                          ["F2", "A1", "DEMENTIA", "special_category"]]))
    markers = make_definition(tmp_path, name="police_flags", agency=POLICE, kind="flag",
                              person_source="police", record_id="ref",
                              fields={"person": "nominal", "flag": "code",
                                      "sensitivity": "level"})
    ingest_file(engine, markers, write_csv(tmp_path / "markers.csv",
                                           ["ref", "nominal", "code", "level"],
                                           [["W1", "N1", "WEAPONS", "criminal_offence"]]))
    contacts = make_definition(tmp_path, name="asc_contacts", agency=ASC, kind="contact",
                               person_source="asc_clients", record_id="ref",
                               fields={"person": "client", "occurred_at": "at",
                                       "service": "service", "summary": "note"})
    ingest_file(engine, contacts, write_csv(tmp_path / "contacts.csv",
                                            ["ref", "client", "at", "service", "note"],
                                            [["K1", "A1", "2026-10-01 10:00", "Home Care",
                                              "Welfare call"]]))


def link(engine: Engine, records: dict[str, int], persons: dict[int, list[str]]) -> None:
    """Persons as linkage would make them, and every record filed under the default blocking
    keys as a link run files them, so search finds them (linkage is tested in tests/link)."""
    with engine.begin() as c:
        model = c.execute(schema.link_model.insert().values(
            created_at=NOW, operator="tester", engine="test", sha256="0" * 64, records=0,
            model="{}")).inserted_primary_key[0]
        run = c.execute(schema.link_run.insert().values(
            model_id=model, mode="batch", operator="tester", started_at=NOW, finished_at=NOW,
            threshold=6, review_below=2, records=0, pairs=0, persons=len(persons), created=0,
            retired=0, events=0, to_review=0)).inserted_primary_key[0]
        c.execute(schema.person.insert(), [{"id": p, "created_run_id": run} for p in persons])
        c.execute(schema.person_link.insert(), [
            {"source_record_id": records[r], "person_id": p, "match_weight": 10.0,
             "method": "test", "run_id": run} for p, rs in persons.items() for r in rs])
        rules = rules_for([])
        c.execute(schema.link_key.insert(), [
            {"key": key, "source_record_id": row["id"]} for row in person_records(c)
            for key in keys(record_features(row), rules)[0]])


def cli(w: World, *args: str) -> Any:
    """The real ``joinedup`` command against the world's store, as the DPO's office."""
    url = w.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(app, list(args), env={
        "JOINEDUP_DATABASE_URL": url, "JOINEDUP_OPERATOR": "dpo.cli", "COLUMNS": "200"})
