"""The synthetic county: deterministic, well-formed, and with the ground truth it promises."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

import joinedup.synth
from joinedup.errors import SynthError
from joinedup.sources.definition import Kind, SourceDefinition, load_definition
from joinedup.standardise.nhs import is_valid_nhs_number
from joinedup.synth import CountySummary, generate_county
from joinedup.synth.context import reference_date, stream
from joinedup.synth.places_data import NORFOLK_BOX
from joinedup.synth.population import Population, build_population

PEOPLE, SEED = 3000, 11
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")
PERSON_SOURCES = {"asc_clients", "childrens_services", "community_health", "police",
                  "fire_home_safety", "libraries", "council_tax"}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> CountySummary:
    return generate_county(tmp_path_factory.mktemp("county") / "out", people=PEOPLE, seed=SEED)


@pytest.fixture(scope="module")
def population() -> Population:
    """The same true population the county was built from."""
    return build_population(PEOPLE, stream(SEED, "population"), reference_date(SEED))


@pytest.fixture(scope="module")
def definitions(county: CountySummary) -> dict[str, SourceDefinition]:
    return {name: load_definition(path) for name, path in county.definitions.items()}


@pytest.fixture(scope="module")
def truth(county: CountySummary) -> list[dict[str, str]]:
    with county.truth.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_records(path: Path, definition: SourceDefinition) -> list[dict[str, Any]]:
    """Every row of a data file as a mapping of column -> value, read independently of
    ``joinedup.sources`` so these tests check the files, not the readers."""
    opts = definition.options
    if definition.format == "csv":
        with path.open(encoding=opts.get("encoding", "utf-8"), newline="") as handle:
            return list(csv.DictReader(handle, delimiter=opts.get("delimiter", ",")))
    if definition.format == "jsonl":
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    if definition.format == "xlsx":
        book = load_workbook(path, read_only=True)
        rows = list(book[opts["sheet"]].iter_rows(values_only=True))
        book.close()
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    bundle = json.loads(path.read_text(encoding="utf-8"))
    wanted = "Patient" if definition.kind is Kind.PERSON else "Encounter"
    found = []
    for entry in bundle["entry"]:
        res = entry["resource"]
        if res["resourceType"] == wanted:
            nhs = [i["value"] for i in res.get("identifier", [])
                   if i["system"] == "https://fhir.nhs.uk/Id/nhs-number"]
            found.append({"id": res.get("id"), "nhs_number": nhs[0] if nhs else None,
                          "subject": res.get("subject", {}).get("reference", "")})
    return found


def test_public_surface() -> None:
    assert joinedup.synth.__all__ == ["CountySummary", "generate_county"]


def test_summary_counts_every_source(county: CountySummary) -> None:
    assert county.people == PEOPLE
    assert county.households > PEOPLE // 4
    assert set(county.records) == set(county.definitions) == set(county.data)
    assert {"properties", "asc_contacts", "asc_involvements", "asc_flags", "cs_involvements",
            "community_health_encounters", "community_health_alerts", "police_flags",
            "fire_visits", "fire_risk_markers"} | PERSON_SOURCES <= set(county.records)
    assert all(count > 0 for count in county.records.values())
    assert county.reference_date != date.today()
    assert set(county.layers) == {"flood_zone_3", "flood_zone_2", "flood_zone_wroxham_4326",
                                  "wards", "parishes", "county_outline", "rivers"}
    assert all(path.parent == county.outdir / "data" and path.suffix == ".geojson"
               for path in county.layers.values())
    assert county.vulnerable_truth.is_file()
    sensors = county.sensors
    assert all(p.parent == county.outdir / "sensors" and p.stat().st_size > 0
               for p in (sensors.registry, *sensors.readings, sensors.late,
                         sensors.gaps_truth, sensors.problems_truth))


def test_manifest_lists_loads_in_a_valid_order(county: CountySummary,
                                               definitions: dict[str, SourceDefinition]) -> None:
    manifest = yaml.safe_load(county.manifest.read_text(encoding="utf-8"))
    assert manifest["seed"] == SEED and manifest["people"] == PEOPLE
    assert manifest["county"]
    by_path = {f"definitions/{name}.yaml": d for name, d in definitions.items()}
    loaded: set[str] = set()
    rank = {Kind.PROPERTY: 0, Kind.PERSON: 1}
    ranks = []
    for load in manifest["loads"]:
        definition = by_path[load["definition"]]
        assert (county.outdir / load["data"]).is_file()
        if definition.person_source is not None:
            assert definition.person_source in loaded, definition.name
        loaded.add(definition.name)
        ranks.append(rank.get(definition.kind, 2))
    assert ranks == sorted(ranks)
    assert loaded == set(definitions)
    assert not any(load["data"].endswith(".geojson") for load in manifest["loads"])


def test_every_definition_parses_and_names_real_columns(
        county: CountySummary, definitions: dict[str, SourceDefinition]) -> None:
    for name, definition in definitions.items():
        assert definition.description, name
        if definition.format == "fhir":
            continue  # the FHIR keys are checked by load_definition itself
        records = read_records(county.data[name], definition)
        present = set().union(*(r.keys() for r in records))
        assert set(definition.columns()) <= present, name


def test_truth_lists_every_person_record_with_an_id_once(
        county: CountySummary, definitions: dict[str, SourceDefinition],
        truth: list[dict[str, str]]) -> None:
    listed: dict[str, list[str]] = {}
    for row in truth:
        assert re.fullmatch(r"P\d{7}", row["person"])
        listed.setdefault(row["source"], []).append(row["record_id"])
    assert set(listed) == PERSON_SOURCES
    for name in PERSON_SOURCES:
        definition = definitions[name]
        ids = [r.get(definition.record_id) for r in read_records(county.data[name], definition)]
        first = list(dict.fromkeys(str(i) for i in ids if i))
        assert listed[name] == first, name
        assert len(ids) > len(first), f"{name} has no unusable rows"


def test_within_source_duplicates_are_in_the_truth(truth: list[dict[str, str]]) -> None:
    per_source = Counter((row["source"], row["person"]) for row in truth)
    duplicated = {source for (source, _), n in per_source.items() if n > 1}
    assert {"asc_clients", "community_health", "police", "libraries",
            "council_tax"} <= duplicated


def test_nhs_numbers_are_valid_unless_deliberately_mistyped(
        county: CountySummary, definitions: dict[str, SourceDefinition],
        truth: list[dict[str, str]], population: Population) -> None:
    true_nhs = [p.nhs for p in population.people]
    assert all(is_valid_nhs_number(n) for n in true_nhs)
    assert len(set(true_nhs)) == len(true_nhs)
    person_of = {(r["source"], r["record_id"]): int(r["person"][1:]) - 1 for r in truth}
    checked = mistyped = 0
    for name, column in (("asc_clients", "NHS No"), ("community_health", "nhs_number")):
        definition = definitions[name]
        for record in read_records(county.data[name], definition):
            pid = person_of.get((name, str(record.get(definition.record_id))))
            nhs = (record[column] or "").replace(" ", "")
            if pid is None or not nhs:
                continue
            checked += 1
            if nhs == true_nhs[pid]:
                assert is_valid_nhs_number(nhs)
            else:
                mistyped += 1
    assert checked > 300
    assert mistyped < checked * 0.05


def test_people_are_as_the_population_says(population: Population) -> None:
    ages = [population.age(p) for p in population.people]
    assert 0.12 < sum(a < 18 for a in ages) / len(ages) < 0.3
    assert 0.12 < sum(a >= 65 for a in ages) / len(ages) < 0.3
    assert any(p.maiden for p in population.people)
    assert any("-" in p.family for p in population.people)
    born = Counter((p.hh, p.dob) for p in population.people if population.age(p) < 18)
    assert any(n > 1 for n in born.values()), "no twins"


def test_properties_lie_in_norfolk_with_valid_postcodes(
        county: CountySummary, definitions: dict[str, SourceDefinition]) -> None:
    e_min, e_max, n_min, n_max = NORFOLK_BOX
    records = read_records(county.data["properties"], definitions["properties"])
    uprns = [r["UPRN"] for r in records if r["UPRN"]]
    assert all(re.fullmatch(r"\d{9,12}", u) for u in uprns)
    assert len(set(uprns)) >= county.properties - 30  # repeated ids are deliberate defects
    for r in records:
        assert e_min <= int(r["X_COORDINATE"]) <= e_max
        assert n_min <= int(r["Y_COORDINATE"]) <= n_max
        assert POSTCODE.match(r["POSTCODE"]), r["POSTCODE"]
        assert r["WARD"]
    per_postcode = Counter(r["POSTCODE"] for r in records)
    assert 8 < len(records) / len(per_postcode) < 20


def test_cp1252_sources_are_cp1252(county: CountySummary) -> None:
    for name in ("asc_clients", "council_tax"):
        raw = county.data[name].read_bytes()
        assert raw.startswith(b"\x00") is False and b"\r\n" in raw
        raw.decode("cp1252")
    raw = county.data["council_tax"].read_bytes()
    assert any(b >= 0x80 for b in raw), "no accented or typographic characters at all"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_fire_files_have_a_bom_and_semicolons(county: CountySummary) -> None:
    for name in ("fire_home_safety", "fire_visits"):
        raw = county.data[name].read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        header = raw[3:].split(b"\n", 1)[0].decode("utf-8")
        assert ";" in header and "," not in header


def test_libraries_are_pipe_delimited(county: CountySummary) -> None:
    header = county.data["libraries"].read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.split("|")[:3] == ["borrower_id", "card_number", "first_name"]


def test_police_files_are_json_lines(county: CountySummary) -> None:
    for name in ("police", "police_flags"):
        for line in county.data[name].read_text(encoding="utf-8").splitlines():
            assert isinstance(json.loads(line), dict)


def test_childrens_services_is_a_workbook_with_date_cells(county: CountySummary) -> None:
    book = load_workbook(io.BytesIO(county.data["childrens_services"].read_bytes()),
                         read_only=True)
    rows = list(book["Children"].iter_rows(values_only=True))
    book.close()
    assert rows[0][:4] == ("Child ID", "Forename", "Surname", "Date of Birth")
    assert sum(isinstance(r[3], datetime) for r in rows[1:]) > len(rows) * 0.9
    assert {r[4] for r in rows[1:]} <= {"Male", "Female", None}


def test_community_health_is_a_fhir_bundle(county: CountySummary) -> None:
    assert county.data["community_health"] == county.data["community_health_encounters"]
    bundle = json.loads(county.data["community_health"].read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert set(kinds) == {"Patient", "Encounter"}
    assert all(e["fullUrl"] for e in bundle["entry"])
    patients = {e["resource"].get("id") for e in bundle["entry"]
                if e["resource"]["resourceType"] == "Patient"}
    subjects = [e["resource"].get("subject", {}).get("reference") for e in bundle["entry"]
                if e["resource"]["resourceType"] == "Encounter"]
    linked = [s for s in subjects if s]
    assert all(s.startswith("Patient/") and s[8:] in patients for s in linked)
    assert len(linked) < len(subjects)  # a few encounters without a patient, for quarantine


def test_activity_dates_fall_in_the_three_years_before_the_reference_date(
        county: CountySummary, definitions: dict[str, SourceDefinition]) -> None:
    ref = county.reference_date
    records = read_records(county.data["asc_contacts"], definitions["asc_contacts"])
    dates = [datetime.strptime(r["Contact Date"], "%d/%m/%Y %H:%M").date() for r in records]
    assert min(dates) >= ref - timedelta(days=3 * 365 + 3)
    assert max(dates) < ref


def test_flags_fit_the_people(county: CountySummary, definitions: dict[str, SourceDefinition],
                              truth: list[dict[str, str]], population: Population) -> None:
    person_of = {r["record_id"]: int(r["person"][1:]) - 1 for r in truth
                 if r["source"] == "asc_clients"}
    records = read_records(county.data["asc_flags"], definitions["asc_flags"])
    alone = [person_of[r["Client Ref"]] for r in records
             if r["Alert Code"] == "LIVES_ALONE" and r["Client Ref"] in person_of]
    assert alone
    for pid in alone:
        assert population.households[population.people[pid].hh].size == 1
    assert {r["Sensitivity"] for r in records} <= {"standard", "special_category",
                                                   "criminal_offence", ""}


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    first = generate_county(tmp_path / "a", people=600, seed=5)
    second = generate_county(tmp_path / "b", people=600, seed=5)
    other = generate_county(tmp_path / "c", people=600, seed=6)
    files = sorted(p.relative_to(first.outdir) for p in first.outdir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.outdir) for p in second.outdir.rglob("*")
                           if p.is_file())
    for rel in files:
        assert (first.outdir / rel).read_bytes() == (second.outdir / rel).read_bytes(), rel
    assert first.truth.read_bytes() != other.truth.read_bytes()
    assert (first.data["asc_clients"].read_bytes()
            != other.data["asc_clients"].read_bytes())
    assert (first.sensors.readings[0].read_bytes()
            != other.sensors.readings[0].read_bytes())


def test_progress_is_reported(tmp_path: Path) -> None:
    stages: list[tuple[str, int, int]] = []
    generate_county(tmp_path / "out", people=100, seed=1,
                    progress=lambda s, d, t: stages.append((s, d, t)))
    names = {s for s, _, _ in stages}
    assert {"people", "properties", "writing asc_clients", "writing council_tax"} <= names
    assert all(0 <= d <= t for _, d, t in stages)


@pytest.mark.parametrize("people", [0, 9, -5, "100", 2.5, True])
def test_bad_people_is_a_synth_error(tmp_path: Path, people: Any) -> None:
    with pytest.raises(SynthError):
        generate_county(tmp_path / "out", people=people)


def test_refuses_a_directory_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(SynthError, match="not empty"):
        generate_county(tmp_path, people=50)
    assert (tmp_path / "precious.txt").read_text(encoding="utf-8") == "keep me"
    with pytest.raises(SynthError, match="is a file"):
        generate_county(tmp_path / "precious.txt", people=50)


def test_a_run_cut_short_can_be_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("joinedup.synth.county.build_properties", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate_county(tmp_path / "out", people=50)
    monkeypatch.undo()
    assert generate_county(tmp_path / "out", people=50).records["council_tax"] > 0


def test_overwrites_a_county_it_wrote(tmp_path: Path) -> None:
    generate_county(tmp_path / "out", people=200, seed=1)
    summary = generate_county(tmp_path / "out", people=100, seed=2)
    manifest = yaml.safe_load(summary.manifest.read_text(encoding="utf-8"))
    assert manifest["people"] == 100 and manifest["seed"] == 2
