"""Background checkpoints while serving: commits stop folding SQLite's log back into the
database themselves, a thread does it, and everything is as before when serving ends."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine, text

from joinedup.store.database import checkpointing, open_store


def _setting(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def _checkpointers() -> int:
    """Checkpointer threads alive (a browser test's server may have its own)."""
    return sum(t.name == "joinedup-checkpoints" for t in threading.enumerate())


def test_a_thread_checkpoints_while_serving_and_commits_do_not(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    others = _checkpointers()
    with open_store(f"sqlite:///{path}") as engine:
        assert _setting(engine) == 1000
        with checkpointing(engine, every=0.05):
            assert _setting(engine) == 0  # no commit pays for a checkpoint
            before = path.stat().st_size
            with engine.begin() as c:  # ~10 MB of log: past any automatic checkpoint
                c.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, pad TEXT)"))
                c.execute(text("INSERT INTO filler (pad) VALUES (:pad)"),
                          [{"pad": "x" * 500}] * 20_000)
            deadline = time.monotonic() + 10
            while path.stat().st_size <= before and time.monotonic() < deadline:
                time.sleep(0.05)
            assert path.stat().st_size > before  # the thread folded the log back
        assert _setting(engine) == 1000  # serving over: SQLite's own again
        assert _checkpointers() == others


def test_only_sqlite_gets_a_checkpointer(engine: Engine) -> None:
    others = _checkpointers()
    with checkpointing(engine):
        assert _checkpointers() == others + (engine.dialect.name == "sqlite")
    assert _checkpointers() == others
