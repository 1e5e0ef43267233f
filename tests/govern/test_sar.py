"""The subject access pack: everything of the person from every agency, with who looked and
under which agreement; nothing of anyone else; exemptions withheld and told only to the DPO."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import world
from factories import ingest_file, make_definition, write_csv
from sqlalchemy import Engine, select, update
from world import (
    ASC,
    ASC_TEAM,
    HEALTH,
    NOW,
    NURSE,
    PERSON_FIELDS,
    PERSON_HEADER,
    POLICE,
    POLICE_OFFICER,
    SOCIAL_WORKER,
    World,
    cli,
)

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import audit
from joinedup.govern.decide import decide
from joinedup.govern.rectify import rectify
from joinedup.govern.sar import SarPack, deadline, subject_access
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Purpose, Role
from joinedup.store import schema
from joinedup.store.schema import audit_event, audit_subject, person_event

DPO = world.DPO
NEIGHBOUR_READER = Actor("sw.crowley", ASC, Role.SOCIAL_WORKER, ASC_TEAM)
HOUSEHOLD = ["HH1", "Patrick", "O'Brien", "1938-05-05", "12 High Street, Norwich", "NR2 4AB",
             "01603 999888", ""]
NAMESAKE = ["NN1", "Mary", "O'Brien", "1975-09-09", "40 Larkspur Road, Norwich", "NR5 5ZZ",
            "07700 900123", ""]
OTHERS = ["HH1", "NN1", "K2", "F3", "Patrick", "1938-05-05", "1975-09-09", "01603999888",
          "07700900123", "Larkspur", "NR5 5ZZ", "FALLS", "Neighbour visit", "sw.crowley"]
"""Every value of the household member and the near-namesake, and of their audit trail."""


@pytest.fixture
def w(engine: Engine, tmp_path: Path) -> World:
    w = world.build(engine, tmp_path)
    _crowd(w, tmp_path)
    return w


def _crowd(w: World, tmp_path: Path) -> None:
    """Person 1's phone changes at ASC (an earlier version), and two others arrive: a
    household member at Mary's address and a namesake born decades later, each with their
    own contact or flag and their own audit events."""
    rows = world.PEOPLE["asc_clients"][1]
    mary = [*rows[0][:6], "01603 654321", ""]
    people = make_definition(tmp_path, name="asc_clients", agency=ASC, fields=PERSON_FIELDS)
    ingest_file(w.engine, people, write_csv(tmp_path / "asc2.csv", PERSON_HEADER,
                                            [mary, *rows[1:], HOUSEHOLD, NAMESAKE]))
    contacts = make_definition(tmp_path, name="asc_contacts", agency=ASC, kind="contact",
                               person_source="asc_clients", record_id="ref",
                               fields={"person": "client", "occurred_at": "at",
                                       "service": "service", "summary": "note"})
    ingest_file(w.engine, contacts, write_csv(
        tmp_path / "contacts2.csv", ["ref", "client", "at", "service", "note"],
        [["K1", "A1", "2026-10-01 10:00", "Home Care", "Welfare call"],
         ["K2", "HH1", "2026-10-02 11:00", "Home Care", "Neighbour visit"]]))
    flags = make_definition(tmp_path, name="asc_flags", agency=ASC, kind="flag",
                            person_source="asc_clients", record_id="ref",
                            fields={"person": "client", "flag": "code", "sensitivity": "level"})
    ingest_file(w.engine, flags, write_csv(
        tmp_path / "flags2.csv", ["ref", "client", "code", "level"],
        [["F1", "A1", "MOBILITY", "standard"], ["F2", "A1", "DEMENTIA", "special_category"],
         ["F3", "NN1", "FALLS", "standard"]]))
    with w.engine.begin() as c:
        sr = schema.source_record.table
        ids = dict(c.execute(select(sr.c.record_id, sr.c.id)).all())
        w.records.update(ids)
        run = c.execute(select(schema.link_run.c.id)).scalar_one()
        c.execute(schema.person.insert(), [{"id": 6, "created_run_id": run},
                                           {"id": 7, "created_run_id": run}])
        c.execute(schema.person_link.insert(), [
            {"source_record_id": ids[key], "person_id": p, "match_weight": 9.0,
             "method": "test", "run_id": run} for key, p in (("HH1", 6), ("NN1", 7))])
    for person in (6, 7):
        with governed(w.engine) as c:
            assert decide(c, w.register, NEIGHBOUR_READER, Purpose.DIRECT_CARE, person,
                          now=NOW).allowed


def pack_for(w: World, out: Path, person: int = 1, **kwargs: Any) -> SarPack:
    with governed(w.engine) as c:
        return subject_access(c, w.register, DPO, person, out, now=NOW, **kwargs)


def read(pack: SarPack) -> tuple[dict[str, Any], str, dict[str, Any]]:
    return (json.loads(pack.json_path.read_text(encoding="utf-8")),
            pack.html_path.read_text(encoding="utf-8"),
            json.loads(pack.dpo_notes_path.read_text(encoding="utf-8")))


def nurse_reads(w: World, person: int = 1) -> None:
    with governed(w.engine) as c:
        assert decide(c, w.register, NURSE, Purpose.DIRECT_CARE, person,
                      now=NOW - timedelta(days=3)).allowed


def test_the_pack_holds_every_record_contact_involvement_and_flag(w: World,
                                                                   tmp_path: Path) -> None:
    nurse_reads(w)
    pack = pack_for(w, tmp_path / "sar")
    document, html, _ = read(pack)

    assert {(r["source"], r["record_id"]) for r in document["records"]} == {
        ("asc_clients", "A1"), ("police", "N1"), ("community_health", "C1")}
    asc = next(r for r in document["records"] if r["record_id"] == "A1")
    assert asc["agency"] == ASC
    assert asc["values"]["phone"] == "01603654321"
    assert [v["values"]["phone"] for v in asc["earlier_versions"]] == ["01603123456"]
    assert asc["earlier_versions"][0]["valid_to"]
    assert [c["record_id"] for c in document["contacts"]] == ["K1"]
    assert document["contacts"][0]["values"]["summary"] == "Welfare call"
    assert [(i["record_id"], i["values"]["team"]) for i in document["involvements"]] == [
        ("I1", ASC_TEAM)]
    assert {f["values"]["flag"] for f in document["flags"]} == {"MOBILITY", "DEMENTIA"}
    assert pack.counts["records"] == 3 and pack.counts["flags"] == 2
    assert pack.agencies[ASC] == {"records": 1, "contacts": 1, "involvements": 1, "flags": 2}
    assert pack.agencies[POLICE]["records"] == 1
    assert [a["agency"] for a in document["summary"]["agencies"]] == sorted([ASC, HEALTH,
                                                                             POLICE])
    for text in ("A1", "N1", "C1", "K1", "I1", "Welfare call", "MOBILITY", "DEMENTIA",
                 "01603654321", "01603123456", HEALTH, POLICE):
        assert text in html, text
    assert (document["requested_on"], document["deadline"]) == ("2026-11-22", "2026-12-22")
    assert "2026-12-22" in html


def test_the_audit_trail_shows_who_looked_why_and_under_which_agreement(w: World,
                                                                        tmp_path: Path) -> None:
    nurse_reads(w)
    pack = pack_for(w, tmp_path / "sar")
    document, html, _ = read(pack)

    nurse = [e for e in document["audit_trail"] if e["organisation"] == HEALTH]
    assert [(e["role"], e["user"], e["purpose"], e["action"], e["decision"])
            for e in nurse] == [("community_nurse", "cn.green", "direct_care", "read_person",
                                 "allow")]
    assert "DSA-CARE/v1" in nurse[0]["agreements"]
    assert document["audit_trail"][-1]["action"] == "subject_access"  # this request itself
    assert "cn.green" in html and "Community nurse" in html

    agreements = {a["code"]: a for a in document["agreements"]}
    care = agreements["DSA-CARE/v1"]
    assert care["cited_by_events"] == 1
    assert (care["title"], care["dpia"], care["purposes"]) == (
        "Health and social care: direct care", "DPIA-1", ["direct_care"])
    assert care["lawful_basis"] == {"article_6": "6(1)(e) public task",
                                    "article_9": "9(2)(h) health or social care"}
    assert (care["valid_from"], care["valid_to"]) == ("2024-04-01", "2028-03-31")
    assert "police" in agreements["DSA-SAFE/v1"]["covers_your_sources"]  # holds their record
    assert "Health and social care: direct care" in html and "DPIA-1" in html

    without = pack_for(w, tmp_path / "anonymous", staff_names=False)
    trail = read(without)[0]["audit_trail"]
    assert all(e["user"] is None for e in trail)
    assert "cn.green" not in without.html_path.read_text(encoding="utf-8")
    assert any(e["organisation"] == HEALTH and e["role"] == "community_nurse" for e in trail)


def test_producing_the_pack_is_audited(w: World, tmp_path: Path) -> None:
    pack = pack_for(w, tmp_path / "sar")

    with w.engine.connect() as c:
        rows = c.execute(select(audit_event.c.action, audit_event.c.decision,
                                audit_event.c.reason, audit_event.c.request_id,
                                audit_subject.c.person_id)
                         .join(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                         .where(audit_event.c.actor == DPO.user)
                         .order_by(audit_event.c.seq)).all()
    assert [(r.action, r.decision, r.person_id) for r in rows] == [
        ("subject_access", "allow", 1), ("subject_access_pack", "done", 1)]
    assert rows[0].request_id == rows[1].request_id == pack.request_id
    assert f"pack of {pack.items} items" in rows[1].reason


def test_nothing_of_a_household_member_or_a_namesake_appears(w: World, tmp_path: Path) -> None:
    nurse_reads(w)
    pack = pack_for(w, tmp_path / "sar")
    document, html, notes = read(pack)

    for text in (pack.json_path.read_text(encoding="utf-8"), html,
                 json.dumps(notes, ensure_ascii=False)):
        for value in OTHERS:
            assert value not in text, value
    assert "12 High Street, Norwich" in html  # Mary's own address, which Patrick shares
    assert [e for e in document["audit_trail"] if e["user"] == NEIGHBOUR_READER.user] == []


def test_events_about_an_id_merged_into_the_person_are_included(w: World,
                                                                tmp_path: Path) -> None:
    with w.engine.begin() as c:
        run = c.execute(select(schema.link_run.c.id)).scalar_one()
        c.execute(schema.person.insert(), [{"id": 8, "created_run_id": run,
                                            "retired_run_id": run},
                                           {"id": 9, "created_run_id": run,
                                            "retired_run_id": None}])
        c.execute(person_event.insert(), [
            {"run_id": run, "kind": "merge", "old_person_id": 8, "new_person_id": 1,
             "records": 1},
            {"run_id": run, "kind": "split", "old_person_id": 9, "new_person_id": 1,
             "records": 1}])
        audit.append(c, [
            audit.Event(POLICE_OFFICER, "safeguarding", "read_person", "allow",
                        "under own-agency", person_id=8),
            audit.Event(POLICE_OFFICER, "safeguarding", "read_person", "allow",
                        "before the split", person_id=9)], now=NOW - timedelta(days=30))
        # After the split, id 9 is somebody else: their trail is not this person's.
        audit.append(c, [audit.Event(POLICE_OFFICER, "safeguarding", "read_person", "allow",
                                     "after the split", person_id=9)],
                     now=NOW + timedelta(hours=1))

    pack = pack_for(w, tmp_path / "sar")
    document, html, notes = read(pack)

    earlier = [(e["earlier_id"], e["reason"]) for e in document["audit_trail"]
               if e["earlier_id"] is not None]
    assert earlier == [(8, "under own-agency"), (9, "before the split")]
    assert "after the split" not in html
    assert {(n["person_id"], n["split"]) for n in notes["earlier_ids"]} == {(8, False),
                                                                           (9, True)}


def test_criminal_offence_flags_are_withheld_and_counted_for_the_dpo_only(
        w: World, tmp_path: Path) -> None:
    pack = pack_for(w, tmp_path / "sar")
    document, html, notes = read(pack)

    assert "WEAPONS" not in html and "WEAPONS" not in pack.json_path.read_text(encoding="utf-8")
    assert "withheld" not in html.lower() and "exempt" not in html.lower()
    assert notes["withheld"]["items"] == pack.counts["withheld"] == 1
    assert notes["withheld"]["by_sensitivity"] == {"criminal_offence": 1}
    assert notes["withheld"]["detail"][0]["values"]["flag"] == "WEAPONS"
    assert "Sch. 2 para 2" in notes["withheld"]["grounds"]["criminal_offence"]
    assert "dpo_notes" not in document and pack.dpo_notes_path.name not in html
    later = read(pack_for(w, tmp_path / "later"))  # the first pack is in its audit trail
    assert "withheld" not in later[1].lower() and "withheld" not in json.dumps(later[0])

    everything = pack_for(w, tmp_path / "all", exempt=frozenset())
    assert "WEAPONS" in everything.html_path.read_text(encoding="utf-8")
    assert everything.counts["withheld"] == 0
    with pytest.raises(BadInput, match="unknown sensitivity secret"):
        pack_for(w, tmp_path / "bad", exempt={"secret"})


def test_sealed_records_of_the_person_are_included_and_listed_for_review(
        w: World, tmp_path: Path) -> None:
    pack = pack_for(w, tmp_path / "sar", person=3)
    document, html, notes = read(pack)

    assert {r["record_id"] for r in document["records"]} == {"A3", "N2"}
    assert "Refuge, 1 Secret Road, Norwich" in html
    assert [(n["kind"], n["source"], n["record_id"]) for n in notes["sealed_for_review"]] == [
        ("record", "asc_clients", "A3")]


def test_a_non_dpo_is_refused_and_the_refusal_audited(w: World, tmp_path: Path) -> None:
    with pytest.raises(AccessDenied, match="may not act for the purpose subject_access"), \
            governed(w.engine) as c:
        subject_access(c, w.register, SOCIAL_WORKER, 1, tmp_path / "sar", now=NOW)

    assert not (tmp_path / "sar").exists()
    with w.engine.connect() as c:
        refused = c.execute(select(audit_event.c.actor, audit_event.c.decision)
                            .where(audit_event.c.action == "subject_access")).all()
    assert [tuple(r) for r in refused] == [(SOCIAL_WORKER.user, "deny")]


def test_an_unknown_person_is_refused(w: World, tmp_path: Path) -> None:
    with pytest.raises(AccessDenied, match="no person with id 99"):
        pack_for(w, tmp_path / "sar", person=99)


def test_html_is_escaped(w: World, tmp_path: Path) -> None:
    with w.engine.begin() as c:
        c.execute(update(schema.source_record.table)
                  .where(schema.source_record.table.c.id == w.records["A1"])
                  .values(family_name="<script>alert(1)</script>"))
    _, html, _ = read(pack_for(w, tmp_path / "sar"))

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_rectification_shows_in_the_pack_with_its_provenance(w: World,
                                                               tmp_path: Path) -> None:
    with governed(w.engine) as c:
        done = rectify(c, DPO, 1, record_id=w.records["A1"], field="family_name",
                       value="o'brian", reason="Birth certificate seen", now=NOW)
    document, html, _ = read(pack_for(w, tmp_path / "sar"))

    asc = next(r for r in document["records"] if r["record_id"] == "A1")
    assert asc["values"]["family_name"] == "O'Brian"
    assert asc["rectified"]["family_name"] == {
        "value": "O'Brian", "source_value": "O'Brien", "rectification": done.id,
        "reason": "Birth certificate seen", "recorded_by": DPO.user,
        "recorded_at": "2026-11-22 10:00:00", "previous_value": "O'Brien"}
    assert "corrected at your request" in html and "Birth certificate seen" in html


def test_the_deadline_is_one_calendar_month() -> None:
    assert deadline(date(2026, 11, 22)) == date(2026, 12, 22)
    assert deadline(date(2025, 1, 31)) == date(2025, 2, 28)  # no 31 February: its last day
    assert deadline(date(2026, 1, 31)) == date(2026, 3, 2)  # 28 Feb 2026 is a Saturday
    assert deadline(date(2026, 12, 15)) == date(2027, 1, 15)


# -- the command line ---------------------------------------------------------------------------

def test_the_sar_command_writes_the_pack_and_says_where(w: World, tmp_path: Path) -> None:
    result = cli(w, "sar", "1", "-o", str(tmp_path / "out"))

    assert result.exit_code == 0, result.output
    assert str(tmp_path / "out" / "sar-person-1.html") in result.output.replace("\n", "")
    assert "3 records" in result.output and "2 flags" in result.output
    assert "respond by 20" in result.output and "1 items withheld" in result.output
    document = json.loads((tmp_path / "out" / "sar-person-1.json").read_text(encoding="utf-8"))
    assert document["audit_trail"][-1]["user"] == "dpo.cli"


def test_the_sar_command_refuses_bad_input_in_one_line(w: World, tmp_path: Path) -> None:
    result = cli(w, "sar", "99", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "no person with id 99" in result.output
    result = cli(w, "sar", "1", "-o", str(tmp_path / "out"), "--exempt", "nonsense")
    assert result.exit_code == 2
    assert "unknown sensitivity nonsense" in result.output
