"""Registering (verified against a held record), signing in and out, lockout, and the portal's
sessions kept apart from staff sessions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from citizen_world import AISHA, MARY, PASSWORD, TOM, add_citizen, form_token, sign_in
from fastapi.testclient import TestClient
from portal_world import Portal
from sqlalchemy import select
from world import DPO, NOW

from joinedup.accounts.users import LoginPolicy
from joinedup.citizen.accounts import NOT_MATCHED, SIGNIN_FAILED, Proof, register, verify
from joinedup.errors import AccountLocked, AuthenticationFailed, BadInput
from joinedup.govern.session import governed
from joinedup.store.schema import audit_event, citizen_account

POLICY = LoginPolicy(max_failures=3, lockout_minutes=15)


def _register(client: TestClient, proof: Proof, email: str, password: str = PASSWORD
              ) -> object:
    token = form_token(client, "/citizen/register")
    return client.post("/citizen/register", data={
        "method": proof.method, "reference": proof.reference, "postcode": proof.postcode,
        "date_of_birth": proof.date_of_birth, "email": email, "password": password,
        "form_token": token}, follow_redirects=False)


def _events(portal: Portal, action: str) -> list[tuple[str, str, str]]:
    with portal.engine.connect() as c:
        return [(r.actor, r.decision, r.reason) for r in c.execute(
            select(audit_event).where(audit_event.c.action == action)
            .order_by(audit_event.c.seq))]


def test_council_tax_verification_needs_a_date_of_birth_held_on_a_linked_record(
        portal: Portal) -> None:
    with governed(portal.engine) as c:
        record = verify(c, MARY, client="10.0.0.1", policy=POLICY, now=NOW)
    assert record == portal.world.records["T1"]  # anchored to the council tax record


def test_nhs_number_verification(portal: Portal) -> None:
    with governed(portal.engine) as c:
        assert verify(c, TOM, client="10.0.0.2", policy=POLICY, now=NOW) == \
            portal.world.records["G4"]


@pytest.mark.parametrize("wrong", [
    replace(MARY, date_of_birth="02/02/1940"),  # someone else's date of birth
    replace(MARY, postcode="NR3 1AA"),  # the account is billed elsewhere
    replace(MARY, reference="61000009"),  # no such account
    replace(TOM, postcode="NR2 4AB"),  # no postcode of Tom's
    # Patrick shares Mary's account, and no date of birth is held for him anywhere
    Proof("council_tax", "61000001", "NR2 4AB", "01/01/1945"),
])
def test_a_wrong_detail_is_refused_without_saying_which(portal: Portal, wrong: Proof) -> None:
    with pytest.raises(AuthenticationFailed) as refused, governed(portal.engine) as c:
        verify(c, wrong, client=f"10.1.{hash(wrong) % 250}.1", policy=POLICY, now=NOW)
    assert refused.value.message == NOT_MATCHED
    assert _events(portal, "citizen_verify")[-1][:2] == ("citizen:(unverified)", "deny")


def test_a_sealed_record_proves_nothing(portal: Portal) -> None:
    """Aisha's ASC record is sealed (a refuge): its postcode and date of birth cannot be
    confirmed through the portal; her police record's can."""
    refuge = Proof("council_tax", "62000002", "NR1 1AA", "30/11/1991")
    with pytest.raises(AuthenticationFailed), governed(portal.engine) as c:
        verify(c, refuge, client="10.0.0.3", policy=POLICY, now=NOW)
    with governed(portal.engine) as c:
        assert verify(c, AISHA, client="10.0.0.3", policy=POLICY, now=NOW) == \
            portal.world.records["T3"]


def test_badly_formed_details_are_named(portal: Portal) -> None:
    with pytest.raises(BadInput) as bad, governed(portal.engine) as c:
        verify(c, Proof("nhs_number", "123", "nowhere", "31/02/1990"), client="10.0.0.4",
               policy=POLICY, now=NOW)
    for what in ("NHS number", "postcode", "date of birth"):
        assert what in bad.value.message


def test_repeated_failures_lock_out_that_reference_and_client(portal: Portal) -> None:
    at = NOW + timedelta(days=1)  # clear of the failures other tests made
    wrong = replace(TOM, date_of_birth="01/01/1951")
    for _ in range(POLICY.max_failures):
        with pytest.raises(AuthenticationFailed), governed(portal.engine) as c:
            verify(c, wrong, client="10.9.9.9", policy=POLICY, now=at)
    with pytest.raises(AccountLocked), governed(portal.engine) as c:  # even the right details
        verify(c, TOM, client="10.9.9.10", policy=POLICY, now=at)
    with pytest.raises(AccountLocked), governed(portal.engine) as c:  # that client, any details
        verify(c, MARY, client="10.9.9.9", policy=POLICY, now=at)
    assert "locked out" in _events(portal, "citizen_verify")[-1][2]
    with governed(portal.engine) as c:  # the lockout ends
        later = at + timedelta(minutes=POLICY.lockout_minutes + 1)
        assert verify(c, TOM, client="10.9.9.10", policy=POLICY, now=later)


def test_registration_problems_are_all_reported_before_verifying(portal: Portal) -> None:
    before = len(_events(portal, "citizen_verify"))
    with pytest.raises(BadInput) as bad, governed(portal.engine) as c:
        register(c, replace(MARY, date_of_birth="02/02/1940"), email="not-an-email",
                 password="short", client="10.0.0.5", policy=POLICY, now=NOW)
    assert "email" in bad.value.message and "at least 12 characters" in bad.value.message
    assert len(_events(portal, "citizen_verify")) == before  # no attempt was spent


def test_register_sign_out_and_in_through_the_portal(portal: Portal) -> None:
    client, _ = portal.client()
    answer = _register(client, MARY, "mary@example.org")
    assert answer.status_code == 303 and answer.headers["location"] == "/citizen"
    cookie = answer.headers["set-cookie"]
    assert "joinedup_citizen=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    home = client.get("/citizen")
    assert home.status_code == 200 and "Mary O&#39;Brien" in home.text
    assert _events(portal, "citizen_register")[-1][1] == "done"

    token = home.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/citizen/signout", data={"csrf_token": "forged"}).status_code == 403
    out = client.post("/citizen/signout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/citizen", follow_redirects=False).headers["location"] == \
        "/citizen/signin?next=/citizen"
    sign_in(client, "mary@example.org")
    assert client.get("/citizen").status_code == 200
    assert _events(portal, "citizen_login")[-1][1] == "allow"

    again = _register(portal.client()[0], MARY, "mary2@example.org")
    assert again.status_code == 400 and "already have an account" in again.text


def test_a_new_token_at_every_sign_in(portal: Portal) -> None:
    account = add_citizen(portal.engine, portal.world.records["G4"], email="tom@example.org")
    client, _ = portal.client()
    sign_in(client, "tom@example.org")
    first = client.cookies.get("joinedup_citizen")
    sign_in(client, "tom@example.org")
    assert client.cookies.get("joinedup_citizen") != first
    stale, _ = portal.client()
    stale.cookies.set("joinedup_citizen", str(first))
    assert stale.get("/citizen", follow_redirects=False).status_code == 303  # ended
    assert account.display_name == "Tom Baker"


def test_wrong_passwords_are_refused_alike_then_lock_the_account(portal: Portal) -> None:
    add_citizen(portal.engine, portal.world.records["A2"], email="john@example.org")
    client, _ = portal.client()
    for email in ("nobody@example.org", "john@example.org"):
        token = form_token(client, "/citizen/signin")
        answer = client.post("/citizen/signin", data={"email": email, "password": "wrong",
                                                      "form_token": token})
        assert answer.status_code == 401 and SIGNIN_FAILED in answer.text
    for _ in range(4):
        token = form_token(client, "/citizen/signin")
        answer = client.post("/citizen/signin", data={
            "email": "john@example.org", "password": "wrong", "form_token": token})
    assert "Too many attempts" in answer.text
    token = form_token(client, "/citizen/signin")
    locked = client.post("/citizen/signin", data={
        "email": "john@example.org", "password": PASSWORD, "form_token": token})
    assert locked.status_code == 401 and "Too many attempts" in locked.text
    with portal.engine.connect() as c:
        assert c.execute(select(citizen_account.c.locked_until).where(
            citizen_account.c.email == "john@example.org")).scalar_one() is not None


def test_a_form_without_its_token_is_refused(portal: Portal) -> None:
    client, _ = portal.client()
    answer = client.post("/citizen/signin", data={"email": "x@example.org", "password": "y",
                                                  "form_token": "made-up"})
    assert answer.status_code == 403 and "expired" in answer.text


def test_staff_and_citizen_sessions_never_open_each_others_pages(portal: Portal) -> None:
    staff, _ = portal.client()
    token = staff.get("/login").cookies.get("joinedup_login") or \
        staff.cookies.get("joinedup_login")
    staff.post("/login", data={"username": DPO.user, "password": PASSWORD,
                               "login_token": token})
    assert staff.cookies.get("joinedup_session")
    assert staff.get("/citizen", follow_redirects=False).headers["location"].startswith(
        "/citizen/signin")
    citizen, _ = portal.client()
    add_citizen(portal.engine, portal.world.records["T3"], email="aisha@example.org")
    sign_in(citizen, "aisha@example.org")
    citizen.cookies.set("joinedup_session", str(citizen.cookies.get("joinedup_citizen")))
    for page in ("/dpo", "/dpo/requests", "/search"):
        assert citizen.get(page, follow_redirects=False).headers["location"].startswith(
            "/login")
