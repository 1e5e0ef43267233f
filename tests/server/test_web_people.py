"""The person pages in the browser's terms: the advisor's call from search to its end, who
else is involved, and break-glass through the web form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from server_world import Served, add_account
from sqlalchemy import select
from test_signin import csrf, sign_in
from world import ADVISOR, CUSTOMER_SERVICES, OTHER_SOCIAL_WORKER, SOCIAL_WORKER

from joinedup.govern.vocabulary import Actor, Role
from joinedup.store.schema import audit_event, live_contact

IDENTITY_ONLY = "Only identity"
OTHER_ADVISOR = Actor("cc.okafor", CUSTOMER_SERVICES, Role.CALL_CENTRE_ADVISOR)


def signed_in(client: TestClient, actor: Actor, purpose: str) -> TestClient:
    sign_in(client, actor)
    chosen = client.post("/purpose", data={"purpose": purpose, "csrf_token": csrf(client)},
                         follow_redirects=False)
    assert chosen.status_code == 303, chosen.text
    return client


def contact_on(page: str) -> int | None:
    found = re.search(r'action="/contacts/(\d+)/end"', page)
    return None if found is None else int(found.group(1))


def start_call(client: TestClient, person_id: int = 1) -> int:
    started = client.post(f"/persons/{person_id}/contact",
                          data={"channel": "phone", "csrf_token": csrf(client)},
                          follow_redirects=False)
    assert started.status_code == 303
    assert started.headers["location"] == f"/persons/{person_id}"
    contact = contact_on(client.get(f"/persons/{person_id}").text)
    assert contact is not None
    return contact


def open_contacts(served: Served) -> list[int]:
    with served.hub.engine.connect() as c:
        return list(c.execute(select(live_contact.c.id).where(
            live_contact.c.ended_at.is_(None))).scalars())


def test_an_advisor_takes_a_call_sees_detail_and_ends_it(served: Served) -> None:
    client = signed_in(served.client, ADVISOR, "customer_service")
    found = client.get("/search?name=Mary+O%27Brien")
    assert found.status_code == 200
    assert 'href="/persons/1"' in found.text
    before = client.get("/persons/1")
    assert before.status_code == 200
    assert IDENTITY_ONLY in before.text and "Welfare call" not in before.text
    assert "Start the contact" in before.text and contact_on(before.text) is None

    contact = start_call(client)
    during = client.get("/persons/1")
    assert "Welfare call" in during.text and IDENTITY_ONLY not in during.text
    assert "End the contact" in during.text and "Start the contact" not in during.text

    ended = client.post(f"/contacts/{contact}/end", data={"csrf_token": csrf(client)},
                        follow_redirects=False)
    assert ended.status_code == 303
    assert ended.headers["location"] == "/persons/1"
    after = client.get("/persons/1")
    assert IDENTITY_ONLY in after.text and "Welfare call" not in after.text
    assert "Start the contact" in after.text and contact_on(after.text) is None
    assert open_contacts(served) == []
    with served.hub.engine.connect() as c:
        reasons = c.execute(select(audit_event.c.reason).where(
            audit_event.c.action == "end_contact")).scalars().all()
    assert reasons == [f"live contact #{contact} ended"]


def test_ending_a_contact_needs_the_csrf_token(served: Served) -> None:
    client = signed_in(served.client, ADVISOR, "customer_service")
    contact = start_call(client)
    for token in ("", "wrong"):
        answer = client.post(f"/contacts/{contact}/end", data={"csrf_token": token},
                             follow_redirects=False)
        assert answer.status_code == 403, token
    assert open_contacts(served) == [contact]
    assert "Welfare call" in client.get("/persons/1").text


def test_an_advisor_cannot_end_someone_elses_contact(served: Served) -> None:
    contact = start_call(signed_in(served.client, ADVISOR, "customer_service"))
    add_account(served.hub.engine, OTHER_ADVISOR)
    other = signed_in(TestClient(served.client.app, base_url="http://testserver"),
                      OTHER_ADVISOR, "customer_service")
    assert contact_on(other.get("/persons/1").text) is None  # not offered to them
    answer = other.post(f"/contacts/{contact}/end", data={"csrf_token": csrf(other)},
                        follow_redirects=False)
    assert answer.status_code == 400
    assert f"no open contact {contact} of {OTHER_ADVISOR.user}" in answer.text
    assert open_contacts(served) == [contact]
    assert "Welfare call" in served.client.get("/persons/1").text  # still theirs


def test_a_social_worker_with_a_relationship_sees_who_else_is_involved(served: Served) -> None:
    client = signed_in(served.client, SOCIAL_WORKER, "direct_care")
    page = client.get("/persons/1")
    assert page.status_code == 200
    assert "Who else is involved" in page.text and "Welfare call" in page.text
    assert IDENTITY_ONLY not in page.text


def test_the_golden_record_shows_dates_as_staff_read_them(served: Served) -> None:
    page = signed_in(served.client, SOCIAL_WORKER, "direct_care").get("/persons/1")
    assert "01/02/1940" in page.text and "1940-02-01" not in page.text


def test_break_glass_through_the_web_form(served: Served) -> None:
    client = signed_in(served.client, OTHER_SOCIAL_WORKER, "safeguarding")
    before = client.get("/persons/1")
    assert IDENTITY_ONLY in before.text and "Break glass" in before.text
    short = client.post("/persons/1/break-glass",
                        data={"reason": "urgent", "csrf_token": csrf(client)},
                        follow_redirects=False)
    assert short.status_code == 403
    assert "at least 10 characters" in short.text
    assert IDENTITY_ONLY in client.get("/persons/1").text
    broken = client.post("/persons/1/break-glass",
                         data={"reason": "Neighbour reports she has not been seen for days",
                               "csrf_token": csrf(client)}, follow_redirects=False)
    assert broken.status_code == 303
    assert broken.headers["location"] == "/persons/1"
    after = client.get("/persons/1")
    assert "Break-glass access." in after.text and "Welfare call" in after.text
    with served.hub.engine.connect() as c:
        decisions = c.execute(select(audit_event.c.decision).where(
            audit_event.c.action == "break_glass").order_by(audit_event.c.seq)).scalars().all()
    assert decisions == ["deny", "allow"]
