"""Emergency cards: what the vulnerable-people list reads about a resident who may need help,
kept by ``places build`` so that a list at county scale reads one row per person instead of
joining their records, corrections and flags while a river rises.

A card holds exactly what ``live`` reads from the tables (the person's records in every
source, corrections applied; their flags; their home), so a list made from cards is the list
made live: the agreements are applied afterwards, the same way to both. A card is a cache,
never the truth: ``read`` reads a person live whenever their card cannot vouch for them:

* no card: a resident is given one if a flag of theirs is a need, or their date of birth makes
  them under 5 or 85 and over on any day of the year after the build;
* a correction (``govern.rectify``) made to one of their records since the build;
* any load or link run since the build (then every card: who is who may have changed);
* erasure deletes the cards of the persons whose records it erases (``forget``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, select

from joinedup.places.needs import AgeBands
from joinedup.store.bulk import BulkInsert
from joinedup.store.ids import any_of
from joinedup.store.schema import (
    emergency_card,
    flag,
    link_run,
    load,
    person_link,
    place,
    place_build,
    rectification,
    residence,
    source,
    source_record,
)
from joinedup.views.records import Held, Source, held_by

FIELDS = ("given_name", "family_name", "date_of_birth", "phone")
"""The only person-record fields a list shows (an age, not the date of birth, is listed), in
the order a card holds them."""
CHUNK = 20_000
"""Persons per batch when the rebuild writes cards."""
_NONE: frozenset[str] = frozenset()
AHEAD = timedelta(days=366)
"""How far past the build a card's age window reaches (someone turning 85 next month)."""


class Flagged(NamedTuple):
    """A flag filed under one of the person's records, as policy needs to judge it."""

    person_id: int
    source: str
    code: str
    sensitivity: str
    record_sensitivity: str | None
    record_source: str


class Home(NamedTuple):
    address: str | None
    postcode: str | None
    known: int
    """Persons the hub places at the property."""


@dataclass
class Known:
    """What the list may draw on for some persons, before any agreement is applied."""

    records: dict[int, list[Held]] = field(default_factory=dict)
    flags: list[Flagged] = field(default_factory=list)
    homes: dict[str, Home] = field(default_factory=dict)
    from_cards: int = 0
    """Persons read from their card rather than live (for the planner's "found in" line)."""

    def update(self, other: Known) -> None:
        self.records.update(other.records)
        self.flags.extend(other.flags)
        self.homes.update(other.homes)
        self.from_cards += other.from_cards


_SR = source_record.table.c
_F = flag.table.c
_RECORD_SOURCE = source.alias("record_source")
_FLAGS = (select(person_link.c.person_id, source.c.name, _F.flag, _F.sensitivity,
                 _SR.sensitivity, _RECORD_SOURCE.c.name)
          .join(person_link, person_link.c.source_record_id == _F.person_record_id)
          .join(source_record.table, _SR.id == _F.person_record_id)
          .join(source, source.c.id == _F.source_id)
          .join(_RECORD_SOURCE, _RECORD_SOURCE.c.id == _SR.source_id)
          .where(any_of(person_link.c.person_id, "persons")))
_R = residence.c
_HOMES = (select(place.c.uprn, place.c.address, place.c.postcode, func.count(_R.person_id))
          .outerjoin(residence, _R.uprn == place.c.uprn)
          .where(any_of(place.c.uprn, "uprns"))
          .group_by(place.c.uprn, place.c.address, place.c.postcode))
_CARDS = select(emergency_card.c.person_id, emergency_card.c.card).where(
    any_of(emergency_card.c.person_id, "persons"))


def live(connection: Connection, persons: Sequence[int], known: dict[int, Source],
         wanted: Collection[int]) -> Known:
    """The records (corrections applied) in the ``wanted`` sources, and every flag, of these
    persons, read from the tables."""
    found = Known()
    for h in held_by(connection, persons, list(wanted), known):
        if h.person_id is not None:
            found.records.setdefault(h.person_id, []).append(h)
    found.flags = [Flagged(*row) for row in connection.execute(_FLAGS, {"persons": list(persons)})]
    return found


def homes(connection: Connection, uprns: Iterable[str]) -> dict[str, Home]:
    """Each property's address, postcode and how many persons the hub places there."""
    return {u: Home(a, p, n) for u, a, p, n in connection.execute(
        _HOMES, {"uprns": sorted(set(uprns))})}


def read(connection: Connection, persons: Sequence[int], known: dict[int, Source],
         wanted: Collection[int]) -> Known:
    """What ``live`` would give for these persons (and their homes): from their cards where
    the cards are current, live for the rest."""
    found = Known()
    stale = list(persons)
    corrected = _current(connection)
    if corrected is not None:
        agencies = {known[i].name: known[i].agency for i in wanted}
        moments: dict[str, datetime] = {}
        stale = []
        cards = dict(connection.execute(_CARDS, {"persons": list(persons)}).all())
        for person_id in persons:
            text = cards.get(person_id)
            card = None if text is None else json.loads(text)
            if card is None or any(r[0] in corrected for r in card["records"]):
                stale.append(person_id)
                continue
            _unpack(found, person_id, card, agencies, moments)
    if stale:
        found.update(live(connection, stale, known, wanted))
    return found


def state(connection: Connection) -> tuple[int, bool]:
    """How many cards there are, and whether they are current (for ``places status``)."""
    held = connection.execute(select(func.count()).select_from(emergency_card)).scalar_one()
    return int(held), _current(connection) is not None


def _current(connection: Connection) -> set[int] | None:
    """The records corrected since the last rebuild, or None if its cards are not current
    (no rebuild with cards, or a load or link run after it)."""
    build = connection.execute(
        select(place_build.c.loads_upto, place_build.c.link_runs_upto,
               place_build.c.rectified_upto).order_by(place_build.c.id.desc()).limit(1)).first()
    if build is None or None in tuple(build):
        return None
    if tuple(build[:2]) != _marks(connection)[:2]:
        return None
    return set(connection.execute(select(rectification.c.source_record_id).where(
        rectification.c.id > build.rectified_upto)).scalars())


def _marks(connection: Connection) -> tuple[int, int, int]:
    """The last load, link run and rectification: what a rebuild is current to."""
    loads, runs, corrections = (
        int(connection.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one())
        for t in (load, link_run, rectification))
    return loads, runs, corrections


def _unpack(found: Known, person_id: int, card: dict[str, Any], agencies: dict[str, str],
            moments: dict[str, datetime]) -> None:
    """The card's records in the sources ``agencies`` names, as ``live`` makes them
    (``moments``: load times already parsed; a list's persons share a few)."""
    records = []
    for (record, source_name, key, sensitivity, loaded_at, load_id, given, family, born, phone,
         rectified) in card["records"]:
        agency_name = agencies.get(source_name)
        if agency_name is None:
            continue
        moment = moments.get(loaded_at)
        if moment is None:
            moment = moments[loaded_at] = datetime.fromisoformat(loaded_at)
        values = {"given_name": given, "family_name": family,
                  "date_of_birth": None if born is None else date.fromisoformat(born),
                  "phone": phone}
        records.append(Held(record, person_id, source_name, agency_name, key, values,
                            frozenset(rectified) if rectified else _NONE, rectified, moment,
                            load_id, sensitivity, None))
    found.records[person_id] = records
    found.flags.extend(Flagged(person_id, *f) for f in card["flags"])
    uprn, *home = card["home"]
    found.homes[uprn] = Home(*home)
    found.from_cards += 1


def _card(home: tuple[str, Home], records: Sequence[Held], flags: Sequence[Flagged]) -> str:
    return json.dumps({
        "home": [home[0], *home[1]],
        "records": [[h.id, h.source, h.record_id, h.sensitivity, h.loaded_at.isoformat(),
                     h.load_id, *(h.text(f) for f in FIELDS),
                     {f: h.rectified_at[f] for f in FIELDS if f in h.rectified_at}]
                    for h in records],
        "flags": [list(f[1:]) for f in flags]}, separators=(",", ":"))


def write(connection: Connection, today: date, known: dict[int, Source]) -> int:
    """Replace every card (inside the rebuild's transaction, after ``residence``); returns
    how many were written."""
    connection.execute(delete(emergency_card))
    soon, later = AgeBands.on(today), AgeBands.on(today + AHEAD)
    window = (select(_R.person_id, _R.uprn).where(
        _R.flagged | (_R.date_of_birth > soon.born_after)
        | (_R.date_of_birth <= later.born_on_or_before)).order_by(_R.person_id))
    writer = BulkInsert(connection, "emergency_card", ("person_id", "card"))
    written = 0
    for chunk in _batches(connection.execute(window).all()):
        persons = [p for p, _ in chunk]
        found = live(connection, persons, known, list(known))
        flags: dict[int, list[Flagged]] = {}
        for f in found.flags:
            flags.setdefault(f.person_id, []).append(f)
        at = homes(connection, (u for _, u in chunk))
        writer.write([(p, _card((u, at[u]), found.records.get(p, ()), flags.get(p, ())))
                      for p, u in chunk])
        written += len(chunk)
    return written


def marks(connection: Connection) -> dict[str, int]:
    """The ``place_build`` columns saying what a rebuild made now is current to."""
    loads, runs, corrections = _marks(connection)
    return {"loads_upto": loads, "link_runs_upto": runs, "rectified_upto": corrections}


def _batches(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def forget(connection: Connection, persons: Iterable[int]) -> None:
    """Delete these persons' cards (erasure: their records are going)."""
    ordered = sorted(set(persons))
    if ordered:
        connection.execute(delete(emergency_card).where(
            any_of(emergency_card.c.person_id, "persons")), {"persons": ordered})
