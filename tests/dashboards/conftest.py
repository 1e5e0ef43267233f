"""The hand-built county of ``dashboards_world``, once per module on each backend: the tests
only read it (a view appends to the audit log, so audit tests read from their own first
event on), and migrating a fresh PostgreSQL schema for every test would cost seconds each.

The store is the root conftest's ``module_store`` (skipped or failed the same way). The
served app and its accounts are tests/server's (``server_world``), put on the path here so
that this directory runs on its own too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from dashboards_world import build_world
from sqlalchemy import Engine
from world import World

from joinedup.accounts import passwords

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from server_world import Served, add_accounts, served_app


@pytest.fixture(scope="module")
def county(module_store: tuple[Engine, Path]) -> World:
    engine, directory = module_store
    return build_world(engine, directory)


@pytest.fixture(scope="module")
def world(county: World) -> Engine:
    return county.engine


@pytest.fixture(scope="module")
def served(county: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The county served in-process, with an account for each of tests/world.py's actors
    (argon2 at its cheapest, as tests/server/conftest.py has it)."""
    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
        patch.setattr(passwords, "_hasher", lambda: cheap)
        add_accounts(county.engine)
        client, hub = served_app(county.engine, tmp_path_factory.mktemp("served"))
        yield Served(county, client, hub)
