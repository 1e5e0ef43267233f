"""The public surface of joinedup.dashboards is what ``__all__`` says, and all of it exists."""

from __future__ import annotations

import joinedup.dashboards as dashboards


def test_every_exported_name_exists_and_nothing_public_is_unlisted() -> None:
    public = {name for name in dir(dashboards) if not name.startswith("_")}
    modules = {"calendar", "charts", "demand", "duplication", "figures", "options", "overlap",
               "scope", "visits"}  # and ``dashboard``, the module the function shadows

    assert sorted(dashboards.__all__) == sorted(set(dashboards.__all__))
    assert all(hasattr(dashboards, name) for name in dashboards.__all__)
    assert public - modules == set(dashboards.__all__)
