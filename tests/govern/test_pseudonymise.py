"""Pseudonymised analytics extracts: stable keyed pseudonyms, nothing that identifies anyone,
sealed records and objections honoured, only for the analysts an agreement names, audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
import world
import yaml
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner
from world import ANALYST, ANALYTICS, NOW, PEOPLE, POLICE, SOCIAL_WORKER, World

from joinedup.cli_base import App
from joinedup.cli_dpo import extract_analytics_command
from joinedup.errors import AccessDenied
from joinedup.govern.agreements import read_directory
from joinedup.govern.pseudonymise import (
    ExtractReport,
    age_band,
    analytics_extract,
    pseudonym,
    year_before,
)
from joinedup.govern.register import Register, load_agreements, register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role
from joinedup.store import schema
from joinedup.store.schema import audit_event, audit_subject, objection

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SCOPE = "analytics/DSA-ANALYTICS"


@pytest.fixture
def w(engine: Engine, tmp_path: Path) -> World:
    return world.build(engine, tmp_path)


def extract(w: World, actor: Actor = ANALYST, *, key: bytes = KEY, purpose: str = "analytics"
            ) -> tuple[list[dict[str, str]], str, ExtractReport]:
    buffer = io.StringIO()
    with governed(w.engine) as c:
        report = analytics_extract(c, w.register, actor, purpose, csv.writer(buffer), key=key,
                                   now=NOW)
    text = buffer.getvalue()
    return list(csv.DictReader(io.StringIO(text))), text, report


def by_person(rows: list[dict[str, str]], key: bytes = KEY) -> dict[int, dict[str, str]]:
    """Rows by world person id: the test holds the key, so it can recompute pseudonyms."""
    ids = {pseudonym(key, SCOPE, str(p)): p for p in world.PERSONS}
    return {ids[r["pseudonym"]]: r for r in rows}


# -- pseudonyms --------------------------------------------------------------------------------

def test_a_pseudonym_is_stable_per_purpose_and_keyed() -> None:
    one = pseudonym(KEY, "analytics", "1")

    assert one == pseudonym(KEY, "analytics", "1")
    assert one != pseudonym(KEY, "analytics/falls-study", "1")
    assert one != pseudonym(KEY, "planning", "1")
    assert one != pseudonym(OTHER_KEY, "analytics", "1")
    assert one != pseudonym(KEY, "analytics", "2")
    assert re.fullmatch(r"[0-9a-f]{64}", one)


def test_the_separator_keeps_purpose_and_value_apart() -> None:
    assert pseudonym(KEY, "a", "b1") != pseudonym(KEY, "ab", "1")


def test_the_same_person_gets_the_same_pseudonym_in_every_extract(w: World) -> None:
    first, _, _ = extract(w)
    second, _, _ = extract(w)
    rekeyed, _, _ = extract(w, key=OTHER_KEY)

    assert [r["pseudonym"] for r in first] == [r["pseudonym"] for r in second]
    assert not {r["pseudonym"] for r in first} & {r["pseudonym"] for r in rekeyed}


@pytest.mark.parametrize(("born", "band"), [
    (date(2026, 11, 22), "0-4"), (date(2021, 11, 23), "0-4"), (date(2021, 11, 22), "5-11"),
    (date(2010, 11, 22), "16-17"), (date(2008, 11, 22), "18-24"), (date(1991, 11, 30), "25-34"),
    (date(1941, 11, 23), "75-84"), (date(1941, 11, 22), "85+"), (date(2027, 1, 1), ""),
    (None, "")])
def test_age_bands(born: date | None, band: str) -> None:
    assert age_band(born, NOW.date()) == band


def test_twelve_months_back_from_a_leap_day() -> None:
    assert year_before(NOW.replace(year=2028, month=2, day=29)).date() == date(2027, 2, 28)


# -- what the extract holds ----------------------------------------------------------------------

def test_one_row_per_person_known_to_a_shared_source(w: World) -> None:
    rows, _, report = extract(w)

    people = by_person(rows)
    assert set(people) == {1, 2, 3, 4}  # person 5 is known only to an unshared, sealed source
    assert report.rows == 4 and report.agreement == "DSA-ANALYTICS/v1"
    assert list(rows[0]) == ["pseudonym", "age_band", "sex", "postcode_district", "sources",
                             "contacts_12m.asc_contacts"]
    assert people[1]["sources"] == "asc_clients;asc_contacts;community_health;police"
    assert people[1]["contacts_12m.asc_contacts"] == "1"
    assert (people[1]["age_band"], people[2]["age_band"], people[3]["age_band"]) == (
        "85+", "75-84", "25-34")
    assert people[3]["sources"] == "police"  # her sealed ASC record is left out entirely


def test_no_direct_identifier_ever_appears(w: World) -> None:
    rows, text, _ = extract(w)

    identifiers: set[str] = set()
    for _, records in PEOPLE.values():
        for record_id, given, family, born, address, postcode, phone, _ in records:
            day = date.fromisoformat(born)
            identifiers |= {record_id, given, family, born, day.strftime("%d/%m/%Y"),
                            day.strftime("%Y%m%d"), address, postcode,
                            postcode.replace(" ", ""), phone, phone.replace(" ", "")}
    identifiers |= {"I1", "I2", "F1", "F2", "W1", "K1", "Welfare call"}
    found = {i for i in identifiers if i and i in text}
    assert not found
    assert not re.search(r"\b\d{10}\b", text)  # no NHS number
    with w.engine.connect() as c:
        record_ids = {str(i) for i in c.execute(select(schema.source_record.table.c.id)).scalars()}
    for row in rows:
        cells = {row["pseudonym"], row["age_band"], row["sex"], row["postcode_district"],
                 *row["sources"].split(";")}
        assert not cells & ({str(p) for p in world.PERSONS} | record_ids)


def test_postcodes_leave_as_districts_only_where_contact_details_are_shared(
        w: World, tmp_path: Path) -> None:
    rows, _, _ = extract(w)
    assert {r["postcode_district"] for r in rows} == {""}  # the agreement shares no addresses

    document = {**world.AGREEMENTS["analytics"], "version": 2}
    document["shares"] = [{**document["shares"][0],
                           "fields": ["identity", "contact_details", "contacts"]}]
    reg = _load(w, tmp_path, document)

    buffer = io.StringIO()
    with governed(w.engine) as c:
        analytics_extract(c, reg, ANALYST, "analytics", csv.writer(buffer), key=KEY, now=NOW)
    people = by_person(list(csv.DictReader(io.StringIO(buffer.getvalue()))))
    assert {p: r["postcode_district"] for p, r in people.items()} == {
        1: "NR2", 2: "NR19", 3: "PE30", 4: "NR27"}


def _load(w: World, tmp_path: Path, document: dict[str, object]) -> Register:
    directory = tmp_path / "agreements-v2"
    directory.mkdir()
    (directory / "analytics.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with w.engine.begin() as c:
        load_agreements(c, read_directory(directory), operator="tester", now=NOW)
        return register(c)


def test_sealed_records_and_activity_are_never_counted(w: World) -> None:
    with w.engine.begin() as c:
        contacts = c.execute(select(schema.source.c.id).where(
            schema.source.c.name == "asc_contacts")).scalar_one()
        load = c.execute(select(func.max(schema.load.c.id))).scalar_one()
        recent = NOW - timedelta(days=3)
        common = {"source_id": contacts, "occurred_at": recent, "load_id": load,
                  "first_load_id": load, "valid_from": NOW}
        c.execute(schema.contact.table.insert(), [
            # a sealed contact with Mary, and an ordinary one filed under Aisha's sealed record
            {**common, "record_id": "K2", "person_record_id": w.records["A1"],
             "sensitivity": "sealed"},
            {**common, "record_id": "K3", "person_record_id": w.records["A3"],
             "sensitivity": None},
            # and one more than twelve months ago, which is not counted either
            {**common, "record_id": "K4", "person_record_id": w.records["A1"],
             "occurred_at": NOW - timedelta(days=400), "sensitivity": None}])

    people = by_person(extract(w)[0])

    assert people[1]["contacts_12m.asc_contacts"] == "1"
    assert people[3]["contacts_12m.asc_contacts"] == "0"
    assert "asc" not in people[3]["sources"]


def test_a_research_objection_leaves_the_person_out(w: World) -> None:
    with w.engine.begin() as c:
        c.execute(objection.insert().values(source_record_id=w.records["C1"], kind="research",
                                            recorded_at=NOW, recorded_by="dpo"))
        c.execute(objection.insert().values(source_record_id=w.records["A2"], kind="research",
                                            recorded_at=NOW, recorded_by="dpo",
                                            withdrawn_at=NOW))

    rows, _, report = extract(w)

    assert set(by_person(rows)) == {2, 3, 4}  # a withdrawn objection no longer applies
    assert report.rows == 3


def test_an_objection_to_the_recipient_leaves_the_person_out(w: World) -> None:
    with w.engine.begin() as c:
        c.execute(objection.insert().values(source_record_id=w.records["C2"], kind="agency",
                                            agency=ANALYTICS, recorded_at=NOW,
                                            recorded_by="dpo"))
        c.execute(objection.insert().values(source_record_id=w.records["A2"], kind="agency",
                                            agency=POLICE, recorded_at=NOW, recorded_by="dpo"))

    assert set(by_person(extract(w)[0])) == {1, 2, 3}


# -- who may have one, and the audit -------------------------------------------------------------

def _events(w: World) -> list[dict[str, object]]:
    """The extract's events (loading the world audited its loads too)."""
    with w.engine.connect() as c:
        rows = c.execute(select(audit_event, audit_subject.c.person_id)
                         .outerjoin(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                         .where(audit_event.c.action == "extract")
                         .order_by(audit_event.c.seq))
        return [dict(r._mapping) for r in rows]


def test_the_extract_is_audited_once_without_a_subject(w: World) -> None:
    _, _, report = extract(w)

    [event] = _events(w)
    assert event["seq"] == report.seq
    assert (event["actor"], event["action"], event["decision"], event["agreements"]) == (
        ANALYST.user, "extract", "allow", "DSA-ANALYTICS/v1")
    assert "4 persons" in str(event["reason"])
    assert event["person_id"] is None and event["subject_commitment"] is None


@pytest.mark.parametrize("actor", [
    Actor("bi.other", "Breckland District Council", Role.ANALYST),
    Actor(SOCIAL_WORKER.user, ANALYTICS, Role.SOCIAL_WORKER)])
def test_anyone_an_agreement_does_not_name_is_refused_and_the_refusal_audited(
        w: World, actor: Actor) -> None:
    buffer = io.StringIO()
    with pytest.raises(AccessDenied), governed(w.engine) as c:
        analytics_extract(c, w.register, actor, "analytics", csv.writer(buffer), key=KEY,
                          now=NOW)

    assert buffer.getvalue() == ""
    [event] = _events(w)
    assert (event["actor"], event["action"], event["decision"]) == (actor.user, "extract",
                                                                   "deny")


# -- command line ------------------------------------------------------------------------------

def cli() -> typer.Typer:
    app = App()
    extract_app = App()
    extract_app.command("analytics")(extract_analytics_command)
    app.add_typer(extract_app, name="extract")
    return app


def test_the_command_writes_the_extract_and_refuses_a_non_recipient(w: World,
                                                                    tmp_path: Path) -> None:
    url = w.engine.url.render_as_string(hide_password=False)
    env = {"JOINEDUP_KEY_DIR": str(tmp_path / "keys"), "JOINEDUP_OPERATOR": ANALYST.user,
           "JOINEDUP_ORGANISATION": ANALYTICS}
    output = tmp_path / "extract.csv"
    runner = CliRunner()

    done = runner.invoke(cli(), ["extract", "analytics", "-o", str(output), "--db", url],
                         env=env)
    refused = runner.invoke(cli(), ["extract", "analytics", "-o", str(tmp_path / "no.csv"),
                                    "--organisation", "Breckland District Council",
                                    "--db", url], env=env)

    assert done.exit_code == 0, done.output
    assert "wrote 4 pseudonymised persons" in done.stdout
    with output.open(encoding="utf-8") as written:
        assert len(list(csv.DictReader(written))) == 4
    assert refused.exit_code == 1
    assert "no pseudonymised sharing agreement" in refused.output
    assert not (tmp_path / "no.csv").exists()
    assert not list(tmp_path.glob(".*.partial"))
    assert [e["decision"] for e in _events(w)] == ["allow", "deny"]
