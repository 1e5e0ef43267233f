"""History: re-loading a source updates records in place and keeps every earlier version."""

from __future__ import annotations

import json
from pathlib import Path

from factories import (
    NHS,
    PEOPLE,
    fetch,
    ingest_file,
    make_definition,
    person_definition,
    records,
    table_counts,
    write_csv,
    write_people_csv,
)
from sqlalchemy import Engine

from joinedup.sources.definition import SourceDefinition
from joinedup.sources.ingest import LoadReport
from joinedup.store import schema

P5 = ["P5", "Lena", "Nowak", "09/09/1999", "F", NHS[4], "5 Elm Road", "Thetford", "IP24 3AA",
      "", ""]


def with_postcode(row: list[str], postcode: str) -> list[str]:
    return [*row[:8], postcode, *row[9:]]


def load(engine: Engine, definition: SourceDefinition, path: Path,
         rows: list[list[str]]) -> LoadReport:
    return ingest_file(engine, definition, write_people_csv(path, rows))


def test_a_changed_file_updates_one_adds_one_and_leaves_the_rest(engine: Engine,
                                                                 tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    first = load(engine, definition, tmp_path / "v1.csv", PEOPLE)
    before = records(engine)

    second = load(engine, definition, tmp_path / "v2.csv",
                  [with_postcode(PEOPLE[0], "NR1 1AA"), *PEOPLE[1:], P5])

    assert (second.load.rows_read, second.load.accepted) == (5, 5)
    assert (second.load.new, second.load.updated, second.load.unchanged) == (1, 1, 3)
    after = records(engine)
    assert after["P1"]["postcode"] == "NR1 1AA"
    assert after["P5"]["family_name"] == "Nowak"
    for rid in ("P2", "P3", "P4"):
        assert after[rid] == before[rid]  # untouched: same values, same provenance
        assert after[rid]["load_id"] == first.load.id
    assert table_counts(engine)["source_record_history"] == 1


def test_history_keeps_the_previous_version_with_its_provenance(engine: Engine,
                                                                tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    first = load(engine, definition, tmp_path / "v1.csv", PEOPLE)
    old = records(engine)["P1"]
    second = load(engine, definition, tmp_path / "v2.csv",
                  [with_postcode(PEOPLE[0], "NR1 1AA"), *PEOPLE[1:], P5])

    current = records(engine)["P1"]
    [version] = fetch(engine, schema.source_record.history)
    assert version["current_id"] == current["id"] == old["id"]  # updated in place
    assert version["postcode"] == "NR2 4AB"
    for column in schema.source_record.values:
        if column != "postcode":
            assert version[column] == old[column]
    assert version["load_id"] == first.load.id
    assert version["superseded_by_load_id"] == second.load.id
    assert version["valid_from"] == old["valid_from"]
    assert version["valid_to"] == current["valid_from"]
    assert version["valid_from"] < version["valid_to"]
    assert current["load_id"] == second.load.id
    assert current["first_load_id"] == first.load.id
    p5 = records(engine)["P5"]
    assert p5["load_id"] == p5["first_load_id"] == second.load.id


def test_versions_chain_across_loads(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    first = load(engine, definition, tmp_path / "v1.csv", PEOPLE)
    second = load(engine, definition, tmp_path / "v2.csv",
                  [with_postcode(PEOPLE[0], "NR1 1AA"), *PEOPLE[1:]])
    third = load(engine, definition, tmp_path / "v3.csv",
                 [with_postcode(PEOPLE[0], "NR3 1AB"), *PEOPLE[1:]])

    assert (third.load.updated, third.load.unchanged) == (1, 3)
    one, two = fetch(engine, schema.source_record.history, order_by="valid_from")
    current = records(engine)["P1"]
    assert [(v["postcode"], v["load_id"], v["superseded_by_load_id"]) for v in (one, two)] == [
        ("NR2 4AB", first.load.id, second.load.id),
        ("NR1 1AA", second.load.id, third.load.id)]
    assert one["valid_to"] == two["valid_from"]
    assert two["valid_to"] == current["valid_from"]
    assert (current["postcode"], current["load_id"]) == ("NR3 1AB", third.load.id)


def test_a_value_becoming_invalid_is_a_change_kept_in_history(engine: Engine,
                                                             tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    load(engine, definition, tmp_path / "v1.csv", PEOPLE)
    bad_phone = [*PEOPLE[1][:9], "unknown", PEOPLE[1][10]]

    second = load(engine, definition, tmp_path / "v2.csv", [PEOPLE[0], bad_phone, *PEOPLE[2:]])

    assert (second.load.updated, second.load.warnings) == (1, 1)
    john = records(engine)["P2"]
    assert john["phone"] is None
    assert json.loads(john["invalid"]) == {"phone": "unknown"}
    [version] = fetch(engine, schema.source_record.history)
    assert (version["phone"], version["invalid"]) == ("07700900123", None)


def test_a_cleared_value_is_a_change(engine: Engine, tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    load(engine, definition, tmp_path / "v1.csv", PEOPLE)
    no_email = [*PEOPLE[0][:10], ""]

    second = load(engine, definition, tmp_path / "v2.csv", [no_email, *PEOPLE[1:]])

    assert (second.load.updated, second.load.unchanged) == (1, 3)
    assert records(engine)["P1"]["email"] is None
    [version] = fetch(engine, schema.source_record.history)
    assert version["email"] == "mary@example.org"


def test_the_same_value_written_differently_is_unchanged(engine: Engine,
                                                         tmp_path: Path) -> None:
    definition = person_definition(tmp_path)
    load(engine, definition, tmp_path / "v1.csv", PEOPLE)
    respelt = [["P1", "MARY", "O'BRIEN", "01/02/1970", "female", "943 476 5919",
                "12 HIGH STREET", "NORWICH", "NR2  4AB", "+44 1603 123456",
                "Mary@Example.org"], *PEOPLE[1:]]

    second = load(engine, definition, tmp_path / "v2.csv", respelt)

    assert (second.load.updated, second.load.unchanged) == (0, 4)
    assert table_counts(engine)["source_record_history"] == 0


def test_other_kinds_keep_history_too(engine: Engine, tmp_path: Path) -> None:
    ingest_file(engine, person_definition(tmp_path), write_people_csv(tmp_path / "people.csv"))
    definition = make_definition(
        tmp_path, name="police_flags", agency="Norfolk Constabulary", kind="flag",
        person_source="asc_clients", record_id="flag_id",
        fields={"person": "client", "flag": "code", "sensitivity": "level"})
    header = ["flag_id", "client", "code", "level"]
    first = ingest_file(engine, definition, write_csv(tmp_path / "f1.csv", header, [
        ["F1", "P2", "Risk to staff", "standard"], ["F2", "P4", "DV", "special_category"]]))

    second = ingest_file(engine, definition, write_csv(tmp_path / "f2.csv", header, [
        ["F1", "P2", "Risk to staff", "standard"], ["F2", "P4", "DV", "criminal_offence"]]))

    assert (second.load.updated, second.load.unchanged) == (1, 1)
    [version] = fetch(engine, schema.flag.history)
    assert (version["sensitivity"], version["load_id"], version["superseded_by_load_id"]) == (
        "special_category", first.load.id, second.load.id)
    f2 = {f["record_id"]: f for f in fetch(engine, schema.flag.table)}["F2"]
    assert (f2["sensitivity"], f2["load_id"]) == ("criminal_offence", second.load.id)
    assert version["current_id"] == f2["id"]
