"""Persons over the API: search, the single view, IDOR, purpose, the contact-centre call and
break-glass, each answer decided and audited."""

from __future__ import annotations

from typing import Any

import pytest
from server_world import Served
from sqlalchemy import func, inspect, select
from world import ADVISOR, NURSE, OTHER_SOCIAL_WORKER, SOCIAL_WORKER

from joinedup.store.schema import audit_event, audit_subject

INJECTIONS = ["'; DROP TABLE source_record; --", "\" OR 1=1 --", "%", "_", "\\", "O'Brien",
              "<script>alert(1)</script>", "😀 Ōbrien", "a" * 199, "\x00", "1' UNION SELECT "
              "password_hash FROM app_user --", "{{7*7}}", "../../etc/passwd"]


def events(served: Served, action: str, person_id: int | None = None) -> list[Any]:
    with served.hub.engine.connect() as c:
        query = (select(audit_event.c.decision, audit_event.c.reason, audit_subject.c.person_id)
                 .join(audit_subject, audit_subject.c.seq == audit_event.c.seq, isouter=True)
                 .where(audit_event.c.action == action).order_by(audit_event.c.seq))
        if person_id is not None:
            query = query.where(audit_subject.c.person_id == person_id)
        return list(c.execute(query))


def test_search_finds_by_name_and_shows_identity_only(served: Served) -> None:
    answer = served.client.get("/api/persons", params={"name": "mary obrien"},
                               headers=served.headers(ADVISOR, "customer_service"))
    assert answer.status_code == 200, answer.text
    hits = answer.json()["hits"]
    assert hits[0]["person_id"] == 1
    assert set(hits[0]) == {"person_id", "score", "given_name", "family_name", "date_of_birth",
                            "postcode", "agencies", "matched"}
    assert len(events(served, "search")) == len(hits)


def test_search_without_a_purpose_is_refused_and_audited(served: Served) -> None:
    answer = served.client.get("/api/persons", params={"name": "Mary O'Brien"},
                               headers=served.headers(ADVISOR))
    assert answer.status_code == 403
    assert "purpose" in answer.json()["error"]["message"]
    assert [e.decision for e in events(served, "search")] == ["deny"]


def test_bad_search_input_says_which_field(served: Served) -> None:
    headers = served.headers(ADVISOR, "customer_service")
    answer = served.client.get("/api/persons", params={"date_of_birth": "31/02/1940"},
                               headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("date_of_birth: '31/02/1940' is not a date")
    empty = served.client.get("/api/persons", headers=headers)
    assert empty.status_code == 400


@pytest.mark.parametrize("field", ["name", "date_of_birth", "postcode", "nhs_number"])
def test_injection_strings_in_every_search_field_are_harmless(served: Served,
                                                              field: str) -> None:
    headers = served.headers(ADVISOR, "customer_service")
    for text in INJECTIONS:
        answer = served.client.get("/api/persons", params={field: text}, headers=headers)
        assert answer.status_code in (200, 400, 422), (field, text, answer.text)
        assert "error" in answer.json() or "hits" in answer.json()
    with served.hub.engine.connect() as c:
        assert "source_record" in inspect(c).get_table_names()
        assert c.execute(select(func.count()).select_from(audit_event)).scalar()


def test_the_single_view_of_a_person_with_a_relationship(served: Served) -> None:
    answer = served.client.get("/api/persons/1",
                               headers=served.headers(SOCIAL_WORKER, "direct_care"))
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert not view["identity_only"]
    assert [t["summary"] for t in view["timeline"]] == ["Welfare call"]
    assert {f["flag"] for f in view["flags"]} == {"MOBILITY", "DEMENTIA"}  # no police marker
    assert all(panel["basis"] for panel in view["records"] + view["timeline"] + view["flags"])
    assert events(served, "read_person", 1)[-1].decision == "allow"


def test_guessing_another_persons_id_is_refused_and_audited(served: Served) -> None:
    headers = served.headers(ADVISOR, "customer_service")
    for person_id in (4, 5, 999):  # health only; only sealed records; nobody
        answer = served.client.get(f"/api/persons/{person_id}", headers=headers)
        assert answer.status_code == 403, person_id
        assert answer.json()["error"]["code"] == "access_denied"
        assert events(served, "read_person", person_id)[-1].decision == "deny"
    sealed = served.client.get("/api/persons/5", headers=served.headers(SOCIAL_WORKER,
                                                                         "direct_care"))
    unknown = served.client.get("/api/persons/999", headers=served.headers(SOCIAL_WORKER,
                                                                            "direct_care"))
    assert sealed.json()["error"]["message"].replace("5", "N") == \
        unknown.json()["error"]["message"].replace("999", "N")


def test_a_role_without_the_purpose_is_refused(served: Served) -> None:
    answer = served.client.get("/api/persons/1", headers=served.headers(NURSE, "safeguarding"))
    assert answer.status_code in (200, 403)
    denied = served.client.get("/api/persons/1", headers=served.headers(NURSE, "audit"))
    assert denied.status_code == 403
    assert "may not act for the purpose" in denied.json()["error"]["message"]


def test_an_advisor_sees_detail_while_the_call_is_open(served: Served) -> None:
    headers = served.headers(ADVISOR, "customer_service")
    before = served.client.get("/api/persons/1", headers=headers).json()
    assert before["identity_only"] and before["timeline"] == []
    call = served.client.post("/api/persons/1/contacts", json={"channel": "phone"},
                              headers=headers)
    assert call.status_code == 201
    during = served.client.get("/api/persons/1", headers=headers).json()
    assert not during["identity_only"]
    assert [t["summary"] for t in during["timeline"]] == ["Welfare call"]
    ended = served.client.post(f"/api/contacts/{call.json()['id']}/end", headers=headers)
    assert ended.status_code == 204


def test_break_glass_gives_detail_and_is_recorded(served: Served) -> None:
    headers = served.headers(OTHER_SOCIAL_WORKER, "safeguarding")
    assert served.client.get("/api/persons/1", headers=headers).json()["identity_only"]
    short = served.client.post("/api/persons/1/break-glass", json={"reason": "urgent"},
                               headers=headers)
    assert short.status_code == 403
    opened = served.client.post("/api/persons/1/break-glass", headers=headers, json={
        "reason": "Neighbour reports Mary fell and is not answering the door"})
    assert opened.status_code == 201, opened.text
    view = served.client.get("/api/persons/1", headers=headers).json()
    assert view["break_glass"] and not view["identity_only"]
    assert [e.decision for e in events(served, "break_glass", 1)] == ["deny", "allow"]


def test_who_else_is_involved(served: Served) -> None:
    answer = served.client.get("/api/persons/1/involved",
                               headers=served.headers(SOCIAL_WORKER, "direct_care"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["person_id"] == 1
