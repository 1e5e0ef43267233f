"""The world of tests/world.py served in-process: an account for each actor, and the app on
it. A module of its own rather than the conftest, so the tests here can import it while
another directory's ``conftest`` is the one Python knows by that name (``pytest tests/server
tests/views``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
)

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


def add_account(engine: Engine, actor: Actor) -> None:
    with engine.begin() as c:
        add_user(c, username=actor.user, display_name=actor.user.replace(".", " ").title(),
                 organisation=actor.organisation, role=actor.role, team=actor.team,
                 email=f"{actor.user}@example.gov.uk", password=PASSWORD,
                 created_by="tester", now=NOW)


def add_accounts(engine: Engine) -> None:
    for actor in ACTORS:
        add_account(engine, actor)


def served_app(engine: Engine, tmp_path: Path) -> tuple[TestClient, Hub]:
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, key_dir=tmp_path / "keys", secret_key=SECRET)
    app = create_app(settings, clock=lambda: NOW)
    hub = Hub.create(settings, engine, lambda: NOW)
    app.state.hub = hub  # the lifespan would open a second engine on the same database
    return TestClient(app, base_url="http://testserver"), hub
