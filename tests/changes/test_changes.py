"""Tell us once, the core: a change reaches exactly the agencies that hold the person, each
decides for itself, the person sees where each has got to, and every step is audited."""

from __future__ import annotations

import pytest
from changes_world import (
    ASC,
    COUNCIL_ENGINEER,
    CS,
    DPO,
    FIRE,
    FIRE_ENGINEER,
    HEALTH,
    HEALTH_ENGINEER,
    LIBRARIES,
    MARY,
    MARYS_AGENCIES,
    NOW,
    PEOPLE,
    POLICE,
    POLICE_ENGINEER,
    SOCIAL_WORKER,
    County,
    feed,
)
from sqlalchemy import select

from joinedup.errors import AccessDenied, BadInput, NotFound, NotTheirs
from joinedup.govern import changes
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Purpose, Role
from joinedup.settings import Settings
from joinedup.store.schema import (
    audit_event,
    audit_subject,
    change_notification,
    source_record,
)

NEW_HOME = {"address": "7 Castle Meadow, Norwich", "postcode": "nr1 3dh"}
DQ = Purpose.DATA_QUALITY


def report(county: County, kind: str = "address", values: dict[str, str] | None = None, *,
           person: int = 1, actor: Actor = MARY) -> changes.Reported:
    with governed(county.engine) as c:
        return changes.report_change(c, actor, person, kind, values or NEW_HOME, now=NOW)


def of_change(county: County, change_id: int, actor: Actor = DPO
              ) -> dict[str, changes.Notification]:
    with governed(county.engine) as c:
        found = changes.notifications(c, actor, Purpose.AUDIT, now=NOW)
    return {n.agency: n for n in found if n.change_id == change_id}


def events(county: County, action: str) -> list[tuple[str, str, str, int | None]]:
    with county.engine.connect() as c:
        return [tuple(r) for r in c.execute(  # type: ignore[misc]
            select(audit_event.c.actor, audit_event.c.decision, audit_event.c.reason,
                   audit_subject.c.person_id)
            .outerjoin(audit_subject, audit_subject.c.seq == audit_event.c.seq)
            .where(audit_event.c.action == action).order_by(audit_event.c.seq))]


def test_a_change_reaches_exactly_the_agencies_holding_the_person(county: County) -> None:
    done = report(county)

    assert done.values == {"address": "7 Castle Meadow, Norwich", "postcode": "NR1 3DH"}
    # a person record, a sealed record and a contact citing a record all count; the household
    # member's health trust and the namesake's library do not
    assert done.agencies == MARYS_AGENCIES
    sent = of_change(county, done.change_id)
    assert set(sent) == set(MARYS_AGENCIES)
    assert HEALTH not in sent and LIBRARIES not in sent
    assert {n.status for n in sent.values()} == {"pending"}
    assert {n.person_id for n in sent.values()} == {1}
    assert [(r.source, r.record_key) for r in sent[POLICE].records] == [("police", "N1")]
    assert sent[FIRE].records == ()  # the fire service holds a visit, not a record
    [asc_record] = sent[ASC].records
    assert [(f.field, f.old, f.new) for f in asc_record.fields] == [
        ("address", "12 High Street, Norwich", "7 Castle Meadow, Norwich"),
        ("postcode", "NR2 4AB", "NR1 3DH")]
    assert events(county, "report_change")[-1][:2] == (MARY.user, "done")
    assert events(county, "report_change")[-1][3] == 1


def test_the_household_member_gets_only_their_own_agencies(county: County) -> None:
    done = report(county, "phone", {"phone": "07700 900456"}, person=2)

    assert done.agencies == (ASC, HEALTH, POLICE)
    assert done.values == {"phone": "07700900456"}


def test_nothing_in_any_source_is_overwritten(county: County) -> None:
    with county.engine.connect() as c:
        before = c.execute(select(source_record.table)).all()
    asc = of_change(county, report(county).change_id)[ASC].id
    with governed(county.engine) as c:
        changes.decide(c, COUNCIL_ENGINEER, DQ, asc, accept=True, now=NOW)
    with county.engine.connect() as c:
        assert c.execute(select(source_record.table)).all() == before


@pytest.mark.parametrize(("kind", "values", "expected"), [
    ("address", {"address": "1 New Road", "postcode": "NOT A POSTCODE"},
     "postcode: 'NOT A POSTCODE' is not valid; expected a UK postcode like NR2 4AB"),
    ("address", {"address": "", "postcode": "NR1 3DH"}, "address: give the new address"),
    ("phone", {"phone": "12345"}, "phone: '12345' is not valid; expected a UK phone number"),
    ("email", {"email": "mary at home"}, "email: 'mary at home' is not valid; expected an "
                                         "email address"),
    ("email", {"email": "m@example.org", "nhs_number": "9434765919"},
     "'nhs_number' is not part of a change of email; give email"),
    ("name", {"given_name": "Maria"}, "a change is of one of address, phone, email, not 'name'"),
])
def test_bad_input_is_refused_with_what_was_expected(county: County, kind: str,
                                                     values: dict[str, str],
                                                     expected: str) -> None:
    with county.engine.connect() as c:
        before = c.execute(select(change_notification.c.id)).all()
    with pytest.raises(BadInput, match="^" + expected.replace("(", r"\(").replace(")", r"\)")):
        report(county, kind, values)
    with county.engine.connect() as c:
        assert c.execute(select(change_notification.c.id)).all() == before


def test_an_unknown_person_is_bad_input(county: County) -> None:
    with pytest.raises(BadInput, match="no person with id 99"):
        report(county, person=99, actor=DPO)


def test_an_advisor_takes_a_change_on_the_phone(county: County) -> None:
    advisor = Actor("cc.ahmed", "Norfolk County Council Customer Services",
                    Role.CALL_CENTRE_ADVISOR)
    done = report(county, "email", {"email": "Mary@Example.org"}, actor=advisor)
    assert done.values == {"email": "mary@example.org"} and done.agencies == MARYS_AGENCIES
    assert events(county, "report_change")[-1][:2] == (advisor.user, "done")


def test_a_practitioner_may_not_report_for_someone_and_is_audited(county: County) -> None:
    with pytest.raises(AccessDenied, match="social_worker may not report"):
        report(county, actor=SOCIAL_WORKER)
    assert events(county, "report_change")[-1][:2] == (SOCIAL_WORKER.user, "deny")


def test_acts_for_follows_organisation_and_the_councils_own_services() -> None:
    assert changes.acts_for(COUNCIL_ENGINEER, ASC)
    assert changes.acts_for(COUNCIL_ENGINEER, CS)
    assert changes.acts_for(COUNCIL_ENGINEER, LIBRARIES)
    assert changes.acts_for(COUNCIL_ENGINEER, FIRE)  # the council is the fire authority
    assert changes.acts_for(FIRE_ENGINEER, FIRE) and not changes.acts_for(FIRE_ENGINEER, ASC)
    assert not changes.acts_for(COUNCIL_ENGINEER, HEALTH)
    assert not changes.acts_for(COUNCIL_ENGINEER, "Norfolk district councils (council tax)")
    assert not changes.acts_for(COUNCIL_ENGINEER, POLICE)
    assert changes.acts_for(POLICE_ENGINEER, POLICE)
    assert not changes.acts_for(POLICE_ENGINEER, ASC)
    assert not changes.acts_for(Actor("sw", ASC, Role.SOCIAL_WORKER), ASC)  # engineers only
    assert not changes.acts_for(DPO, ASC)


def test_the_council_and_its_services_are_settings() -> None:
    """Another county names its council and services (``JOINEDUP_COUNCIL``,
    ``JOINEDUP_COUNCIL_SERVICES``): Norfolk's data team then decides for none of them."""
    suffolk = changes.Council.from_settings(Settings(
        council="Suffolk County Council", council_services=["Adult and Community Services"]))
    team = Actor("de.suffolk", "Suffolk County Council Data Team", Role.DATA_ENGINEER)
    assert changes.acts_for(team, "Adult and Community Services", suffolk)
    assert not changes.acts_for(team, ASC, suffolk)
    assert not changes.acts_for(COUNCIL_ENGINEER, "Adult and Community Services", suffolk)
    assert not changes.acts_for(COUNCIL_ENGINEER, ASC, suffolk)
    assert changes.Council.from_settings(Settings()) == changes.NORFOLK


def test_each_agency_decides_its_own_and_the_person_sees_it(county: County) -> None:
    done = report(county)
    sent = of_change(county, done.change_id)
    with governed(county.engine) as c:
        accepted = changes.decide(c, COUNCIL_ENGINEER, DQ, sent[ASC].id, accept=True, now=NOW)
        rejected = changes.decide(c, POLICE_ENGINEER, DQ, sent[POLICE].id, accept=False,
                                  reason="  We could not  match the address. ", now=NOW)
    assert (accepted.status, accepted.decided_by, accepted.decided_at) == (
        "accepted", COUNCIL_ENGINEER.user, NOW)
    assert (rejected.status, rejected.reason) == ("rejected", "We could not match the address.")

    with governed(county.engine) as c:
        mine = changes.change_of(c, MARY, 1, done.change_id, now=NOW)
    shown = {a.agency: (a.status, a.reason) for a in mine.agencies}
    # the sealed holding (children's services) is notified but not named to the person
    assert shown == {ASC: ("accepted", None), FIRE: ("pending", None),
                     POLICE: ("rejected", "We could not match the address.")}
    assert CS in of_change(county, done.change_id)
    assert [e[:2] for e in events(county, "accept_change")][-1] == (COUNCIL_ENGINEER.user,
                                                                    "done")
    assert events(county, "reject_change")[-1][1:] == (
        "done", f"change notification #{sent[POLICE].id} rejected for {POLICE}", 1)


def test_a_decision_is_made_once_and_a_rejection_needs_a_reason(county: County) -> None:
    done = report(county, "email", {"email": "mary@example.org"})
    asc = of_change(county, done.change_id)[ASC].id
    with governed(county.engine) as c, pytest.raises(BadInput, match="give a reason"):
        changes.decide(c, COUNCIL_ENGINEER, DQ, asc, accept=False, reason=" ", now=NOW)
    with governed(county.engine) as c:
        changes.decide(c, COUNCIL_ENGINEER, DQ, asc, accept=True, now=NOW)
    with governed(county.engine) as c, pytest.raises(BadInput, match=r"already accepted by "
                                                                     r"de\.council"):
        changes.decide(c, COUNCIL_ENGINEER, DQ, asc, accept=False, reason="oops", now=NOW)


def test_another_agencys_engineer_is_refused_and_audited(county: County) -> None:
    done = report(county)
    police = of_change(county, done.change_id)[POLICE].id
    with pytest.raises(AccessDenied, match="addressed to Norfolk Constabulary"), \
            governed(county.engine) as c:
        changes.decide(c, HEALTH_ENGINEER, DQ, police, accept=True, now=NOW)
    assert events(county, "accept_change")[-1] == (
        HEALTH_ENGINEER.user, "deny", f"change notification {police} is addressed to {POLICE}, "
        f"which {HEALTH} does not act for", 1)
    with governed(county.engine) as c, pytest.raises(AccessDenied):
        changes.notification(c, FIRE_ENGINEER, DQ, police, now=NOW)
    assert events(county, "read_change_notification")[-1][:2] == (FIRE_ENGINEER.user, "deny")
    with governed(county.engine) as c, pytest.raises(AccessDenied, match="does not act for"):
        changes.notifications(c, HEALTH_ENGINEER, DQ, agency_name=POLICE, now=NOW)
    with governed(county.engine) as c:
        assert changes.notification(c, POLICE_ENGINEER, DQ, police, now=NOW).status == "pending"
    with governed(county.engine) as c, pytest.raises(NotFound):
        changes.notification(c, POLICE_ENGINEER, DQ, 99_999, now=NOW)


def test_an_engineer_lists_only_their_agencies_and_each_person_read_is_audited(
        county: County) -> None:
    report(county)
    report(county, "phone", {"phone": "01603 999999"}, person=2)
    with governed(county.engine) as c:
        health = changes.notifications(c, HEALTH_ENGINEER, DQ, now=NOW)
        council = changes.notifications(c, COUNCIL_ENGINEER, DQ, status="pending", now=NOW)
    assert health and {n.agency for n in health} == {HEALTH}
    assert {n.person_id for n in health} == {2}
    assert {n.agency for n in council} == {ASC, CS, FIRE}
    assert {n.status for n in council} == {"pending"}
    reads = [e for e in events(county, "read_change_notifications")
             if e[0] == HEALTH_ENGINEER.user and e[1] == "allow"]
    assert [e[3] for e in reads[-len(health):]] == [n.person_id for n in health]


def test_only_data_quality_engineers_and_the_auditing_dpo_read_notifications(
        county: County) -> None:
    with governed(county.engine) as c, pytest.raises(AccessDenied):
        changes.notifications(c, SOCIAL_WORKER, Purpose.DIRECT_CARE, now=NOW)
    with governed(county.engine) as c, pytest.raises(AccessDenied):
        changes.decide(c, DPO, Purpose.AUDIT, 1, accept=True, now=NOW)
    with governed(county.engine) as c, pytest.raises(BadInput, match="status is one of"):
        changes.notifications(c, DPO, Purpose.AUDIT, status="done", now=NOW)


def test_a_sealed_record_keeps_its_old_contact_details_withheld(county: County) -> None:
    done = report(county)
    [record] = of_change(county, done.change_id)[CS].records
    assert record.sealed and {(f.old, f.current) for f in record.fields} == {(None, None)}
    assert record.fields[0].new == "7 Castle Meadow, Norwich"


def test_a_person_sees_only_their_own_changes(county: County) -> None:
    marys = report(county).change_id
    johns = report(county, "email", {"email": "john@example.org"}, person=2,
                   actor=DPO).change_id
    with governed(county.engine) as c:
        mine = changes.changes_of(c, MARY, 1, now=NOW)
    assert marys in {m.id for m in mine} and johns not in {m.id for m in mine}
    with pytest.raises(NotTheirs), governed(county.engine) as c:  # the refusal commits
        changes.change_of(c, MARY, 1, johns, now=NOW)
    assert events(county, "read_own_change")[-1] == (
        MARY.user, "deny", f"change {johns} is not one of this person's", 1)
    assert events(county, "read_own_changes")[-1][:2] == (MARY.user, "allow")


def test_told_names_the_agencies_a_person_would_be_shown(county: County) -> None:
    with county.engine.connect() as c:
        assert changes.told(c, 1) == [ASC, POLICE, FIRE]
        assert changes.told(c, 3) == [LIBRARIES]


def test_a_later_load_with_the_new_value_marks_it_applied(county: County) -> None:
    done = report(county, "phone", {"phone": "07700 900777"}, person=2, actor=DPO)
    sent = of_change(county, done.change_id)
    with governed(county.engine) as c:
        changes.decide(c, HEALTH_ENGINEER, DQ, sent[HEALTH].id, accept=True, now=NOW)
    row = [*PEOPLE["community_health"][1][0]]
    row[6] = "07700 900777"
    feed(county.engine, county.directory, "community_health", [row])

    after = of_change(county, done.change_id)
    assert after[HEALTH].status == "accepted" and after[HEALTH].shown_status == "applied"
    assert after[POLICE].shown_status == "pending"
    with governed(county.engine) as c:
        statuses = {a.agency: a.status for a in
                    changes.change_of(c, MARY, 2, done.change_id, now=NOW).agencies}
    assert statuses[HEALTH] == "applied"
