"""The portal's request pages and the DPO's queue over HTTP: a citizen only ever sees
themselves (no route takes a person id; someone else's request or pack is 404, audited), every
form needs its CSRF token, deadlines are shown and overdue ones marked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from citizen_world import PASSWORD, add_citizen, csrf, sign_in
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from portal_world import Portal
from sqlalchemy import select
from world import ASC, DPO, NOW, SOCIAL_WORKER

from joinedup.citizen.accounts import actor_of
from joinedup.govern import requests
from joinedup.govern.session import governed
from joinedup.server.app import create_app
from joinedup.store.schema import audit_event, citizen_account


@pytest.fixture(scope="module")
def browsers(portal: Portal) -> dict[str, TestClient]:
    """Mary and Aisha signed in to the portal, the DPO and a social worker to staff pages."""
    found = {}
    for name, record in (("mary", "T1"), ("aisha", "T3")):
        add_citizen(portal.engine, portal.world.records[record], email=f"{name}.w@example.org")
        found[name] = sign_in(portal.client()[0], f"{name}.w@example.org")
    for name, actor in (("dpo", DPO), ("social_worker", SOCIAL_WORKER)):
        client = portal.client()[0]
        client.get("/login")
        client.post("/login", data={"username": actor.user, "password": PASSWORD,
                                    "login_token": client.cookies.get("joinedup_login")})
        found[name] = client
    return found


def _ask(client: TestClient, **form: str) -> int:
    answer = client.post("/citizen/requests", data={"csrf_token": csrf(client), **form},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def _denials(portal: Portal, actor_prefix: str) -> int:
    with portal.engine.connect() as c:
        return len(c.execute(select(audit_event.c.seq).where(
            audit_event.c.action == "read_request", audit_event.c.decision == "deny",
            audit_event.c.actor.like(f"{actor_prefix}%"))).all())


def _routes(node: Any) -> Iterator[APIRoute]:
    """Every route of the app, however its routers are nested."""
    for route in getattr(node, "routes", ()):
        if isinstance(route, APIRoute):
            yield route
        else:
            yield from _routes(getattr(route, "original_router", route))


def test_no_citizen_route_takes_a_person_id() -> None:
    routes = {r.path: r for r in _routes(create_app()) if r.path.startswith("/citizen")}.values()
    assert {r.path for r in routes} >= {"/citizen", "/citizen/records", "/citizen/accesses",
                                        "/citizen/requests", "/citizen/requests/{request_id}",
                                        "/citizen/requests/{request_id}/pack.{fmt}"}
    for route in routes:
        assert "person" not in route.path
        assert not any("person" in p.name for p in route.dependant.query_params)
        assert not any("person" in p.name for p in route.dependant.body_params)


def test_a_request_made_in_the_portal_with_its_deadline(portal: Portal,
                                                        browsers: dict[str, TestClient]
                                                        ) -> None:
    mary = browsers["mary"]
    request_id = _ask(mary, kind="subject_access")
    page = mary.get(f"/citizen/requests/{request_id}")
    assert page.status_code == 200 and "22 December 2026" in page.text  # one calendar month
    assert "with the data protection officer" in page.text
    listing = mary.get("/citizen/requests")
    assert f"#{request_id}" in listing.text and "22 Dec 2026" in listing.text


def test_someone_elses_request_and_pack_are_404_and_audited(
        portal: Portal, browsers: dict[str, TestClient]) -> None:
    marys = _ask(browsers["mary"], kind="subject_access")
    aisha = browsers["aisha"]
    before = _denials(portal, "citizen:")
    for path in (f"/citizen/requests/{marys}", f"/citizen/requests/{marys}/pack.html",
                 f"/citizen/requests/{marys}/pack.json", "/citizen/requests/99999"):
        answer = aisha.get(path)
        assert answer.status_code == 404, path
        assert "Mary" not in answer.text
    assert _denials(portal, "citizen:") == before + 4


def test_forms_need_the_csrf_token_and_bad_input_is_explained(
        browsers: dict[str, TestClient]) -> None:
    mary = browsers["mary"]
    assert mary.post("/citizen/requests", data={"kind": "subject_access",
                                                "csrf_token": "forged"}).status_code == 403
    bad = mary.post("/citizen/requests", data={
        "kind": "correction", "field": "email", "value": "not an email", "reason": "",
        "csrf_token": csrf(mary)})
    assert bad.status_code == 400 and "email" in bad.text and "say what is wrong" in bad.text


def test_the_dpo_queue_processes_a_request_and_the_citizen_downloads_the_pack(
        portal: Portal, browsers: dict[str, TestClient]) -> None:
    mary, dpo = browsers["mary"], browsers["dpo"]
    request_id = _ask(mary, kind="subject_access")
    queue = dpo.get("/dpo/requests")
    assert queue.status_code == 200 and f"#{request_id} subject access" in queue.text
    assert "days left" in queue.text
    token = queue.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert dpo.post(f"/dpo/requests/{request_id}/process",
                    data={"csrf_token": "forged"}).status_code == 403
    done = dpo.post(f"/dpo/requests/{request_id}/process", data={"csrf_token": token})
    assert done.status_code == 200 and "DPO notes" in done.text
    page = mary.get(f"/citizen/requests/{request_id}")
    assert "Your copy is ready" in page.text
    pack = mary.get(f"/citizen/requests/{request_id}/pack.json")
    assert pack.status_code == 200 and pack.headers["content-type"] == "application/json"
    assert "attachment" in pack.headers["content-disposition"]
    assert ASC in pack.text
    assert mary.get(f"/citizen/requests/{request_id}/pack.pdf").status_code == 400


def test_a_refusal_reaches_the_citizen(portal: Portal, browsers: dict[str, TestClient]
                                       ) -> None:
    aisha, dpo = browsers["aisha"], browsers["dpo"]
    request_id = _ask(aisha, kind="correction", field="given_name", value="Ayesha",
                      reason="spelt wrongly")
    token = dpo.get("/dpo/requests").text.split('name="csrf_token" value="')[1].split('"')[0]
    dpo.post(f"/dpo/requests/{request_id}/refuse", data={
        "csrf_token": token, "reason": "Your passport spells it Aisha"})
    page = aisha.get(f"/citizen/requests/{request_id}")
    assert "refused" in page.text and "passport" in page.text


def test_an_overdue_request_is_marked_for_the_dpo_and_the_citizen(
        portal: Portal, browsers: dict[str, TestClient]) -> None:
    with governed(portal.engine) as c:  # received two months before the world's today
        account = c.execute(select(citizen_account.c.id).where(
            citizen_account.c.email == "aisha.w@example.org")).scalar_one()
        late = requests.submit(c, actor_of(account), "subject_access", {},
                               now=datetime(2026, 9, 20, 9, 0))
    assert late.due_on < NOW.date()
    assert "overdue" in browsers["dpo"].get("/dpo/requests").text
    assert "overdue" in browsers["aisha"].get(f"/citizen/requests/{late.id}").text
    assert "overdue" in browsers["aisha"].get("/citizen/requests").text


def test_staff_other_than_the_dpo_cannot_see_the_queue(portal: Portal,
                                                       browsers: dict[str, TestClient]
                                                       ) -> None:
    answer = browsers["social_worker"].get("/dpo/requests")
    assert answer.status_code == 403
    with portal.engine.connect() as c:
        last = c.execute(select(audit_event.c.actor, audit_event.c.decision).where(
            audit_event.c.action == "request_queue").order_by(audit_event.c.seq.desc())
            .limit(1)).one()
    assert (last.actor, last.decision) == (SOCIAL_WORKER.user, "deny")


def _bearer(client: TestClient, user: str) -> dict[str, str]:
    answer = client.post("/auth/token", data={"username": user, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_the_queue_as_json_for_the_dpo_only(portal: Portal, browsers: dict[str, TestClient]
                                            ) -> None:
    request_id = _ask(browsers["mary"], kind="correction", field="phone",
                      value="01603 999999", reason="new number")
    api, _ = portal.client()
    dpo = _bearer(api, DPO.user)
    queue = api.get("/api/requests", headers=dpo)
    assert queue.status_code == 200
    [mine] = [r for r in queue.json() if r["id"] == request_id]
    assert mine["kind"] == "correction" and mine["due_on"] == "2026-12-22"
    assert mine["days_left"] == 30 and not mine["overdue"]
    assert mine["details"]["value"] == "01603999999"
    refused = api.post(f"/api/requests/{request_id}/refuse", headers=dpo,
                       json={"reason": "please phone us to confirm"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert api.get(f"/api/requests/{request_id}", headers=dpo).json()["outcome"] == \
        "please phone us to confirm"
    other = api.get("/api/requests", headers=_bearer(api, SOCIAL_WORKER.user))
    assert other.status_code == 403 and other.json()["error"]["code"] == "access_denied"
    assert api.get("/api/requests/999999", headers=dpo).status_code == 404
