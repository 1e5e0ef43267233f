"""Retention: records past their source's schedule are deleted (with everything that hangs on
them) or anonymised, persons left with no record are erased, and the audit events about them
are redacted while the log, checked against a checkpoint signed before, still verifies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import world
from argon2 import PasswordHasher, profiles
from citizen_world import add_citizen
from factories import fetch, ingest_file, make_definition, snapshot, write_csv
from places_world import load_properties
from sqlalchemy import Engine, Table, func, select, text
from typer.testing import CliRunner
from world import ASC, ASC_TEAM, PEOPLE, PERSON_FIELDS, PERSON_HEADER, POLICE, SOCIAL_WORKER

from joinedup import cli_retention
from joinedup.accounts import passwords
from joinedup.citizen.accounts import actor_of, citizen_of
from joinedup.citizen.sessions import start_session
from joinedup.cli_base import App
from joinedup.cli_retention import retention_apply_command
from joinedup.govern import audit, keys, requests, verification
from joinedup.govern.changes import report_change
from joinedup.govern.exemptions import add_exemption
from joinedup.govern.retention import RetentionReport, apply_retention
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role
from joinedup.link.features import person_records, record_features
from joinedup.places.build import build as build_places
from joinedup.store import schema

ADMIN = Actor("admin.ng", "Norfolk County Council Information Governance", Role.ADMIN)
LATER = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(days=9 * 366)
"""When retention runs: nine years after the world was loaded (loads stamp the real time)."""
RECORD, HISTORY = schema.source_record.table, schema.source_record.history


@dataclass
class Setup:
    w: world.World
    key_dir: Path
    seqs: dict[int, list[int]]
    """Audit events written about each person (6 is an id merged into person 2)."""


def _rows(rows: list[list[str]], record_id: str, **changes: str) -> list[list[str]]:
    """The world's rows with one record's columns changed (so it gets a history row)."""
    out = []
    for row in rows:
        values = dict(zip(PERSON_HEADER, row, strict=True))
        if values["id"] == record_id:
            values.update(changes)
        out.append([values[h] for h in PERSON_HEADER])
    return out


def reload_with_retention(engine: Engine, tmp_path: Path, name: str, retention: dict[str, Any],
                          changed: str, **changes: str) -> None:
    """Load a person source again under a definition that now states its retention."""
    agency, rows = PEOPLE[name]
    directory = tmp_path / "retention"
    directory.mkdir(exist_ok=True)
    definition = make_definition(directory, name=name, agency=agency, fields=PERSON_FIELDS,
                                 retention=retention)
    ingest_file(engine, definition, write_csv(directory / f"{name}.csv", PERSON_HEADER,
                                              _rows(rows, changed, **changes)))


def add_contacts(engine: Engine, tmp_path: Path, retention: dict[str, Any] | None) -> None:
    """The world's one contact (K1, 2026) again, plus one with A3 months before ``LATER``."""
    extra = {"retention": retention} if retention else {}
    contacts = make_definition(tmp_path / "retention", name="asc_contacts", agency=ASC,
                               kind="contact", person_source="asc_clients", record_id="ref",
                               fields={"person": "client", "occurred_at": "at",
                                       "service": "service", "summary": "note"}, **extra)
    recent = LATER - timedelta(days=200)
    ingest_file(engine, contacts, write_csv(
        tmp_path / "retention" / "contacts.csv", ["ref", "client", "at", "service", "note"],
        [["K1", "A1", "2026-10-01 10:00", "Home Care", "Welfare call"],
         ["K2", "A3", f"{recent:%Y-%m-%d %H:%M}", "Home Care", "Review"]]))


def anchor_everything(w: world.World, record: str, other: str) -> None:
    """One row of every kind that refers to a person record, all on ``record``."""
    r, o = w.records[record], w.records[other]
    with w.engine.begin() as c:
        run = c.execute(select(func.max(schema.link_run.c.id))).scalar_one()
        load = c.execute(select(func.max(schema.load.c.id)).where(
            schema.load.c.source_id == select(RECORD.c.source_id).where(RECORD.c.id == r)
            .scalar_subquery())).scalar_one()
        c.execute(schema.link_key.insert().values(key="SMITH|1950", source_record_id=r))
        override = c.execute(schema.link_override.insert().values(
            record_a=min(r, o), record_b=max(r, o), kind="cannot_link", decided_by="reviewer",
            decided_at=world.NOW, reason="different people")).inserted_primary_key[0]
        c.execute(schema.review_pair.insert().values(
            record_a=min(r, o), record_b=max(r, o), match_weight=3.0, reason="unsure",
            status="decided", run_id=run, override_id=override))
        c.execute(schema.referral.insert().values(
            source_record_id=r, organisation=ASC, team=ASC_TEAM, started_on=world.NOW.date(),
            recorded_by="sw.jones", reason="referred by GP"))
        c.execute(schema.live_contact.insert().values(
            source_record_id=r, user_name="cc.ahmed", organisation=ASC, started_at=world.NOW,
            channel="phone"))
        c.execute(schema.objection.insert().values(
            source_record_id=r, kind="research", recorded_at=world.NOW, recorded_by="dpo.reed"))
        c.execute(schema.rectification.insert().values(
            source_record_id=r, field="family_name", value="Smyth", previous_value="Smith",
            reason="misspelt", recorded_by="dpo.reed", recorded_at=world.NOW))
        glass = c.execute(schema.break_glass.insert().values(
            user_name="pc.hale", organisation=POLICE, role="police_officer",
            purpose="safeguarding", source_record_id=r, reason="welfare concern, no answer",
            started_at=world.NOW, expires_at=world.NOW)).inserted_primary_key[0]
        c.execute(schema.dpo_alert.insert().values(
            kind="break_glass", break_glass_id=glass, summary="pc.hale broke glass",
            raised_at=world.NOW, status="open"))
        c.execute(schema.data_warning.insert().values(
            load_id=load, row_no=2, record_id=record, field="phone", column_name="phone",
            value="0160", expected="a UK phone number"))


def merged_predecessor(w: world.World, into: int, old: int) -> None:
    """Person ``old`` was an id of ``into`` until linkage merged them."""
    with w.engine.begin() as c:
        run = c.execute(select(func.max(schema.link_run.c.id))).scalar_one()
        c.execute(schema.person.insert().values(id=old, created_run_id=run, retired_run_id=run))
        c.execute(schema.person_event.insert().values(run_id=run, kind="merge",
                                                      old_person_id=old, new_person_id=into,
                                                      records=1))


def audit_about(w: world.World, persons: list[int]) -> dict[int, list[int]]:
    with governed(w.engine) as c:
        seqs = audit.append(c, [
            audit.Event(SOCIAL_WORKER, "direct_care", "read_person", "allow", "relationship",
                        ("asc_clients:identity",), ("DSA-CARE/v1",), person_id=p,
                        detail=f"searched: person {p}") for p in persons for _ in range(2)],
                            now=world.NOW)
    return {p: seqs[2 * i:2 * i + 2] for i, p in enumerate(persons)}


@pytest.fixture
def s(engine: Engine, tmp_path: Path) -> Setup:
    """The world; asc_clients kept 8 years after last activity then deleted (A2 gets a history
    row), A3 with a recent contact, every kind of row anchored to A2, person 6 merged into 2,
    audit events about persons 1, 2, 3 and 6, and a checkpoint signed over them."""
    w = world.build(engine, tmp_path)
    reload_with_retention(engine, tmp_path, "asc_clients", {"keep_years": 8}, "A2",
                          address="4 Mill Lane, Dereham")
    add_contacts(engine, tmp_path, None)
    anchor_everything(w, "A2", "A3")
    merged_predecessor(w, into=2, old=6)
    seqs = audit_about(w, [1, 2, 3, 6])
    key_dir = tmp_path / "keys"
    with governed(engine) as c:
        verification.sign_checkpoint(c, key_dir, now=world.NOW)
    return Setup(w, key_dir, seqs)


def run(engine: Engine, *, now: datetime = LATER, dry_run: bool = False) -> RetentionReport:
    with governed(engine) as c:
        return apply_retention(c, actor=ADMIN, now=now, dry_run=dry_run)


def count(engine: Engine, table: Table, **where: Any) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with engine.connect() as c:
        return int(c.execute(query).scalar_one())


def verify(engine: Engine, key_dir: Path) -> verification.Verification:
    with engine.connect() as c:
        return verification.verify(c, keys.public_key_pem(key_dir))


def last_event(engine: Engine) -> dict[str, Any]:
    with engine.connect() as c:
        return dict(c.execute(select(schema.audit_event).order_by(schema.audit_event.c.seq.desc())
                              .limit(1)).mappings().one())


def current_ids(engine: Engine) -> set[str]:
    return {r["record_id"] for r in fetch(engine, RECORD, "record_id")}


def test_a_record_past_retention_goes_with_every_row_that_refers_to_it(s: Setup) -> None:
    engine, a2 = s.w.engine, s.w.records["A2"]
    assert count(engine, HISTORY, current_id=a2) == 1

    report = run(engine)

    [asc] = report.sources
    assert (asc.source, asc.examined, asc.expired, asc.deleted, asc.anonymised) == (
        "asc_clients", 3, 1, 1, 0)
    assert (asc.contacts, asc.involvements, asc.flags) == (0, 1, 0)
    assert current_ids(engine) == {"A1", "A3", "N1", "N2", "C1", "C2", "S1"}
    assert count(engine, HISTORY, current_id=a2) == 0
    assert count(engine, schema.involvement.table, record_id="I2") == 0
    assert count(engine, schema.person_link, source_record_id=a2) == 0
    assert count(engine, schema.link_key, source_record_id=a2) == 0
    assert count(engine, schema.link_key) > 0  # everyone else's keys stay
    for table in (schema.referral, schema.live_contact, schema.objection,
                  schema.rectification, schema.break_glass):
        assert count(engine, table) == 0, table.name  # only A2 had any
    assert count(engine, schema.review_pair) == count(engine, schema.link_override) == 0
    assert count(engine, schema.data_warning, record_id="A2") == 0
    [alert] = fetch(engine, schema.dpo_alert)
    assert alert["break_glass_id"] is None  # the DPO's record of the alert stays


def test_recent_activity_or_an_open_involvement_keeps_a_record(s: Setup) -> None:
    """A1's only dates are years old but its Home Care involvement is open; A3 was last
    recorded years ago but had a contact 200 days ago."""
    report = run(s.w.engine)

    assert report.sources[0].expired == 1
    assert {"A1", "A3"} <= current_ids(s.w.engine)
    assert run(s.w.engine, now=LATER + timedelta(days=8 * 366)).sources[0].expired == 1  # A3


def test_the_person_left_without_a_record_is_erased_and_their_audit_redacted(s: Setup) -> None:
    engine = s.w.engine

    report = run(engine)

    assert (report.persons_erased, report.events_redacted) == (1, 4)  # person 2, and 6
    redacted = {r["seq"]: r["erasure_seq"] for r in fetch(engine, schema.audit_redaction)}
    assert redacted == dict.fromkeys(s.seqs[2] + s.seqs[6], report.erasure_seq)
    with engine.connect() as c:
        subjects = set(c.execute(select(schema.audit_subject.c.person_id)).scalars())
        retired = {p: r for p, r in c.execute(select(schema.person.c.id,
                                                     schema.person.c.retired_run_id))}
        mode = c.execute(select(schema.link_run.c.mode).where(
            schema.link_run.c.id == report.retention_run_id)).scalar_one()
    assert subjects == {1, 3}  # persons 1 and 3 keep records elsewhere
    assert retired[2] == report.retention_run_id and mode == "retention"
    assert retired[1] is None and retired[3] is None


def test_the_log_still_verifies_against_a_checkpoint_signed_before(s: Setup) -> None:
    engine = s.w.engine
    before = verify(engine, s.key_dir)

    run(engine)

    after = verify(engine, s.key_dir)
    assert after.ok, after.problem
    assert (after.events, after.checkpoints, after.redacted) == (before.events + 1, 1, 4)
    with governed(engine) as c:
        c.execute(text("DELETE FROM audit_subject WHERE seq = :seq"), {"seq": s.seqs[1][0]})
    assert "removed without a recorded erasure" in (verify(engine, s.key_dir).problem or "")


def test_the_erase_event_names_counts_never_the_person(s: Setup) -> None:
    report = run(s.w.engine)

    event = last_event(s.w.engine)
    assert event["seq"] == report.erasure_seq
    assert (event["action"], event["decision"], event["purpose"], event["role"]) == (
        "erase", "done", audit.OPERATIONS, "admin")
    assert event["subject_commitment"] is None
    assert count(s.w.engine, schema.audit_subject, seq=event["seq"]) == 0
    reason = event["reason"]
    assert "1 person records deleted or anonymised" in reason
    assert "1 persons erased" in reason and "4 audit events redacted" in reason
    for detail in ("John", "Smith", "1950", "Mill Lane", "NR19", "A2", "person 2"):
        assert detail not in reason


def test_a_dry_run_changes_nothing_and_reports_what_a_run_would_do(s: Setup) -> None:
    before = snapshot(s.w.engine)

    dry = run(s.w.engine, dry_run=True)

    assert snapshot(s.w.engine) == before
    assert (dry.dry_run, dry.erasure_seq, dry.retention_run_id) == (True, None, None)
    real = run(s.w.engine)
    assert dry.sources == real.sources
    assert (dry.persons_erased, dry.events_redacted) == (1, 4)


def test_nothing_to_do_writes_nothing(s: Setup) -> None:
    before = snapshot(s.w.engine)

    report = run(s.w.engine, now=datetime.now(UTC))

    assert (report.sources[0].expired, report.removed, report.erasure_seq) == (0, 0, None)
    assert snapshot(s.w.engine) == before


def test_term_counts_lose_the_values_of_removed_records(s: Setup) -> None:
    engine = s.w.engine
    with engine.begin() as c:
        [row] = person_records(c, [s.w.records["A2"]])
        family = record_features(row)["family"]
        c.execute(schema.link_term.insert(), [
            {"column_name": "family", "value": family, "records": 1},
            {"column_name": "family", "value": "KHAN", "records": 2},
            {"column_name": "family", "value": "", "records": 9}])

    run(engine)

    terms = {r["value"]: r["records"] for r in fetch(engine, schema.link_term)}
    assert terms == {"KHAN": 2, "": 8}


def test_anonymise_clears_identifiers_in_current_and_earlier_versions(
        engine: Engine, tmp_path: Path) -> None:
    w = world.build(engine, tmp_path)
    reload_with_retention(engine, tmp_path, "police", {"keep_days": 365,
                                                       "action": "anonymise"},
                          "N2", address="9 Queen Street, King's Lynn", phone="07700 900111")
    n1, n2 = w.records["N1"], w.records["N2"]
    audit_about(w, [1, 3])

    report = run(engine)

    [police] = report.sources
    assert (police.expired, police.anonymised, police.deleted, police.persons_erased) == (
        2, 2, 0, 0)
    kept = {r["id"]: r for r in fetch(engine, RECORD) if r["id"] in (n1, n2)}
    assert {r["record_id"] for r in kept.values()} == {f"anonymised:{n1}", f"anonymised:{n2}"}
    earlier = fetch(engine, HISTORY)
    assert [h["current_id"] for h in earlier] == [n2]
    for row in [*kept.values(), *earlier]:
        for column in ("given_name", "middle_names", "family_name", "date_of_birth",
                       "nhs_number", "uprn", "address", "phone", "email", "identifiers",
                       "invalid"):
            assert row[column] is None, column
    assert kept[n1]["postcode"] == "NR2" and kept[n2]["postcode"] == "PE30"
    assert earlier[0]["postcode"] == "PE30"
    assert count(engine, schema.person_link, source_record_id=n1) == 0
    assert count(engine, schema.person_link, source_record_id=n2) == 0
    assert count(engine, schema.flag.table, record_id="W1") == 1  # on its own schedule
    assert count(engine, schema.audit_redaction) == 0  # persons 1 and 3 live on elsewhere
    assert verify(engine, tmp_path / "keys").ok
    assert run(engine).removed == 0  # anonymised once


def test_an_activity_source_keeps_its_rows_by_their_own_date(engine: Engine,
                                                             tmp_path: Path) -> None:
    world.build(engine, tmp_path)
    (tmp_path / "retention").mkdir()
    add_contacts(engine, tmp_path, {"keep_days": 365})

    report = run(engine)

    [contacts] = report.sources
    assert (contacts.kind, contacts.examined, contacts.expired, contacts.deleted) == (
        "contact", 2, 1, 1)
    assert {r["record_id"] for r in fetch(engine, schema.contact.table)} == {"K2"}
    assert report.persons_erased == 0
    assert current_ids(engine) >= {"A1", "A3"}


class _Later(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return LATER.replace(tzinfo=UTC)


def test_the_cli_applies_retention_and_prints_a_table_per_source(
        s: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_retention, "datetime", _Later)
    app = App()
    app.callback()(lambda: None)
    app.command("apply")(retention_apply_command)
    url = s.w.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()

    dry = runner.invoke(app, ["apply", "--dry-run", "--db", url])

    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing changed" in dry.output and "asc_clients" in dry.output
    assert "1 persons would be erased and 4 audit events would be redacted" in dry.output
    assert "A2" in current_ids(s.w.engine)

    done = runner.invoke(app, ["apply", "--db", url])

    assert done.exit_code == 0, done.output
    assert "1 persons were erased and 4 audit events were redacted" in done.output
    assert "A2" not in current_ids(s.w.engine)
    assert last_event(s.w.engine)["action"] == "erase"



@pytest.mark.parametrize("action", ["delete", "anonymise"])
def test_what_people_did_through_the_hub_follows_them_or_closes_with_their_last_record(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    """asc_clients and police past their schedules: John's only record (A2) goes, so his
    citizen account closes (its rights requests kept for the DPO, its pack gone) and his
    change and exemption go; Mary's N1 and Aisha's N2 go while they keep other records, so
    her account, her change and Aisha's exemption move to one of those, and the police's
    notification of Mary's change, left with no police record, goes."""
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)
    w = world.build(engine, tmp_path)
    r = w.records
    for name, record in (("asc_clients", "A2"), ("police", "N1")):
        reload_with_retention(engine, tmp_path, name, {"keep_days": 365, "action": action},
                              record)
    add_contacts(engine, tmp_path, None)  # A3 was in touch recently: it stays
    mary = add_citizen(engine, r["N1"], email="mary@example.org")
    john = add_citizen(engine, r["A2"], email="john@example.org")
    with governed(engine) as c:
        for account in (mary, john):
            start_session(c, account.id, now=world.NOW, hours=8)
        asked = {account.id: requests.process(c, w.register, world.DPO, requests.submit(
            c, actor_of(account.id), "subject_access", {}, now=world.NOW).id, now=world.NOW).id
            for account in (mary, john)}
        marys = report_change(c, actor_of(mary.id), 1, "phone", {"phone": "07700 900123"},
                              now=world.NOW).change_id
        johns = report_change(c, actor_of(john.id), 2, "phone", {"phone": "07700 900456"},
                              now=world.NOW).change_id
        aishas, exempt_john = (add_exemption(c, world.DPO, p, ground="crime", reason="inquiry",
                                             starts_on=world.NOW.date(), now=world.NOW)
                               for p in (3, 2))
        # as if reported, and recorded, while N1 and N2 were their persons' first records
        c.execute(schema.change_request.update().where(schema.change_request.c.id == marys)
                  .values(source_record_id=r["N1"]))
        c.execute(schema.access_exemption.update().where(
            schema.access_exemption.c.id == aishas).values(source_record_id=r["N2"]))

    report = run(engine)

    assert report.persons_erased == 1  # John, person 2
    accounts = {a["id"]: a for a in fetch(engine, schema.citizen_account)}
    assert accounts[mary.id]["source_record_id"] == min(r["A1"], r["C1"])
    assert accounts[mary.id]["active"]
    closed = accounts[john.id]
    assert (closed["source_record_id"], closed["active"], closed["password_hash"]) == (
        None, False, None)
    with engine.connect() as c:
        signed_in = citizen_of(c, mary.id)
        assert signed_in is not None and signed_in.person_id == 1
        assert citizen_of(c, john.id) is None
    assert count(engine, schema.citizen_session, account_id=john.id) == 0
    assert count(engine, schema.citizen_session, account_id=mary.id) == 1
    kept = {q["account_id"]: q for q in fetch(engine, schema.rights_request)}
    assert set(kept) == {mary.id, john.id} and kept[john.id]["status"] == "completed"
    packs = {p["request_id"] for p in fetch(engine, schema.rights_pack)}
    assert packs == {asked[mary.id]}  # John's pack copied data retention has removed
    with governed(engine) as c:
        queue = {q.id: q.person_id for q in requests.queue(c, world.DPO, status=None,
                                                           now=world.NOW)}
    assert queue == {asked[mary.id]: 1, asked[john.id]: None}

    changes = {row["id"]: row for row in fetch(engine, schema.change_request)}
    assert set(changes) == {marys} and johns not in changes
    assert changes[marys]["source_record_id"] == min(r["A1"], r["C1"])
    with engine.connect() as c:
        told = set(c.execute(select(schema.agency.c.name)
                             .join(schema.change_notification,
                                   schema.change_notification.c.agency_id == schema.agency.c.id)
                             ).scalars())
    assert ASC in told and POLICE not in told
    cited = {row["source_record_id"] for row in fetch(engine, schema.change_record)}
    assert cited and not cited & {r["N1"], r["N2"], r["A2"]}
    exemptions = {e["id"]: e["source_record_id"] for e in fetch(engine, schema.access_exemption)}
    assert exemptions == {aishas: r["A3"]} and exempt_john not in exemptions


def test_erasure_takes_what_it_erases_out_of_places_and_emergency_cards(
        s: Setup, tmp_path: Path) -> None:
    engine, a2 = s.w.engine, s.w.records["A2"]
    load_properties(engine, tmp_path, [["1009", "4 Mill Lane", "Dereham", "NR19 1AB", 599_050,
                                        313_000]])  # where A2 now says John lives
    with engine.begin() as c:
        build_places(c, now=LATER)  # John Smith (A2) is 85 by then: he has a card
    assert count(engine, schema.record_place, source_record_id=a2) == 1
    assert count(engine, schema.emergency_card, person_id=2) == 1

    run(engine)

    assert count(engine, schema.record_place, source_record_id=a2) == 0
    assert count(engine, schema.emergency_card, person_id=2) == 0  # it copied A2's values
    assert count(engine, schema.emergency_card, person_id=1) == 1  # Mary keeps hers
