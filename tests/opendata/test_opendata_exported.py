"""The public surface of joinedup.opendata is what ``__all__`` says, and all of it exists."""

from __future__ import annotations

import joinedup.opendata as opendata

MODULES = {"check", "datasets", "dcat", "disclosure", "geography", "privacy", "protect",
           "publish", "query", "ratelimit", "releases", "secondary", "tables"}


def test_every_exported_name_exists_and_nothing_public_is_unlisted() -> None:
    public = {name for name in dir(opendata) if not name.startswith("_")}
    assert sorted(opendata.__all__) == sorted(set(opendata.__all__))
    assert all(hasattr(opendata, name) for name in opendata.__all__)
    assert public - MODULES == set(opendata.__all__) - {"publish"}  # also a module's name
