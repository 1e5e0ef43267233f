"""The API and web UI in-process over ASGI (Starlette's TestClient on httpx), on the small
governed world of tests/world.py, on SQLite and PostgreSQL, with an account for each actor
(``server_world``, which the tests import)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from server_world import Served, add_accounts, served_app
from sqlalchemy import Engine
from world import build

from joinedup.accounts import passwords


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
