"""Loads: the provenance of everything in the hub, and what each load quarantined or warned."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from factories import (
    NHS_FAILING_CHECK,
    PEOPLE,
    fetch,
    ingest_file,
    make_definition,
    person_definition,
    write_csv,
    write_people_csv,
)
from sqlalchemy import Engine

from joinedup.store import schema
from joinedup.store.loads import (
    Issue,
    list_loads,
    load_detail,
    register_source,
    source_by_name,
)

NOW = datetime(2024, 5, 1, 12, 0)


def load_three(engine: Engine, tmp_path: Path) -> list[int]:
    """Two loads of asc_clients and one of police_nominals; returns their ids in order."""
    asc = person_definition(tmp_path)
    police = make_definition(tmp_path, name="police_nominals", agency="Norfolk Constabulary",
                             fields={"full_name": "name"})
    return [
        ingest_file(engine, asc, write_people_csv(tmp_path / "v1.csv", PEOPLE[:2])).load.id,
        ingest_file(engine, police, write_csv(tmp_path / "n.csv", ["id", "name"],
                                              [["N1", "SMITH, John"]])).load.id,
        ingest_file(engine, asc, write_people_csv(tmp_path / "v2.csv")).load.id,
    ]


def test_list_loads_newest_first(engine: Engine, tmp_path: Path) -> None:
    first, police, second = load_three(engine, tmp_path)

    with engine.connect() as connection:
        found = list_loads(connection)

    assert [r.id for r in found] == [second, police, first]
    assert [r.source for r in found] == ["asc_clients", "police_nominals", "asc_clients"]
    assert found[1].agency == "Norfolk Constabulary"
    assert (found[0].rows_read, found[0].new, found[0].unchanged) == (4, 2, 2)


def test_list_loads_of_one_source_and_a_limit(engine: Engine, tmp_path: Path) -> None:
    first, _, second = load_three(engine, tmp_path)

    with engine.connect() as connection:
        assert [r.id for r in list_loads(connection, source_name="asc_clients")] == [
            second, first]
        assert [r.id for r in list_loads(connection, source_name="asc_clients", limit=1)] == [
            second]
        assert list_loads(connection, source_name="nobody") == []


def test_list_loads_of_an_empty_store(engine: Engine) -> None:
    with engine.connect() as connection:
        assert list_loads(connection) == []


def test_load_detail_lists_quarantine_and_warnings(engine: Engine, tmp_path: Path) -> None:
    rows = [
        [*PEOPLE[0][:5], NHS_FAILING_CHECK, *PEOPLE[0][6:]],
        ["", "No", "Id", "", "", "", "", "", "", "", ""],
        PEOPLE[1],
        [*PEOPLE[1][:2], "Twice", *PEOPLE[1][3:]],
    ]
    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "people.csv", rows))

    with engine.connect() as connection:
        detail = load_detail(connection, report.load.id)

    assert detail is not None
    assert detail.load == report.load
    assert (detail.load.quarantined, detail.load.warnings) == (2, 1)
    no_id, duplicate = detail.quarantine
    assert no_id == Issue(row_no=3, record_id=None, column="id", value=no_id.value,
                          reason="no record id", expected=no_id.expected)
    assert not no_id.value
    assert (duplicate.row_no, duplicate.record_id, duplicate.column, duplicate.value) == (
        5, "P2", "id", "P2")
    assert "row 4" in duplicate.reason
    [warning] = detail.warnings
    assert (warning.row_no, warning.record_id, warning.column, warning.value) == (
        2, "P1", "nhs_no", NHS_FAILING_CHECK)
    assert "nhs_number" in warning.reason
    assert "Modulus 11" in warning.expected


def test_load_detail_limit_and_unknown_load(engine: Engine, tmp_path: Path) -> None:
    rows = [["", "No", "Id", "", "", "", "", "", "", "", ""]] * 5 + [PEOPLE[0]]
    report = ingest_file(engine, person_definition(tmp_path),
                         write_people_csv(tmp_path / "people.csv", rows))

    with engine.connect() as connection:
        detail = load_detail(connection, report.load.id, limit=2)
        assert load_detail(connection, report.load.id + 1) is None

    assert detail is not None
    assert [i.row_no for i in detail.quarantine] == [2, 3]
    assert detail.load.quarantined == 5


def test_register_source_creates_then_updates(engine: Engine) -> None:
    with engine.begin() as connection:
        made = register_source(connection, name="asc", agency_name="Adult Social Care",
                               kind="person", fmt="csv", definition="v1",
                               definition_sha256="a" * 64, description="", person_source_id=None,
                               now=NOW)
        again = register_source(connection, name="asc", agency_name="Adult Social Care",
                                kind="person", fmt="jsonl", definition="v2",
                                definition_sha256="b" * 64, description="moved to JSON",
                                person_source_id=None, now=NOW)
        found = source_by_name(connection, "asc")
        assert source_by_name(connection, "other") is None

    assert made == again == found
    [source] = fetch(engine, schema.source)
    assert (source["format"], source["definition"], source["description"]) == (
        "jsonl", "v2", "moved to JSON")
    assert len(fetch(engine, schema.agency)) == 1


def test_sources_of_one_agency_share_it(engine: Engine, tmp_path: Path) -> None:
    ingest_file(engine, person_definition(tmp_path), write_people_csv(tmp_path / "a.csv"))
    other = person_definition(tmp_path, name="asc_carers")
    ingest_file(engine, other, write_people_csv(tmp_path / "b.csv"))

    assert [a["name"] for a in fetch(engine, schema.agency)] == ["Adult Social Care"]
    assert {s["name"] for s in fetch(engine, schema.source)} == {"asc_clients", "asc_carers"}
