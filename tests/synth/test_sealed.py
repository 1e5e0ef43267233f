"""Sealed records in the synthetic county: adopted children in Children's Services, women in a
refuge in the police and Adult Social Care feeds, at the rates ``joinedup.synth`` states, at
a refuge's address rather than their home's, and stored as sealed when the county is loaded."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from written import written_county

from joinedup.sources.definition import load_definition
from joinedup.sources.ingest import ingest
from joinedup.store import schema
from joinedup.synth import CountySummary, generate_county
from joinedup.synth.agencies.common import REFUGES
from joinedup.synth.geography import Properties
from joinedup.synth.population import Population

PEOPLE, SEED = 20_000, 3
YEAR = 365.2425


@dataclass(frozen=True)
class Sealing:
    """How a feed marks its sealed records, and how many of its people it seals."""

    column: str
    sealed: str
    standard: str | None  # None: a blank cell
    rate: float


SEALING = {
    "childrens_services": Sealing("Access Restriction", "Sealed", None, 0.015),
    "police": Sealing("sensitivity", "sealed", "standard", 0.01),
    "asc_clients": Sealing("Record Sensitivity", "Sealed", "Standard", 0.01),
}
IN_REFUGE = ("police", "asc_clients")


@dataclass(frozen=True)
class World:
    summary: CountySummary
    pop: Population  # the true population and properties the county was written from
    props: Properties
    rows: dict[str, list[dict[str, Any]]]  # every row of each sealing source
    person_of: dict[tuple[str, str], int]  # (source, record id) -> pid, from truth.csv


def read_rows(summary: CountySummary, name: str) -> list[dict[str, Any]]:
    path = summary.data[name]
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        book.close()
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    with path.open(encoding="cp1252", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    summary, pop, props = written_county(tmp_path_factory.mktemp("sealed") / "out",
                                         people=PEOPLE, seed=SEED)
    with summary.truth.open(encoding="utf-8", newline="") as handle:
        person_of = {(r["source"], r["record_id"]): int(r["person"][1:]) - 1
                     for r in csv.DictReader(handle)}
    return World(summary, pop, props,
                 {name: read_rows(summary, name) for name in SEALING}, person_of)


def records(world: World, name: str) -> dict[str, dict[str, Any]]:
    """The rows of a source by record id, as truth.csv lists them: the first with each id
    (a row with a blank or repeated id is a deliberate defect)."""
    key = load_definition(world.summary.definitions[name]).record_id
    found: dict[str, dict[str, Any]] = {}
    for row in world.rows[name]:
        if row.get(key):
            found.setdefault(str(row[key]), row)
    return found


def is_sealed(name: str, row: dict[str, Any]) -> bool:
    return row.get(SEALING[name].column) == SEALING[name].sealed


def sealed_people(world: World, name: str) -> dict[int, list[dict[str, Any]]]:
    """The records of each sealed person of a source."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for rid, row in records(world, name).items():
        if is_sealed(name, row):
            found[world.person_of[name, rid]].append(row)
    return found


def full_address(name: str, row: dict[str, Any]) -> tuple[str, str]:
    """A police or ASC record's address as one line, and its postcode."""
    if name == "police":
        return str(row.get("address") or ""), str(row.get("postcode") or "")
    parts = (row["Address Line 1"], row["Address Line 2"], row["Town"])
    return ", ".join(p for p in parts if p), row["Postcode"]


@pytest.fixture(scope="module")
def addresses(world: World) -> dict[tuple[str, str], int]:
    """Every property by its address as one line and postcode."""
    props, found = world.props, {}
    for p in range(len(props)):
        parts = (props.line1[p], props.line2[p], props.locality[p], props.town[p])
        found[", ".join(x for x in parts if x), props.postcode[p]] = p
    return found


@pytest.mark.parametrize("name", sorted(SEALING))
def test_each_feed_seals_its_stated_share_of_people(world: World, name: str) -> None:
    sealing = SEALING[name]
    values = {row.get(sealing.column) for row in world.rows[name]}
    assert values == {sealing.sealed, sealing.standard}, values
    people = {pid for (source, _), pid in world.person_of.items() if source == name}
    sealed = sealed_people(world, name)
    assert 0.7 * sealing.rate < len(sealed) / len(people) < 1.3 * sealing.rate, len(sealed)
    # Sealing is of the person: every record of a sealed person is sealed, duplicates too.
    for rid, row in records(world, name).items():
        assert is_sealed(name, row) == (world.person_of[name, rid] in sealed), rid


def test_the_sealed_children_are_children(world: World) -> None:
    today = world.pop.reference.toordinal()
    for pid in sealed_people(world, "childrens_services"):
        assert today - world.pop.people[pid].dob < 18 * YEAR


def test_women_in_a_refuge_are_at_a_refuge_not_at_home(
        world: World, addresses: dict[tuple[str, str], int]) -> None:
    pop, today = world.pop, world.pop.reference.toordinal()
    homes = {hh.prop for hh in pop.households}
    refuge_by_person: dict[int, set[int]] = defaultdict(set)
    for name in IN_REFUGE:
        sealed = sealed_people(world, name)
        assert sealed, name
        for pid, rows in sealed.items():
            person = pop.people[pid]
            assert person.sex == "F" and 18 * YEAR <= today - person.dob < 65 * YEAR
            household = pop.households[person.hh]
            for row in rows:
                refuge = addresses[full_address(name, row)]
                assert refuge not in homes  # nobody lives there, least of all her household
                assert refuge != household.prev_prop
                refuge_by_person[pid].add(refuge)
                phone = row.get("phone") or row.get("Telephone")
                assert not household.landline or phone != household.landline
    assert 1 <= len(set().union(*refuge_by_person.values())) <= REFUGES
    # A woman in a refuge is in the same one whichever record says so.
    assert all(len(found) == 1 for found in refuge_by_person.values())


def test_nobody_else_is_recorded_at_a_refuge(
        world: World, addresses: dict[tuple[str, str], int]) -> None:
    refuges = {addresses[full_address(name, row)] for name in IN_REFUGE
               for rows in sealed_people(world, name).values() for row in rows}
    for name in IN_REFUGE:
        for row in world.rows[name]:
            if not is_sealed(name, row):
                assert addresses.get(full_address(name, row)) not in refuges, row


def test_the_sealed_are_in_the_truth(world: World) -> None:
    for name in SEALING:
        ids = [rid for rid, row in records(world, name).items() if is_sealed(name, row)]
        assert ids and all((name, rid) in world.person_of for rid in ids)


def test_loading_the_county_stores_sealed_records(world: World, engine: Engine) -> None:
    for name in SEALING:
        ingest(definition=load_definition(world.summary.definitions[name]),
               path=world.summary.data[name], engine=engine, operator="tester")
    record, source = schema.source_record.table, schema.source
    with engine.connect() as connection:
        stored = {(r.name, r.record_id): r.sensitivity for r in connection.execute(
            select(source.c.name, record.c.record_id, record.c.sensitivity)
            .join(source, source.c.id == record.c.source_id))}
    for name, sealing in SEALING.items():
        rows = records(world, name)
        loaded = {rid: value for (source_name, rid), value in stored.items()
                  if source_name == name}
        assert len(loaded) >= len(rows) - 30, name  # rows without a name are quarantined
        standard = None if sealing.standard is None else "standard"
        for rid, value in loaded.items():
            assert value == ("sealed" if is_sealed(name, rows[rid]) else standard), (name, rid)
        assert sum(value == "sealed" for value in loaded.values()) >= len(
            sealed_people(world, name)), name


def test_the_same_seed_seals_the_same_records(tmp_path: Path) -> None:
    first = generate_county(tmp_path / "a", people=5000, seed=8)
    second = generate_county(tmp_path / "b", people=5000, seed=8)
    for name in SEALING:
        assert first.data[name].read_bytes() == second.data[name].read_bytes(), name
    assert "sealed" in first.data["police"].read_text(encoding="utf-8")
