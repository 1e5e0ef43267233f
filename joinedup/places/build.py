"""``build``: the hub's picture of places, rebuilt from the sources in one transaction.

Four derived tables, never edited by hand (the sources stay the truth):

1. ``place``: every property the address register (or any property source) gives, located
   in British National Grid metres (lon/lat converted once, here, never on the hot path),
   with its grid cell;
2. ``record_place``: the property each person record is at: the UPRN the source gave when
   the register knows it, else the property whose address and postcode match
   (``places.addresses``);
3. ``residence``: where each person lives, the property most of their records agree on
   (a UPRN the source gave counts double an address match; a tie goes to the most recently
   loaded record), with their date of birth and whether any flag of theirs is a need
   (``places.needs``). Sealed records place no one: a refuge's address must never reach a
   list of households;
4. ``emergency_card``: for each resident who may need help, what the vulnerable-people list
   reads about them (``places.cards``), so that a list reads a row per person.

A rebuild replaces the four tables wholly, so it is as current as the last load and link
run it follows; ``joinedup link`` and ``joinedup ingest`` rebuild it when they change who is
who, and each rebuild is logged with its match rates in ``place_build``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, func, insert, select

from joinedup.govern.vocabulary import SEALED
from joinedup.places import cards, crs, grid
from joinedup.places.addresses import AddressIndex
from joinedup.places.needs import CODES, normalise
from joinedup.store.bulk import BulkInsert, indexes_rebuilt
from joinedup.store.schema import (
    flag,
    person_link,
    place,
    place_build,
    property_,
    record_place,
    residence,
    source,
    source_record,
)
from joinedup.views.records import sources

Progress = Callable[[str, int, int], None]
_BATCH = 20_000
_SR = source_record.table.c
_PR = property_.table.c


@dataclass(frozen=True)
class SourceMatch:
    """How a source's person records were placed: the data engineer's match rate."""

    source: str
    records: int
    by_uprn: int
    by_address: int

    @property
    def placed(self) -> int:
        return self.by_uprn + self.by_address

    @property
    def rate(self) -> float:
        return self.placed / self.records if self.records else 0.0


@dataclass(frozen=True)
class BuildReport:
    build_id: int
    built_at: datetime
    places: int
    unlocated: int
    """Properties with neither grid coordinates nor lon/lat: not placed, so not on any map."""
    residents: int
    matches: tuple[SourceMatch, ...]


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


def build(connection: Connection, *, now: datetime, progress: Progress = _quiet) -> BuildReport:
    """Rebuild ``place``, ``record_place``, ``residence`` and the emergency cards inside the
    caller's transaction."""
    current = cards.marks(connection)  # first: anything committed meanwhile is newer
    connection.execute(delete(residence))
    connection.execute(delete(record_place))
    connection.execute(delete(place))
    located, at, unlocated = _places(connection, progress)
    index = AddressIndex(located)
    matches = _record_places(connection, index, progress)
    residents = _residences(connection, at, progress)
    progress("cards", 0, residents)
    cards.write(connection, now.date(), sources(connection))
    progress("cards", residents, residents)
    build_id = connection.execute(insert(place_build).values(
        built_at=now, places=len(located), residents=residents,
        match_rates=json.dumps({m.source: [m.records, m.by_uprn, m.by_address]
                                for m in matches}, sort_keys=True), **current)
        .returning(place_build.c.id)).scalar_one()
    return BuildReport(build_id, now, len(located), unlocated, residents, matches)


def latest(connection: Connection) -> BuildReport | None:
    """The last rebuild's report, for ``joinedup places status`` and the planner's page."""
    row = connection.execute(select(place_build).order_by(place_build.c.id.desc()).limit(1)
                             ).first()
    if row is None:
        return None
    rates = json.loads(row.match_rates)
    return BuildReport(row.id, row.built_at, row.places, 0, row.residents,
                       tuple(SourceMatch(name, *rates[name]) for name in sorted(rates)))


# -- properties --------------------------------------------------------------------------------

_At = tuple[float, float, int]


def _places(connection: Connection, progress: Progress
            ) -> tuple[list[tuple[Any, ...]], dict[str, _At], int]:
    """(uprn, address, postcode) of every located property and where each is (easting,
    northing, cell), after writing them to ``place``. A UPRN in several property sources takes
    the most recently loaded version."""
    rows: dict[str, Any] = {}
    query = (select(_PR.uprn, _PR.easting, _PR.northing, _PR.longitude, _PR.latitude,
                    _PR.address, _PR.postcode, _PR.ward, _PR.parish, _PR.source_id)
             .order_by(_PR.valid_from, _PR.id))
    for row in connection.execute(query.execution_options(yield_per=_BATCH)):
        rows[row.uprn] = row
    total = len(rows)
    progress("properties", 0, total)
    values = list(rows.values())
    east = np.array([np.nan if r.easting is None else r.easting for r in values], dtype=float)
    north = np.array([np.nan if r.northing is None else r.northing for r in values],
                     dtype=float)
    _from_lonlat(values, east, north)
    ok = ~(np.isnan(east) | np.isnan(north))
    cells = grid.cell_of(np.where(ok, east, 0.0), np.where(ok, north, 0.0))
    writer = BulkInsert(connection, "place", ("uprn", "easting", "northing", "cell", "address",
                                              "postcode", "ward", "parish", "source_id"))
    located: list[tuple[Any, ...]] = []
    at: dict[str, _At] = {}
    batch: list[tuple[Any, ...]] = []
    with indexes_rebuilt(connection, place):
        for i in np.flatnonzero(ok).tolist():
            r = values[i]
            batch.append((r.uprn, float(east[i]), float(north[i]), int(cells[i]), r.address,
                          r.postcode, r.ward, r.parish, r.source_id))
            located.append((r.uprn, r.address, r.postcode))
            at[r.uprn] = (float(east[i]), float(north[i]), int(cells[i]))
            if len(batch) >= _BATCH:
                writer.write(batch)
                progress("properties", len(located), total)
                batch = []
        writer.write(batch)
    progress("properties", total, total)
    return located, at, total - len(located)


def _from_lonlat(values: list[Any], east: np.ndarray, north: np.ndarray) -> None:
    """Fill in grid coordinates from lon/lat where a source gave only those (once, here)."""
    need = [i for i, r in enumerate(values) if np.isnan(east[i]) and r.longitude is not None
            and r.latitude is not None]
    if not need:
        return
    lon = np.array([values[i].longitude for i in need], dtype=float)
    lat = np.array([values[i].latitude for i in need], dtype=float)
    e, n = crs.to_bng(lon, lat, crs.WGS84)
    east[need], north[need] = e, n


# -- person records to properties -------------------------------------------------------------

def _record_places(connection: Connection, index: AddressIndex, progress: Progress
                   ) -> tuple[SourceMatch, ...]:
    names = dict(connection.execute(select(source.c.id, source.c.name)).all())
    total = connection.execute(select(func.count()).select_from(source_record.table)
                               ).scalar_one()
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    writer = BulkInsert(connection, "record_place", ("source_record_id", "uprn", "method"))
    query = select(_SR.id, _SR.source_id, _SR.uprn, _SR.address, _SR.postcode)
    done = 0
    progress("addresses", 0, total)
    batch: list[tuple[int, str, str]] = []
    with indexes_rebuilt(connection, record_place):
        for row in connection.execute(query.execution_options(yield_per=_BATCH)):
            tally = counts[row.source_id]
            tally[0] += 1
            if row.uprn is not None and index.known(row.uprn):
                batch.append((row.id, row.uprn, "uprn"))
                tally[1] += 1
            elif (found := index.match(row.address, row.postcode)) is not None:
                batch.append((row.id, found, "address"))
                tally[2] += 1
            done += 1
            if len(batch) >= _BATCH:
                writer.write(batch)
                batch = []
                progress("addresses", done, total)
        writer.write(batch)
    progress("addresses", total, total)
    return tuple(sorted((SourceMatch(names[s], *c) for s, c in counts.items()),
                        key=lambda m: m.source))


# -- persons to homes ---------------------------------------------------------------------------

def _residences(connection: Connection, at: dict[str, _At], progress: Progress) -> int:
    query = (select(person_link.c.person_id, record_place.c.uprn, record_place.c.method,
                    _SR.date_of_birth, _SR.valid_from, _SR.id)
             .join(person_link, person_link.c.source_record_id == _SR.id)
             .outerjoin(record_place, record_place.c.source_record_id == _SR.id)
             .where((_SR.sensitivity.is_(None)) | (_SR.sensitivity != SEALED)))
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    latest: dict[int, dict[str, tuple[datetime, int]]] = defaultdict(dict)
    births: dict[int, Counter[date]] = defaultdict(Counter)
    for person_id, uprn, method, born, loaded, record in connection.execute(
            query.execution_options(yield_per=_BATCH)):
        if born is not None:
            births[person_id][born] += 1
        if uprn is None:
            continue
        votes[person_id][uprn] += 2 if method == "uprn" else 1
        seen = latest[person_id].get(uprn)
        if seen is None or (loaded, record) > seen:
            latest[person_id][uprn] = (loaded, record)
    flagged = _flagged(connection)
    total = len(votes)
    progress("residences", 0, total)
    writer = BulkInsert(connection, "residence", ("person_id", "uprn", "date_of_birth",
                                                  "flagged", "easting", "northing", "cell"))
    batch: list[tuple[Any, ...]] = []
    for done, (person_id, tally) in enumerate(sorted(votes.items()), start=1):
        home = max(tally, key=lambda u: (tally[u], latest[person_id][u]))
        batch.append((person_id, home, _born(births.get(person_id)), person_id in flagged,
                      *at[home]))
        if len(batch) >= _BATCH:
            writer.write(batch)
            batch = []
            progress("residences", done, total)
    writer.write(batch)
    progress("residences", total, total)
    return total


def _born(dates: Counter[date] | None) -> date | None:
    """The date most records agree on; a tie goes to the earliest (the older reading of a
    person is the more protective in an emergency)."""
    if not dates:
        return None
    return min(dates, key=lambda d: (-dates[d], d))


def _flagged(connection: Connection) -> set[int]:
    """Persons any of whose flags names a need (the exact need is decided, under policy, when
    an area is asked for)."""
    query = (select(person_link.c.person_id, flag.table.c.flag)
             .join(person_link, person_link.c.source_record_id == flag.table.c.person_record_id))
    return {p for p, code in connection.execute(query.execution_options(yield_per=_BATCH))
            if normalise(code) in CODES}
