"""API authentication: bearer tokens from /auth/token, the one error shape, and every route
closed to anonymous callers unless it is meant to be public."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from identity_provider import AUDIENCE, ISSUER, running_provider
from server_world import PASSWORD, SECRET, Served
from sqlalchemy import Engine, select
from world import ADVISOR, NOW, SOCIAL_WORKER

from joinedup.accounts.demo import create_demo_users
from joinedup.accounts.tokens import issue_token
from joinedup.accounts.users import get_user, set_active
from joinedup.errors import StoreError
from joinedup.server.app import create_app
from joinedup.server.hub import Hub
from joinedup.settings import DEFAULT_SECRET_KEY, Settings
from joinedup.store.schema import audit_event

PUBLIC = {"/auth/token", "/login", "/docs", "/openapi.json",
          # open data: public by design, rate-limited instead (tests/opendata)
          "/opendata/catalog.json", "/api/opendata/datasets", "/api/opendata/datasets/{name}",
          "/api/opendata/datasets/{name}/{key}", "/api/opendata/datasets/{name}/{key}.csv",
          "/api/opendata/datasets/{name}/{key}.json"}


PAGES = ("/", "/purpose", "/search", "/persons/1", "/caseload", "/loads", "/loads/1",
         "/reviews", "/reviews/1", "/dpo", "/dpo/audit")
"""Every page of the web UI (GET)."""


def _api_routes(served: Served) -> list[tuple[str, str]]:
    """Every operation in the OpenAPI schema but the public ones, ids filled in."""
    found = []
    for path, operations in served.client.get("/openapi.json").json()["paths"].items():
        if path not in PUBLIC:
            for method in operations:
                found.append((method.upper(), re.sub(r"\{[a-z_]+\}", "1", path)))
    return found


def test_a_token_for_the_right_password(served: Served) -> None:
    answer = served.client.post("/auth/token", data={"username": SOCIAL_WORKER.user,
                                                     "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    me = served.client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"user": "sw.jones", "organisation": SOCIAL_WORKER.organisation,
                         "role": "social_worker", "team": SOCIAL_WORKER.team,
                         "purposes": ["direct_care", "safeguarding"], "via": "token"}


def test_a_wrong_password_gets_the_one_error_shape_and_is_audited(served: Served) -> None:
    answer = served.client.post("/auth/token", data={"username": SOCIAL_WORKER.user,
                                                     "password": "not the password"})
    assert answer.status_code == 401
    assert answer.json() == {"error": {"status": 401, "code": "authentication_failed",
                                       "message": "unknown user or wrong password"}}
    unknown = served.client.post("/auth/token", data={"username": "nobody.here",
                                                      "password": "not the password"})
    assert unknown.json() == answer.json()  # usernames cannot be probed
    with served.hub.engine.connect() as c:
        logins = c.execute(select(audit_event.c.decision).where(
            audit_event.c.action == "login")).scalars().all()
    assert logins.count("deny") == 2


def test_every_api_route_needs_a_token(served: Served) -> None:
    routes = _api_routes(served)
    assert len(routes) >= 8
    for method, path in routes:
        answer = served.client.request(method, path, json={})
        assert answer.status_code == 401, (method, path, answer.text)
        if path.startswith("/ngsi-ld/"):  # NGSI-LD's own ProblemDetails shape
            assert answer.json()["title"] == "Unauthorized"
        else:
            assert answer.json()["error"]["code"] in ("authentication_failed",
                                                      "authentication_required")
        assert answer.headers["www-authenticate"] == "Bearer"


def test_every_page_needs_a_session(served: Served) -> None:
    for path in PAGES:
        answer = served.client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")


def test_tampered_expired_and_foreign_tokens_are_refused(served: Served) -> None:
    good = served.token(ADVISOR)
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode({**claims, "role": "dpo"}, "another secret of at least 32 bytes",
                        algorithm="HS256")
    with served.hub.engine.connect() as c:
        user = get_user(c, ADVISOR.user)
    assert user is not None
    expired = issue_token(user, secret=SECRET, minutes=15, now=NOW - timedelta(hours=1))
    for token in (forged, expired, good[:-3] + "abc", "not-a-jwt"):
        answer = served.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token


def test_a_disabled_users_token_stops_working(served: Served) -> None:
    headers = served.headers(ADVISOR)
    assert served.client.get("/api/me", headers=headers).status_code == 200
    with served.hub.engine.begin() as c:
        set_active(c, ADVISOR.user, False, by="tester", now=NOW)
    answer = served.client.get("/api/me", headers=headers)
    assert answer.status_code == 401
    assert "disabled" in answer.json()["error"]["message"]


def test_validation_errors_use_the_same_shape(served: Served) -> None:
    answer = served.client.get("/api/persons/not-a-number",
                               headers=served.headers(ADVISOR, "customer_service"))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"
    assert "person_id" in answer.json()["error"]["message"]


def test_a_token_from_the_councils_identity_provider_is_accepted(engine: Engine,
                                                                  tmp_path: Path) -> None:
    with running_provider() as provider:
        settings = Settings(database_url=engine.url.render_as_string(hide_password=False),
                            key_dir=tmp_path / "keys", secret_key=SECRET,
                            oidc_jwks_url=provider.jwks_url, oidc_issuer=ISSUER,
                            oidc_audience=AUDIENCE,
                            oidc_role_map={"ASC.SocialWorker": "social_worker"})
        app = create_app(settings)
        app.state.hub = Hub.create(settings, engine)
        client = TestClient(app)
        good = client.get("/api/me", headers={"Authorization": f"Bearer {provider.token()}"})
        assert good.status_code == 200, good.text
        assert good.json() | {"purposes": None} == {
            "user": "jo.bloggs", "organisation": "Adult Social Care", "role": "social_worker",
            "team": "Norwich Locality Team", "purposes": None, "via": "oidc"}
        wrong = client.get("/api/me", headers={"Authorization": "Bearer " + provider.token(
            aud="api://someone-else")})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "authentication_failed"


def test_production_mode_refuses_to_start_with_demo_logins_or_default_secrets(
        engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as c:
        create_demo_users(c, now=NOW)
    url = engine.url.render_as_string(hide_password=False)
    for secret in (SECRET, DEFAULT_SECRET_KEY):
        app = create_app(Settings(database_url=url, key_dir=tmp_path, secret_key=secret,
                                  production=True))
        with pytest.raises(StoreError, match="production mode") as refused, TestClient(app):
            pass
        assert "demo" in refused.value.message
        assert (secret == DEFAULT_SECRET_KEY) == ("secret" in refused.value.message.lower())
