"""Ingest: once per (sensor, time), corrections kept, late and out-of-order data counted,
every bad reading reported and stored with its batch."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sensor_world import AIR, LIBRARY, NOW, TRAFFIC, empty, send, write
from sqlalchemy import Engine, select

from joinedup.errors import IngestError, NotFound
from joinedup.sensors import (
    Correction,
    IngestReport,
    ReadingProblem,
    batch,
    batches,
    history,
    ingest,
    ingest_file,
    ingest_transaction,
    latest,
    read_readings,
)
from joinedup.sensors import readings as readings_module
from joinedup.sensors import writer as writer_module
from joinedup.store.schema import sensor_batch, sensor_latest, sensor_reading

DAY = (datetime(2026, 3, 10), datetime(2026, 3, 11))
FILE = """sensor,observed_at,value,unit
TRAFFIC-A11-001,2026-03-10T08:00:00Z,120,vehicles
TRAFFIC-A11-001,2026-03-10T08:15:00Z,131,
LIB-NORWICH,2026-03-10T08:15:00Z,4,people
AQ-CASTLE,2026-03-10T08:00:00Z,21.5,ug/m3
"""


def _stored(engine: Engine) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
    with engine.connect() as c:
        r, latest_ = sensor_reading.c, sensor_latest.c
        return ([tuple(row) for row in c.execute(
                    select(r.sensor_id, r.observed_at, r.value).order_by(r.sensor_id,
                                                                         r.observed_at))],
                [tuple(row) for row in c.execute(
                    select(latest_.sensor_id, latest_.observed_at, latest_.value)
                    .order_by(latest_.sensor_id))])


def _ingest_file(engine: Engine, path: Path, now: datetime = NOW) -> IngestReport:
    with ingest_transaction(engine) as c:
        return ingest_file(c, path, received_by="tests", now=now)


def test_the_same_file_twice_changes_nothing(registered: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "readings.csv", FILE)
    first = _ingest_file(registered, path)
    stored = _stored(registered)
    second = _ingest_file(registered, path)

    assert (first.read, first.accepted, first.duplicates, first.rejected) == (4, 4, 0, 0)
    assert (second.read, second.accepted, second.duplicates, second.corrected) == (4, 0, 4, 0)
    assert _stored(registered) == stored
    assert len(stored[0]) == 4
    with registered.connect() as c:
        assert [b.source for b in batches(c)] == ["readings.csv", "readings.csv"]
        assert [(b.accepted, b.duplicates) for b in batches(c)] == [(0, 4), (4, 0)]


def test_a_new_value_for_a_time_held_is_a_correction_and_the_old_one_is_kept(
        registered: Engine) -> None:
    send(registered, [(TRAFFIC, "2026-03-10T08:00:00Z", 120),
                      (TRAFFIC, "2026-03-10T08:15:00Z", 130)])
    report = send(registered, [(TRAFFIC, "2026-03-10T08:15:00Z", 128),
                               (TRAFFIC, "2026-03-10T08:00:00Z", 120)])

    assert (report.accepted, report.corrected, report.duplicates) == (1, 1, 1)
    with registered.connect() as c:
        assert history(c, TRAFFIC, *DAY) == [(datetime(2026, 3, 10, 8), 120.0),
                                             (datetime(2026, 3, 10, 8, 15), 128.0)]
        assert [(x.observed_at, x.value) for x in latest(c, [TRAFFIC])] == \
            [(datetime(2026, 3, 10, 8, 15), 128.0)]  # the latest reading was corrected
        _batch, problems, corrections = batch(c, report.batch_id)
    assert problems == []
    assert corrections == [Correction(TRAFFIC, datetime(2026, 3, 10, 8, 15), 130.0, 128.0)]


def test_repeats_within_a_batch_count_against_what_came_before_them(
        registered: Engine) -> None:
    send(registered, [(LIBRARY, "2026-03-10T09:00:00Z", 5)])
    report = send(registered, [
        (LIBRARY, "2026-03-10T09:00:00Z", 5),    # the stored value again: a duplicate
        (LIBRARY, "2026-03-10T09:00:00Z", 7),    # corrects it
        (LIBRARY, "2026-03-10T09:15:00Z", 3),    # new
        (LIBRARY, "2026-03-10T09:15:00Z", 3),    # the reading just before, again
        (LIBRARY, "2026-03-10T09:15:00Z", 2),    # corrects it
    ])

    assert (report.read, report.accepted, report.duplicates, report.corrected) == (5, 3, 2, 2)
    with registered.connect() as c:
        assert [v for _, v in history(c, LIBRARY, *DAY)] == [7.0, 2.0]
        corrections = batch(c, report.batch_id)[2]
    assert sorted((x.old_value, x.new_value) for x in corrections) == [(3.0, 2.0), (5.0, 7.0)]


def test_late_and_out_of_order_readings_are_stored_and_counted(registered: Engine) -> None:
    send(registered, [(TRAFFIC, "2026-03-10T09:00:00Z", 90), (AIR, "2026-03-10T09:00:00Z", 20)])
    report = send(registered, [
        (TRAFFIC, "2026-03-10T08:45:00Z", 85),   # before the newest held: out of order
        (TRAFFIC, "2026-03-10T09:30:00Z", 95),   # new, in order
        (TRAFFIC, "2026-03-10T09:15:00Z", 93),   # after the newest held, though sent late
        (AIR, "2026-03-01T09:00:00Z", 30),       # nine days old: late and out of order
        (LIBRARY, "2026-03-09T11:00:00Z", 4),    # a day and an hour old: late, first ever
    ])

    assert (report.accepted, report.out_of_order, report.late) == (5, 2, 2)
    with registered.connect() as c:
        assert [(x.code, x.observed_at, x.value) for x in latest(c)] == [
            (AIR, datetime(2026, 3, 10, 9), 20.0),
            (LIBRARY, datetime(2026, 3, 9, 11), 4.0),
            (TRAFFIC, datetime(2026, 3, 10, 9, 30), 95.0)]
        assert [t.minute for t, _ in history(c, TRAFFIC, *DAY)] == [45, 0, 15, 30]


def test_times_with_offsets_are_stored_in_utc_and_naive_ones_are_utc(
        registered: Engine) -> None:
    report = send(registered, [
        (TRAFFIC, "2026-03-10T09:00:00+01:00", 1),
        (TRAFFIC, "2026-03-10 08:15:00", 2),
        (TRAFFIC, datetime(2026, 3, 10, 8, 30), 3),
        (TRAFFIC, "2026-03-10T08:45:10.900Z", 4),   # kept to the second
    ])

    assert report.accepted == 4
    with registered.connect() as c:
        assert history(c, TRAFFIC, *DAY) == [
            (datetime(2026, 3, 10, 8, 0), 1.0), (datetime(2026, 3, 10, 8, 15), 2.0),
            (datetime(2026, 3, 10, 8, 30), 3.0), (datetime(2026, 3, 10, 8, 45, 10), 4.0)]


def test_every_kind_of_bad_reading_is_reported_with_what_was_expected(
        registered: Engine) -> None:
    report = send(registered, [
        ("TRAFIC-A11-001", "2026-03-10T08:00:00Z", 1),
        (TRAFFIC, "yesterday", 1),
        (TRAFFIC, "2026-03-10", 1),
        (TRAFFIC, "2026-03-10T12:06:00Z", 1),
        (TRAFFIC, "2026-03-10T08:00:00Z", "lots"),
        (TRAFFIC, "2026-03-10T08:15:00Z", None),
        (TRAFFIC, "2026-03-10T08:30:00Z", "NaN"),
        (TRAFFIC, "2026-03-10T08:45:00Z", True),
        (TRAFFIC, "2026-03-10T09:00:00Z", 1e400),
        (TRAFFIC, "2026-03-10T09:15:00Z", 5, "cars"),
        (LIBRARY, "2026-03-10T09:00:00Z", -3),
        # and these are fine:
        (TRAFFIC, "2026-03-10T12:04:00Z", 1),            # within the clock skew
        (AIR, "2026-03-10T08:00:00Z", "-0.4", "ug/m3"),  # a calibrated NO2 can dip below 0
        (f" {LIBRARY} ", " 2026-03-10T09:15:00Z ", " 6 ", " people "),
    ])

    assert (report.read, report.accepted, report.rejected) == (14, 3, 11)
    assert [(p.where, p.what, p.expected) for p in report.problems] == [
        ("reading 1", "unknown sensor 'TRAFIC-A11-001'",
         "the code of a registered sensor (joinedup sensors list)"),
        ("reading 2", "yesterday is not a date and time",
         "an ISO 8601 date and time, e.g. 2026-03-01T08:15:00Z"),
        ("reading 3", "2026-03-10 is not a date and time",
         "an ISO 8601 date and time, e.g. 2026-03-01T08:15:00Z"),
        ("reading 4", "2026-03-10T12:06:00Z is in the future (received at 2026-03-10 "
         "12:00:00 UTC)", "a time at most 5 minutes after the hub's clock"),
        ("reading 5", "value 'lots' is not a number", "a number, e.g. 12 or 41.5"),
        ("reading 6", "no value", "a number, e.g. 12 or 41.5"),
        ("reading 7", "value 'NaN' is not a number", "a number, e.g. 12 or 41.5"),
        ("reading 8", "value 'True' is not a number", "a number, e.g. 12 or 41.5"),
        ("reading 9", "value 'inf' is not a number", "a number, e.g. 12 or 41.5"),
        ("reading 10", "unit 'cars' is not the sensor's unit", "vehicles (or no unit)"),
        ("reading 11", "-3 is negative", "a count of people: 0 or more"),
    ]
    assert report.problems[0] == ReadingProblem(
        "reading 1", "unknown sensor 'TRAFIC-A11-001'",
        "the code of a registered sensor (joinedup sensors list)", "TRAFIC-A11-001",
        "2026-03-10T08:00:00Z", "1")
    with registered.connect() as c:
        stored_batch, problems, _ = batch(c, report.batch_id)
    assert problems == list(report.problems)
    assert stored_batch.rejected == 11
    assert stored_batch.read == stored_batch.accepted + stored_batch.duplicates + 11


def test_a_report_carries_the_first_problems_and_the_store_keeps_all(
        registered: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "PROBLEMS_KEPT", 2)
    report = send(registered, [("NOPE", "2026-03-10T08:00:00Z", i) for i in range(5)])

    assert report.rejected == 5
    assert [p.value for p in report.problems] == ["0", "1"]
    with registered.connect() as c:
        assert [p.value for p in batch(c, report.batch_id)[1]] == ["0", "1", "2", "3", "4"]
        with pytest.raises(NotFound, match="there is no batch 99"):
            batch(c, 99)


def test_a_csv_file_reports_rows_as_a_person_opening_it_sees_them(
        registered: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", """value,observed_at,sensor,battery
120,2026-03-10T08:00:00Z,TRAFFIC-A11-001,97

abc,2026-03-10T08:15:00Z,TRAFFIC-A11-001,97
1,2026-03-10T08:15:00Z
4,2026-03-10T08:30:00Z,LIB-NORWICH,80
""")
    report = _ingest_file(registered, path)

    assert (report.read, report.accepted, report.rejected) == (4, 2, 2)
    assert [(p.where, p.what) for p in report.problems] == [
        ("feed.csv:4", "value 'abc' is not a number"),
        ("feed.csv:5", "the row has 2 fields where the header has 4")]


def test_a_json_lines_file_is_ingested_and_a_line_that_is_no_object_reported(
        registered: Engine, tmp_path: Path) -> None:
    lines = ['{"sensor": "TRAFFIC-A11-001", "observed_at": "2026-03-10T08:00:00Z", "value": 120}',
             '{"sensor": "LIB-NORWICH", "observed_at": "2026-03-10T08:00:00Z", "value": "4", '
             '"unit": "people"}',
             "",
             "[1, 2, 3]",
             '{"sensor": "AQ-CASTLE", "observed_at": "2026-03-10T08:00:00Z", "value": 21.5, '
             '"unit": "ppm"}',
             '{"sensor": "AQ-CASTLE", "observed_at": "2026-03-10T08:00:00Z"']
    path = write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    report = _ingest_file(registered, path)

    assert (report.read, report.accepted, report.rejected) == (5, 2, 3)
    assert [(p.where, p.what) for p in report.problems] == [
        ("feed.jsonl:4", "the line is not a JSON object"),
        ("feed.jsonl:5", "unit 'ppm' is not the sensor's unit"),
        ("feed.jsonl:6", "the line is not a JSON object")]


def test_chunks_give_the_same_counts_as_one_pass(registered: Engine, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["sensor,observed_at,value"]
    for minute in (0, 15, 30, 45, 30, 15, 0):  # the second half repeats the first
        lines.append(f"{TRAFFIC},2026-03-10T08:{minute:02d}:00Z,{minute}")
        lines.append(f"{LIBRARY},2026-03-10T08:{minute:02d}:00Z,{minute + 1}")
    lines.insert(6, "broken,row")
    path = write(tmp_path / "feed.csv", "\n".join(lines) + "\n")
    monkeypatch.setattr(readings_module, "BLOCK_BYTES", 64)  # a row or two a block

    report = _ingest_file(registered, path)

    assert (report.read, report.accepted, report.duplicates, report.rejected) == (15, 8, 6, 1)
    assert [p.where for p in report.problems] == ["feed.csv:7"]
    with registered.connect() as c:
        assert [(x.code, x.observed_at.minute) for x in latest(c)] == \
            [(LIBRARY, 45), (TRAFFIC, 45)]


def test_reading_one_at_a_time_gives_the_same_batch_as_the_fast_path(
        registered: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "feed.csv", FILE + "NOPE,2026-03-10T08:00:00Z,1,\n"
                 f"{TRAFFIC},2026-03-10T08:00:00Z,121,\n")
    monkeypatch.setattr(readings_module, "CHUNK", 2)
    with ingest_transaction(registered) as c:
        slow = ingest(c, read_readings(path), source="feed.csv", received_by="tests",
                      now=NOW)
        c.rollback()
    fast = _ingest_file(registered, path)

    assert (slow.read, slow.accepted, slow.corrected, slow.rejected) == (6, 5, 1, 1)
    assert (fast.read, fast.accepted, fast.corrected, fast.rejected) == (6, 5, 1, 1)
    assert slow.problems == fast.problems


def test_a_file_that_cannot_be_read_leaves_no_batch(registered: Engine, tmp_path: Path
                                                    ) -> None:
    path = write(tmp_path / "feed.csv", "sensor,time,value\nX,2026-03-10T08:00:00Z,1\n")
    with pytest.raises(IngestError) as caught:
        _ingest_file(registered, path)

    assert caught.value.message == (
        f"{path}, row 1, column 'observed_at': the header has no column 'observed_at'; "
        "expected sensor,observed_at,value,unit (unit may be left out)")
    with registered.connect() as c:
        assert c.execute(select(sensor_batch.c.id)).all() == []


def test_progress_is_reported_in_bytes_of_the_file(registered: Engine, tmp_path: Path
                                                   ) -> None:
    path = write(tmp_path / "feed.csv", FILE)
    seen: list[tuple[int, int]] = []
    with ingest_transaction(registered) as c:
        ingest_file(c, path, received_by="tests", now=NOW + timedelta(days=3),
                    progress=lambda done, total: seen.append((done, total)))

    size = path.stat().st_size
    assert seen[-1] == (size, size)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.lists(st.lists(st.tuples(st.sampled_from([TRAFFIC, LIBRARY]),
                                        st.integers(0, 20), st.integers(0, 3)),
                              max_size=25), min_size=1, max_size=4))
def test_any_sequence_of_batches_stores_and_counts_what_a_dictionary_would(
        shared: Engine, sent: list[list[tuple[str, int, int]]]) -> None:
    empty(shared)
    start = NOW - timedelta(days=1, hours=2)  # quarter hours 0 to 7 are more than a day old
    held: dict[tuple[str, int], int] = {}
    newest: dict[str, int] = {}
    for readings in sent:
        expected: Counter[str] = Counter(read=len(readings))
        before = dict(newest)
        for code, slot, value in readings:
            old = held.get((code, slot))
            if old == value:
                expected["duplicates"] += 1
                continue
            expected["accepted"] += 1
            expected["corrected"] += old is not None
            expected["late"] += slot < 8
            expected["out_of_order"] += slot < before.get(code, -1)
            held[code, slot] = value
            newest[code] = max(newest.get(code, -1), slot)
        report = send(shared, [(code, start + timedelta(minutes=15 * slot), value)
                               for code, slot, value in readings])
        assert {name: getattr(report, name) for name in expected} == dict(expected)

    with shared.connect() as c:
        stored = {(code, int((t - start).total_seconds()) // 900): v for code in newest
                  for t, v in history(c, code, start, NOW)}
        last = {x.code: (int((x.observed_at - start).total_seconds()) // 900, x.value)
                for x in latest(c)}
    assert stored == held
    assert last == {code: (slot, held[code, slot]) for code, slot in newest.items()}
