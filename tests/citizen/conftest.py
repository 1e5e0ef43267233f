"""The citizen tests share one world per module and backend (tests/citizen_world.py); each
test opens its own accounts on it, for a person no other test of the module signs in as.
The served app and staff accounts are tests/server's (``server_world``), put on the path here
as tests/dashboards does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from citizen_world import build_citizens
from sqlalchemy import Engine

from joinedup.accounts import passwords

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from portal_world import Portal
from server_world import add_accounts

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture(autouse=True, scope="module")
def cheap_hashes() -> Iterator[None]:
    """argon2id at its cheapest, for the whole module (its module-scoped fixtures sign in
    too): the real algorithm without 64 MiB and a third of a second a password."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        yield


@pytest.fixture(scope="module")
def portal(cheap_hashes: None, module_store: tuple[Engine, Path]) -> Portal:
    engine, directory = module_store
    world = build_citizens(engine, directory)
    add_accounts(engine)
    return Portal(world, engine, directory)
