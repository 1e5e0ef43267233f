"""One store of each backend per module, emptied for each test.

Migrating a fresh PostgreSQL schema takes most of a second, which a test of a few
milliseconds would pay every time (the root ``engine`` fixture), so these tests share one
database per module and backend, and ``store`` deletes the sensor tables' rows before each.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sensor_world import empty
from sqlalchemy import Engine


@pytest.fixture(scope="module")
def shared(module_store: tuple[Engine, Path]) -> Engine:
    """The module's store of this backend (the root conftest's)."""
    return module_store[0]


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
