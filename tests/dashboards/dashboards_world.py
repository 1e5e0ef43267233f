"""A small county for the dashboards, built by hand so that every figure can be counted on
paper: five agencies, twelve persons, seven homes in two wards, visits in three fortnights.

    person  records (source: record id)                       home   ward
    P1      asc A1, A1b (a duplicate), police N1, health H1,   U1     Mile Cross
            fire F1
    P2      asc A2, asc_carers C2, health H2                   U1     Mile Cross
    P3      police N3, N3b (a duplicate)                       U2     Mile Cross
    P4      health H4, fire F4                                 U4     Eaton
    P5      asc A5 (a withdrawn research objection)            U4     Eaton
    P6      asc A6, police N6, health H6                       U5     Eaton
    P7      libraries L7: no agreement shares it               U2
    P8      asc A8: objected to research                       U3     Mile Cross
    P9      asc A9 (sealed), police N9                         U6     (no ward)
    P10     health H10, no address                             none
    P11     asc A11, police N11: objected to sharing with Business Intelligence
    P12     asc A12 (objected to sharing with the police only)  U5    Eaton

Homes U1 to U6 are UPRNs 1001 to 1006. Contacts, ``S`` being Monday 9 March 2026, the
start of a fortnight (``calendar``):

    asc_contacts    K1 A1 S+1 visit, K2 A2 S+1 visit (the same visit to U1), K3 A1 S+8
                    " Visit ", K4 A1 S+2 phone, K5 A5 S+13 visit (Reablement), K6 A6 S+15
                    visit, K7 A12 S+15 visit (the same visit to U5), K8 A5 S+16 visit (sealed),
                    K9 A8 S+3 visit (the objector's); service Home Care unless said
    health_visits   E1 H2 S+3 HH, E2 H4 S+5 HH, E3 H4 S+14 hh, E4 H6 S+20 HH, E5 H10 S+2 HH;
                    service District nursing
    fire_visits     V1 F1 S+3 home visit, V2 F1 S+35 home visit; no service
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from factories import ingest_file, make_definition, write_csv
from sqlalchemy import Engine, select
from world import ANALYST, ANALYTICS, ASC, DPO, HEALTH, NOW, POLICE, World, link

from joinedup import sensors
from joinedup.dashboards import Dashboard, Disclosure, Options, dashboard
from joinedup.govern.agreements import read_directory
from joinedup.govern.objections import record_objection, withdraw_objection
from joinedup.govern.register import load_agreements, register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor
from joinedup.places.build import build as build_places
from joinedup.sensors import RawReading, SensorSpec, ingest, ingest_transaction
from joinedup.store import schema

FIRE = "Norfolk Fire and Rescue Service"
LIBRARIES = "Norfolk Library and Information Service"
MILE_CROSS, EATON = "Mile Cross", "Eaton"
S = date(2026, 3, 9)

PROPERTIES = [["1001", "1 Aylsham Road", MILE_CROSS], ["1002", "2 Aylsham Road", MILE_CROSS],
              ["1003", "3 Aylsham Road", MILE_CROSS], ["1004", "4 Eaton Street", EATON],
              ["1005", "5 Eaton Street", EATON], ["1006", "6 Unwarded Lane", ""]]
PERSON_SOURCES = {
    "asc_clients": (ASC, [["A1", "1001", ""], ["A1b", "1001", ""], ["A2", "1001", ""],
                          ["A5", "1004", ""], ["A6", "1005", ""], ["A8", "1003", ""],
                          ["A9", "1002", "sealed"], ["A11", "1001", ""], ["A12", "1005", ""]]),
    "asc_carers": (ASC, [["C2", "1001", ""]]),
    "police": (POLICE, [["N1", "1001", ""], ["N3", "1002", ""], ["N3b", "1002", ""],
                        ["N6", "1005", ""], ["N9", "1006", ""], ["N11", "1001", ""]]),
    "community_health": (HEALTH, [["H1", "1001", ""], ["H2", "1001", ""], ["H4", "1004", ""],
                                  ["H6", "1005", ""], ["H10", "", ""]]),
    "fire_safety": (FIRE, [["F1", "1001", ""], ["F4", "1004", ""]]),
    "libraries": (LIBRARIES, [["L7", "1002", ""]]),
}
PERSONS = {1: ["A1", "A1b", "N1", "H1", "F1"], 2: ["A2", "C2", "H2"], 3: ["N3", "N3b"],
           4: ["H4", "F4"], 5: ["A5"], 6: ["A6", "N6", "H6"], 7: ["L7"], 8: ["A8"],
           9: ["A9", "N9"], 10: ["H10"], 11: ["A11", "N11"], 12: ["A12"]}


def at(days: int, hour: int = 10) -> str:
    """``days`` after ``S`` at ``hour`` o'clock, as the feeds write it."""
    return f"{datetime.combine(S + timedelta(days=days), time(hour)):%Y-%m-%d %H:%M}"


CONTACTS = {
    "asc_contacts": (ASC, "asc_clients", [
        ["K1", "A1", at(1), "Home Care", "visit", ""],
        ["K2", "A2", at(1, 11), "Home Care", "visit", ""],
        ["K3", "A1", at(8), "Home Care", " Visit ", ""],
        ["K4", "A1", at(2, 9), "Home Care", "phone", ""],
        ["K5", "A5", at(13), "Reablement", "visit", ""],
        ["K6", "A6", at(15), "Home Care", "visit", ""],
        ["K7", "A12", at(15, 11), "Home Care", "visit", ""],
        ["K8", "A5", at(16), "Reablement", "visit", "sealed"],
        ["K9", "A8", at(3), "Home Care", "visit", ""]]),
    "health_visits": (HEALTH, "community_health", [
        ["E1", "H2", at(3), "District nursing", "HH", ""],
        ["E2", "H4", at(5), "District nursing", "HH", ""],
        ["E3", "H4", at(14), "District nursing", "hh", ""],
        ["E4", "H6", at(20), "District nursing", "HH", ""],
        ["E5", "H10", at(2), "District nursing", "HH", ""]]),
    "fire_visits": (FIRE, "fire_safety", [
        ["V1", "F1", at(3), "", "home visit", ""],
        ["V2", "F1", at(35), "", "home visit", ""]]),
}

SENSORS = [SensorSpec("TRAFFIC-1", "traffic_count", "vehicles", "Eaton Road", 620_050, 310_000,
                      EATON, 900),
           SensorSpec("TRAFFIC-2", "traffic_count", "vehicles", "Aylsham Road", 620_000,
                      310_000, MILE_CROSS, 900),
           SensorSpec("TRAFFIC-3", "traffic_count", "vehicles", "Ring road", 621_000, 311_000,
                      None, 900),
           SensorSpec("LIB-1", "library_footfall", "people", "Mile Cross Library", 620_010,
                      310_000, MILE_CROSS, 3600),
           SensorSpec("AIR-1", "air_quality_no2", "ug/m3", "Eaton NO2", 620_060, 310_000,
                      EATON, 900)]
READINGS = [("TRAFFIC-1", "2026-02-20T08:00:00", 999), ("TRAFFIC-1", "2026-03-10T08:00:00", 100),
            ("TRAFFIC-1", "2026-03-31T23:45:00", 50), ("TRAFFIC-1", "2026-04-01T00:00:00", 30),
            ("TRAFFIC-2", "2026-03-15T08:00:00", 20), ("TRAFFIC-3", "2026-03-20T08:00:00", 5),
            ("LIB-1", "2026-03-12T10:00:00", 7), ("LIB-1", "2026-04-02T10:00:00", 3),
            ("AIR-1", "2026-03-10T08:00:00", 40.5)]
"""Traffic in March: Eaton's counter's mean reading is 75 (a quarter-hour), Mile Cross's 20, the
ring road's (no ward) 5; in April Eaton's 30. Mile Cross library: a mean of 7 an hour in March,
3 in April. February's reading is before the first contact; air quality is not a count."""

ANALYTICS_AGREEMENT = {
    "agreement": "DSA-BI", "version": 1, "title": "Aggregates for planning",
    "parties": [ASC, POLICE, HEALTH, FIRE, ANALYTICS], "purposes": ["analytics"],
    "lawful_basis": {"article_6": "6(1)(e) public task"}, "dpia": "DPIA-9",
    "valid_from": "2024-04-01", "valid_to": "2028-03-31", "pseudonymised": True,
    "shares": [{"from": ["asc_clients", "asc_carers", "police", "community_health",
                         "fire_safety", "asc_contacts", "health_visits", "fire_visits"],
                "fields": ["identity", "contacts"],
                "to": [{"organisation": ANALYTICS, "roles": ["analyst"]}]},
               {"from": ["libraries"], "fields": ["identity"],
                "to": [{"organisation": "Another Council Analytics", "roles": ["analyst"]}]}]}
"""Shares every source but the libraries' with Business Intelligence's analysts; the
libraries' goes to another organisation's, so it stays out of Business Intelligence's
figures."""


def _people(engine: Engine, tmp_path: Path) -> None:
    for name, (agency, rows) in PERSON_SOURCES.items():
        definition = make_definition(tmp_path, name=name, agency=agency,
                                     fields={"given_name": "forename",
                                             "family_name": "surname",
                                             "date_of_birth": "dob", "uprn": "uprn",
                                             "sensitivity": "restriction"})
        ingest_file(engine, definition, write_csv(
            tmp_path / f"{name}.csv", ["id", "forename", "surname", "dob", "uprn", "restriction"],
            [[ref, "Pat", f"Person{ref}", "1950-01-01", uprn, restriction]
             for ref, uprn, restriction in rows]))


def _contacts(engine: Engine, tmp_path: Path) -> None:
    for name, (agency, people, rows) in CONTACTS.items():
        definition = make_definition(
            tmp_path, name=name, agency=agency, kind="contact", person_source=people,
            record_id="ref", fields={"person": "client", "occurred_at": "at",
                                     "service": "service", "channel": "channel",
                                     "sensitivity": "restriction"})
        ingest_file(engine, definition, write_csv(
            tmp_path / f"{name}.csv", ["ref", "client", "at", "service", "channel",
                                       "restriction"], rows))


def _properties(engine: Engine, tmp_path: Path) -> None:
    definition = make_definition(
        tmp_path, name="properties", agency="Norfolk Address Register", kind="property",
        record_id="uprn", fields={"uprn": "uprn", "address": "line1", "easting": "x",
                                  "northing": "y", "ward": "ward"})
    ingest_file(engine, definition, write_csv(
        tmp_path / "properties.csv", ["uprn", "line1", "x", "y", "ward"],
        [[uprn, line, 620_000 + i * 10, 310_000, ward]
         for i, (uprn, line, ward) in enumerate(PROPERTIES)]))


def _sensors(engine: Engine) -> None:
    with ingest_transaction(engine) as c:
        sensors.register(c, SENSORS, now=NOW)
        ingest(c, [RawReading(code, at, value, None, f"reading {i}")
                   for i, (code, at, value) in enumerate(READINGS, start=1)],
               source="test", received_by="tester", now=NOW)


def build_world(engine: Engine, tmp_path: Path) -> World:
    """The county above, linked, placed, with its agreement and objections."""
    _people(engine, tmp_path)
    _contacts(engine, tmp_path)
    _properties(engine, tmp_path)
    _sensors(engine)
    with engine.connect() as c:
        records = {r: i for i, r in c.execute(select(schema.source_record.table.c.id,
                                                     schema.source_record.table.c.record_id))}
    link(engine, records, PERSONS)
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "bi.yaml").write_text(yaml.safe_dump(ANALYTICS_AGREEMENT), encoding="utf-8")
    with engine.begin() as c:
        load_agreements(c, read_directory(agreements), operator="tester", now=NOW)
        build_places(c, now=NOW)
        record_objection(c, DPO, 8, "research", now=NOW)
        record_objection(c, DPO, 11, "agency", agency=ANALYTICS, now=NOW)
        record_objection(c, DPO, 12, "agency", agency=POLICE, now=NOW)
        withdraw_objection(c, DPO, record_objection(c, DPO, 5, "research", now=NOW), now=NOW)
        return World(engine, register(c), records)


def view(engine: Engine, name: str, *, actor: Actor = ANALYST, purpose: str = "analytics",
         threshold: int = 2, download: str | None = None, **options: Any) -> Dashboard:
    """The dashboard as ``actor`` sees it; a threshold of 2 (the least allowed) by default,
    so the tiny county's figures show."""
    with governed(engine) as c:
        return dashboard(c, actor, purpose, name, now=NOW, download=download,
                         options=Options(Disclosure(threshold), **options))


def figures(board: Dashboard, key: str) -> list[tuple[Any, ...]]:
    """A chart's rows as (labels..., values...)."""
    return [(*row.labels, *row.values) for row in board.table(key).rows]
