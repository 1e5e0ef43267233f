"""The API and web UI in-process over ASGI (Starlette's TestClient on httpx), on the small
governed world of tests/world.py, on SQLite and PostgreSQL, with an account for each actor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from world import (
    ADMIN,
    ADVISOR,
    ANALYST,
    DPO,
    NOW,
    NURSE,
    OTHER_SOCIAL_WORKER,
    PLANNER,
    POLICE_OFFICER,
    SOCIAL_WORKER,
    World,
    build,
)

from joinedup.accounts import passwords
from joinedup.accounts.users import add_user
from joinedup.govern.vocabulary import Actor, Role
from joinedup.server.app import create_app
from joinedup.server.hub import Hub
from joinedup.settings import Settings

PASSWORD = "correct horse battery staple"
ENGINEER = Actor("de.lee", "Norfolk County Council Data Team", Role.DATA_ENGINEER)
ACTORS = (SOCIAL_WORKER, OTHER_SOCIAL_WORKER, NURSE, POLICE_OFFICER, ADVISOR, PLANNER, ANALYST,
          DPO, ADMIN, ENGINEER)
SECRET = "test-secret-key-that-is-long-enough-for-production"


@dataclass
class Served:
    world: World
    client: TestClient
    hub: Hub

    def token(self, actor: Actor) -> str:
        answer = self.client.post("/auth/token", data={"username": actor.user,
                                                       "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def headers(self, actor: Actor, purpose: str | None = None) -> dict[str, str]:
        found = {"Authorization": f"Bearer {self.token(actor)}"}
        if purpose:
            found["X-Purpose"] = purpose
        return found


def add_accounts(engine: Engine) -> None:
    with engine.begin() as c:
        for actor in ACTORS:
            add_user(c, username=actor.user, display_name=actor.user.replace(".", " ").title(),
                     organisation=actor.organisation, role=actor.role, team=actor.team,
                     email=f"{actor.user}@example.gov.uk", password=PASSWORD,
                     created_by="tester", now=NOW)


def served_app(engine: Engine, tmp_path: Path) -> tuple[TestClient, Hub]:
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, key_dir=tmp_path / "keys", secret_key=SECRET)
    app = create_app(settings, clock=lambda: NOW)
    hub = Hub.create(settings, engine, lambda: NOW)
    app.state.hub = hub  # the lifespan would open a second engine on the same database
    return TestClient(app, base_url="http://testserver"), hub


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its cheapest: the real algorithm, without 64 MiB and a third of a second a
    password, which would make each test here wait seconds for its accounts."""
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[Served]:
    world = build(engine, tmp_path)
    add_accounts(engine)
    client, hub = served_app(engine, tmp_path)
    yield Served(world, client, hub)
