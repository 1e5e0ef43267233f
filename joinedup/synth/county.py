"""``generate_county``: write a whole synthetic county, its definitions, manifest, truth and
map layers."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from joinedup.errors import SynthError
from joinedup.standardise.names import NICKNAMES
from joinedup.synth.agencies import AGENCIES
from joinedup.synth.context import County, reference_date, stream
from joinedup.synth.corruption import sorted_nicknames
from joinedup.synth.feeds import ActivityJob, Feed, PersonJob, PropertyJob, Ref
from joinedup.synth.flood import flood_zones
from joinedup.synth.geography import build_properties
from joinedup.synth.layers import write_layers
from joinedup.synth.pipeline import (
    Outputs,
    Progress,
    run_activity_job,
    run_person_job,
    run_property_job,
    truth_writer,
)
from joinedup.synth.population import assign_homes, build_population
from joinedup.synth.sensors import MAX_WEEKS, MIN_WEEKS, SensorFiles, write_sensors
from joinedup.synth.vulnerability import write_vulnerable_truth

COUNTY_NAME = "Norfolk (synthetic)"
GENERATOR = "joinedup.synth"
MIN_PEOPLE = 10
MAX_PEOPLE = 5_000_000
_KIND_ORDER = {"property": 0, "person": 1, "contact": 2, "involvement": 2, "flag": 2}
_OURS = ("manifest.yaml", "truth.csv", "vulnerable_truth.csv", "definitions", "data",
         "agreements", "sensors")


@dataclass(frozen=True)
class CountySummary:
    """What was written: counts, and where."""

    outdir: Path
    seed: int
    people: int
    households: int
    properties: int
    reference_date: date
    records: dict[str, int]  # rows written per source (unusable rows included)
    manifest: Path
    truth: Path
    vulnerable_truth: Path
    definitions: dict[str, Path]
    data: dict[str, Path]  # per source
    layers: dict[str, Path]  # GeoJSON map layers, by name (see ``joinedup.synth.layers``)
    sensors: SensorFiles  # the sensor registry, readings and their truth (``sensors``)


def generate_county(outdir: Path, *, people: int, seed: int = 42, sensor_weeks: int = 4,
                    progress: Callable[[str, int, int], None] | None = None) -> CountySummary:
    """Write a synthetic county of ``people`` people into ``outdir``, with the readings of
    its sensors for the ``sensor_weeks`` before its reference date.

    The same options give byte-identical files. Raises SynthError for fewer than 10 people,
    weeks outside 1-52, or an ``outdir`` that is a file or a non-empty directory that this
    function did not write (one it wrote before, recognised by its manifest, is overwritten).
    """
    _check_options(people, seed, sensor_weeks)
    outdir = Path(outdir)
    _prepare(outdir)
    reference = reference_date(seed)

    def stage(name: str, done: int, total: int) -> None:
        if progress is not None:
            progress(name, done, total)

    pop = build_population(people, stream(seed, "population"), reference,
                           progress=lambda done: stage("people", done, people))
    homes = len(pop.households) + len(pop.households) // 16 + 20
    stage("properties", 0, homes)
    props = build_properties(homes, stream(seed, "properties"))
    assign_homes(pop, props, stream(seed, "homes"))
    stage("properties", homes, homes)
    county = County(seed, reference, pop, props, sorted_nicknames(NICKNAMES))

    (outdir / "data").mkdir(parents=True)
    (outdir / "definitions").mkdir()
    _copy_agreements(outdir / "agreements")
    feeds, records = _write_feeds(county, outdir, progress)
    stage("map layers", 0, 1)
    flood = flood_zones(seed)
    layers = write_layers(props, flood, outdir / "data")
    write_vulnerable_truth(county, flood, outdir / "vulnerable_truth.csv")
    stage("map layers", 1, 1)
    stage("sensors", 0, 1)
    sensor_files = write_sensors(county, outdir, weeks=sensor_weeks)
    stage("sensors", 1, 1)

    definitions, data = {}, {}
    for feed in feeds:
        path = outdir / "definitions" / f"{feed.name}.yaml"
        path.write_text(_yaml(feed.definition()), encoding="utf-8")
        definitions[feed.name], data[feed.name] = path, outdir / "data" / feed.filename
    ordered = sorted(feeds, key=lambda f: _KIND_ORDER[f.kind])  # stable: agency order kept
    manifest = {
        "county": COUNTY_NAME, "seed": seed, "people": people, "generator": GENERATOR,
        "reference_date": reference.isoformat(), "households": len(pop.households),
        "loads": [{"definition": f"definitions/{f.name}.yaml", "data": f"data/{f.filename}"}
                  for f in ordered],
        "sensors": _sensor_entry(sensor_files, outdir),
    }
    (outdir / "manifest.yaml").write_text(_yaml(manifest), encoding="utf-8")
    return CountySummary(
        outdir=outdir, seed=seed, people=people, households=len(pop.households),
        properties=len(props), reference_date=reference, records=records,
        manifest=outdir / "manifest.yaml", truth=outdir / "truth.csv",
        vulnerable_truth=outdir / "vulnerable_truth.csv", definitions=definitions, data=data,
        layers=layers, sensors=sensor_files)


def _sensor_entry(files: SensorFiles, outdir: Path) -> dict[str, Any]:
    """The sensor files, for ``joinedup sensors register`` and ``ingest`` (not sources: the
    manifest's ``loads`` never lists them), as paths from the manifest."""
    def rel(path: Path) -> str:
        return path.relative_to(outdir).as_posix()

    return {"registry": rel(files.registry), "readings": [rel(p) for p in files.readings],
            "late": rel(files.late), "from": files.start.isoformat(),
            "to": files.end.isoformat()}


def _write_feeds(county: County, outdir: Path, progress: Progress | None
                 ) -> tuple[list[Feed], dict[str, int]]:
    feeds: list[Feed] = []
    records: dict[str, int] = {}
    refs: dict[str, list[Ref]] = {}
    truth, close_truth = truth_writer(outdir / "truth.csv")
    outputs = Outputs(outdir / "data", county)
    try:
        for agency in AGENCIES:
            for job in agency(county):
                feed = job.feed
                if isinstance(job, PersonJob):
                    records[feed.name], refs[feed.name] = run_person_job(
                        county, job, outputs, truth, progress)
                elif isinstance(job, ActivityJob):
                    records[feed.name] = run_activity_job(
                        county, job, refs[str(feed.person_source)], outputs, progress)
                elif isinstance(job, PropertyJob):
                    records[feed.name] = run_property_job(county, job, outputs, progress)
                feeds.append(feed)
    finally:
        outputs.close()
        close_truth()
    return feeds, records


def _copy_agreements(target: Path) -> None:
    """The county's sharing agreements (``joinedup/synth/agreements``), copied as shipped so
    ``joinedup agreements load`` can govern the demo like a real hub."""
    target.mkdir()
    shipped = resources.files("joinedup.synth").joinpath("agreements")
    for item in sorted(shipped.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".yaml"):
            (target / item.name).write_bytes(item.read_bytes())


def _check_options(people: Any, seed: Any, weeks: Any) -> None:
    if isinstance(people, bool) or not isinstance(people, int):
        raise SynthError(f"people must be a whole number, got {people!r}")
    if people < MIN_PEOPLE:
        raise SynthError(f"people must be at least {MIN_PEOPLE}, got {people}: a county needs "
                         "a few households for every agency to know someone")
    if people > MAX_PEOPLE:
        raise SynthError(f"people must be at most {MAX_PEOPLE:,}, got {people:,}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SynthError(f"seed must be a whole number, got {seed!r}")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not \
            MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise SynthError(f"sensor weeks must be a whole number from {MIN_WEEKS} to "
                         f"{MAX_WEEKS}, got {weeks!r}")


def _prepare(outdir: Path) -> None:
    """Make sure ``outdir`` may be written: absent, empty, or an earlier synthetic county."""
    if outdir.exists() and not outdir.is_dir():
        raise SynthError(f"{outdir} is a file; give a directory to write the county into")
    if outdir.is_dir() and any(outdir.iterdir()):
        if not _written_by_synth(outdir / "manifest.yaml"):
            raise SynthError(f"{outdir} is not empty and holds no synthetic county's "
                             "manifest.yaml; choose an empty or new directory")
        for name in _OURS:
            target = outdir / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    outdir.mkdir(parents=True, exist_ok=True)
    # Claimed at once, so that a run cut short (Ctrl-C) leaves a directory a rerun may reuse;
    # without loads, nothing can ingest it half-written.
    (outdir / "manifest.yaml").write_text(_yaml({"generator": GENERATOR, "loads": []}),
                                          encoding="utf-8")


def _written_by_synth(manifest: Path) -> bool:
    try:
        loaded = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(loaded, dict) and loaded.get("generator") == GENERATOR


def _yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
