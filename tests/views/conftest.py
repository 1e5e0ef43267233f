"""The views world, built fresh for each test on each backend."""

from __future__ import annotations

from pathlib import Path

import pytest
import views_world
from sqlalchemy import Engine
from views_world import ViewsWorld


@pytest.fixture
def vw(engine: Engine, tmp_path: Path) -> ViewsWorld:
    return views_world.build(engine, tmp_path)
