"""What a citizen sees: the agencies that hold them (never content, never sealed records), and
who accessed their data, with accesses an exemption covers withheld and the withholding logged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from citizen_world import COUNCIL_TAX_AGENCY, GP_AGENCY, add_citizen, csrf, sign_in
from portal_world import Portal
from sqlalchemy import select
from world import ASC, DPO, HEALTH, NOW, NURSE, POLICE, POLICE_OFFICER, SOCIAL_WORKER

from joinedup.citizen import Citizen
from joinedup.citizen.accesses import accesses
from joinedup.citizen.accounts import citizen_of
from joinedup.citizen.holdings import holdings
from joinedup.errors import AccessDenied, BadInput
from joinedup.govern.decide import decide
from joinedup.govern.exemptions import add_exemption, withdraw_exemption
from joinedup.govern.session import governed
from joinedup.store.schema import audit_event, audit_subject


def _citizen(portal: Portal, record: str, email: str) -> Citizen:
    account = add_citizen(portal.engine, portal.world.records[record], email=email)
    with portal.engine.connect() as c:
        found = citizen_of(c, account.id)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def mary(portal: Portal) -> Citizen:
    return _citizen(portal, "T1", "mary.h@example.org")


@pytest.fixture(scope="module")
def aisha(portal: Portal) -> Citizen:
    return _citizen(portal, "T3", "aisha.h@example.org")


def test_the_agencies_holding_a_citizen_with_counts_by_kind(portal: Portal, mary: Citizen
                                                            ) -> None:
    with governed(portal.engine) as c:
        held = {h.agency: h.counts for h in holdings(c, mary, now=NOW)}
    assert set(held) == {ASC, POLICE, HEALTH, COUNCIL_TAX_AGENCY}
    assert held[ASC] == {"records": 1, "contacts": 1, "involvements": 1, "flags": 2}
    # the police WEAPONS marker (criminal offence) is not counted: it would tip off
    assert held[POLICE] == {"records": 1, "contacts": 0, "involvements": 0, "flags": 0}
    assert GP_AGENCY not in held  # Tom's GP, not Mary's


def test_sealed_records_are_not_revealed(portal: Portal, aisha: Citizen) -> None:
    with governed(portal.engine) as c:
        held = {h.agency for h in holdings(c, aisha, now=NOW)}
    assert held == {POLICE, COUNCIL_TAX_AGENCY}  # her ASC record is sealed (a refuge)


def test_records_page_shows_names_and_counts_not_content(portal: Portal) -> None:
    add_citizen(portal.engine, portal.world.records["T2"], email="patrick@example.org")
    client, _ = portal.client()
    sign_in(client, "patrick@example.org")
    page = client.get("/citizen/records")
    assert page.status_code == 200 and COUNCIL_TAX_AGENCY in page.text
    assert "High Street" not in page.text  # no content
    assert ASC not in page.text  # Mary's agencies, not her husband's
    with portal.engine.connect() as c:
        last = c.execute(select(audit_event.c.action, audit_event.c.actor)
                         .order_by(audit_event.c.seq.desc()).limit(1)).one()
    assert last.action == "citizen_records" and last.actor.startswith("citizen:")


def _read(portal: Portal, actor: object, purpose: str, person: int) -> int:
    with governed(portal.engine) as c:
        decision = decide(c, portal.world.register, actor, purpose, person,  # type: ignore[arg-type]
                          now=NOW)
    assert decision.allowed, decision.reason
    return decision.seq


def test_who_accessed_shows_ordinary_accesses_and_withholds_police_ones(
        portal: Portal, mary: Citizen) -> None:
    shown_seq = _read(portal, SOCIAL_WORKER, "direct_care", 1)
    police_seq = _read(portal, POLICE_OFFICER, "safeguarding", 1)
    with governed(portal.engine) as c:
        found = accesses(c, mary, now=NOW)
    seqs = {a.seq for a in found}
    assert shown_seq in seqs
    assert police_seq not in seqs
    assert all(a.organisation != "citizen" for a in found)  # not their own visits
    with portal.engine.connect() as c:
        withheld = c.execute(select(audit_event.c.reason, audit_subject.c.person_id)
                             .outerjoin(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                             .where(audit_event.c.action == "withhold_accesses")
                             .order_by(audit_event.c.seq.desc()).limit(1)).one()
    assert str(police_seq) in withheld.reason and "Sch. 2 para 2" in withheld.reason
    assert withheld.person_id is None  # so Mary's own pack never mentions it


def test_a_dpo_exemption_withholds_accesses_for_its_organisation_and_period(
        portal: Portal) -> None:
    tom = _citizen(portal, "G4", "tom.h@example.org")
    nurse_seq = _read(portal, NURSE, "direct_care", 4)
    with governed(portal.engine) as c:
        exemption = add_exemption(c, DPO, 4, ground="safeguarding", organisation=HEALTH,
                                  reason="section 47 enquiry under way", now=NOW,
                                  starts_on=NOW.date() - timedelta(days=1),
                                  ends_on=NOW.date() + timedelta(days=30))
        assert nurse_seq not in {a.seq for a in accesses(c, tom, now=NOW)}
        withdraw_exemption(c, DPO, exemption, now=NOW)
        assert nurse_seq in {a.seq for a in accesses(c, tom, now=NOW)}


def test_an_exemption_outside_its_period_withholds_nothing(portal: Portal) -> None:
    john = _citizen(portal, "A2", "john.h@example.org")
    seq = _read(portal, SOCIAL_WORKER, "direct_care", 2)
    with governed(portal.engine) as c:
        add_exemption(c, DPO, 2, ground="crime", organisation=ASC, reason="an old enquiry",
                      starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31), now=NOW)
        assert seq in {a.seq for a in accesses(c, john, now=NOW)}


def test_only_the_dpo_records_exemptions_and_bad_ones_are_refused(portal: Portal) -> None:
    with pytest.raises(AccessDenied), governed(portal.engine) as c:
        add_exemption(c, POLICE_OFFICER, 1, ground="crime", reason="please hide me",
                      starts_on=NOW.date(), now=NOW)
    with portal.engine.connect() as c:
        denied = c.execute(select(audit_event.c.decision).where(
            audit_event.c.action == "add_exemption").order_by(audit_event.c.seq.desc())
            .limit(1)).scalar_one()
    assert denied == "deny"
    with pytest.raises(BadInput) as bad, governed(portal.engine) as c:
        add_exemption(c, DPO, 1, ground="curiosity", reason="", purpose="gossip",
                      starts_on=NOW.date(), ends_on=NOW.date() - timedelta(days=1), now=NOW)
    for what in ("ground", "purpose", "before it starts", "reason"):
        assert what in bad.value.message


def test_accesses_page(portal: Portal, mary: Citizen) -> None:
    _read(portal, SOCIAL_WORKER, "direct_care", 1)
    _read(portal, POLICE_OFFICER, "safeguarding", 1)
    client, _ = portal.client()
    sign_in(client, "mary.h@example.org")
    page = client.get("/citizen/accesses")
    assert page.status_code == 200
    assert ASC in page.text and "Caring for or supporting you" in page.text
    assert POLICE not in page.text
    assert csrf(client)
