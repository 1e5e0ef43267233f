"""Reading files of readings: columns by name, rows numbered as a person sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sensor_world import write

from joinedup.errors import IngestError
from joinedup.sensors import RawReading, read_readings
from joinedup.sensors import readings as readings_module
from joinedup.sensors.times import parse_time, parse_times, to_datetime, to_seconds


def test_csv_columns_are_found_by_name_and_others_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", "\ufeffvalue,battery, sensor ,observed_at\n"
                                        "12.5,97,T-1,2026-03-01T00:00:00Z\n,,T-2,\n")
    assert list(read_readings(path)) == [
        RawReading("T-1", "2026-03-01T00:00:00Z", "12.5", None, "feed.csv:2"),
        RawReading("T-2", "", None, None, "feed.csv:3")]


def test_row_numbers_count_blank_and_ragged_rows_across_blocks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["sensor,observed_at,value,unit"]
    for i in range(30):
        lines.append(f"T-{i},2026-03-01T00:00:00Z,{i},vehicles")
        if i % 7 == 3:
            lines.append("")
    text = "\n".join(lines) + "\n"
    monkeypatch.setattr(readings_module, "BLOCK_BYTES", 100)  # two or three rows a block
    path = write(tmp_path / "feed.csv", text)

    found = {r.sensor: r.where for r in read_readings(path)}

    expected = {line.split(",")[0]: f"feed.csv:{n}"
                for n, line in enumerate(lines, start=1) if line.startswith("T-")}
    assert found == expected
    assert len(found) == 30
    lines.insert(20, "T-x,oops")
    with pytest.raises(IngestError) as caught:
        list(read_readings(write(tmp_path / "feed.csv", "\n".join(lines) + "\n")))
    assert caught.value.message == (f"{tmp_path / 'feed.csv'}, row 21: the row has 2 fields "
                                    "where the header has 4: T-x,oops")


def test_json_lines_keep_values_as_sent(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.jsonl",
                 '{"sensor": "T-1", "observed_at": "2026-03-01T00:00:00Z", "value": 12}\n'
                 '\n'
                 '{"sensor": "T-2", "observed_at": "2026-03-01T00:00:00Z", "value": "7.5", '
                 '"unit": "people"}\n{"value": null}\n')
    assert list(read_readings(path)) == [
        RawReading("T-1", "2026-03-01T00:00:00Z", "12", None, "feed.jsonl:1"),
        RawReading("T-2", "2026-03-01T00:00:00Z", "7.5", "people", "feed.jsonl:3"),
        RawReading("", "", None, None, "feed.jsonl:4")]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("feed.txt", b"sensor,observed_at,value\n", "expected a .csv or .jsonl file of readings"),
    ("feed.csv", b"", "row 1, column 'sensor': the header has no column 'sensor'"),
    ("feed.csv", b"sensor,observed_at,value\nT-1,2026-03-01T00:00:00Z,\xff\n",
     "not readable as UTF-8 CSV"),
])
def test_unreadable_files_are_refused_naming_the_file(tmp_path: Path, name: str,
                                                      content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        list(read_readings(path))
    assert caught.value.message.startswith(str(path))
    assert message in caught.value.message
    with pytest.raises(IngestError, match="no such file"):
        list(read_readings(tmp_path / "missing.csv"))


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01T08:15:00Z", datetime(2026, 3, 1, 8, 15)),
    ("2026-03-01T08:15:00+01:00", datetime(2026, 3, 1, 7, 15)),
    ("2026-03-01T08:15:00-05:30", datetime(2026, 3, 1, 13, 45)),
    ("2026-03-01 08:15", datetime(2026, 3, 1, 8, 15)),
    (" 2026-03-01T08:15:59.999 ", datetime(2026, 3, 1, 8, 15, 59)),
    ("1969-12-31T23:59:59.5Z", datetime(1969, 12, 31, 23, 59, 59)),
    ("2026-03-01", None),
    ("08:15", None),
    ("01/03/2026 08:15", None),
    ("", None),
])
def test_times_are_iso_8601_converted_to_utc_seconds(text: str,
                                                     expected: datetime | None) -> None:
    parsed = parse_time(text)
    assert (None if parsed is None else to_datetime(parsed)) == expected


def test_datetimes_convert_both_ways_aware_or_naive() -> None:
    aware = datetime(2026, 3, 1, 9, tzinfo=timezone(timedelta(hours=1)))
    assert to_seconds(aware) == to_seconds(datetime(2026, 3, 1, 8)) == \
        to_seconds(datetime(2026, 3, 1, 8, tzinfo=UTC))
    assert to_seconds(datetime(1970, 1, 1)) == 0
    assert to_datetime(to_seconds(datetime(2026, 3, 1, 8, 0, 5))) == datetime(2026, 3, 1, 8, 0, 5)
    times = parse_times(["2026-03-01T08:00:00Z", None, "nope", "2026-03-01T08:00:00Z", aware])
    assert times.tolist()[0] == times.tolist()[3] == to_seconds(datetime(2026, 3, 1, 8))
    assert times.tolist()[4] == to_seconds(aware)
    assert times[1] == times[2] < -2**62
