"""One tell-us-once county per module and backend (``changes_world``); each test reports its
own changes on it. The served app and staff accounts are tests/server's (``server_world``),
put on the path here as tests/citizen does; citizens sign in through ``citizen_world``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from changes_world import ENGINEERS, County, build
from sqlalchemy import Engine

from joinedup.accounts import passwords

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from server_world import add_account


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its cheapest: the real algorithm without 64 MiB a password."""
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)


@pytest.fixture(scope="module")
def county(module_store: tuple[Engine, Path]) -> Iterator[County]:
    engine, directory = module_store
    county = build(engine, directory)
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: cheap)
        for actor in ENGINEERS:
            add_account(engine, actor)
    yield county
