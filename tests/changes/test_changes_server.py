"""Tell us once over HTTP: an agency's system through the API (its own notifications only,
refusals audited), the data engineer's page, and the citizen's pages (their own changes only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from changes_world import (
    ASC,
    COUNCIL_ENGINEER,
    CS,
    DPO,
    FIRE,
    HEALTH_ENGINEER,
    NOW,
    POLICE,
    POLICE_ENGINEER,
    County,
)
from citizen_world import citizen_client, csrf
from fastapi.testclient import TestClient
from server_world import PASSWORD, served_app
from sqlalchemy import select
from test_signin import csrf as staff_csrf
from test_web_people import signed_in

from joinedup.govern import changes
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Purpose
from joinedup.server.hub import Hub
from joinedup.store.schema import audit_event

NEW_HOME = {"kind": "address", "address": "7 Castle Meadow, Norwich", "postcode": "NR1 3DH"}


@pytest.fixture(scope="module")
def app(county: County) -> Iterator[tuple[TestClient, Hub]]:
    yield served_app(county.engine, county.directory)


@pytest.fixture(scope="module")
def mary(county: County, app: tuple[TestClient, Hub]) -> TestClient:
    """Mary O'Brien (person 1), signed in to the citizen portal."""
    client, _ = served_app(county.engine, county.directory)
    return citizen_client(client, county.engine, county.records["A1"],
                          email="mary@example.org")


@pytest.fixture(scope="module")
def john(county: County) -> TestClient:
    """John O'Brien (person 2, Mary's household), signed in to the citizen portal."""
    client, _ = served_app(county.engine, county.directory)
    return citizen_client(client, county.engine, county.records["A2"],
                          email="john@example.org")


def token(client: TestClient, actor: Actor) -> dict[str, str]:
    answer = client.post("/auth/token", data={"username": actor.user, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}",
            "X-Purpose": "data_quality"}


def reported(client: TestClient, data: dict[str, str] | None = None) -> int:
    """Mary reports a change through the portal; its id, from where she is sent."""
    answer = client.post("/citizen/changes", data={**(data or NEW_HOME),
                                                   "csrf_token": csrf(client)},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/citizen/changes/(\d+)", answer.headers["location"])
    assert found is not None
    return int(found.group(1))


def sent(county: County, change_id: int) -> dict[str, int]:
    with governed(county.engine) as c:
        return {n.agency: n.id for n in changes.notifications(c, DPO, Purpose.AUDIT, now=NOW)
                if n.change_id == change_id}


def last_event(county: County, action: str) -> Any:
    with county.engine.connect() as c:
        return c.execute(select(audit_event.c.actor, audit_event.c.decision)
                         .where(audit_event.c.action == action)
                         .order_by(audit_event.c.seq.desc()).limit(1)).one()


# -- the citizen -----------------------------------------------------------------------------

def test_a_citizen_reports_a_change_and_sees_it_per_agency(county: County,
                                                           mary: TestClient) -> None:
    form = mary.get("/citizen/changes")
    assert form.status_code == 200
    assert "We will send it to:" in form.text and POLICE in form.text
    assert CS not in form.text  # held only in a sealed record: not named to her

    change_id = reported(mary)
    page = mary.get(f"/citizen/changes/{change_id}")
    assert page.status_code == 200
    assert "7 Castle Meadow, Norwich" in page.text
    assert page.text.count("being checked") == 3 and FIRE in page.text and CS not in page.text
    assert f"#{change_id}: new address" in mary.get("/citizen/changes").text


def test_bad_input_is_shown_on_the_form_with_what_was_entered(mary: TestClient) -> None:
    answer = mary.post("/citizen/changes", data={**NEW_HOME, "postcode": "ZZ",
                                                 "csrf_token": csrf(mary)})
    assert answer.status_code == 400
    assert "postcode: &#39;ZZ&#39; is not valid; expected a UK postcode" in answer.text
    assert 'value="7 Castle Meadow, Norwich"' in answer.text
    unknown = mary.post("/citizen/changes", data={"kind": "name", "csrf_token": csrf(mary)})
    assert unknown.status_code == 400 and "a change is of one of" in unknown.text


def test_a_citizen_form_without_the_csrf_token_is_refused(mary: TestClient) -> None:
    answer = mary.post("/citizen/changes", data=NEW_HOME, follow_redirects=False)
    assert answer.status_code == 403


def test_a_citizen_sees_only_their_own_changes(county: County, mary: TestClient,
                                               john: TestClient) -> None:
    marys = reported(mary)
    johns = reported(john, {"kind": "phone", "phone": "07700 900456"})
    assert mary.get(f"/citizen/changes/{johns}").status_code == 404
    assert last_event(county, "read_own_change").decision == "deny"
    assert john.get(f"/citizen/changes/{marys}").status_code == 404
    assert f"#{johns}:" not in mary.get("/citizen/changes").text
    assert john.get(f"/citizen/changes/{johns}").status_code == 200


def test_the_citizen_pages_need_a_citizen_sign_in(county: County,
                                                  app: tuple[TestClient, Hub]) -> None:
    client, _ = served_app(county.engine, county.directory)
    answer = client.get("/citizen/changes", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/citizen/signin")
    signed_in(client, COUNCIL_ENGINEER, "data_quality")  # a staff cookie opens nothing here
    assert client.get("/citizen/changes", follow_redirects=False).status_code == 303


# -- an agency's system ----------------------------------------------------------------------

def test_an_agency_system_lists_decides_its_own_and_is_refused_another(
        county: County, mary: TestClient, app: tuple[TestClient, Hub]) -> None:
    client, _ = app
    to = sent(county, reported(mary))
    police = token(client, POLICE_ENGINEER)

    pending = client.get("/api/changes", headers=police)
    assert pending.status_code == 200
    assert {n["agency"] for n in pending.json()} == {POLICE}
    mine = client.get(f"/api/changes/{to[POLICE]}", headers=police).json()
    assert mine["records"][0]["record_id"] == "N1"
    assert mine["records"][0]["fields"][0] == {
        "field": "address", "old": "12 High St, Norwich", "new": "7 Castle Meadow, Norwich",
        "current": "12 High St, Norwich"}

    theirs = client.get(f"/api/changes/{to[ASC]}", headers=police)
    assert theirs.status_code == 403
    assert theirs.json()["error"]["code"] == "access_denied"
    assert tuple(last_event(county, "read_change_notification")) == (POLICE_ENGINEER.user,
                                                                     "deny")
    refused = client.post(f"/api/changes/{to[ASC]}/decision", headers=police,
                          json={"accept": True})
    assert refused.status_code == 403
    assert tuple(last_event(county, "accept_change")) == (POLICE_ENGINEER.user, "deny")
    other = client.get("/api/changes", headers=police, params={"agency": ASC})
    assert other.status_code == 403

    decided = client.post(f"/api/changes/{to[POLICE]}/decision", headers=police,
                          json={"accept": False, "reason": "Not known at that address"})
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["reason"]) == (
        "rejected", "Not known at that address")
    assert tuple(last_event(county, "reject_change")) == (POLICE_ENGINEER.user, "done")
    every = client.get("/api/changes", headers=police, params={"status": "all"}).json()
    assert to[POLICE] in {n["id"] for n in every} and {n["agency"] for n in every} == {POLICE}
    assert to[POLICE] not in {n["id"] for n in client.get("/api/changes", headers=police).json()}
    again = client.post(f"/api/changes/{to[POLICE]}/decision", headers=police,
                        json={"accept": True})
    assert again.status_code == 400 and "already rejected" in again.json()["error"]["message"]
    page = mary.get(f"/citizen/changes/{sent_change(county, to[POLICE])}").text
    assert "Not known at that address" in page and "not accepted" in page


def sent_change(county: County, notification_id: int) -> int:
    with governed(county.engine) as c:
        return changes.notification(c, DPO, Purpose.AUDIT, notification_id, now=NOW).change_id


def test_the_api_needs_the_data_quality_purpose_and_a_reason_to_reject(
        county: County, mary: TestClient, app: tuple[TestClient, Hub]) -> None:
    client, _ = app
    to = sent(county, reported(mary))
    headers = token(client, HEALTH_ENGINEER)
    assert client.get("/api/changes", headers={**headers, "X-Purpose": "direct_care"}
                      ).status_code == 403
    police = token(client, POLICE_ENGINEER)
    blank = client.post(f"/api/changes/{to[POLICE]}/decision", headers=police,
                        json={"accept": False, "reason": "  "})
    assert blank.status_code == 400 and "give a reason" in blank.json()["error"]["message"]
    assert client.get("/api/changes").status_code == 401


# -- the data engineer's page ----------------------------------------------------------------

def test_the_engineer_sees_old_and_new_and_accepts_with_csrf(
        county: County, mary: TestClient) -> None:
    to = sent(county, reported(mary))
    client, _ = served_app(county.engine, county.directory)
    signed_in(client, COUNCIL_ENGINEER, "data_quality")
    page = client.get("/changes")
    assert page.status_code == 200
    assert f"Notification {to[ASC]}: new address for {ASC}" in page.text
    assert f"Notification {to[POLICE]}:" not in page.text  # not the council's to decide
    assert "12 High Street, Norwich" in page.text and "7 Castle Meadow, Norwich" in page.text
    assert "(withheld: sealed record)" in page.text  # the children's services record

    forged = client.post(f"/changes/{to[ASC]}/decision", data={"decision": "accept"},
                         follow_redirects=False)
    assert forged.status_code == 403
    done = client.post(f"/changes/{to[ASC]}/decision",
                       data={"decision": "accept", "csrf_token": staff_csrf(client)},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/changes?decided={to[ASC]}"
    assert f"Notification {to[ASC]}:" in client.get("/changes?status=accepted").text
    missing = client.post(f"/changes/{to[CS]}/decision",
                          data={"decision": "reject", "csrf_token": staff_csrf(client)})
    assert missing.status_code == 400 and "give a reason" in missing.text
    status = mary.get(f"/citizen/changes/{sent_change(county, to[ASC])}").text
    assert re.search(rf"{ASC}</td>\s*<td><span class=\"tag green\">accepted", status)
