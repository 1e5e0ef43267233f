"""The public surface of joinedup.accounts is what ``__all__`` says, and all of it exists."""

from __future__ import annotations

import joinedup.accounts as accounts


def test_every_exported_name_exists_and_nothing_public_is_unlisted() -> None:
    public = {name for name in dir(accounts) if not name.startswith("_")}
    modules = {"demo", "oidc", "passwords", "production", "sessions", "tokens", "users"}

    assert sorted(accounts.__all__) == sorted(set(accounts.__all__))
    assert all(hasattr(accounts, name) for name in accounts.__all__)
    assert public - modules == set(accounts.__all__)
