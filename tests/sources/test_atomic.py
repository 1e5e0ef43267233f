"""Loads are all or nothing, repeatable, and record their provenance.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from factories import (
    NHS,
    NHS_FAILING_CHECK,
    PEOPLE,
    fetch,
    ingest_file,
    person_definition,
    snapshot,
    table_counts,
    write_jsonl,
    write_people_csv,
)
from sqlalchemy import Engine

from joinedup.errors import IngestError, JoinedUpError, StoreError
from joinedup.store import database, schema
from joinedup.store.database import open_store

# -- all or nothing ---------------------------------------------------------------------------

def person_lines(count: int, *, postcode: str = "NR2 4AB") -> list[dict[str, str]]:
    return [{"id": f"P{i}", "forename": "Ann", "surname": f"Lee{i}", "dob": "01/02/1970",
             "sex": "F", "nhs_no": "", "addr1": f"{i} High Street", "town": "Norwich",
             "postcode": postcode, "tel": "", "email": ""} for i in range(1, count + 1)]


@pytest.mark.parametrize("good_rows", [499, 6_000])  # 6,000: past the first batch
def test_a_failure_midway_leaves_the_store_as_it_was(engine: Engine, tmp_path: Path,
                                                     good_rows: int) -> None:
    definition = person_definition(tmp_path, format="jsonl")
    ingest_file(engine, definition, write_jsonl(tmp_path / "v1.jsonl", person_lines(good_rows)))
    before = snapshot(engine)
    lines: list[Any] = person_lines(good_rows, postcode="NR1 1AA")
    lines[0] = lines[0] | {"nhs_no": NHS_FAILING_CHECK}  # a warning, and a changed record
    lines.append({"id": "P0", "forename": "", "surname": "", "dob": "", "sex": "",
                  "nhs_no": "", "addr1": "", "town": "", "postcode": "", "tel": "",
                  "email": ""})  # a quarantined row
    lines.append('{"id": "P-broken", "surname": ')

    with pytest.raises(IngestError) as caught:
        ingest_file(engine, definition, write_jsonl(tmp_path / "v2.jsonl", lines))

    assert caught.value.row == good_rows + 2
    assert snapshot(engine) == before
    other = person_definition(tmp_path, name="another_feed", agency="Police", format="jsonl")
    with pytest.raises(IngestError):
        ingest_file(engine, other, tmp_path / "v2.jsonl")
    assert snapshot(engine) == before


KILL_ROWS = 200_000


def _big_people_csv(path: Path, count: int, *, postcode: str = "NR2 4AB") -> Path:
    lines = ["id,forename,surname,dob,sex,nhs_no,addr1,town,postcode,tel,email"]
    lines += [f"K{i},Ann,Lee{i % 997},01/02/1970,F,{NHS[i % len(NHS)]},{i} High Street,Norwich,"
              f"{postcode},01603 123456,ann{i}@example.org" for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc; none found elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.slow
def test_a_killed_ingest_leaves_the_old_state_or_the_whole_new_load(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    definition = person_definition(tmp_path)
    big = _big_people_csv(tmp_path / "big.csv", KILL_ROWS)
    with open_store(url) as engine:
        ingest_file(engine, definition,
                    _big_people_csv(tmp_path / "small.csv", 1000, postcode="NR1 1AA"))
        old = snapshot(engine)

    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:  # a file, not a pipe: helpers may inherit it
        child = subprocess.Popen(
            [sys.executable, "-m", "joinedup", "ingest", definition.path, str(big),
             "--db", url],
            stdout=subprocess.DEVNULL, stderr=stderr,
            env={**os.environ, "JOINEDUP_OPERATOR": "killed"})
    # Kill about a second into the load proper: once the loader has started a helper (the
    # worker that reads and maps a big file), else after a second and a half.
    started = time.monotonic()
    helpers: list[int] = []
    while not helpers and child.poll() is None and time.monotonic() - started < 1.5:
        time.sleep(0.05)
        helpers = _children(child.pid)
    time.sleep(1.0)
    helpers = sorted({*helpers, *_children(child.pid)})
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    lingering = [p for p in helpers if _alive(p)]
    for pid in lingering:  # do not leave them behind, whatever the outcome
        os.kill(pid, signal.SIGKILL)

    assert child.returncode == -signal.SIGKILL, (
        f"the ingest ended by itself (exit {child.returncode}) before it was killed; make the "
        f"file bigger so the kill lands mid-load. stderr: {stderr_path.read_text()[-500:]}")
    with open_store(url) as engine:
        after = snapshot(engine)
        if after != old:  # then it must be the complete new load, nothing less
            _first, latest = fetch(engine, schema.load, order_by="id")
            assert (latest["status"], latest["rows_read"]) == ("complete", KILL_ROWS)
            assert table_counts(engine)["source_record"] == KILL_ROWS
            assert {r["load_id"] for r in fetch(engine, schema.source_record.table, "load_id")
                    } == {latest["id"]}
            assert after["load"][0] == old["load"][0]
            assert table_counts(engine)["source_record_history"] == 1000
    assert not lingering, (f"helper processes {lingering} outlived the killed ingest by 10 s "
                           "(killed now by the test)")


# -- idempotence ------------------------------------------------------------------------------

def test_the_same_file_again_is_skipped_and_writes_nothing(engine: Engine,
                                                          tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    path = write_people_csv(tmp_path / "people.csv")
    first = ingest_file(engine, definition, path)
    before = snapshot(engine)

    again = ingest_file(engine, definition, path)

    assert again.skipped
    assert again.load == first.load
    assert snapshot(engine) == before


def test_force_reloads_and_finds_everything_unchanged(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    path = write_people_csv(tmp_path / "people.csv")
    first = ingest_file(engine, definition, path)
    current = fetch(engine, schema.source_record.table)

    forced = ingest_file(engine, definition, path, force=True)

    assert not forced.skipped
    assert forced.load.id != first.load.id
    assert (forced.load.rows_read, forced.load.new, forced.load.updated,
            forced.load.unchanged) == (4, 0, 0, 4)
    assert fetch(engine, schema.source_record.table) == current
    assert table_counts(engine)["source_record_history"] == 0
    assert table_counts(engine)["load"] == 2


def test_the_same_file_with_a_changed_definition_is_loaded(engine: Engine,
                                                           tmp_path: Path) -> None:
    path = write_people_csv(tmp_path / "people.csv")
    ingest_file(engine, person_definition(tmp_path), path)

    again = ingest_file(engine, person_definition(tmp_path, description="now described"), path)

    assert not again.skipped
    assert again.load.unchanged == 4


def test_an_older_file_loaded_again_is_not_skipped(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    old = write_people_csv(tmp_path / "old.csv")
    ingest_file(engine, definition, old)
    ingest_file(engine, definition, write_people_csv(tmp_path / "new.csv", PEOPLE[:3]))

    again = ingest_file(engine, definition, old)

    assert not again.skipped
    assert again.load.unchanged == 4


def test_the_load_records_its_provenance(engine: Engine, tmp_path: Path) -> None:
    import hashlib

    definition = person_definition(tmp_path)
    path = write_people_csv(tmp_path / "people.csv")

    load = ingest_file(engine, definition, path).load

    assert load.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load.definition_sha256 == definition.sha256
    assert load.file_name == str(path)
    assert (load.source, load.agency, load.kind, load.operator) == (
        "asc_clients", "Adult Social Care", "person", "tester")
    assert load.finished_at is not None and load.finished_at >= load.started_at
    [source] = fetch(engine, schema.source)
    assert source["definition"] == definition.text
    assert {r["load_id"] for r in fetch(engine, schema.source_record.table)} == {load.id}


def test_errors_are_joinedup_errors(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(JoinedUpError):
        ingest_file(engine, person_definition(tmp_path), tmp_path / "nope.csv")


def test_a_load_blocked_by_another_writer_says_so_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    with open_store(url) as engine:
        before = snapshot(engine)
        other = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another load holds the write lock
        try:
            with pytest.raises(StoreError) as caught:
                ingest_file(engine, person_definition(tmp_path),
                            write_people_csv(tmp_path / "people.csv"))
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert "busy with another load" in caught.value.message
        assert snapshot(engine) == before
