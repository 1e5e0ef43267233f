"""Citizens for the tests: the governed world of tests/world.py with a council tax feed and a
GP register (so citizens can prove who they are), and helpers that open a verified citizen's
account in any store and sign a TestClient in to the citizen portal.

    person 1  Mary O'Brien   council tax T1 (account 61000001, NR2 4AB; born 1940-02-01 on A1)
    person 6  Patrick O'Brien council tax T2 on the same account: no date of birth held anywhere
    person 3  Aisha Khan     council tax T3 (account 62000002, PE30 1HP); A3 is sealed
    person 4  Tom Baker      GP register G4 (NHS number 9434765919, born 1950-07-07, NR27 9ES)

A module of its own (no conftest) so other test directories can import it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from factories import ingest_file, make_definition, write_csv
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from world import NOW, World, build

from joinedup.citizen.accounts import COUNCIL_TAX, Account, Proof, open_account
from joinedup.store import schema

COUNCIL_TAX_AGENCY = "Norfolk district councils (council tax)"
GP_AGENCY = "Norfolk GP practices"
PASSWORD = "correct horse battery staple"
MARY = Proof(COUNCIL_TAX, "61000001", "nr2 4ab", "01/02/1940")
TOM = Proof("nhs_number", "943 476 5919", "NR27 9ES", "1950-07-07")
AISHA = Proof(COUNCIL_TAX, "62000002", "PE30 1HP", "30/11/1991")


def add_citizen_sources(engine: Engine, tmp_path: Path, records: dict[str, int]) -> None:
    """Council tax and a GP register beside the world's feeds, linked as linkage would."""
    council_tax = make_definition(
        tmp_path, name="council_tax", agency=COUNCIL_TAX_AGENCY, record_id="ref",
        fields={"full_name": "name", "address": "address", "postcode": "postcode",
                "identifiers": {"council_tax_account": "account"}})
    ingest_file(engine, council_tax, write_csv(
        tmp_path / "council_tax.csv", ["ref", "account", "name", "address", "postcode"],
        [["T1", "61000001", "Mrs Mary O'Brien", "12 High Street, Norwich", "NR2 4AB"],
         ["T2", "61000001", "Mr Patrick O'Brien", "12 High Street, Norwich", "NR2 4AB"],
         ["T3", "62000002", "Ms Aisha Khan", "8 Queen Street, King's Lynn", "PE30 1HP"]]))
    gp = make_definition(
        tmp_path, name="gp_register", agency=GP_AGENCY, record_id="ref",
        fields={"given_name": "forename", "family_name": "surname", "nhs_number": "nhs",
                "date_of_birth": {"column": "dob", "format": "%Y-%m-%d"},
                "postcode": "postcode"})
    ingest_file(engine, gp, write_csv(
        tmp_path / "gp.csv", ["ref", "forename", "surname", "nhs", "dob", "postcode"],
        [["G4", "Tom", "Baker", "9434765919", "1950-07-07", "NR27 9ES"]]))
    sr = schema.source_record.table.c
    with engine.begin() as c:
        records.update({r: i for i, r in c.execute(select(sr.id, sr.record_id).where(
            sr.record_id.in_(["T1", "T2", "T3", "G4"])))})
        run = c.execute(select(schema.link_run.c.id)).scalar_one()
        c.execute(schema.person.insert().values(id=6, created_run_id=run))
        c.execute(schema.person_link.insert(), [
            {"source_record_id": records[r], "person_id": p, "match_weight": 10.0,
             "method": "test", "run_id": run}
            for r, p in (("T1", 1), ("T2", 6), ("T3", 3), ("G4", 4))])


def build_citizens(engine: Engine, tmp_path: Path) -> World:
    """tests/world.py's world with the citizens' sources above."""
    world = build(engine, tmp_path)
    add_citizen_sources(engine, tmp_path, world.records)
    return world


def add_citizen(engine: Engine, record_id: int, *, email: str, password: str = PASSWORD,
                now: datetime = NOW) -> Account:
    """Open the account of a citizen verified against source record ``record_id`` (any
    linked record of any store): what registration does once the proof has matched."""
    with engine.begin() as c:
        return open_account(c, record_id, method=COUNCIL_TAX, email=email, password=password,
                            now=now)


def form_token(client: TestClient, page: str) -> str:
    """The double-submit token of a sign-in or registration form (its cookie is set too)."""
    answer = client.get(page)
    assert answer.status_code == 200, answer.text
    return str(answer.cookies.get("joinedup_citizen_form") or
               client.cookies.get("joinedup_citizen_form"))


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    """Sign ``client`` in to the citizen portal through its sign-in form."""
    token = form_token(client, "/citizen/signin")
    answer = client.post("/citizen/signin", data={"email": email, "password": password,
                                                  "form_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def citizen_client(client: TestClient, engine: Engine, record_id: int, *, email: str
                   ) -> TestClient:
    """A verified citizen (anchored to ``record_id``), signed in on ``client``: a TestClient
    of ``joinedup.server.app.create_app`` on ``engine`` (tests/server/server_world.served_app
    builds one)."""
    add_citizen(engine, record_id, email=email)
    return sign_in(client, email)


def csrf(client: TestClient) -> str:
    """The signed-in citizen's CSRF token, as their pages' forms carry it."""
    page = client.get("/citizen").text
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]
