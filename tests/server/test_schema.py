"""Schemathesis against the API's own OpenAPI schema: generated requests, valid and not, to
every operation, as the roles that use it. No 5xx, and every answer conforms to the schema
(status codes documented, bodies and content types as declared).

SQLite only: the contract does not depend on the backend, and the PostgreSQL half of the suite
covers the same routes in tests/server/test_people.py and friends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from argon2 import PasswordHasher, profiles
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from server_world import ENGINEER, Served, add_accounts, served_app
from world import DPO, SOCIAL_WORKER, build

from joinedup.accounts import passwords
from joinedup.server.app import create_app
from joinedup.settings import Settings
from joinedup.store.database import open_store

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def module_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp_path = tmp_path_factory.mktemp("schema")
    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
        patch.setattr(passwords, "_hasher", lambda: cheap)
        with open_store(f"sqlite:///{tmp_path / 'joinedup.db'}") as engine:
            world = build(engine, tmp_path)
            add_accounts(engine)
            client, hub = served_app(engine, tmp_path)
            APP.state.hub = hub
            yield Served(world, client, hub)


@pytest.fixture(scope="module")
def headers(module_served: Served) -> dict[str, dict[str, str]]:
    """Bearer headers for the role each area of the API is for."""
    return {"dpo": module_served.headers(DPO, "audit"),
            "engineer": module_served.headers(ENGINEER, "data_quality"),
            "worker": module_served.headers(SOCIAL_WORKER, "direct_care")}


APP = create_app(Settings(database_url="sqlite://"))
"""The app whose schema the tests are generated from; its hub is set by ``module_served``."""
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


def _role(path: str) -> str:
    if path.startswith(("/api/audit", "/api/alerts", "/api/agreements", "/api/requests")):
        return "dpo"
    if path.startswith(("/api/loads", "/api/reviews", "/api/changes")):
        return "engineer"
    return "worker"


@schema.parametrize()
@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case: schemathesis.Case,
                                    headers: dict[str, dict[str, str]]) -> None:
    """The contract, one operation at a time, as the role the operation is for."""
    if case.path == "/auth/token":
        case.call_and_validate(checks=CHECKS)
        return
    role_headers = dict(headers[_role(case.path)])
    if case.headers and "X-Purpose" in case.headers:
        role_headers.pop("X-Purpose")  # let the generated purpose through
    case.call_and_validate(headers=role_headers, checks=CHECKS)


def test_the_schema_documents_every_operation(module_served: Served) -> None:
    paths = module_served.client.get("/openapi.json").json()["paths"]
    assert {"/auth/token", "/api/persons", "/api/persons/{person_id}", "/api/caseload",
            "/api/loads", "/api/reviews/{review_id}/decision", "/api/audit/events",
            "/api/alerts", "/api/agreements", "/api/audit/status"} <= set(paths)
    for path, operations in paths.items():
        # NGSI-LD routes answer in its own ProblemDetails and refuse nothing by role
        expected = {"400", "401", "404"} if path.startswith("/ngsi-ld/") else {"403", "422"}
        for operation in operations.values():
            assert operation.get("summary"), operation
            assert expected <= set(operation["responses"]), (path, operation["responses"])


def test_docs_are_served_without_the_internet(module_served: Served) -> None:
    page = module_served.client.get("/docs")
    assert page.status_code == 200
    assert "/static/docs/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert module_served.client.get("/static/docs/swagger-ui-bundle.js").status_code == 200
