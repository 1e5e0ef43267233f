"""``joinedup sensors``: each command over the core, checked through the core."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from sensor_world import LIBRARY, REGISTRY_CSV, TRAFFIC, write
from sqlalchemy import Engine
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.sensors import batches, history, sensors

READINGS = f"""sensor,observed_at,value,unit
{TRAFFIC},2026-03-10T08:00:00Z,120,vehicles
{TRAFFIC},2026-03-10T08:15:00Z,131,
{TRAFFIC},2026-03-10T09:30:00Z,90,
{LIBRARY},2026-03-10T08:15:00Z,4,people
{LIBRARY},2026-03-10T08:30:00Z,-2,people
NOPE,2026-03-10T08:30:00Z,1,
"""


def _run(engine: Engine, *args: str) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["sensors", *args, "--db", url])
    return result.exit_code, result.output


def test_register_then_list(store: Engine, tmp_path: Path) -> None:
    code, output = _run(store, "register", str(write(tmp_path / "s.csv", REGISTRY_CSV)))
    assert code == 0, output
    assert "3 sensors in" in output and "3 new, 0 updated, 0 unchanged" in output
    code, output = _run(store, "list")
    assert code == 0
    assert "Norwich Millennium Library" in output and "15 min" in output and "1 h" in output
    with store.connect() as c:
        assert len(sensors(c)) == 3


def test_a_bad_registry_is_refused_with_every_problem(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", REGISTRY_CSV + "X,nope,vehicles,X,1,1,,0\n")
    code, output = _run(store, "register", str(path))
    assert code == 2
    assert "2 problems in the sensor registry" in output
    assert "row 5, column 'kind': unknown kind 'nope'" in output
    assert "row 5, column 'interval_seconds'" in output


def test_ingest_shows_counts_and_problems_and_batch_shows_them_again(
        registered: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", READINGS)
    code, output = _run(registered, "ingest", str(path), "--received-by", "feed-bot")
    assert code == 0, output
    assert "Problems in batch" in output
    assert "feed.csv:6" in output and "-2 is negative" in output
    assert "feed.csv:7" in output and "unknown sensor 'NOPE'" in output
    corrected = write(tmp_path / "again.csv", f"sensor,observed_at,value\n"
                                              f"{TRAFFIC},2026-03-10T08:15:00Z,130\n")
    code, output = _run(registered, "ingest", str(path), str(corrected), "--show", "1")
    assert code == 0, output
    assert "Ingested" in output and "1 of 2" in output
    assert "See every problem with: joinedup sensors batch BATCH_ID" in output

    with registered.connect() as c:
        done = batches(c)
    assert [(b.source, b.received_by, b.accepted, b.duplicates, b.corrected, b.rejected)
            for b in done] == [("again.csv", "local-operator", 1, 0, 1, 0),
                               ("feed.csv", "local-operator", 0, 4, 0, 2),
                               ("feed.csv", "feed-bot", 4, 0, 0, 2)]
    code, output = _run(registered, "batch", str(done[0].id))
    assert code == 0
    assert "Corrected values: 1 of 1" in output and "131" in output and "130" in output
    code, output = _run(registered, "batch", str(done[2].id))
    assert "Problems: 2 of 2" in output and "a count of people: 0 or more" in output
    code, output = _run(registered, "batches")
    assert code == 0 and "feed-bot" in output
    code, output = _run(registered, "batch", "999")
    assert code == 2 and "there is no batch 999" in output


def test_latest_rollup_and_gaps(registered: Engine, tmp_path: Path) -> None:
    _run(registered, "ingest", str(write(tmp_path / "feed.csv", READINGS)))
    code, output = _run(registered, "latest", TRAFFIC)
    assert code == 0
    assert "2026-03-10 09:30:00" in output and LIBRARY not in output

    code, output = _run(registered, "rollup", TRAFFIC, "--from", "2026-03-10", "--to",
                        "2026-03-11", "--period", "hour")
    assert code == 0
    assert "2026-03-10 08:00" in output and "125.5" in output  # (120 + 131) / 2
    out = tmp_path / "hourly.csv"
    code, output = _run(registered, "rollup", TRAFFIC, "--from", "2026-03-10", "--to",
                        "2026-03-11", "--period", "hour", "-o", str(out))
    assert code == 0 and "wrote 2 hour buckets" in output
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["start"], r["count"], float(r["sum"])) for r in rows] == [
        ("2026-03-10T08:00:00Z", "2", 251.0), ("2026-03-10T09:00:00Z", "1", 90.0)]

    code, output = _run(registered, "gaps", TRAFFIC, "--from", "2026-03-10T08:00", "--to",
                        "2026-03-10T10:00")
    assert code == 0
    assert "Gaps in TRAFFIC-A11-001: 2, 5 readings missing" in output  # 08:15-09:30, 09:30-10
    code, output = _run(registered, "gaps", TRAFFIC, "--from", "2026-03-10T08:00", "--to",
                        "2026-03-10T08:15")
    assert "No gaps" in output
    with registered.connect() as c:
        assert len(history(c, TRAFFIC, datetime(2026, 3, 10), datetime(2026, 3, 11))) == 3


@pytest.mark.parametrize(("args", "message"), [
    (["rollup", TRAFFIC, "--from", "2026-03-10", "--period", "year"],
     "period 'year': expected one of hour, day, week, month"),
    (["rollup", TRAFFIC, "--from", "10/03/2026"],
     "--from: expected a time as YYYY-MM-DD[THH:MM[:SS]], got '10/03/2026'"),
    (["gaps", "NOPE", "--from", "2026-03-10"], "no sensor 'NOPE'"),
    (["latest", "NOPE"], "no sensor 'NOPE'"),
    (["ingest", "missing.csv"], "missing.csv: no such file"),
])
def test_bad_input_exits_2_with_the_reason(registered: Engine, here: Path, args: list[str],
                                           message: str) -> None:
    code, output = _run(registered, *args)
    assert code == 2
    assert message in output
