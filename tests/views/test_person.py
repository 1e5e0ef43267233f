"""The person view: golden record with provenance, each agency's record, a timeline across
agencies newest first, involvements with how to reach the key worker, the household, flags by
policy; identity only without a relationship, sealed records invisible, refusals audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from views_world import HOME, ViewsWorld
from world import (
    ANALYST,
    ASC,
    ASC_TEAM,
    DPO,
    HEALTH,
    NOW,
    NURSE,
    OTHER_SOCIAL_WORKER,
    POLICE,
    POLICE_OFFICER,
    SOCIAL_WORKER,
)

from joinedup.errors import AccessDenied
from joinedup.govern import relationships
from joinedup.govern.rectify import rectify
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor
from joinedup.store.schema import audit_event, audit_subject
from joinedup.views import PersonView, person_view


def view(vw: ViewsWorld, person_id: int, actor: Actor = SOCIAL_WORKER,
         purpose: str | None = "direct_care", **kwargs: Any) -> PersonView:
    with governed(vw.engine) as c:
        return person_view(c, vw.register, actor, purpose, person_id, now=NOW, **kwargs)


def golden(v: PersonView) -> dict[str, Any]:
    return {g.field: g for g in v.golden}


def audited(vw: ViewsWorld, request_id: str) -> list[Any]:
    with vw.engine.connect() as c:
        return list(c.execute(select(audit_event, audit_subject.c.person_id)
                              .outerjoin(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                              .where(audit_event.c.request_id == request_id)
                              .order_by(audit_event.c.seq)))


# -- golden record ------------------------------------------------------------------------------

def test_golden_record_says_where_each_value_came_from(vw: ViewsWorld) -> None:
    g = golden(view(vw, 1))

    family = g["family_name"]
    assert (family.value, family.sources, family.others) == (
        "O'Brien", ("asc_clients", "community_health"), ())
    assert family.agencies == (ASC, HEALTH)
    phone = g["phone"]  # one source each: the newer load wins, the other is shown beside it
    assert (phone.value, phone.sources) == ("07700900111", ("community_health",))
    assert [(o.value, o.sources, o.records) for o in phone.others] == [
        ("01603123456", ("asc_clients",), ("asc_clients:A1",))]
    assert "loaded more recently" in phone.why
    assert g["nhs_number"].value == "9434765919"


def test_most_sources_agreeing_wins_then_the_newest_load(vw: ViewsWorld) -> None:
    everything = golden(view(vw, 1, DPO, "subject_access"))["family_name"]
    tied = golden(view(vw, 1, SOCIAL_WORKER, "safeguarding"))["family_name"]

    assert (everything.value, [o.value for o in everything.others]) == ("O'Brien", ["OBrien"])
    assert everything.why == "held by 2 of 3 sources, more than any other value"
    # ASC's "O'Brien" against the police's "OBrien", loaded after it
    assert (tied.value, tied.sources, [o.value for o in tied.others]) == (
        "OBrien", ("police",), ["O'Brien"])
    assert "loaded more recently" in tied.why


def test_a_rectified_value_wins_and_says_so(vw: ViewsWorld) -> None:
    with governed(vw.engine) as c:
        done = rectify(c, DPO, 1, record_id=vw.records["A1"], field="phone",
                       value="01603 654321", reason="number changed", now=NOW)

    v = view(vw, 1)
    phone = golden(v)["phone"]
    assert (phone.value, phone.rectified, phone.sources) == ("01603654321", True,
                                                            ("asc_clients",))
    assert f"rectification #{done.id}" in phone.why
    [a1] = [r for r in v.records if r.record_id == "A1"]
    assert {f.name: (f.value, f.rectified) for f in a1.fields}["phone"] == ("01603654321", True)


def test_each_record_shows_its_agency_and_why(vw: ViewsWorld) -> None:
    v = view(vw, 1)

    bases = {(r.source, r.record_id): r.basis for r in v.records}
    assert bases == {("asc_clients", "A1"): "Adult Social Care's own record",
                     ("community_health", "C1"): f"shared by {HEALTH} under DSA-CARE/v1 for "
                                                 "direct care"}
    assert v.reason == f"under DSA-CARE/v1, own-agency; open involvement with {ASC_TEAM} " \
        "(Home Care)"


# -- timeline -----------------------------------------------------------------------------------

def test_timeline_newest_first_across_agencies(vw: ViewsWorld) -> None:
    v = view(vw, 1)

    assert [(e.occurred_at.date().isoformat(), e.agency) for e in v.timeline] == [
        ("2026-11-15", ASC), ("2026-11-01", HEALTH), ("2026-10-20", HEALTH),
        ("2026-10-01", ASC), ("2025-01-10", HEALTH)]
    assert v.services == ("District Nursing", "Home Care")
    assert v.timeline_total == 5
    first = v.timeline[0]
    assert (first.practitioner, first.team, first.channel, first.summary) == (
        "Sam Patel", ASC_TEAM, "visit", "Review of care and support plan")
    assert first.basis == f"Adult Social Care's own record; open involvement with {ASC_TEAM} " \
        "(Home Care)"
    assert v.timeline[1].basis.startswith(f"shared by {HEALTH} under DSA-CARE/v1 for direct "
                                          "care; open involvement")


def test_timeline_filtered_by_service(vw: ViewsWorld) -> None:
    v = view(vw, 1, service="District Nursing")

    assert {e.service for e in v.timeline} == {"District Nursing"}
    assert (len(v.timeline), v.timeline_total) == (3, 3)
    assert v.services == ("District Nursing", "Home Care")  # the filter's choices stay


def test_police_contacts_only_under_the_safeguarding_agreement(vw: ViewsWorld) -> None:
    care = view(vw, 1)
    safeguarding = view(vw, 1, SOCIAL_WORKER, "safeguarding")

    assert POLICE not in {e.agency for e in care.timeline}
    assert {e.agency for e in safeguarding.timeline} == {ASC, POLICE}
    [police] = [e for e in safeguarding.timeline if e.agency == POLICE]
    assert "DSA-SAFE/v1 for safeguarding" in police.basis


# -- involvements, household, flags -------------------------------------------------------------

def test_involvements_open_first_with_how_to_reach_the_key_worker(vw: ViewsWorld) -> None:
    v = view(vw, 1)

    assert [(i.service, i.open) for i in v.involvements] == [
        ("District Nursing", True), ("Home Care", True), ("Occupational Therapy", False)]
    home = v.involvements[1]
    assert (home.key_worker, home.role, home.email, home.phone, home.team, home.agency) == (
        "Jane Doe", "Social Worker", "jane.doe@asc.example.org", "01603000001", ASC_TEAM, ASC)
    assert v.involvements[0].agency == HEALTH


def test_household_at_the_same_uprn(vw: ViewsWorld) -> None:
    v = view(vw, 1)

    [member] = v.household
    assert (member.person_id, member.family_name, member.year_of_birth) == (2, "Smith", 1950)
    assert "Adult Social Care's own record" in member.basis
    events = audited(vw, v.request_id)
    assert [(e.action, e.person_id) for e in events] == [("read_person", 1),
                                                         ("read_household", 2)]
    assert all(f.split(":")[1] in ("identity", "contact_details")
               for f in events[1].fields.split(","))


def test_household_never_lists_someone_there_only_under_a_sealed_record(vw: ViewsWorld
                                                                         ) -> None:
    police = view(vw, 1, POLICE_OFFICER, "safeguarding")  # the police know Zara elsewhere
    named = view(vw, 1, SOCIAL_WORKER, "safeguarding")  # a sealed share names this role

    assert [m.person_id for m in police.household] == [2]
    assert {m.person_id for m in named.household} == {2, 9}


def test_flags_only_as_policy_allows(vw: ViewsWorld) -> None:
    care = view(vw, 1)
    safeguarding = view(vw, 1, SOCIAL_WORKER, "safeguarding")
    nurse = view(vw, 1, NURSE)

    assert {(f.flag, f.sensitivity) for f in care.flags} == {
        ("MOBILITY", "standard"), ("DEMENTIA", "special_category")}  # never the sealed one
    assert "WEAPONS" in {f.flag for f in safeguarding.flags}
    [weapons] = [f for f in safeguarding.flags if f.flag == "WEAPONS"]
    assert (weapons.agency, weapons.sensitivity) == (POLICE, "criminal_offence")
    assert "DSA-SAFE/v1" in weapons.basis
    assert {f.flag for f in nurse.flags} == {"MOBILITY", "DEMENTIA"}


def test_break_glass_shows_detail_and_says_so(vw: ViewsWorld) -> None:
    before = view(vw, 1, POLICE_OFFICER, "safeguarding")
    with governed(vw.engine) as c:
        glass = relationships.open_break_glass(c, POLICE_OFFICER, "safeguarding", 1,
                                               "Neighbour reports a fall, no answer", now=NOW)
    after = view(vw, 1, POLICE_OFFICER, "safeguarding")

    assert before.identity_only and not before.flags
    assert after.break_glass and not after.identity_only
    assert {f.flag for f in after.flags} == {"MOBILITY", "WEAPONS"}  # not special category
    assert all(f"break-glass #{glass.id} (emergency access" in f.basis for f in after.flags)


# -- without a relationship, sealed, refused ----------------------------------------------------

def test_identity_only_without_a_relationship(vw: ViewsWorld) -> None:
    v = view(vw, 1, OTHER_SOCIAL_WORKER)

    assert v.identity_only and v.can_break_glass
    assert v.notice is not None and "no legitimate relationship" in v.notice
    assert "break glass" in v.notice
    assert (v.timeline, v.involvements, v.flags, v.services) == ((), (), (), ())
    assert v.records and golden(v)["family_name"].value == "O'Brien"


def test_sealed_records_and_their_activity_stay_invisible(vw: ViewsWorld) -> None:
    v = view(vw, 6, POLICE_OFFICER, "safeguarding")

    assert [r.record_id for r in v.records] == ["N2"]
    assert "Secret" not in repr(v) and "NR1 1AA" not in repr(v)
    assert v.household == ()


def test_a_person_with_only_sealed_records_gives_exactly_the_unknown_id_refusal(
        vw: ViewsWorld) -> None:
    with pytest.raises(AccessDenied) as sealed:
        view(vw, 8, NURSE)
    with pytest.raises(AccessDenied) as unknown:
        view(vw, 99, NURSE)

    assert str(sealed.value) == "no person with id 8"
    assert str(unknown.value) == "no person with id 99"


def test_a_refusal_raises_access_denied_and_is_audited(vw: ViewsWorld) -> None:
    with pytest.raises(AccessDenied, match="no sharing agreement"):
        view(vw, 1, ANALYST, "analytics")

    with vw.engine.connect() as c:
        event = c.execute(select(audit_event, audit_subject.c.person_id)
                          .join(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                          .where(audit_event.c.actor == ANALYST.user)).one()
    assert (event.action, event.decision, event.person_id) == ("read_person", "deny", 1)


def test_a_view_is_one_decision_plus_one_per_household_member(vw: ViewsWorld) -> None:
    v = view(vw, 3)
    assert [(e.action, e.person_id) for e in audited(vw, v.request_id)] == [("read_person", 3)]


def test_the_household_comes_only_from_addresses_the_actor_may_see(vw: ViewsWorld) -> None:
    v = view(vw, 1, NURSE)
    assert [m.person_id for m in v.household] == [2]
    assert all(g.value != HOME or "community_health" in g.sources for g in v.golden)
