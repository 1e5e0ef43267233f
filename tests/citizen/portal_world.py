"""The citizens' world of tests/citizen_world.py served in-process: what each test module here
shares (a module of its own, not the conftest, so tests import it whichever ``conftest``
Python knows by that name)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from world import World

from joinedup.server.hub import Hub

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from server_world import served_app


@dataclass
class Portal:
    world: World
    engine: Engine
    directory: Path

    def client(self) -> tuple[TestClient, Hub]:
        """A fresh browser on the portal (no cookies)."""
        return served_app(self.engine, self.directory)
