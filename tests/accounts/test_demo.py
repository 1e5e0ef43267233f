"""Demo logins: one per role, the front-line ones real key workers of the store, made once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from factories import ingest_file, load_people, make_definition, write_csv
from sqlalchemy import Engine, func, select

from joinedup.accounts import (
    DEMO_PASSWORD,
    LoginPolicy,
    authenticate,
    create_demo_users,
    demo_users,
    list_users,
)
from joinedup.accounts.demo import DEMO_LOGINS
from joinedup.govern.vocabulary import STAFF_ROLES, Role
from joinedup.store.schema import app_user, audit_event

NOW = datetime(2026, 11, 22, 10, 0)
HEALTH = "Norfolk Community Health and Care NHS Trust"


def load_caseloads(engine: Engine, tmp_path: Path) -> None:
    """Ann Able is key worker on two open involvements, Bob Busy on one open and three closed;
    nurse Nia Nightingale has the most community health contacts."""
    load_people(engine, tmp_path)
    involvements = make_definition(
        tmp_path, name="asc_involvements", agency="Adult Social Care", kind="involvement",
        person_source="asc_clients", record_id="ref",
        fields={"person": "client", "service": "service", "team": "team",
                "key_worker": "worker", "key_worker_email": "email",
                "started_on": {"column": "start", "format": "%Y-%m-%d"},
                "ended_on": {"column": "end", "format": "%Y-%m-%d"}})
    ann = ["Ann Able", "ann.able@norfolk.example.gov.uk", "Norwich Locality Team"]
    bob = ["Bob Busy", "bob.busy@norfolk.example.gov.uk", "Breckland Locality Team"]
    rows = [["I1", "P1", "Home Care", *ann, "2025-01-01", ""],
            ["I2", "P2", "Home Care", *ann, "2025-01-01", "2027-01-01"],  # ends later: open
            ["I3", "P3", "Reablement", *bob, "2025-01-01", ""],
            *[[f"I{n}", "P4", "Reablement", *bob, "2024-01-01", "2025-01-01"]
              for n in (4, 5, 6)]]
    ingest_file(engine, involvements, write_csv(
        tmp_path / "inv.csv",
        ["ref", "client", "service", "worker", "email", "team", "start", "end"], rows))
    contacts = make_definition(
        tmp_path, name="community_health_visits", agency=HEALTH, kind="contact",
        person_source="asc_clients", record_id="ref",
        fields={"person": "client", "occurred_at": "at", "team": "team",
                "practitioner": "nurse"})
    ingest_file(engine, contacts, write_csv(
        tmp_path / "visits.csv", ["ref", "client", "at", "nurse", "team"],
        [["V1", "P1", "2026-10-01 10:00", "Nia Nightingale", "Norwich Community Nursing"],
         ["V2", "P2", "2026-10-02 10:00", "Nia Nightingale", "Norwich Community Nursing"],
         ["V3", "P3", "2026-10-03 10:00", "Ned Other", "Breckland Community Nursing"]]))


def test_one_demo_login_per_role(engine: Engine) -> None:
    with engine.begin() as c:
        made = create_demo_users(c, now=NOW)

        assert [u.role for u, _ in made] == list(STAFF_ROLES)
        assert all(p == DEMO_PASSWORD for _, p in made)
        assert all(u.demo and u.active for u, _ in made)
        assert {u.username for u in demo_users(c)} == {d.username for d in DEMO_LOGINS}
        by_role = {u.role: u for u, _ in made}
        assert by_role[Role.CALL_CENTRE_ADVISOR].username == "demo.advisor"
        assert by_role[Role.DPO].organisation == "Norfolk County Council Information Governance"
        assert by_role[Role.POLICE_OFFICER].organisation == "Norfolk Constabulary"
        # with nothing loaded, front-line logins are made up and have no caseload
        assert (by_role[Role.SOCIAL_WORKER].team, by_role[Role.SOCIAL_WORKER].email) == (
            None, None)
        assert c.execute(select(func.count()).select_from(audit_event).where(
            audit_event.c.action == "add_user")).scalar_one() == len(STAFF_ROLES)

    with engine.begin() as c:
        user = authenticate(c, "demo.dpo", DEMO_PASSWORD, policy=LoginPolicy(), now=NOW)
        assert user.role is Role.DPO


def test_front_line_logins_are_the_busiest_key_workers(engine: Engine, tmp_path: Path) -> None:
    load_caseloads(engine, tmp_path)

    with engine.begin() as c:
        by_role = {u.role: u for u, _ in create_demo_users(c, now=NOW)}

    worker = by_role[Role.SOCIAL_WORKER]
    assert (worker.display_name, worker.email, worker.team, worker.organisation) == (
        "Ann Able", "ann.able@norfolk.example.gov.uk", "Norwich Locality Team",
        "Adult Social Care")
    nurse = by_role[Role.COMMUNITY_NURSE]
    assert (nurse.display_name, nurse.team) == ("Nia Nightingale", "Norwich Community Nursing")
    assert by_role[Role.FIRE_OFFICER].team is None  # no fire service data loaded


def test_a_second_call_leaves_existing_logins_alone(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as c:
        first = create_demo_users(c, now=NOW)
        c.execute(app_user.update().where(app_user.c.username == "demo.analyst")
                  .values(active=False))
    load_caseloads(engine, tmp_path)

    with engine.begin() as c:
        again = create_demo_users(c, now=NOW)
        users = list_users(c)

    assert [u.id for u, _ in again] == [u.id for u, _ in first]
    assert len(users) == len(STAFF_ROLES)
    analyst = {u.username: u for u, _ in again}["demo.analyst"]
    assert not analyst.active
    assert {u.username: u for u, _ in again}["demo.social_worker"].team is None
