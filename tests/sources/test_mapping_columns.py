"""Column-wise mapping: values converted once per distinct value, multi-column fields joined,
and batches written whole or row by row, all giving what value-by-value mapping gives."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from factories import PEOPLE, fetch, ingest_file, person_definition, records, write_people_csv
from sqlalchemy import Engine, text

from joinedup.sources import batches
from joinedup.sources.mapping import INVALID, _Distinct, _joined, _tolerant
from joinedup.standardise import normalise_postcode
from joinedup.store import schema
from joinedup.store.bulk import BulkInsert


def test_distinct_values_are_converted_once_and_spread_over_the_rows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def postcode(raw: str) -> str:
        calls.append(raw)
        return normalise_postcode(raw)

    distinct = _Distinct(_tolerant(postcode))
    first = pa.array(["nr2 4ab", "NR2 4AB", "nr2 4ab", None, "", "N/K"], type=pa.string())
    assert distinct(first) == (["NR2 4AB", "NR2 4AB", "NR2 4AB", None, None, INVALID], [5])
    assert distinct(pa.array(["N/K", "nr2 4ab", "PE30 1HP"])) == (
        [INVALID, "NR2 4AB", "PE30 1HP"], [0])
    assert calls == ["nr2 4ab", "NR2 4AB", "N/K", "PE30 1HP"]  # each once, blanks never

    monkeypatch.setattr(_Distinct, "LIMIT", 2)  # past the limit, start afresh: same results
    assert distinct(pa.array(["N/K", "PE30 1HP", "nr2 4ab", None])) == (
        [INVALID, "PE30 1HP", "NR2 4AB", None], [0])
    assert distinct(pa.array([], type=pa.string())) == ([], [])


def test_multi_column_values_are_joined_without_blanks() -> None:
    lines = pa.array([" 12 High St ", "", None, "Flat 2, 8 Queen St", " ", None])
    towns = pa.array(["Norwich", "Cromer", "Diss", None, "", None])
    assert _joined([lines, towns], ", ").to_pylist() == [
        "12 High St, Norwich", "Cromer", "Diss", "Flat 2, 8 Queen St", None, None]
    assert _joined([towns, lines, towns], " ").to_pylist() == [
        "Norwich 12 High St Norwich", "Cromer Cromer", "Diss Diss", "Flat 2, 8 Queen St",
        None, None]


def test_the_odd_shapes_fall_back_to_the_one_value_parsers(engine: Engine,
                                                           tmp_path: Path) -> None:
    rows = [[*PEOPLE[0][:5], "943-476-5919", *PEOPLE[0][6:9], "+44 (0)1603 123456",
             " Mary@Example.ORG "],
            [*PEOPLE[1][:5], "9434765918", *PEOPLE[1][6:9], "12345", "not an email"]]

    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "people.csv", rows))

    p1, p2 = records(engine)["P1"], records(engine)["P2"]
    assert (p1["nhs_number"], p1["phone"], p1["email"]) == (
        "9434765919", "01603123456", "mary@example.org")
    assert (p2["nhs_number"], p2["phone"], p2["email"]) == (None, None, None)
    assert report.load.warnings == 3
    assert {w["field"] for w in fetch(engine, schema.data_warning)} == {
        "nhs_number", "phone", "email"}


def test_ids_repeated_across_batches_are_quarantined_there(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches, "BATCH", 2)
    rows = [[f"R{i}", *PEOPLE[i % 4][1:]] for i in range(5)]
    rows.append(["R1", *PEOPLE[1][1:]])  # in the third batch, first seen in the first

    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "people.csv", rows))

    assert (report.load.accepted, report.load.quarantined) == (5, 1)
    [duplicate] = fetch(engine, schema.quarantine)
    assert (duplicate["row_no"], duplicate["record_id"]) == (7, "R1")
    assert "row 3" in duplicate["reason"]
    assert sorted(records(engine)) == ["R0", "R1", "R2", "R3", "R4"]


def test_columns_written_whole_empty_ones_as_null(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE columns_t (a TEXT, b TEXT, n INTEGER)"))
        writer = BulkInsert(connection, "columns_t", ["a", "b"], {"n": 7})
        writer.write_columns([["x", None], [None, None]])
        writer.write_columns([[None, None], [None, None]])  # nothing but NULLs: still rows
        writer.write_columns([[], []])
        rows = connection.execute(text("SELECT a, b, n FROM columns_t")).all()
    assert sorted(map(tuple, rows), key=repr) == [("x", None, 7)] + [(None, None, 7)] * 3
