"""Caseloads (by a practitioner's email or the actor's team) and the team around a person,
with the suggested lead practitioner and the reason for it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from views_world import ASC_INVOLVEMENTS, JANE, SAM, ViewsWorld, load_involvements
from world import (
    ANALYST,
    ASC,
    ASC_TEAM,
    HEALTH,
    NOW,
    NURSE,
    OTHER_SOCIAL_WORKER,
    SOCIAL_WORKER,
)

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor
from joinedup.store.schema import audit_event
from joinedup.views import (
    CaseloadEntry,
    Involved,
    InvolvedPractitioner,
    caseload,
    involved,
    suggest_lead,
)


def load(vw: ViewsWorld, actor: Actor = SOCIAL_WORKER, email: str | None = None,
         purpose: str = "direct_care") -> tuple[CaseloadEntry, ...]:
    with governed(vw.engine) as c:
        return caseload(c, vw.register, actor, purpose, email=email, now=NOW)


def team_around(vw: ViewsWorld, person_id: int = 1, actor: Actor = SOCIAL_WORKER,
                purpose: str = "direct_care") -> Involved:
    with governed(vw.engine) as c:
        return involved(c, vw.register, actor, purpose, person_id, now=NOW)


def count(vw: ViewsWorld, **where: Any) -> int:
    with vw.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(audit_event).where(
            *(audit_event.c[k] == v for k, v in where.items()))).scalar_one())


# -- caseload -----------------------------------------------------------------------------------

def test_caseload_by_email_is_case_insensitive(vw: ViewsWorld) -> None:
    entries = load(vw, email="Jane.Doe@ASC.Example.org")

    assert [(e.person_id, e.family_name, e.service, e.started_on) for e in entries] == [
        (1, "O'Brien", "Home Care", date(2025, 1, 1)),
        (2, "Smith", "Reablement", date(2026, 9, 1))]
    assert all(e.key_worker == "Jane Doe" and e.team == ASC_TEAM for e in entries)
    assert entries[0].basis == f"Adult Social Care's own record; open involvement with " \
        f"{ASC_TEAM} (Home Care)"
    assert count(vw, action="read_caseload") == 2


def test_closed_involvements_are_not_a_caseload(vw: ViewsWorld) -> None:
    assert load(vw, email=SAM[2]) == ()  # both of Sam's involvements have ended


def test_caseload_of_the_actors_team(vw: ViewsWorld) -> None:
    assert [e.person_id for e in load(vw)] == [1, 2]
    assert [(e.person_id, e.service) for e in load(vw, NURSE)] == [(1, "District Nursing")]
    assert load(vw, OTHER_SOCIAL_WORKER) == ()


def test_caseload_of_an_unknown_email_or_no_team(vw: ViewsWorld) -> None:
    with pytest.raises(BadInput, match="email: no practitioner"):
        load(vw, email="nobody@asc.example.org")
    with pytest.raises(BadInput, match=r"email: .* not an email address"):
        load(vw, email="'; DROP TABLE practitioner; --")
    with pytest.raises(BadInput, match="no team"):
        load(vw, Actor("sw.solo", ASC, SOCIAL_WORKER.role))


def test_a_practitioner_of_another_organisation_has_no_caseload_here(vw: ViewsWorld) -> None:
    with pytest.raises(BadInput, match="no practitioner"):
        load(vw, NURSE, email=JANE[2])


def test_a_caseload_refusal_is_audited(vw: ViewsWorld) -> None:
    with pytest.raises(AccessDenied, match="may not act for the purpose analytics"):
        load(vw, SOCIAL_WORKER, purpose="analytics")
    assert count(vw, action="read_caseload", decision="deny") == 1


# -- who is involved, and who could lead --------------------------------------------------------

def test_everyone_involved_across_agencies_and_how_to_reach_them(vw: ViewsWorld) -> None:
    found = team_around(vw)

    people = {p.name: p for p in found.practitioners}
    assert set(people) == {"Jane Doe", "Claire Green", "Sam Patel"}
    jane, green, sam = people["Jane Doe"], people["Claire Green"], people["Sam Patel"]
    assert (jane.agency, jane.email, jane.phone, jane.role) == (ASC, JANE[2], "01603000001",
                                                                "Social Worker")
    assert (jane.key_worker, jane.open_since, jane.contacts_90_days,
            jane.household_contacts_90_days) == (True, date(2025, 1, 1), 1, 2)
    assert jane.last_contact_at == datetime(2026, 10, 1, 10, 0)
    assert (green.agency, green.contacts_90_days, green.services) == (
        HEALTH, 2, ("District Nursing",))  # the visit of January 2025 is not recent
    assert (sam.key_worker, sam.services) == (False, ("Home Care", "Occupational Therapy"))
    events = [(e.action, e.person_id) for e in _events(vw, found.request_id)]
    assert events == [("read_involved", 1), ("read_household", 2)]


def _events(vw: ViewsWorld, request_id: str) -> list[Any]:
    from joinedup.store.schema import audit_subject
    with vw.engine.connect() as c:
        return list(c.execute(select(audit_event.c.action, audit_subject.c.person_id)
                              .join(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                              .where(audit_event.c.request_id == request_id)
                              .order_by(audit_event.c.seq)))


def test_the_lead_is_who_the_family_sees_most(vw: ViewsWorld) -> None:
    lead = team_around(vw).lead

    assert lead is not None and lead.practitioner.name == "Jane Doe"
    assert lead.reason == (
        "Jane Doe (Adult Social Care) has had the most contacts with this person and their "
        "household in the last 90 days (3 contacts; next Claire Green with 2): the family "
        "already sees them most.")


def test_the_key_worker_of_an_open_statutory_involvement_leads(vw: ViewsWorld) -> None:
    load_involvements(vw.engine, vw.tmp_path, [
        *ASC_INVOLVEMENTS, ["I5", "A1", "Adult Safeguarding", ASC_TEAM, *SAM, "2026-11-01", ""]])

    lead = team_around(vw).lead

    assert lead is not None and lead.practitioner.name == "Sam Patel"
    assert lead.practitioner.statutory == ("Adult Safeguarding",)
    assert lead.reason.startswith("Sam Patel (Adult Social Care) is the key worker of an open "
                                  "statutory involvement (Adult Safeguarding)")


def test_without_a_relationship_nobody_is_shown(vw: ViewsWorld) -> None:
    found = team_around(vw, actor=OTHER_SOCIAL_WORKER)
    assert (found.practitioners, found.lead) == ((), None)


def test_involved_refused_is_audited(vw: ViewsWorld) -> None:
    with pytest.raises(AccessDenied):
        team_around(vw, actor=ANALYST, purpose="analytics")
    assert count(vw, action="read_involved", decision="deny") == 1


def practitioner(name: str, *, statutory: tuple[str, ...] = (), recent: int = 0,
                 household: int = 0, since: date | None = None, pid: int = 0
                 ) -> InvolvedPractitioner:
    return InvolvedPractitioner(pid, name, None, None, ASC, None, None, (), since is not None,
                                statutory, since, None, recent, household, "")


def test_the_lead_rule_in_order() -> None:
    assert suggest_lead([]) is None
    only = suggest_lead([practitioner("Ann")])
    assert only is not None and only.reason == "Ann (Adult Social Care) is the only " \
        "practitioner involved."

    longest = suggest_lead([practitioner("Ann", recent=2, since=date(2026, 1, 1)),
                            practitioner("Bea", recent=1, household=1, since=date(2025, 1, 1))])
    assert longest is not None and longest.practitioner.name == "Bea"
    assert "involved longest (key worker since 2025-01-01)" in longest.reason

    by_name = suggest_lead([practitioner("Cy", recent=1, pid=1),
                            practitioner("bo", recent=1, pid=2)])
    assert by_name is not None and by_name.practitioner.name == "bo"
    assert "goes by name" in by_name.reason

    statutory = suggest_lead([practitioner("Ann", statutory=("Child Protection",), recent=1),
                              practitioner("Bea", statutory=("Looked After Children",),
                                           recent=3),
                              practitioner("Cy", recent=9)])
    assert statutory is not None and statutory.practitioner.name == "Bea"
    assert statutory.reason.startswith("Among the key workers of open statutory "
                                       "involvements, Bea (Adult Social Care) has had the most")
