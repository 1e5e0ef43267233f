"""The access decision: a policy matrix of roles x purposes x field groups x relationship x
sensitivity, each refusal audited; sealed records, objections, break-glass."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import world
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from world import (
    ADMIN,
    ADVISOR,
    ANALYST,
    ASC_TEAM,
    DPO,
    NOW,
    NURSE,
    OTHER_SOCIAL_WORKER,
    PLANNER,
    POLICE,
    POLICE_OFFICER,
    SOCIAL_WORKER,
    World,
)

from joinedup.errors import AccessDenied
from joinedup.govern import relationships
from joinedup.govern.decide import ALL_GROUPS, Decision, decide
from joinedup.govern.facts import DEFAULT_POLICY, Policy
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Group, Purpose, Role
from joinedup.store.schema import audit_event, audit_subject, dpo_alert, objection

ID, CD = Group.IDENTITY, Group.CONTACT_DETAILS
IDENTITY = {ID, CD}
CONTACTS, INVOLVEMENTS = Group.CONTACTS, Group.INVOLVEMENTS
STANDARD, SPECIAL, CRIMINAL = (Group.FLAGS_STANDARD, Group.FLAGS_SPECIAL_CATEGORY,
                               Group.FLAGS_CRIMINAL_OFFENCE)


@pytest.fixture
def w(engine: Engine, tmp_path: Path) -> World:
    return world.build(engine, tmp_path)


def ask(w: World, actor: Actor, purpose: str | None, person: int, *,
        groups: frozenset[Group] = ALL_GROUPS, policy: Policy = DEFAULT_POLICY,
        now: object = NOW) -> Decision:
    with governed(w.engine) as c:
        return decide(c, w.register, actor, purpose, person, groups, policy=policy,
                      now=now)  # type: ignore[arg-type]


def shown(d: Decision) -> dict[str, set[Group]]:
    """Grants that matter: groups a source of that kind can actually hold."""
    return {s: set(g) for s, g in d.grants.items()}


def audited(w: World, seq: int) -> dict[str, object]:
    with w.engine.connect() as c:
        row = c.execute(select(audit_event, audit_subject.c.person_id)
                        .outerjoin(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                        .where(audit_event.c.seq == seq)).one()
    return dict(row._mapping)


# -- the matrix: every role x every purpose, on a person known to three agencies ----------------

ALLOWED = {
    (Role.SOCIAL_WORKER, Purpose.DIRECT_CARE), (Role.SOCIAL_WORKER, Purpose.SAFEGUARDING),
    (Role.COMMUNITY_NURSE, Purpose.DIRECT_CARE), (Role.COMMUNITY_NURSE, Purpose.SAFEGUARDING),
    (Role.POLICE_OFFICER, Purpose.SAFEGUARDING),
    (Role.POLICE_OFFICER, Purpose.EMERGENCY_RESPONSE),
    (Role.CALL_CENTRE_ADVISOR, Purpose.CUSTOMER_SERVICE),
    (Role.EMERGENCY_PLANNER, Purpose.EMERGENCY_RESPONSE),
    (Role.DPO, Purpose.SUBJECT_ACCESS),
}
"""(role, purpose) pairs that see something of person 1 in this world: the nurse's and the
police officer's own agencies hold records of them; the rest come through agreements."""

ACTORS = {a.role: a for a in (SOCIAL_WORKER, NURSE, POLICE_OFFICER, ADVISOR, PLANNER, ANALYST,
                              DPO, ADMIN)}
ACTORS[Role.FIRE_OFFICER] = Actor("ff.moss", "Norfolk Fire and Rescue Service",
                                  Role.FIRE_OFFICER, "Norwich Prevention")
ACTORS[Role.DATA_ENGINEER] = Actor("de.cole", "Norfolk County Council Data Team",
                                   Role.DATA_ENGINEER)


def test_every_role_and_purpose_is_decided_and_every_refusal_is_audited(w: World) -> None:
    decisions = {(role, purpose): ask(w, actor, purpose, 1)
                 for role, actor in ACTORS.items() for purpose in Purpose}

    allowed = {key for key, d in decisions.items() if d.allowed}
    assert allowed == ALLOWED
    for (role, purpose), d in decisions.items():
        event = audited(w, d.seq)
        assert (event["actor"], event["role"], event["purpose"], event["decision"],
                event["person_id"]) == (ACTORS[role].user, role, purpose,
                                        "allow" if d.allowed else "deny", 1)
        assert event["reason"], (role, purpose)
        assert event["fields"] == ",".join(d.fields)
    with w.engine.connect() as c:
        denials = c.execute(select(func.count()).select_from(audit_event)
                            .where(audit_event.c.decision == "deny")).scalar_one()
    assert denials == len(decisions) - len(ALLOWED)


def test_a_request_without_a_purpose_is_refused(w: World) -> None:
    for purpose in (None, ""):
        d = ask(w, SOCIAL_WORKER, purpose, 1)
        assert (d.allowed, d.reason) == (
            False, "a purpose is required for every request for person data")
        assert audited(w, d.seq)["decision"] == "deny"


def test_a_role_acting_outside_its_purposes_is_refused(w: World) -> None:
    d = ask(w, ADVISOR, Purpose.DIRECT_CARE, 1)
    assert (d.allowed, d.reason) == (
        False, "the role call_centre_advisor may not act for the purpose direct_care")


def test_own_agency_and_agreements_with_a_relationship(w: World) -> None:
    d = ask(w, SOCIAL_WORKER, Purpose.DIRECT_CARE, 1)

    grants = shown(d)
    assert grants["asc_flags"] == {STANDARD, SPECIAL, CRIMINAL}  # its own agency's data
    assert grants["asc_contacts"] == {CONTACTS}
    assert grants["community_health"] == IDENTITY
    assert "police" not in grants and "police_flags" not in grants
    assert d.agreements == ("DSA-CARE/v1", "own-agency")
    assert f"open involvement with {ASC_TEAM}" in d.reason


def test_safeguarding_shares_police_markers_with_social_workers_only(w: World) -> None:
    social = shown(ask(w, SOCIAL_WORKER, Purpose.SAFEGUARDING, 1))
    nurse = shown(ask(w, NURSE, Purpose.SAFEGUARDING, 1))

    assert (social["police"], social["police_flags"]) == (IDENTITY, {CRIMINAL})
    assert "police_flags" not in nurse and "police" not in nurse


def test_without_a_relationship_the_answer_is_identity_only(w: World) -> None:
    d = ask(w, OTHER_SOCIAL_WORKER, Purpose.DIRECT_CARE, 1)

    assert d.allowed
    assert set().union(*d.grants.values()) == IDENTITY
    assert "identity only: no legitimate relationship" in d.reason


def test_a_relationship_ends_a_configurable_time_after_the_case_closes(w: World) -> None:
    closed_long_ago = ask(w, SOCIAL_WORKER, Purpose.DIRECT_CARE, 2)
    longer_grace = ask(w, SOCIAL_WORKER, Purpose.DIRECT_CARE, 2,
                       policy=Policy(days_after_close=400))

    assert set().union(*closed_long_ago.grants.values()) == IDENTITY
    assert INVOLVEMENTS in longer_grace.grants["asc_involvements"]


def test_a_referral_gives_the_team_a_relationship(w: World) -> None:
    with governed(w.engine) as c:
        relationships.add_referral(c, NURSE, 1, team=NURSE.team or "", reason="hospital discharge",
                                   started_on=date(2026, 11, 1), now=NOW)

    d = ask(w, NURSE, Purpose.DIRECT_CARE, 1)
    assert d.grants["asc_flags"] == {STANDARD, SPECIAL}
    assert "referral #1" in d.reason


def test_an_advisor_sees_contacts_only_while_handling_a_live_contact(w: World) -> None:
    before = ask(w, ADVISOR, Purpose.CUSTOMER_SERVICE, 1)
    with governed(w.engine) as c:
        contact = relationships.start_contact(c, ADVISOR, 1, "phone", now=NOW)
    during = ask(w, ADVISOR, Purpose.CUSTOMER_SERVICE, 1)
    with governed(w.engine) as c:
        relationships.end_contact(c, ADVISOR, contact, now=NOW)
    after = ask(w, ADVISOR, Purpose.CUSTOMER_SERVICE, 1)

    assert "asc_contacts" not in before.grants
    assert during.grants["asc_contacts"] == {CONTACTS}
    assert "asc_contacts" not in after.grants


def test_emergency_response_needs_no_relationship_but_only_gets_what_responders_need(
        w: World) -> None:
    d = ask(w, PLANNER, Purpose.EMERGENCY_RESPONSE, 1)

    assert shown(d) == {"asc_clients": IDENTITY, "asc_flags": {STANDARD, SPECIAL},
                        "community_health": IDENTITY}


def test_analysts_get_no_person_level_data(w: World) -> None:
    d = ask(w, ANALYST, Purpose.ANALYTICS, 1)
    assert not d.allowed
    assert "no sharing agreement in force" in d.reason


def test_a_dpo_answering_a_subject_access_request_sees_everything_held(w: World) -> None:
    d = ask(w, DPO, Purpose.SUBJECT_ACCESS, 3)
    assert d.allowed and {"asc_clients", "police"} <= set(d.grants)
    assert d.records == {w.records["A3"], w.records["N2"]}


def test_requested_fields_are_minimised(w: World) -> None:
    d = ask(w, SOCIAL_WORKER, Purpose.DIRECT_CARE, 1, groups=frozenset({ID}))
    assert set().union(*d.grants.values()) == {ID}


# -- sealed records -----------------------------------------------------------------------------

def test_sealed_records_are_invisible_to_roles_not_named(w: World) -> None:
    d = ask(w, POLICE_OFFICER, Purpose.SAFEGUARDING, 3)

    assert d.allowed
    assert d.records == {w.records["N2"]}
    assert "asc_clients" not in d.grants


def test_a_named_role_sees_a_sealed_record(w: World) -> None:
    d = ask(w, SOCIAL_WORKER, Purpose.SAFEGUARDING, 3)
    assert w.records["A3"] in d.records and "asc_clients" in d.sealed


def test_a_person_with_only_sealed_records_looks_exactly_like_no_person(w: World) -> None:
    sealed = ask(w, NURSE, Purpose.DIRECT_CARE, 5)
    unknown = ask(w, NURSE, Purpose.DIRECT_CARE, 99)

    assert (sealed.allowed, sealed.reason, sealed.grants) == (
        unknown.allowed, unknown.reason.replace("99", "5"), unknown.grants)
    assert "sealed" in str(audited(w, sealed.seq)["reason"])


def test_break_glass_does_not_unmask_a_sealed_address(w: World) -> None:
    with governed(w.engine) as c:
        relationships.open_break_glass(c, POLICE_OFFICER, "safeguarding", 3,
                                       "Reported missing, welfare concern tonight", now=NOW)

    d = ask(w, POLICE_OFFICER, Purpose.SAFEGUARDING, 3)
    assert d.break_glass is False or d.allowed
    assert w.records["A3"] not in d.records and "asc_clients" not in d.grants


# -- break-glass --------------------------------------------------------------------------------

def test_break_glass_unlocks_detail_for_an_hour_and_alerts_the_dpo(w: World) -> None:
    with governed(w.engine) as c:
        glass = relationships.open_break_glass(
            c, OTHER_SOCIAL_WORKER, "safeguarding", 1,
            "Neighbour reports a fall, no answer at the door", now=NOW)

    during = ask(w, OTHER_SOCIAL_WORKER, Purpose.SAFEGUARDING, 1)
    later = ask(w, OTHER_SOCIAL_WORKER, Purpose.SAFEGUARDING, 1,
                now=NOW + timedelta(minutes=61))

    assert during.break_glass and f"break-glass #{glass.id}" in during.reason
    assert CRIMINAL in during.grants["police_flags"]
    assert "police_flags" not in later.grants or CRIMINAL not in later.grants["police_flags"]
    with w.engine.connect() as c:
        alert = c.execute(select(dpo_alert)).one()
    assert (alert.status, alert.break_glass_id) == ("open", glass.id)


def test_break_glass_without_a_reason_is_refused_and_audited(w: World) -> None:
    with pytest.raises(AccessDenied, match="stated reason"), governed(w.engine) as c:
        relationships.open_break_glass(c, OTHER_SOCIAL_WORKER, "safeguarding", 1, "  ",
                                       now=NOW)

    with w.engine.connect() as c:
        event = c.execute(select(audit_event).where(audit_event.c.action == "break_glass")).one()
        alerts = c.execute(select(func.count()).select_from(dpo_alert)).scalar_one()
    assert (event.action, event.decision) == ("break_glass", "deny")
    assert alerts == 0


def test_an_alert_is_closed_only_by_the_dpo_and_only_with_an_outcome(w: World) -> None:
    with governed(w.engine) as c:
        glass = relationships.open_break_glass(c, OTHER_SOCIAL_WORKER, "safeguarding", 1,
                                               "Neighbour reports a fall, no answer", now=NOW)
    with pytest.raises(AccessDenied), governed(w.engine) as c:
        relationships.close_alert(c, SOCIAL_WORKER, glass.alert_id, "no_concern", "", now=NOW)
    with pytest.raises(Exception, match="outcome"), governed(w.engine) as c:
        relationships.close_alert(c, DPO, glass.alert_id, "", "", now=NOW)

    with governed(w.engine) as c:
        relationships.close_alert(c, DPO, glass.alert_id, "no_concern",
                                  "Attendance confirmed by the duty log", now=NOW)
    with w.engine.connect() as c:
        alert = c.execute(select(dpo_alert)).one()
    assert (alert.status, alert.outcome, alert.closed_by) == ("closed", "no_concern", DPO.user)


# -- objections ---------------------------------------------------------------------------------

def test_an_objection_to_an_agency_is_honoured(w: World) -> None:
    with w.engine.begin() as c:
        c.execute(objection.insert().values(source_record_id=w.records["A1"], kind="agency",
                                            agency=POLICE, recorded_at=NOW, recorded_by="dpo"))

    d = ask(w, POLICE_OFFICER, Purpose.SAFEGUARDING, 1)

    assert d.allowed
    assert set(d.grants) <= {"police", "police_flags"}  # only its own data


def test_a_research_objection_stops_analytics(w: World) -> None:
    with w.engine.begin() as c:
        c.execute(objection.insert().values(source_record_id=w.records["C1"], kind="research",
                                            recorded_at=NOW, recorded_by="dpo"))

    d = ask(w, ANALYST, Purpose.ANALYTICS, 1)
    assert "objected" in d.reason


# -- fail closed --------------------------------------------------------------------------------

def _audit_cannot_be_written(w: World) -> None:
    """What a full disk or a revoked grant looks like to the hub: the audit insert fails."""
    with w.engine.begin() as c:
        if c.dialect.name == "sqlite":
            c.execute(text("CREATE TRIGGER audit_full BEFORE INSERT ON audit_event "
                           "BEGIN SELECT RAISE(ABORT, 'no space left for the audit'); END"))
        else:
            c.execute(text("CREATE FUNCTION audit_full() RETURNS trigger LANGUAGE plpgsql AS $$ "
                           "BEGIN RAISE EXCEPTION 'no space left for the audit'; END $$"))
            c.execute(text("CREATE TRIGGER audit_full BEFORE INSERT ON audit_event "
                           "FOR EACH ROW EXECUTE FUNCTION audit_full()"))


def test_no_decision_is_returned_when_its_audit_cannot_be_written(w: World) -> None:
    _audit_cannot_be_written(w)

    with pytest.raises(DBAPIError, match="no space left for the audit"):
        ask(w, SOCIAL_WORKER, Purpose.DIRECT_CARE, 1)
    with pytest.raises(DBAPIError, match="no space left"), governed(w.engine) as c:
        relationships.open_break_glass(c, OTHER_SOCIAL_WORKER, "safeguarding", 1,
                                       "Neighbour reports a fall, no answer", now=NOW)

    with w.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(dpo_alert)).scalar_one() == 0


# -- what a view says about each panel ----------------------------------------------------------

def test_each_source_says_what_it_is_shown_under(w: World) -> None:
    d = ask(w, SOCIAL_WORKER, Purpose.DIRECT_CARE, 1)
    held_back = ask(w, OTHER_SOCIAL_WORKER, Purpose.DIRECT_CARE, 1)
    statutory = ask(w, DPO, Purpose.SUBJECT_ACCESS, 1)

    assert d.basis["asc_clients"] == ("own-agency",)
    assert d.basis["community_health"] == ("DSA-CARE/v1",)
    assert set(d.basis) == set(d.grants)
    assert (d.relationship, d.held_back) == (f"open involvement with {ASC_TEAM} (Home Care)",
                                             False)
    assert (held_back.relationship, held_back.held_back) == (None, True)
    assert set(statutory.basis.values()) == {("UK-GDPR-Art-15",)}


def test_break_glass_is_the_relationship_it_stands_in_for(w: World) -> None:
    with governed(w.engine) as c:
        glass = relationships.open_break_glass(
            c, OTHER_SOCIAL_WORKER, "safeguarding", 1,
            "Neighbour reports a fall, no answer at the door", now=NOW)

    d = ask(w, OTHER_SOCIAL_WORKER, Purpose.SAFEGUARDING, 1)
    assert (d.relationship, d.break_glass, d.held_back) == (f"break-glass #{glass.id}", True,
                                                            False)
