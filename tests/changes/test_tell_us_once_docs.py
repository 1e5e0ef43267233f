"""docs/tell-us-once.md runs: its commands, in order, on a synthetic county."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_docs import run_guide


@pytest.mark.slow
def test_tell_us_once_guide_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    outputs = [" ".join(o.replace("│", " ").split())
               for o in run_guide("tell-us-once.md", tmp_path, monkeypatch)]
    text = "\n".join(outputs)
    assert "change 1 (address) of person 1 sent to 4 agencies: Adult Social Care," in text
    assert "notification 1 accepted for Adult Social Care" in text
    assert "notification 4 rejected for Norfolk district councils (council tax)" in text
    assert "Address 3 Munro Walk, Dereham 7 Castle Meadow, Norwich" in text
    pending = outputs[-2]
    assert "Norfolk Library and Information Service" in pending
    assert "Adult Social Care" not in pending  # accepted, and the police's are not the team's
    audited = outputs[-1]
    assert "accept_change done 1" in audited and audited.endswith("1 events")
