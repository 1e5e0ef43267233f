"""The hand-built county of ``opendata_world``, once per module on each backend (the root
conftest's ``module_store``); tests that publish read their own release."""

from __future__ import annotations

from pathlib import Path

import pytest
from opendata_world import build_world
from sqlalchemy import Engine


@pytest.fixture(scope="module")
def county(module_store: tuple[Engine, Path]) -> Engine:
    engine, directory = module_store
    build_world(engine, directory)
    return engine
