"""docs/citizen.md: every command it shows runs, in order, on a fresh synthetic county."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_docs import run_guide


def test_citizen_guide_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = [" ".join(o.replace("│", " ").split())
               for o in run_guide("citizen.md", tmp_path, monkeypatch)]
    text = "\n".join(outputs)
    assert ("council tax account number 61275344, postcode NR5 0TU, date of birth "
            "27/03/1975") in text
    assert "No citizen accounts yet." in text
    assert "No received requests." in text
    assert "exemption 1 recorded for person 1" in text
    assert "Norfolk Constabulary" in text and "exemption 1 withdrawn" in text
