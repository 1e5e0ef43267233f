"""Where the synthetic county's sensors stand, and what each is like.

    traffic counters   on the main roads (``roads_data``): first just outside each place a
                       road runs through (one road after another, so a few counters spread
                       over the county), then every 3 km between places; one per 1,000
                       people, at least 8 and at most 200 (all the roads hold, 3 km apart)
    library footfall   one counter at each library: the branch of every post town with homes
                       (as ``agencies.libraries`` names them)
    NO2 monitors       in the towns, shared out by the towns' size; one per 2,000 people, at
                       least 4 and at most 100

A sensor's ward is the ward of the home nearest to it, as an officer registering it would
look it up.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

import numpy as np
import shapely

from joinedup.synth.agencies.libraries import branch
from joinedup.synth.geography import Properties
from joinedup.synth.places_data import SETTLEMENTS, Settlement
from joinedup.synth.roads_data import ROADS

TRAFFIC = ("traffic_count", "vehicles", 900)
FOOTFALL = ("library_footfall", "people", 3600)
NO2 = ("air_quality_no2", "ug/m3", 3600)
TRAFFIC_PER, TRAFFIC_RANGE = 1000, (8, 200)
NO2_PER, NO2_RANGE = 2000, (4, 100)
OUTSIDE = 600.0
"""Metres beyond a place's streets (its ``spread``) that a counter stands on the road out."""
BETWEEN = 3000.0
"""Metres between counters on the open road."""
_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west",
            "north-west")


@dataclass(frozen=True)
class Site:
    """One sensor: its registry entry and what drives its readings.

    ``level`` is a traffic counter's annual average daily traffic, a library's visitors in an
    average open hour, or the NO2 (ug/m3) a monitor's road adds at an average weekday hour;
    ``background`` is a monitor's NO2 without that road; ``closes`` the hour a library closes
    on weekdays and on Saturdays (all open at 9, none on Sundays).
    """

    code: str
    kind: str
    unit: str
    name: str
    easting: int
    northing: int
    ward: str
    interval: int
    level: float
    background: float = 0.0
    closes: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class _Place:
    """A sensor's spot before its ward is known."""

    code: str
    spec: tuple[str, str, int]
    name: str
    easting: float
    northing: float
    level: float
    background: float = 0.0
    closes: tuple[int, int] = (0, 0)


def choose_sites(props: Properties, people: int, rng: random.Random) -> list[Site]:
    """Every sensor of a county of ``people`` living in ``props``: counters, then libraries,
    then monitors."""
    present = sorted(set(props.settlement))
    places = [*_traffic(_clamp(people // TRAFFIC_PER, TRAFFIC_RANGE), rng),
              *_libraries(present, rng),
              *_monitors(present, _clamp(people // NO2_PER, NO2_RANGE), rng)]
    wards = _nearest_wards(props, [(p.easting, p.northing) for p in places])
    return [Site(p.code, p.spec[0], p.spec[1], p.name, round(p.easting), round(p.northing),
                 ward, p.spec[2], round(p.level, 1), round(p.background, 1), p.closes)
            for p, ward in zip(places, wards, strict=True)]


def slug(name: str) -> str:
    """``King's Lynn`` -> ``KINGS-LYNN``: a place's name as part of a sensor code."""
    return re.sub(r"[^A-Z0-9]+", "-", name.upper().replace("'", "")).strip("-")


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return min(max(value, bounds[0]), bounds[1])


def _settlement(name: str) -> Settlement:
    return next(s for s in SETTLEMENTS if s.name == name)


def _traffic(count: int, rng: random.Random) -> list[_Place]:
    """The first ``count`` candidate spots, near places first, one road after another."""
    candidates: list[tuple[tuple[int, int, int], str, str, float, float, float]] = []
    for order, road in enumerate(ROADS):
        near: list[tuple[str, float, float]] = []
        between: list[tuple[str, float, float]] = []
        for a, b in zip(road.through, road.through[1:], strict=False):
            start, end = _settlement(a), _settlement(b)
            de, dn = end.easting - start.easting, end.northing - start.northing
            length = math.hypot(de, dn)
            ue, un = de / length, dn / length
            first, last = start.spread + OUTSIDE, length - end.spread - OUTSIDE
            if first < last:
                near.append((f"{_bearing(ue, un)} of {a}",
                             start.easting + ue * first, start.northing + un * first))
                near.append((f"{_bearing(-ue, -un)} of {b}",
                             start.easting + ue * last, start.northing + un * last))
            for step in range(1, int((last - first) // BETWEEN)):
                along = first + step * BETWEEN
                between.append((f"between {a} and {b}", start.easting + ue * along,
                                start.northing + un * along))
        for tier, spots in enumerate((near, between)):
            for rank, (where, e, n) in enumerate(spots):
                candidates.append(((tier, rank, order), road.name, where, e, n,
                                   road.aadt * (0.8 if tier else 1.0)))
    candidates.sort(key=lambda c: c[0])
    numbers: dict[str, int] = {}
    found = []
    for _, road_name, where, e, n, aadt in candidates[:count]:
        numbers[road_name] = numbers.get(road_name, 0) + 1
        wiggle = rng.uniform(-80, 80)  # roads are not the straight lines drawn here
        found.append(_Place(f"TRAFFIC-{road_name}-{numbers[road_name]:03d}", TRAFFIC,
                            f"{road_name} {where}", e + wiggle, n - wiggle,
                            aadt * rng.uniform(0.75, 1.25)))
    return found


def _bearing(de: float, dn: float) -> str:
    degrees = math.degrees(math.atan2(de, dn)) % 360
    return _COMPASS[int((degrees + 22.5) // 45) % 8]


def _libraries(present: list[int], rng: random.Random) -> list[_Place]:
    """A counter at the door of each post town's library, in the middle of the town."""
    towns: dict[str, Settlement] = {}
    for index in present:
        place = SETTLEMENTS[index]
        if place.post_town not in towns or place.name == place.post_town:
            towns[place.post_town] = place
    found = []
    for town in sorted(towns):
        place = towns[town]
        big = town == "Norwich"
        size = 220.0 if big else 55.0 if place.weight >= 0.02 else 25.0
        angle = rng.uniform(0, 2 * math.pi)
        found.append(_Place(f"LIB-{slug(town)}", FOOTFALL, f"{branch(town)} footfall",
                            place.easting + 80 * math.cos(angle),
                            place.northing + 80 * math.sin(angle),
                            size * rng.uniform(0.8, 1.2), closes=(19, 17) if big else (17, 16)))
    return found


def _monitors(present: list[int], count: int, rng: random.Random) -> list[_Place]:
    """``count`` NO2 monitors shared out by size (largest remainders) among the towns with
    homes, each near its town's centre."""
    towns = [SETTLEMENTS[i] for i in present if SETTLEMENTS[i].town]
    if not towns:
        towns = [SETTLEMENTS[i] for i in present]
    weight = sum(t.weight for t in towns)
    exact = [count * t.weight / weight for t in towns]
    shares = [int(x) for x in exact]
    for i in sorted(range(len(towns)), key=lambda i: (shares[i] - exact[i], i))[
            : count - sum(shares)]:
        shares[i] += 1
    found = []
    for town, share in zip(towns, shares, strict=True):
        for number in range(1, share + 1):
            angle, reach = rng.uniform(0, 2 * math.pi), rng.uniform(100, 0.5 * town.spread)
            found.append(_Place(
                f"NO2-{slug(town.name)}-{number:02d}", NO2,
                f"{town.name} air quality monitor {number}",
                town.easting + reach * math.cos(angle), town.northing + reach * math.sin(angle),
                rng.uniform(12, 30) * (1.2 if town.name == "Norwich" else 1.0),
                background=rng.uniform(9, 16)))
    return found


def _nearest_wards(props: Properties, spots: list[tuple[float, float]]) -> list[str]:
    homes = np.asarray(shapely.points(np.asarray(props.easting, dtype=np.float64),
                                      np.asarray(props.northing, dtype=np.float64)))
    where = shapely.points(np.asarray(spots, dtype=np.float64))
    nearest = np.asarray(shapely.STRtree(homes).nearest(where), dtype=np.int64)
    return [props.ward[i] for i in nearest.tolist()]
