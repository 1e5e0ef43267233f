"""One store of each backend per module, emptied for each test.

Migrating a fresh PostgreSQL schema takes most of a second, which a test of a few
milliseconds would pay every time (the root ``engine`` fixture), so these tests share one
database per module and backend, and ``store`` deletes the sensor tables' rows before each.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import IN_CI
from sensor_world import empty
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from joinedup.store.database import open_store

PG_SERVER = os.environ.get("JOINEDUP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Engine]:
    if request.param == "sqlite":
        with open_store(f"sqlite:///{tmp_path_factory.mktemp('sensors') / 'hub.db'}") as e:
            yield e
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER)
    try:
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
    except (OperationalError, ModuleNotFoundError) as exc:
        problem = f"PostgreSQL not reachable at {PG_SERVER}: {exc}".splitlines()[0]
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL is required)", pytrace=False)
        pytest.skip(problem)
    try:
        with open_store(f"{PG_SERVER}?options=-csearch_path%3D{schema}") as e:
            yield e
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def store(shared: Engine) -> Engine:
    """The module's store of this backend with no sensors."""
    return empty(shared, registered=False)


@pytest.fixture
def registered(shared: Engine) -> Engine:
    """The store with the three sensors registered."""
    return empty(shared)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
