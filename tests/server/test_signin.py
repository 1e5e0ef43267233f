"""Signing in to the web UI: cookies, CSRF, session fixation, lockout, purpose, sign-out."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from server_world import ENGINEER, PASSWORD, Served
from world import ADMIN, ADVISOR, DPO, SOCIAL_WORKER

from joinedup.govern.vocabulary import Actor


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    found = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, actor: Actor, password: str = PASSWORD) -> object:
    return client.post("/login", data={"username": actor.user, "password": password,
                                       "login_token": login_token(client), "next": "/"},
                       follow_redirects=False)


def csrf(client: TestClient, path: str = "/purpose") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def test_signing_in_sets_a_strict_httponly_session_cookie(served: Served) -> None:
    answer = sign_in(served.client, SOCIAL_WORKER)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/purpose?next=/"  # type: ignore[attr-defined]
    cookie = next(v for k, v in answer.headers.multi_items()  # type: ignore[attr-defined]
                  if k == "set-cookie" and v.startswith("joinedup_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie


def test_behind_tls_the_cookie_is_secure(served: Served) -> None:
    client = TestClient(served.client.app, base_url="https://testserver")
    answer = sign_in(client, SOCIAL_WORKER)
    cookie = next(v for k, v in answer.headers.multi_items()  # type: ignore[attr-defined]
                  if k == "set-cookie" and v.startswith("joinedup_session="))
    assert "Secure" in cookie


def test_a_sign_in_form_without_its_token_is_refused(served: Served) -> None:
    served.client.get("/login")
    answer = served.client.post("/login", data={"username": SOCIAL_WORKER.user,
                                                "password": PASSWORD, "login_token": "forged"},
                                follow_redirects=False)
    assert answer.status_code == 403
    assert "joinedup_session" not in answer.cookies


def test_a_session_token_planted_before_sign_in_is_worthless_after_it(served: Served) -> None:
    attacker = served.client
    sign_in(attacker, ADVISOR)
    planted = attacker.cookies["joinedup_session"]
    victim = TestClient(served.client.app, base_url="http://testserver")
    victim.cookies.set("joinedup_session", planted, domain="testserver.local")
    sign_in(victim, SOCIAL_WORKER)
    assert victim.cookies["joinedup_session"] != planted
    replay = TestClient(served.client.app, base_url="http://testserver")
    replay.cookies.set("joinedup_session", planted, domain="testserver.local")
    answer = replay.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_forms_need_the_sessions_csrf_token(served: Served) -> None:
    sign_in(served.client, SOCIAL_WORKER)
    for token in ("", "wrong"):
        answer = served.client.post("/purpose", data={"purpose": "direct_care",
                                                      "csrf_token": token},
                                    follow_redirects=False)
        assert answer.status_code == 403, token
    right = served.client.post("/purpose", data={"purpose": "direct_care",
                                                 "csrf_token": csrf(served.client)},
                               follow_redirects=False)
    assert right.status_code == 303
    assert "direct care" in served.client.get("/").text


def test_a_purpose_the_role_may_not_act_for_is_refused(served: Served) -> None:
    sign_in(served.client, SOCIAL_WORKER)
    answer = served.client.post("/purpose", data={"purpose": "audit",
                                                  "csrf_token": csrf(served.client)})
    assert answer.status_code == 400
    assert "may not act for" in answer.text


def test_the_admin_role_has_no_purpose_to_state(served: Served) -> None:
    sign_in(served.client, ADMIN)
    assert "reads no person's data" in served.client.get("/purpose").text


def test_lockout_after_repeated_failures(served: Served) -> None:
    for _ in range(5):
        assert sign_in(served.client, ADVISOR, "wrong password!").status_code == 401  # type: ignore[attr-defined]
    answer = sign_in(served.client, ADVISOR)
    assert answer.status_code == 401  # type: ignore[attr-defined]
    assert "locked" in answer.text  # type: ignore[attr-defined]


def test_signing_out_ends_the_session(served: Served) -> None:
    sign_in(served.client, SOCIAL_WORKER)
    token = served.client.cookies["joinedup_session"]
    answer = served.client.post("/logout", data={"csrf_token": csrf(served.client, "/")},
                                follow_redirects=False)
    assert answer.status_code == 303
    again = TestClient(served.client.app, base_url="http://testserver")
    again.cookies.set("joinedup_session", token, domain="testserver.local")
    assert again.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_next_only_goes_to_this_site(served: Served) -> None:
    served.client.get("/login?next=https://evil.example/")
    answer = served.client.post("/login", data={
        "username": SOCIAL_WORKER.user, "password": PASSWORD,
        "login_token": login_token(served.client), "next": "//evil.example/"},
        follow_redirects=False)
    assert answer.headers["location"] == "/purpose?next=/"


def test_pages_send_security_headers(served: Served) -> None:
    page = served.client.get("/login")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert 'href="/static/joinedup.css"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing from outside


def test_the_start_page_lists_each_roles_queues(served: Served) -> None:
    """The engineer's start page leads to change notifications, the DPO's to rights
    requests; neither is offered to a role whose work it is not."""
    for actor, purpose, shown, not_shown in (
            (ENGINEER, "data_quality", 'href="/changes"', 'href="/dpo/requests"'),
            (DPO, "audit", 'href="/dpo/requests"', 'href="/changes"')):
        client = TestClient(served.client.app, base_url="http://testserver")
        sign_in(client, actor)
        client.post("/purpose", data={"purpose": purpose, "csrf_token": csrf(client)})
        home = client.get("/")
        main = home.text.split("<main", 1)[-1]
        assert home.status_code == 200 and shown in main, actor
        assert not_shown not in main, actor
