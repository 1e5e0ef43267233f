"""The vulnerable-people list at county scale: a million properties, a flood zone of many
thousand vertices with holes, on SQLite and PostgreSQL, beside GeoPandas on the same points.

    python bench/emergency.py                                        # 1,000,000 properties
    python bench/emergency.py --properties 100000 --backend sqlite   # a quick look
    python bench/emergency.py --rebuild                              # build the stores again

1. The store (once per size and backend: bench/out/emergency/emergency-<n>.db, and the
   PostgreSQL schema bench_emergency_<n>; ``--rebuild`` starts again). The synthetic county's
   homes and people (``joinedup.synth``), sized so that its rule gives ``--properties`` homes,
   written straight into the tables (CSV ingest is benchmarked in bench/ingest.py, linkage in
   bench/link_scale.py): the address register, one council-tax record per person (with the
   UPRN), Adult Social Care clients and community-health patients chosen as the county
   chooses them (with addresses, some abbreviated or without a postcode, and no UPRN, so that
   address matching is exercised), ASC's alerts from the conditions, each person's true
   identity as linkage would give it, and the county's sharing agreements. Then
   ``places.build`` rebuilds the places (timed: a rebuild follows every load and link run).
2. The area: the synthetic county's Flood Zone 2 (``--zone 3`` for the narrower zone), as a
   GeoJSON file in EPSG:27700 read with ``read_area``.
3. The list: an emergency planner asks ``vulnerable()`` for it under DSA-NFK-003, each
   request in its own audited transaction (``governed``), ``--runs`` times after a warm-up:
   once as a newly drawn polygon (its grid cover computed each time), once as the same
   polygon asked for again (the cover cached). Median and p95, and the median of each stage.
   The store is open as ``joinedup serve`` opens it (SQLite's checkpoints in the background,
   ``store.database.checkpointing``), and the places were rebuilt after the last load, so
   the people are read from their emergency cards (``places.cards``), as the report says.
4. Peers, on the same points and polygon: the million property points are read from the
   store once; GeoPandas ``sjoin`` (building the points' GeoDataFrame, then the join),
   prepared Shapely ``contains_xy`` and ``intersects_xy``, and ``places.grid`` (cover, then
   ``contains`` with the stored cells) are timed (median of ``--peer-runs``). Each must find
   exactly the properties that ``shapely.intersects_xy`` finds testing every point (the
   boundary is inside), and the list exactly the properties inside with a resident in need,
   as worked out here from the source tables: a person's home is the UPRN on their council-
   tax record, their needs the alerts the agreements share with the planner (past their
   review date too), and their age (under 5, 85 and over) from a record the planner may see.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import geopandas  # type: ignore[import-untyped]
import numpy as np
import shapely
import yaml
from govern import cached_store_url
from numpy.typing import NDArray
from shapely.geometry import mapping
from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.exc import OperationalError

from joinedup.govern.agreements import read_directory
from joinedup.govern.register import Register, load_agreements, register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Group, Purpose, Role, flag_group
from joinedup.places import grid
from joinedup.places.areas import Area, read_area
from joinedup.places.build import build
from joinedup.places.needs import Need, age, need_of
from joinedup.places.vulnerable import VulnerableList, vulnerable
from joinedup.standardise.phones import normalise_phone
from joinedup.standardise.sex import normalise_sex
from joinedup.store import schema
from joinedup.store.bulk import BulkInsert, indexes_rebuilt
from joinedup.store.database import (
    checkpointing,
    create_store_engine,
    current_revision,
    open_store,
    upgrade,
)
from joinedup.store.loads import finish_load, register_source, start_load
from joinedup.synth.agencies import asc, community_health, council_tax, properties
from joinedup.synth.agencies.common import choose_people
from joinedup.synth.context import County, reference_date, stream
from joinedup.synth.feeds import ActivityJob, Ref
from joinedup.synth.flood import build_flood_zones
from joinedup.synth.geography import build_properties
from joinedup.synth.population import Person, assign_homes, build_population

OUT = Path(__file__).parent / "out" / "emergency"
AGREEMENTS = Path(__file__).parents[1] / "joinedup" / "synth" / "agreements"
SEED = 42
REFERENCE = reference_date(SEED)
NOW = datetime(REFERENCE.year, REFERENCE.month, REFERENCE.day, 10, 0)
"""The synthetic county's "today", when the agreements are in force and its people the age
they are."""
PLANNER = Actor("ep.bench", "Norfolk County Council Emergency Planning", Role.EMERGENCY_PLANNER)
PURPOSE = Purpose.EMERGENCY_RESPONSE.value
OPERATOR = "bench"
TARGET = 0.5
"""Seconds: issue 6's target for the whole list at a million properties."""

_BATCH = 50_000
_ABBREVIATED = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Close": "Cl",
                "Drive": "Dr"}
_STREET_TYPE = re.compile(rf"\b({'|'.join(_ABBREVIATED)})\b")
_ABBREVIATE, _NO_POSTCODE = 0.15, 0.02
"""Of the ASC and health records: street types abbreviated, and no postcode (so not placed)."""
_SJOIN_SAMPLE = 2_000
"""Points timed through ``sjoin(points, zone, predicate="intersects")``, which tests each
point against the unprepared zone: the whole million would take minutes."""
_RECORD = ("id", "record_id", "given_name", "middle_names", "family_name", "date_of_birth",
           "sex", "nhs_number", "uprn", "address", "postcode", "phone")


# -- the synthetic county ---------------------------------------------------------------------

def synthesise(homes: int) -> County:
    """Homes and people as ``generate_county`` makes them, with as many people as make it lay
    out ``homes`` homes (a home per household, a sixteenth more, and 20)."""
    sample = build_population(20_000, stream(SEED, "sizing"), REFERENCE)
    households = (homes - 20) * 16 / 17
    people = max(10, round(households * len(sample.people) / len(sample.households)))
    print(f"synthesising {homes:,} homes and {people:,} people", flush=True)
    pop = build_population(people, stream(SEED, "population"), REFERENCE)
    props = build_properties(homes, stream(SEED, "properties"))
    assign_homes(pop, props, stream(SEED, "homes"))
    return County(SEED, REFERENCE, pop, props, {})


def _address(props: Any, i: int) -> str:
    """The register's address, as ingest cleans the property feed's four columns."""
    return ", ".join(p for p in (props.line1[i], props.line2[i], props.locality[i],
                                 props.town[i]) if p)


def _as_written(address: str, rng: random.Random) -> str:
    if rng.random() >= _ABBREVIATE:
        return address
    return _STREET_TYPE.sub(lambda m: _ABBREVIATED[m[0]], address)


def _batched(rows: Iterable[Sequence[Any]], writer: BulkInsert) -> int:
    batch: list[Sequence[Any]] = []
    written = 0
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            writer.write(batch)
            written += len(batch)
            batch = []
    writer.write(batch)
    return written + len(batch)


@dataclass(frozen=True)
class _Source:
    id: int
    load_id: int

    def constants(self) -> dict[str, int | str | datetime]:
        return {"source_id": self.id, "load_id": self.load_id, "first_load_id": self.load_id,
                "valid_from": NOW}


class _Writer:
    """One county into an empty store: each source registered and its load recorded as ingest
    would record them, the rows straight into the tables."""

    def __init__(self, connection: Connection, county: County) -> None:
        self.c, self.county = connection, county
        self.jobs = {job.feed.name: job for module in (properties, council_tax, asc,
                                                      community_health)
                     for job in module.jobs(county)}
        self.sources: dict[str, _Source] = {}
        self.next_id = 1

    def source(self, name: str) -> _Source:
        feed = self.jobs[name].feed
        definition = yaml.safe_dump(feed.definition(), sort_keys=False, allow_unicode=True)
        digest = sha256(definition.encode()).hexdigest()
        parent = self.sources[feed.person_source].id if feed.person_source else None
        registered = register_source(
            self.c, name=name, agency_name=feed.agency, kind=feed.kind, fmt=feed.format,
            definition=definition, definition_sha256=digest, description=feed.description,
            person_source_id=parent, now=NOW)
        load_id = start_load(self.c, source_id=registered.id, file_name=feed.filename,
                             file_sha256=digest, file_bytes=0, definition_sha256=digest,
                             operator=OPERATOR, now=NOW)
        self.sources[name] = _Source(registered.id, load_id)
        return self.sources[name]

    def finish(self, name: str, rows: int) -> None:
        finish_load(self.c, self.sources[name].load_id, finished_at=NOW, rows_read=rows,
                    new=rows, updated=0)

    def properties(self) -> int:
        props = self.county.props
        writer = BulkInsert(self.c, "property", ("record_id", "uprn", "address", "postcode",
                                                 "easting", "northing", "ward", "parish"),
                            self.source("properties").constants())
        with indexes_rebuilt(self.c, schema.property_.table):
            written = _batched(((props.uprn[i], props.uprn[i], _address(props, i),
                                 props.postcode[i], float(props.easting[i]),
                                 float(props.northing[i]), props.ward[i], props.parish[i])
                                for i in range(len(props))), writer)
        self.finish("properties", written)
        return written

    def records(self, name: str, pids: Sequence[int], prefix: str, *, uprn: bool,
                phone: Callable[[Person], str]) -> dict[str, int]:
        """One record per person (``uprn``: with the home's UPRN; else no UPRN, the address as
        the agency writes it); returns the source_record id of each record id."""
        county = self.county
        people, households, props = county.pop.people, county.pop.households, county.props
        rng = county.rng(f"bench:{name}")
        writer = BulkInsert(self.c, "source_record", _RECORD, self.source(name).constants())
        ids: dict[str, int] = {}

        def rows() -> Iterator[tuple[Any, ...]]:
            for pid in pids:
                p = people[pid]
                home = households[p.hh].prop
                rid = f"{prefix}{pid + 1:08d}"
                ids[rid] = self.next_id
                address = _address(props, home)
                postcode: str | None = props.postcode[home]
                if not uprn:
                    address = _as_written(address, rng)
                    postcode = None if rng.random() < _NO_POSTCODE else postcode
                number = phone(p)
                yield (self.next_id, rid, p.given, p.middle or None, p.family,
                       None if uprn else date.fromordinal(p.dob).isoformat(),
                       normalise_sex(p.sex), None if uprn else p.nhs,
                       props.uprn[home] if uprn else None, address, postcode,
                       normalise_phone(number) if number else None)
                self.next_id += 1

        self.finish(name, _batched(rows(), writer))
        return ids

    def flags(self, clients: dict[str, int], pids: Sequence[int]) -> int:
        """ASC's alerts for its clients, drawn by the county's own generator."""
        job = self.jobs["asc_flags"]
        assert isinstance(job, ActivityJob)
        writer = BulkInsert(self.c, "flag", ("record_id", "person_record_id", "flag",
                                             "description", "sensitivity", "raised_on",
                                             "expires_on"),
                            self.source("asc_flags").constants())
        refs = [Ref(f"A{pid + 1:08d}", pid) for pid in pids]
        events = job.events(refs, self.county.rng("bench:asc_flags"))
        written = _batched(((e.rid, clients[e.person], e.code, e.description, e.sensitivity,
                             _iso(e.start), _iso(e.end)) for e in events), writer)
        self.finish("asc_flags", written)
        return written

    def persons(self, people: int, records: dict[str, dict[str, int]]) -> None:
        """Each true person and their records, as a link run would leave them."""
        model = self.c.execute(insert(schema.link_model).values(
            created_at=NOW, operator=OPERATOR, engine="bench", sha256="0" * 64, records=0,
            model="{}").returning(schema.link_model.c.id)).scalar_one()
        run = self.c.execute(insert(schema.link_run).values(
            model_id=model, mode="batch", operator=OPERATOR, started_at=NOW, finished_at=NOW,
            threshold=6, review_below=2, records=self.next_id - 1, pairs=0, persons=people,
            created=people, retired=0, events=0, to_review=0)
            .returning(schema.link_run.c.id)).scalar_one()
        _batched(((pid + 1,) for pid in range(people)),
                 BulkInsert(self.c, "person", ("id",), {"created_run_id": run}))
        with indexes_rebuilt(self.c, schema.person_link):
            _batched(((record, int(rid[1:]), 10.0) for ids in records.values()
                      for rid, record in ids.items()),
                     BulkInsert(self.c, "person_link", ("source_record_id", "person_id",
                                                        "match_weight"),
                                {"method": "bench", "run_id": run}))


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def load_county(engine: Engine, county: County) -> dict[str, int]:
    """Write the county into the store in one transaction; rows written per table."""
    people = len(county.pop.people)
    clients = sorted(choose_people(county, county.rng("bench:choose_asc"), asc.CHANCE))
    patients = sorted(choose_people(county, county.rng("bench:choose_health"),
                                    community_health.CHANCE))
    households = county.pop.households
    with engine.begin() as c:
        load_agreements(c, read_directory(AGREEMENTS), operator=OPERATOR, now=NOW)
        w = _Writer(c, county)
        counts = {"property": w.properties()}
        with indexes_rebuilt(c, schema.source_record.table):
            records = {
                "council_tax": w.records("council_tax", range(people), "T", uprn=True,
                                         phone=lambda p: ""),
                "asc_clients": w.records("asc_clients", clients, "A", uprn=False,
                                         phone=lambda p: households[p.hh].landline),
                "community_health": w.records("community_health", patients, "H", uprn=False,
                                              phone=lambda p: p.mobile)}
        counts.update({f"source_record ({k})": len(v) for k, v in records.items()})
        with indexes_rebuilt(c, schema.flag.table):
            counts["flag"] = w.flags(records["asc_clients"], clients)
        w.persons(people, records)
        counts["person"] = people
        if c.dialect.name == "postgresql":  # ids were given: later inserts continue after them
            for table in ("source_record", "property", "flag"):
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))"))
    return counts


# -- the stores -------------------------------------------------------------------------------

def store_url(backend: str, homes: int, rebuild: bool) -> str:
    """The backend's store for ``homes`` properties, emptied first if ``rebuild``."""
    name = f"emergency-{homes}" if backend == "sqlite" else f"bench_emergency_{homes}"
    return cached_store_url(backend, name, OUT, rebuild=rebuild)


def _built(engine: Engine, marker: Path) -> bool:
    """Whether the store holds a finished build (a load cut short leaves no place_build)."""
    with engine.connect() as c:
        done = c.execute(select(schema.place_build.c.id).limit(1)).first() is not None
    return done and marker.exists()


def prepare(backend: str, homes: int, rebuild: bool, county: Callable[[], County]
            ) -> tuple[str, dict[str, Any]]:
    """The store's URL and how it was built, building it first if it is not cached."""
    marker = OUT / f"store-{backend}-{homes}.json"
    url = store_url(backend, homes, rebuild)
    engine = create_store_engine(url)
    try:  # a store cached under an older schema is migrated, as ``joinedup db upgrade`` would
        with engine.connect() as c:
            cached = current_revision(c) is not None
        if cached:
            upgrade(engine)
    finally:
        engine.dispose()
    with open_store(url) as engine:
        if _built(engine, marker):
            return url, dict(json.loads(marker.read_text(encoding="utf-8")))
    if not rebuild:  # half-built: start again
        url = store_url(backend, homes, True)
    with open_store(url) as engine:
        data = county()
        print(f"{backend}: writing the store", flush=True)
        started = time.perf_counter()
        counts = load_county(engine, data)
        loaded = time.perf_counter() - started
        print(f"{backend}: places.build", flush=True)
        started = time.perf_counter()
        with engine.begin() as c:
            report = build(c, now=NOW)
        rebuilt = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))
    info = {"rows": counts, "load_seconds": round(loaded, 1), "build_seconds": round(rebuilt, 1),
            "places": report.places, "residents": report.residents,
            "match_rates": {m.source: [m.records, m.by_uprn, m.by_address]
                            for m in report.matches}}
    marker.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return url, info


# -- the area ---------------------------------------------------------------------------------

def flood_zone(zone: int) -> tuple[Area, float]:
    """The county's flood zone as a planner would upload it, and seconds to read it."""
    zones = build_flood_zones(stream(SEED, "flood"))
    geometry = zones.zone3 if zone == 3 else zones.zone2
    path = OUT / f"flood-zone-{zone}.geojson"
    path.write_text(json.dumps({
        "type": "FeatureCollection", "name": f"Flood Zone {zone} (synthetic county)",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [{"type": "Feature", "properties": {"zone": zone},
                      "geometry": mapping(geometry)}]}), encoding="utf-8")
    started = time.perf_counter()
    area = read_area(path)
    return area, time.perf_counter() - started


def holes(area: Area) -> int:
    return int(shapely.get_num_interior_rings(shapely.get_parts(area.geometry)).sum())


# -- the list ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Runs:
    seconds: list[float]
    stages: dict[str, list[float]]
    found: VulnerableList


def measure(engine: Engine, area: Area, runs: int, *, new_polygon: bool) -> Runs:
    """``runs`` requests after a warm-up, each register read, list made, audited and committed
    as the API does. ``new_polygon``: the grid cover is computed afresh each time (as for an
    area just uploaded), not taken from the cache an equal polygon hits."""
    seconds: list[float] = []
    stages: dict[str, list[float]] = defaultdict(list)
    first: VulnerableList | None = None
    for run in range(runs + 1):
        if new_polygon:
            grid._classify.cache_clear()
        started = time.perf_counter()
        with governed(engine) as c:
            found = vulnerable(c, register(c), PLANNER, PURPOSE, area, now=NOW)
        if first is None:
            first = found
            continue
        seconds.append(time.perf_counter() - started)
        for stage, lap in found.timings.items():
            stages[stage].append(lap)
        if found.households != first.households:
            raise SystemExit(f"run {run} listed other households than the first")
    assert first is not None
    print(f"{engine.dialect.name}: {'new' if new_polygon else 'same'} polygon, median "
          f"{_ms(statistics.median(seconds))}, p95 {_ms(_p95(seconds))}", flush=True)
    return Runs(seconds, dict(stages), first)


def listed(found: VulnerableList) -> dict[str, dict[int, frozenset[Need]]]:
    return {h.uprn: {r.person_id: frozenset(r.needs) for r in h.residents}
            for h in found.households}


# -- the peers --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Points:
    uprn: NDArray[np.str_]
    east: NDArray[np.float64]
    north: NDArray[np.float64]
    cell: NDArray[np.int64]


def load_points(engine: Engine) -> Points:
    with engine.connect() as c:
        rows = c.execute(select(schema.place.c.uprn, schema.place.c.easting,
                                schema.place.c.northing, schema.place.c.cell)).all()
    uprn, east, north, cell = zip(*rows, strict=True)
    return Points(np.array(uprn), np.array(east, dtype=np.float64),
                  np.array(north, dtype=np.float64), np.array(cell, dtype=np.int64))


def _median(runs: int, call: Callable[[], tuple[float, ...]]) -> tuple[float, ...]:
    """The median of each of the figures ``call`` returns, over ``runs`` calls."""
    figures = [call() for _ in range(runs)]
    return tuple(statistics.median(f[k] for f in figures) for k in range(len(figures[0])))


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def peers(points: Points, area: Area, runs: int) -> tuple[dict[str, float], set[str]]:
    """Seconds per way of finding the properties inside (median of ``runs``), and those
    properties; raises SystemExit if any way finds others than testing every point does
    (less the points on the boundary, for the predicates that leave it out)."""
    g = area.geometry
    if not np.array_equal(points.cell, grid.cell_of(points.east, points.north)):
        raise SystemExit("the store's cells are not cell_of(easting, northing)")
    reference = set(points.uprn[shapely.intersects_xy(g, points.east, points.north)])
    zone = geopandas.GeoDataFrame({"zone": [area.name]}, geometry=[g], crs="EPSG:27700")
    found: dict[str, set[str]] = {}

    def frame(rows: NDArray[np.int64] | slice) -> geopandas.GeoDataFrame:
        return geopandas.GeoDataFrame(
            {"uprn": points.uprn[rows]}, crs="EPSG:27700",
            geometry=geopandas.points_from_xy(points.east[rows], points.north[rows]))

    def sjoin(name: str, join: Callable[[geopandas.GeoDataFrame], Any]) -> Callable[[], Any]:
        def call() -> tuple[float, float]:
            built, points_frame = _timed(lambda: frame(slice(None)))
            joined, result = _timed(lambda: join(points_frame))
            found[name] = set(result["uprn"])
            return built, joined
        return call

    # GeoPandas indexes the right frame: points within the zone query the points' tree with
    # the prepared zone (the usual idiom; the boundary left out, as by contains_xy) ...
    within = _median(runs, sjoin("sjoin within", lambda f: geopandas.sjoin(
        f, zone, predicate="within")))
    # ... and so does the zone intersecting the points (the boundary in, as in the hub).
    zone_first = _median(runs, sjoin("sjoin intersects", lambda f: geopandas.sjoin(
        zone, f, predicate="intersects")))
    # Points intersecting the zone test each point against the unprepared zone: sampled.
    sample = np.sort(np.random.default_rng(SEED).choice(
        len(points.uprn), size=min(_SJOIN_SAMPLE, len(points.uprn)), replace=False))
    sampled_s, sampled = _timed(lambda: geopandas.sjoin(frame(sample), zone,
                                                        predicate="intersects"))
    if set(sampled["uprn"]) != reference & set(points.uprn[sample]):
        raise SystemExit("sjoin(points, zone, 'intersects') found other sampled properties")
    prepared = shapely.from_wkb(shapely.to_wkb(g))
    shapely.prepare(prepared)

    def shapely_call(name: str, predicate: Callable[..., NDArray[np.bool_]]
                     ) -> Callable[[], tuple[float]]:
        def call() -> tuple[float]:
            seconds, inside = _timed(lambda: predicate(prepared, points.east, points.north))
            found[name] = set(points.uprn[inside])
            return (seconds,)
        return call

    def ours(cold: bool) -> tuple[float]:
        if cold:
            grid._classify.cache_clear()
        seconds, inside = _timed(lambda: grid.contains(g, points.east, points.north,
                                                       points.cell))
        found["grid"] = set(points.uprn[inside])
        return (seconds,)

    contains = _median(runs, shapely_call("contains_xy", shapely.contains_xy))
    intersects = _median(runs, shapely_call("intersects_xy", shapely.intersects_xy))
    grid_cold = _median(runs, lambda: ours(True))
    grid_warm = _median(runs, lambda: ours(False))
    boundary = reference - found["contains_xy"]
    wrong = {name: len(got ^ (reference - boundary if name in ("sjoin within", "contains_xy")
                              else reference))
             for name, got in found.items()}
    if any(wrong.values()):
        raise SystemExit(f"not the properties every point's test finds: {wrong}")
    return {"sjoin build": within[0], "sjoin join": within[1], "sjoin": sum(within),
            "sjoin zone first": sum(zone_first),
            "sjoin per point": sampled_s / len(sample) * len(points.uprn),
            "contains_xy": contains[0], "intersects_xy": intersects[0], "grid": grid_cold[0],
            "grid warm": grid_warm[0], "on boundary": len(boundary)}, reference


# -- the check --------------------------------------------------------------------------------

def _grants(reg: Register) -> dict[str, set[Group]]:
    """The field groups of each source the agreements in force give the planner."""
    grants: dict[str, set[Group]] = defaultdict(set)
    for a in reg.in_force(NOW.date()):
        if Purpose.EMERGENCY_RESPONSE not in a.purposes or a.pseudonymised:
            continue
        for share in a.shares:
            if any(r.organisation == PLANNER.organisation and PLANNER.role in r.roles
                   for r in share.recipients):
                for name in share.sources:
                    grants[name] |= share.groups
    return grants


def expected(engine: Engine, inside: set[str]) -> dict[str, dict[int, frozenset[Need]]]:
    """The list as the source tables say it should be: per property inside, each resident in
    need and their needs."""
    sr, link, src, fl = (schema.source_record.table.c, schema.person_link.c, schema.source.c,
                         schema.flag.table.c)
    links = schema.person_link
    today = NOW.date()
    needs: dict[int, set[Need]] = defaultdict(set)
    with engine.connect() as c:
        grants = _grants(register(c))
        homes = {p: u for p, u in c.execute(
            select(link.person_id, sr.uprn).join(links, link.source_record_id == sr.id)
            .join(schema.source, src.id == sr.source_id).where(src.name == "council_tax"))
            if u in inside}
        for person, code, sensitivity, name in c.execute(
                select(link.person_id, fl.flag, fl.sensitivity, src.name)
                .join(links, link.source_record_id == fl.person_record_id)
                .join(schema.source, src.id == fl.source_id)):
            need, group = need_of(code), flag_group(sensitivity)
            if person in homes and need is not None and group in grants.get(name, ()):
                needs[person].add(need)
        # Every record of a person here carries their true date of birth.
        for person, born, name in c.execute(
                select(link.person_id, sr.date_of_birth, src.name)
                .join(links, link.source_record_id == sr.id)
                .join(schema.source, src.id == sr.source_id)
                .where(sr.date_of_birth.is_not(None))):
            if person in homes and Group.IDENTITY in grants.get(name, ()):
                years = age(born, today)
                if years < 5 or years >= 85:
                    needs[person].add(Need.UNDER_5 if years < 5 else Need.OVER_85)
    result: dict[str, dict[int, frozenset[Need]]] = defaultdict(dict)
    for person, found in needs.items():
        result[homes[person]][person] = frozenset(found)
    return dict(result)


def compare(found: dict[str, dict[int, frozenset[Need]]],
            wanted: dict[str, dict[int, frozenset[Need]]]) -> None:
    if found == wanted:
        return
    extra, missing = sorted(set(found) - set(wanted)), sorted(set(wanted) - set(found))
    differ = sorted(u for u in set(found) & set(wanted) if found[u] != wanted[u])
    raise SystemExit(f"the list is not what the tables say: {len(extra)} households too many "
                     f"{extra[:5]}, {len(missing)} missing {missing[:5]}, {len(differ)} with "
                     f"other residents or needs, e.g. "
                     f"{[(u, found[u], wanted[u]) for u in differ[:2]]}")


# -- the report -------------------------------------------------------------------------------

def _p95(values: Sequence[float]) -> float:
    return float(np.percentile(values, 95))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def machine(versions: Sequence[str]) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return (f"{cpu}, {os.cpu_count()} cores, {kib / 2**20:.0f} GiB RAM; Python "
            f"{platform.python_version()}, {', '.join(versions)}, Shapely {shapely.__version__}, "
            f"GeoPandas {geopandas.__version__}; {date.today()}; load average "
            f"{os.getloadavg()[0]:.1f} at the end")


def report(homes: int, area: Area, parse: float, inside: tuple[int, int],
           builds: dict[str, dict[str, Any]],
           lists: dict[str, dict[str, Runs]], peer: dict[str, float], versions: Sequence[str]
           ) -> None:
    backends = list(lists)
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    head = "| | " + " | ".join(names[b] for b in backends) + " |"
    rule = "|---|" + "---|" * len(backends)
    print(f"\n{machine(versions)}\n")
    some = next(iter(lists.values()))["new"].found
    print(f"{homes:,} properties; {area.name}: {area.vertices:,} vertices, "
          f"{len(shapely.get_parts(area.geometry)):,} polygons, {holes(area)} holes, "
          f"{inside[0] / inside[1]:.1%} of the properties inside; read from GeoJSON in "
          f"{_ms(parse)}. "
          f"The list: {len(some.households):,} households, {some.people:,} people; identical "
          f"on every run and backend to the list worked out from the tables.\n")
    print(head)
    print(rule)

    def row(label: str, cells: Iterable[str]) -> None:
        print(f"| {label} | " + " | ".join(cells) + " |")

    def median(backend: str, mode: str) -> float:
        return statistics.median(lists[backend][mode].seconds)

    for mode, label in (("new", "new polygon"), ("same", "same polygon again")):
        row(f"`vulnerable()` end to end, {label}: median (p95)",
            [f"{_ms(median(b, mode))} ({_ms(_p95(lists[b][mode].seconds))})"
             for b in backends])
        for stage in lists[backends[0]][mode].stages:
            row(f"&nbsp;&nbsp;{stage}, median",
                [_ms(statistics.median(lists[b][mode].stages[stage])) for b in backends])
    row("people read from their emergency cards (the rest live)",
        [f"{lists[b]['new'].found.from_cards:,} of {lists[b]['new'].found.people:,}"
         for b in backends])
    row(f"meets the {TARGET:g} s target (new polygon, median)",
        ["yes" if median(b, "new") <= TARGET else "**no**" for b in backends])
    row("`vulnerable()` (new polygon) ÷ GeoPandas `sjoin` on points in memory",
        [f"{median(b, 'new') / peer['sjoin']:.2f}x" for b in backends])
    row("store written (bench, not ingest)",
        [f"{builds[b]['load_seconds']:.0f} s" for b in backends])
    row("`places.build` (places, record places, residences, cards)",
        [f"{builds[b]['build_seconds']:.0f} s" for b in backends])
    rates = builds[backends[0]]["match_rates"]
    print("\nMatch rates (records, by UPRN, by address): "
          + "; ".join(f"{s} {r[0]:,}, {r[1]:,}, {r[2]:,} ({(r[1] + r[2]) / r[0]:.1%})"
                      for s, r in sorted(rates.items())))
    print(f"\nPoint in polygon, {homes:,} points in memory against the same area (median):\n")
    print("| | seconds | vs sjoin |\n|---|---|---|")
    for label, key in (
            ("GeoPandas: build the points GeoDataFrame", "sjoin build"),
            ("GeoPandas: `sjoin(points, zone, predicate='within')`", "sjoin join"),
            ("GeoPandas `sjoin` (within) in all", "sjoin"),
            ("GeoPandas `sjoin(zone, points, predicate='intersects')` in all",
             "sjoin zone first"),
            (f"GeoPandas `sjoin(points, zone, predicate='intersects')` in all (estimated "
             f"from {min(_SJOIN_SAMPLE, homes):,} points)", "sjoin per point"),
            ("Shapely `contains_xy`, prepared", "contains_xy"),
            ("Shapely `intersects_xy`, prepared", "intersects_xy"),
            ("`places.grid.contains` with the stored cells, cover computed", "grid"),
            ("`places.grid.contains` with the stored cells, cover cached", "grid warm")):
        print(f"| {label} | {peer[key]:.3f} | {peer[key] / peer['sjoin']:.2f}x |")
    print(f"\nAll find the same {inside[0]:,} properties as `intersects_xy` testing "
          f"every point (less the {peer['on boundary']:.0f} on the boundary for `within` and "
          f"`contains_xy`, which leave it out).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--peer-runs", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--zone", type=int, choices=(2, 3), default=2)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.properties < 1_000 or args.runs < 1 or args.peer_runs < 1:
        parser.error("--properties must be at least 1,000, --runs and --peer-runs at least 1")
    OUT.mkdir(parents=True, exist_ok=True)
    wanted_backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    made: list[County] = []

    def county() -> County:  # synthesised once, and only if some store needs it
        if not made:
            made.append(synthesise(args.properties))
        return made[0]

    urls, builds = {}, {}
    for backend in wanted_backends:
        try:
            urls[backend], builds[backend] = prepare(backend, args.properties, args.rebuild,
                                                     county)
        except OperationalError as exc:
            print(f"{backend} skipped: {exc}".splitlines()[0], flush=True)
    made.clear()
    if not urls:
        raise SystemExit("no store to measure")
    backends = list(urls)
    area, parse = flood_zone(args.zone)
    with open_store(urls[backends[0]]) as engine:
        points = load_points(engine)
    peer, inside = peers(points, area, args.peer_runs)
    with open_store(urls[backends[0]]) as engine:
        wanted = expected(engine, inside)
    lists: dict[str, dict[str, Runs]] = {}
    versions = [f"SQLite {sqlite3.sqlite_version}"]
    for backend in backends:
        with open_store(urls[backend]) as engine, checkpointing(engine):
            if backend == "postgresql":
                with engine.connect() as c:
                    versions.append(f"PostgreSQL "
                                    f"{c.execute(text('SHOW server_version')).scalar_one()}")
            lists[backend] = {mode: measure(engine, area, args.runs, new_polygon=mode == "new")
                              for mode in ("new", "same")}
        for runs in lists[backend].values():
            compare(listed(runs.found), wanted)
    (OUT / f"results-{args.properties}.json").write_text(json.dumps({
        "peers": peer, "lists": {b: {m: {"seconds": r.seconds, "stages": r.stages}
                                     for m, r in modes.items()} for b, modes in lists.items()}},
        indent=1), encoding="utf-8")
    report(args.properties, area, parse, (len(inside), len(points.uprn)), builds, lists, peer,
           versions)


if __name__ == "__main__":
    main()
