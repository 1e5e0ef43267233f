"""``vulnerable``: the households inside an area with the people who need help to leave them.

The question a planner asks when a river is rising: who, inside this flood zone, needs help to
get out, where exactly, and how do we reach them; and nothing more. In order:

1. The gate: only a role that may act for ``emergency_response`` (planner, fire, police), for
   that purpose; anyone else is refused and the refusal audited. Which agencies' data may be
   used is what the agreements in force give the actor for it (``govern.bulk_scope``):
   Emergency Planning sees Adult Social Care's flags under DSA-NFK-003, not the police's.
2. Where: the area's grid cells (``places.grid``) pick the candidate properties by an indexed
   column, so a million-property county costs what the area holds; points in cells the
   boundary crosses are tested exactly (the boundary counts as inside).
3. Who: only persons whose residence is there and who may need help (a need flag, or a date of
   birth making them under 5 or 85 and over) are decided at all; their needs are then read
   again, only from the sources granted, so a need known only to an agency the actor has no
   agreement with lists no one, and safeguarding counts only where an agreement shares it.
   Sealed records are left out unless a sealed share names the actor. What is read about
   them comes from their emergency cards (``places.cards``) where those are current, else
   from the tables: the same data either way, so the agreements apply the same way.
4. What: the household's property (UPRN, address, grid and lon/lat) and how many persons the
   hub knows there; per person in need, name, age, a phone number and the needs, in the terms
   of the gov.uk Vulnerabilities Data Standard (alpha), with the agencies that told us. No
   diagnosis, no case notes, no flag descriptions.
5. Audit: one event per person listed (so each can later see who looked, and why) and one for
   the list, sharing a request id, in the same transaction as the read.

Objections are not applied: the basis is vital interests (UK GDPR Art. 6(1)(d)), which the right
to object (Art. 21) does not reach; the DPO reviews every list afterwards from the audit.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, select

from joinedup.errors import AccessDenied
from joinedup.govern import audit
from joinedup.govern.decide import Scope, bulk_scope, field_names, purpose_refusal
from joinedup.govern.register import Register
from joinedup.govern.vocabulary import SEALED, Actor, Group, Purpose, flag_group
from joinedup.places import cards, crs, grid
from joinedup.places.areas import Area
from joinedup.places.build import latest
from joinedup.places.needs import AgeBands, Need, age, age_needs, need_of
from joinedup.store.ids import any_of
from joinedup.store.schema import agency, residence, source
from joinedup.views.golden import chosen_value
from joinedup.views.records import Held, sources

ACTION = "list_vulnerable"
_NEEDS = tuple(Need)
"""In the standard's order (iterating the enum itself costs a list of ten thousand dearly)."""
_R = residence.c
_NEAR = (select(_R.person_id, _R.uprn, _R.easting, _R.northing, _R.cell)
         .where(any_of(_R.cell, "cells")))
_CANDIDATES = (
    _NEAR.where(_R.flagged),
    _NEAR.where(_R.date_of_birth > bindparam("born_after")),
    _NEAR.where(_R.date_of_birth <= bindparam("born_on_or_before")))
"""Persons who may need help near an area, three ways, each along its own index (a flag, a
date of birth under 5 or 85 and over): only they are read, not everyone in the cells."""
@dataclass(frozen=True)
class Resident:
    """A person who needs help to leave: the minimum a responder needs to reach them."""

    person_id: int
    given_name: str | None
    family_name: str | None
    age: int | None
    phone: str | None
    needs: tuple[Need, ...]
    sources: tuple[str, ...]
    """The agencies whose records say so (the responder's "who told us")."""


@dataclass(frozen=True)
class Household:
    uprn: str
    address: str | None
    postcode: str | None
    easting: float
    northing: float
    longitude: float
    latitude: float
    people_known: int
    """Persons the hub places at this property, those in need among them."""
    residents: tuple[Resident, ...]

    @property
    def needs(self) -> tuple[Need, ...]:
        return tuple(n for n in _NEEDS if any(n in r.needs for r in self.residents))


@dataclass(frozen=True)
class VulnerableList:
    area: str
    buffer: float
    generated_at: datetime
    as_of: datetime | None
    """When the places were last rebuilt from the sources: the list is as current as that."""
    households: tuple[Household, ...]
    agreements: tuple[str, ...]
    withheld: tuple[str, ...]
    """Sources no agreement lets this actor use: named, so no one takes the list for all."""
    seq: int
    request_id: str
    timings: dict[str, float] = field(default_factory=dict)
    from_cards: int = 0
    """Persons read from their emergency cards (``places.cards``); the others were read live."""

    @property
    def people(self) -> int:
        return sum(len(h.residents) for h in self.households)


def vulnerable(connection: Connection, register: Register, actor: Actor, purpose: str | None,
               area: Area, *, now: datetime, buffer: float = 0.0) -> VulnerableList:
    """The vulnerable-people list for ``area`` (already buffered by ``buffer`` metres)."""
    with _collector_paused():
        return _listed(connection, register, actor, purpose, area, now, buffer)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A list of ten thousand persons makes some hundred thousand objects, all alive until it
    is returned: the cyclic collector would walk them, and all else the process holds, again
    and again (a fifth of the time). Reference counting still frees everything at once."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _listed(connection: Connection, register: Register, actor: Actor, purpose: str | None,
            area: Area, now: datetime, buffer: float) -> VulnerableList:
    clock = _Clock()
    scope = _scope(connection, register, actor, purpose, area, now)
    assert purpose is not None
    clock.lap("policy")
    candidates = _inside(connection, area, AgeBands.on(now.date()))
    clock.lap("area")
    agencies = sources(connection)
    wanted = [i for i, s in agencies.items()
              if {Group.IDENTITY, Group.CONTACT_DETAILS} & scope.grants.get(s.name, frozenset())]
    persons = sorted({c[0] for c in candidates})
    known = cards.read(connection, persons, agencies, wanted)
    people = _people(scope, persons, known, {s.name: s.agency for s in agencies.values()},
                     now.date())
    clock.lap("people")
    households = _households(connection, candidates, people, known.homes)
    clock.lap("households")
    request = audit.new_request_id()
    seq = _audit(connection, actor, purpose, scope, area, buffer, households, now, request)
    clock.lap("audit")
    build = latest(connection)
    return VulnerableList(area.name, buffer, now, build.built_at if build else None,
                          households, scope.agreements, scope.withheld, seq, request,
                          clock.laps, known.from_cards)


class _Clock:
    """Stage timings, for the benchmark and for the planner's "found in" line."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self._last
        self._last = now


def _scope(connection: Connection, register: Register, actor: Actor, purpose: str | None,
           area: Area, now: datetime) -> Scope:
    """What the actor may use, or an audited refusal: no purpose, a role that may not act for
    it, a purpose other than emergency response, or no agreement giving any source."""
    reason = purpose_refusal(actor, purpose)
    scope: Scope | str | None = None
    if reason is None and purpose != Purpose.EMERGENCY_RESPONSE:
        reason = (f"the vulnerable people in an area are listed only for "
                  f"{Purpose.EMERGENCY_RESPONSE}, not {purpose}")
    if reason is None:
        assert purpose is not None
        sources = connection.execute(
            select(source.c.name, agency.c.name, source.c.kind)
            .join(agency, agency.c.id == source.c.agency_id)
            .where(source.c.kind.in_(("person", "flag")))).all()
        scope = bulk_scope(actor, purpose, register.in_force(now.date()), sources)
        if isinstance(scope, str):
            reason = scope
        elif not scope.grants:
            reason = (f"no sharing agreement in force lets {actor.organisation} "
                      f"({actor.role}) use any agency's data for {purpose}")
    if reason is not None or not isinstance(scope, Scope):
        reason = reason or "refused"
        audit.append(connection, [audit.Event(actor, purpose or "", ACTION, "deny", reason,
                                              detail=f"area {area.name}")], now=now)
        raise AccessDenied(reason)
    return scope


_Candidate = tuple[int, str, float, float, int]


def _inside(connection: Connection, area: Area, bands: AgeBands) -> list[_Candidate]:
    """Persons who may need help living inside the area (boundary included)."""
    cover = grid.cover(area.geometry)
    cells = np.concatenate([cover.inside, cover.edge]).tolist()
    values = {"cells": cells, "born_after": bands.born_after,
              "born_on_or_before": bands.born_on_or_before}
    rows: list[Any] = list({row[0]: row for query in _CANDIDATES
                            for row in connection.execute(query, values).all()}.values())
    if not rows:
        return []
    east = np.fromiter((r[2] for r in rows), float, len(rows))
    north = np.fromiter((r[3] for r in rows), float, len(rows))
    cell = np.fromiter((r[4] for r in rows), np.int64, len(rows))
    keep = grid.contains(area.geometry, east, north, cell)
    return [r for r, ok in zip(rows, keep.tolist(), strict=True) if ok]


def _people(scope: Scope, persons: Sequence[int], known: cards.Known, agencies: dict[str, str],
            today: date) -> dict[int, Resident]:
    """The residents in need among ``persons``, from what ``known`` holds in granted sources
    (a need may be known to an agency whose records the actor may not see)."""
    flagged = _needs_flagged(scope, known.flags, agencies)
    bands = AgeBands.on(today)
    identity = {s for s, groups in scope.grants.items() if Group.IDENTITY in groups}
    contact = {s for s, groups in scope.grants.items() if Group.CONTACT_DETAILS in groups}
    people = {}
    for person_id in persons:
        named: list[Held] = []
        reachable: list[Held] = []
        for h in known.records.get(person_id, ()):
            if h.sensitivity == SEALED and h.source not in scope.sealed:
                continue
            if h.source in identity:
                named.append(h)
            if h.source in contact:
                reachable.append(h)
        born_text = chosen_value("date_of_birth", named)
        born = date.fromisoformat(born_text) if born_text else None
        needs = dict(flagged.get(person_id, {}))
        for need in age_needs(born, bands):
            needs.setdefault(need, set()).update(
                h.agency for h in named if h.values.get("date_of_birth") == born)
        if not needs:
            continue
        people[person_id] = Resident(
            person_id, chosen_value("given_name", named), chosen_value("family_name", named),
            age(born, today) if born else None, chosen_value("phone", reachable),
            tuple(n for n in _NEEDS if n in needs),
            tuple(sorted({a for told in needs.values() for a in told})))
    return people


def _needs_flagged(scope: Scope, flags: Sequence[cards.Flagged], agencies: dict[str, str]
                   ) -> dict[int, dict[Need, set[str]]]:
    """Person -> need -> the agencies whose flags (in a granted group, filed under a record
    the actor may see) say so. A flag past its review or expiry date still counts: at the
    door a stale need costs a question, a dropped one may cost a life."""
    found: dict[int, dict[Need, set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in flags:
        need = need_of(f.code)
        group = flag_group(f.sensitivity)
        if (need is None or group is None or group not in scope.grants.get(f.source, ())
                or (f.record_sensitivity == SEALED and f.record_source not in scope.sealed)):
            continue
        found[f.person_id][need].add(agencies[f.source])
    return found


def _households(connection: Connection, candidates: Sequence[_Candidate],
                people: dict[int, Resident], homes: dict[str, cards.Home]
                ) -> tuple[Household, ...]:
    """The homes of the people in need, from their cards where read from cards."""
    at: dict[str, list[Resident]] = defaultdict(list)
    where: dict[str, _Candidate] = {}
    for candidate in candidates:
        resident = people.get(candidate[0])
        if resident is not None:
            at[candidate[1]].append(resident)
            where[candidate[1]] = candidate
    if not at:
        return ()
    uprns = sorted(at)
    homes = {**homes, **cards.homes(connection, [u for u in uprns if u not in homes])}
    east = [where[u][2] for u in uprns]
    north = [where[u][3] for u in uprns]
    lon, lat = crs.to_wgs84(np.array(east), np.array(north))
    households = [
        Household(u, homes[u].address, homes[u].postcode, e, n, round(x, 6), round(y, 6),
                  homes[u].known, tuple(sorted(at[u], key=lambda r: r.person_id)))
        for u, e, n, x, y in zip(uprns, east, north, lon.tolist(), lat.tolist(), strict=True)]
    households.sort(key=lambda h: (-_urgency(h), h.postcode or "", h.address or "", h.uprn))
    return tuple(households)


_WEIGHT = {n: len(Need) - i for i, n in enumerate(Need)}


def _urgency(household: Household) -> int:
    """More needs, and the more urgent ones, first: a crew's order of calls."""
    return sum(_WEIGHT[n] for n in {n for r in household.residents for n in r.needs})


def _audit(connection: Connection, actor: Actor, purpose: str, scope: Scope, area: Area,
           buffer: float, households: Sequence[Household], now: datetime, request: str
           ) -> int:
    fields = field_names(scope.grants)
    where = f"area {area.name} ({area.vertices:,} vertices, buffer {buffer:g} m)"
    withheld = (f"; withheld (no agreement): {', '.join(scope.withheld)}"
                if scope.withheld else "")
    persons = [r.person_id for h in households for r in h.residents]
    audit.append_each(connection, audit.Event(
        actor, purpose, ACTION, "allow", f"listed as needing help in {where}", fields,
        scope.agreements, request_id=request), persons, now=now)
    return audit.append(connection, [audit.Event(
        actor, purpose, ACTION, "allow",
        f"{len(households)} households, {len(persons)} people needing help in {where}"
        f"{withheld}", fields, scope.agreements, request_id=request)], now=now)[-1]
