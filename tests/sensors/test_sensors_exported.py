"""The public surface of joinedup.sensors is what ``__all__`` says, and all of it exists."""

from __future__ import annotations

import joinedup.sensors as sensors


def test_every_exported_name_exists_and_nothing_public_is_unlisted() -> None:
    public = {name for name in dir(sensors) if not name.startswith("_")}
    # the modules (ingest is hidden by the function of that name), once something imported them
    modules = {"checks", "ngsi", "queries", "readings", "registry", "times", "writer"}

    assert sorted(sensors.__all__) == sorted(set(sensors.__all__))
    assert all(hasattr(sensors, name) for name in sensors.__all__)
    assert public - modules == set(sensors.__all__)
