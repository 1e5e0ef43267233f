"""docs/open-data.md's commands run, in order, on a small synthetic county (tests/test_docs.py
runs the other guides the same way)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_docs import run_guide

from joinedup.opendata import releases
from joinedup.store.database import open_store


def test_the_open_data_guide_commands_run(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = [" ".join(o.replace("│", " ").split())
               for o in run_guide("open-data.md", tmp_path, monkeypatch)]
    text = "\n".join(outputs)
    assert "the publication check passed; nothing was published" in text
    assert "published release 1 (4 datasets" in text
    assert "adult-social-care-by-age by-parish" in text and "traffic-counts by-ward" in text
    with open_store(f"sqlite:///{tmp_path / 'joinedup.db'}") as engine, \
            engine.connect() as c:
        release = releases.load(c)
    assert release is not None and release.id == 1
    asc = release.dataset("adult-social-care-by-age")
    assert asc is not None
    assert sum(t.suppressed() for t in asc.tables) > 0
