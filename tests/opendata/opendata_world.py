"""A small county for open data, built by hand so every true count is known:

    wards     North, South, East: three 1 km squares side by side
    parishes  Riverside (North and South together), Eastham (East exactly)

Adult social care knows 26 persons in North, 13 in South and 12 in East (two to a home), and
two with no address; the police know every third of them too, and five others in North. The
first East client objected to planning and research, so 11 East clients are counted. Every
client's age band follows from their position (``BANDS``). A roadside counter in North and a
library counter in South report in March and April 2026.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import shapely
import yaml
from factories import ingest_file, make_definition, write_csv
from sqlalchemy import Engine, select
from world import ANALYST, ANALYTICS, ASC, DPO, NOW, POLICE, link

from joinedup import sensors
from joinedup.govern.agreements import read_directory
from joinedup.govern.objections import record_objection
from joinedup.govern.register import load_agreements
from joinedup.places import named
from joinedup.places.areas import Area
from joinedup.places.build import build as build_places
from joinedup.sensors import RawReading, SensorSpec, ingest, ingest_transaction
from joinedup.store import schema

__all__ = ["ANALYST", "DPO", "NOW"]

SOUTH_EDGE, NORTH_EDGE = 300_000, 301_000
WARDS = {"North": 600_000, "South": 601_000, "East": 602_000}
"""Each ward's western edge; each is 1 km wide."""
PARISHES = {"Riverside": (600_000, 602_000), "Eastham": (602_000, 603_000)}
CLIENTS = {"North": 26, "South": 13, "East": 12}
BANDS = (("1990-01-01", "Under 65"), ("1955-06-01", "65 to 74"), ("1945-06-01", "75 to 84"),
         ("1935-06-01", "85 and over"))
"""Clients' dates of birth in turn, and their age band on ``NOW`` (22 November 2026)."""
PARISH_OF = {"North": "Riverside", "South": "Riverside", "East": "Eastham"}


@dataclass(frozen=True)
class Client:
    person: int
    record: str
    ward: str | None
    uprn: str
    band: str
    police: bool


def clients() -> list[Client]:
    found = []
    for ward, count in CLIENTS.items():
        for i in range(count):
            person = len(found) + 1
            band = BANDS[i % len(BANDS)][1]
            uprn = f"{list(WARDS).index(ward) + 1}{i // 2:03d}"
            found.append(Client(person, f"A{person}", ward, uprn, band, i % 3 == 0))
    for i in range(2):
        person = len(found) + 1
        found.append(Client(person, f"A{person}", None, "", BANDS[i][1], False))
    return found


OBJECTOR = next(c for c in clients() if c.ward == "East")
POLICE_ONLY = [(100 + i, f"N{100 + i}", f"900{i}") for i in range(5)]
"""Persons only the police know, each alone at a home in North."""


def born(band: str) -> str:
    return next(day for day, label in BANDS if label == band)


def counted_clients() -> list[Client]:
    return [c for c in clients() if c != OBJECTOR]


def expected_by_ward() -> Counter[tuple[str, str]]:
    """The true count of clients in each (ward, age band), the objector left out."""
    return Counter((c.ward or "Not known", c.band) for c in counted_clients())


def homes() -> dict[str, tuple[float, float]]:
    """Every home's UPRN (its ward's number, then the home's) and where it is: a row 500 m up
    each ward, 20 m apart."""
    found = {c.uprn: (WARDS[c.ward] + 100 + 20 * int(c.uprn[1:]), SOUTH_EDGE + 500.0)
             for c in clients() if c.ward}
    found.update({uprn: (600_700 + 20 * i, SOUTH_EDGE + 700.0)
                  for i, (_p, _r, uprn) in enumerate(POLICE_ONLY)})
    return found


AGREEMENT = {
    "agreement": "DSA-OPEN", "version": 1, "title": "Aggregates for planning and open data",
    "parties": [ASC, POLICE, ANALYTICS], "purposes": ["analytics"],
    "lawful_basis": {"article_6": "6(1)(e) public task"}, "dpia": "DPIA-OPEN",
    "valid_from": "2024-04-01", "valid_to": "2028-03-31", "pseudonymised": True,
    "shares": [{"from": ["asc_clients", "police"], "fields": ["identity"],
                "to": [{"organisation": ANALYTICS, "roles": ["analyst"]}]}]}


def box(west: float, east: float) -> shapely.Polygon:
    return shapely.box(west, SOUTH_EDGE, east, NORTH_EDGE)


def store_areas(engine: Engine, *, parishes: dict[str, tuple[float, float]] = PARISHES
                ) -> None:
    with engine.begin() as c:
        named.save(c, [Area(name, box(west, west + 1000), "EPSG:27700")
                       for name, west in WARDS.items()], kind="ward", loaded_from="test",
                   now=NOW)
        named.save(c, [Area(name, box(*edges), "EPSG:27700")
                       for name, edges in parishes.items()], kind="parish",
                   loaded_from="test", now=NOW)


def _people(engine: Engine, tmp_path: Path) -> None:
    fields = {"given_name": "forename", "family_name": "surname", "date_of_birth": "dob",
              "uprn": "uprn"}
    header = ["id", "forename", "surname", "dob", "uprn"]
    asc = make_definition(tmp_path, name="asc_clients", agency=ASC, fields=fields)
    ingest_file(engine, asc, write_csv(tmp_path / "asc.csv", header, [
        [c.record, "Pat", f"Client{c.person}", born(c.band), c.uprn] for c in clients()]))
    police = make_definition(tmp_path, name="police", agency=POLICE, fields=fields)
    ingest_file(engine, police, write_csv(tmp_path / "police.csv", header, [
        *([f"N{c.person}", "Pat", f"Client{c.person}", born(c.band), c.uprn]
          for c in clients() if c.police),
        *([record, "Sam", f"Other{p}", "1980-01-01", uprn] for p, record, uprn in POLICE_ONLY)]))
    properties = make_definition(
        tmp_path, name="properties", agency="Norfolk Address Register", kind="property",
        record_id="uprn", fields={"uprn": "uprn", "address": "line1", "easting": "x",
                                  "northing": "y"})
    ingest_file(engine, properties, write_csv(
        tmp_path / "properties.csv", ["uprn", "line1", "x", "y"],
        [[uprn, f"{uprn} Test Street", x, y] for uprn, (x, y) in homes().items()]))


def _sensors(engine: Engine) -> None:
    specs = [SensorSpec("TRAFFIC-N", "traffic_count", "vehicles", "North Road", 600_500,
                        300_200, None, 900),
             SensorSpec("LIB-S", "library_footfall", "people", "South Library", 601_500,
                        300_200, None, 3600)]
    readings = [("TRAFFIC-N", "2026-03-10T08:00:00", 40), ("TRAFFIC-N", "2026-04-02T08:00:00",
                                                             20),
                ("LIB-S", "2026-03-12T10:00:00", 7), ("LIB-S", "2026-03-12T11:00:00", 5),
                ("LIB-S", "2026-04-02T10:00:00", 3)]
    with ingest_transaction(engine) as c:
        sensors.register(c, specs, now=NOW)
        ingest(c, [RawReading(code, at, value, None, f"reading {i}")
                   for i, (code, at, value) in enumerate(readings, start=1)],
               source="test", received_by="tester", now=NOW)


def build_world(engine: Engine, tmp_path: Path, *, objection: bool = True) -> dict[str, int]:
    """The county above, linked, placed, with its agreement, areas and objection; the source
    record ids by record id."""
    _people(engine, tmp_path)
    _sensors(engine)
    with engine.connect() as c:
        records = {r: i for i, r in c.execute(select(schema.source_record.table.c.id,
                                                     schema.source_record.table.c.record_id))}
    persons = {c.person: [c.record, *([f"N{c.person}"] if c.police else [])]
               for c in clients()}
    persons.update({p: [record] for p, record, _uprn in POLICE_ONLY})
    link(engine, records, persons)
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "open.yaml").write_text(yaml.safe_dump(AGREEMENT), encoding="utf-8")
    with engine.begin() as c:
        load_agreements(c, read_directory(agreements), operator="tester", now=NOW)
        build_places(c, now=NOW)
        if objection:
            record_objection(c, DPO, OBJECTOR.person, "research", now=NOW)
    store_areas(engine)
    return records
