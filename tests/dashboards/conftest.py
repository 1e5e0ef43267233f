"""The hand-built county of ``dashboards_world``, once per module on each backend: the tests
only read it (a view appends to the audit log, so audit tests read from their own first
event on), and migrating a fresh PostgreSQL schema for every test would cost seconds each.

The backends are the root conftest's (the same server, skipped or failed the same way). The
served app and its accounts are tests/server's (``server_world``), put on the path here so
that this directory runs on its own too.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from dashboards_world import build_world
from factories import IN_CI
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from world import World

from joinedup.accounts import passwords
from joinedup.store.database import open_store

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from server_world import Served, add_accounts, served_app

PG_SERVER = os.environ.get("JOINEDUP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def _database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of ``backend``, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'joinedup.db'}"
        return
    admin = create_engine(PG_SERVER)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
    except (OperationalError, ModuleNotFoundError) as exc:
        problem = f"PostgreSQL not reachable at {PG_SERVER}: {exc}".splitlines()[0]
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL is required)", pytrace=False)
        pytest.skip(f"{problem}; start PostgreSQL or set JOINEDUP_TEST_PG to run these")
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def county(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path = tmp_path_factory.mktemp("dashboards")
    with _database(request.param, tmp_path) as url, open_store(url) as engine:
        yield build_world(engine, tmp_path)


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
