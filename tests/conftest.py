"""Shared fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is the production store. When it is not reachable the PostgreSQL half of the suite
is skipped with a message, except under CI=true, where a missing PostgreSQL fails the run.
Each test gets its own database: a fresh SQLite file, or a fresh PostgreSQL schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from factories import IN_CI
from linked import link_county, trained_county
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from joinedup.store.database import open_store

PG_SERVER = os.environ.get("JOINEDUP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_problem: list[str] = []


def _postgres_available() -> str | None:
    """None if PostgreSQL answers, else why not (checked once per session)."""
    if not _pg_problem:
        try:
            engine = create_engine(PG_SERVER)
            with engine.connect() as c:
                c.execute(text("SELECT 1"))
            engine.dispose()
            _pg_problem.append("")
        except (OperationalError, ModuleNotFoundError) as exc:
            _pg_problem.append(f"PostgreSQL not reachable at {PG_SERVER}: {exc}".splitlines()[0])
    return _pg_problem[0] or None


def _need_postgres() -> None:
    problem = _postgres_available()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL is required)", pytrace=False)
        pytest.skip(f"{problem}; start PostgreSQL or set JOINEDUP_TEST_PG to run these")


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def database(backend: str, directory: Path) -> Iterator[str]:
    """A URL to an empty database of ``backend`` (a file in ``directory``, or a PostgreSQL
    schema of its own), dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'joinedup.db'}"
        return
    _need_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each backend, dropped after the test."""
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[Engine, Path]]:
    """One migrated store of each backend for a whole module, and a directory beside it:
    migrating a fresh PostgreSQL schema takes most of a second, which tests of a few
    milliseconds that can share a store should not each pay."""
    directory = tmp_path_factory.mktemp("store")
    with database(request.param, directory) as url, open_store(url) as opened:
        yield opened, directory


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh, migrated database of each backend."""
    with open_store(db_url) as opened:
        yield opened


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A 400-person synthetic county and a model trained on it, once per module (training is
    what takes time)."""
    outdir = tmp_path_factory.mktemp("county")
    return outdir, trained_county(outdir)


@pytest.fixture
def linked(engine: Engine, trained: tuple[Path, dict[str, Any]]) -> Engine:
    """That county loaded and linked with that model, on each backend."""
    return link_county(engine, *trained)
