"""Flood zones of the synthetic county, drawn like the Environment Agency's Flood Map for
Planning: Flood Zone 3 (land with a 1% or greater chance of flooding from rivers each year, or
0.5% from the sea) and the wider Flood Zone 2 (0.1%), which includes Flood Zone 3.

Each river of ``rivers_data`` runs between its towns along a valley line that wanders off the
straight, and meanders across it, by deterministic noise from the seed (sums of sines of random
phase: wavelengths of 3 to 7 km for the valley, 350 m to 3 km for the meanders).
Flood Zone 3 is a band around the meandering river, as wide as the table says there (its
half-widths interpolated along the river), each bank wider or narrower by its own noise, so the
edge wanders like a contour; Flood Zone 2 is drawn the same way, 1.25 times as wide plus 50 m,
and takes in Flood Zone 3. Low shores are drawn like rivers along the coast. Islands of higher
ground (``HIGH_GROUND``) are cut out of both, larger from Flood Zone 3 than from Flood Zone 2.
Both are clipped to the county's coast and borders and snapped to 0.1 m.

With the rivers where they are, about one home in ten is in Flood Zone 2 and one in twenty in
Flood Zone 3 (Norfolk: 42,500 of 430,000 homes at risk), most of them in Great Yarmouth, King's
Lynn and along the Wensum and Yare in Norwich.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from joinedup.synth.context import stream
from joinedup.synth.places_data import NORFOLK_OUTLINE
from joinedup.synth.polygons import GRID, county_box, polygons
from joinedup.synth.rivers_data import HIGH_GROUND, RIVERS, SHORES, Water

Floats = npt.NDArray[np.float64]

_STEP = 70.0  # metres between vertices along a river
_VALLEY_SMOOTHING = 300.0  # metres: the valley line bends no tighter than this
_WANDER = ((7000.0, 1.0), (3000.0, 0.5))
_MEANDER = ((3000.0, 1.0), (1400.0, 0.8), (700.0, 0.7), (350.0, 0.5))
_BANK = ((5000.0, 1.0), (2400.0, 0.6), (1100.0, 0.4))
_EDGE = ((600.0, 1.0), (280.0, 0.6), (150.0, 0.35))
_ISLAND_FZ3 = 1.6  # an island is this much larger above Flood Zone 3 than above Flood Zone 2


@dataclass(frozen=True)
class FloodZones:
    """Flood Zones 3 and 2 (which contains 3) and the rivers they follow."""

    zone3: MultiPolygon
    zone2: MultiPolygon
    rivers: tuple[tuple[str, LineString], ...]

    def zone_of(self, easting: Floats, northing: Floats) -> npt.NDArray[np.int8]:
        """Per point: 3 in Flood Zone 3, 2 in Flood Zone 2 only, 0 outside both (Flood
        Zone 1)."""
        in3 = shapely.contains_xy(self.zone3, easting, northing)
        in2 = shapely.contains_xy(self.zone2, easting, northing)
        return np.where(in3, 3, np.where(in2, 2, 0)).astype(np.int8)


@lru_cache(maxsize=8)
def flood_zones(seed: int) -> FloodZones:
    """The flood zones of the county of ``seed``, built once per process (they depend on
    nothing else, and tests make many counties of a few seeds)."""
    return build_flood_zones(stream(seed, "flood"))


def build_flood_zones(rng: random.Random) -> FloodZones:
    """The county's flood zones; the same ``rng`` state gives the same zones, vertex for
    vertex."""
    zone3_parts: list[BaseGeometry] = []
    zone2_parts: list[BaseGeometry] = []
    rivers: list[tuple[str, LineString]] = []
    for water in (*RIVERS, *SHORES):
        line, normal, width, along = _meander(water, rng)
        if water in RIVERS:
            rivers.append((water.name, LineString(line)))
        zone3_parts.append(_band(line, normal, width, along, rng))
        zone2_parts.append(_band(line, normal, 1.25 * width + 50.0, along, rng))
    land = shapely.intersection(Polygon(NORFOLK_OUTLINE), county_box())
    islands2 = [_island(h.easting, h.northing, h.radius, rng) for h in HIGH_GROUND]
    islands3 = [affinity.scale(i, _ISLAND_FZ3, _ISLAND_FZ3, origin=(h.easting, h.northing))
                for i, h in zip(islands2, HIGH_GROUND, strict=True)]
    zone3 = shapely.union_all(zone3_parts)
    zone2 = shapely.union_all([*zone2_parts, zone3])
    return FloodZones(_finish(zone3, islands3, land), _finish(zone2, islands2, land),
                      tuple(rivers))


def _finish(zone: BaseGeometry, islands: list[Polygon], land: BaseGeometry) -> MultiPolygon:
    """A zone on land but off its islands, on the grid. Flood Zone 2 contains Flood Zone 3
    and its islands are within Flood Zone 3's, so the one contains the other but for the
    snapping of each to the grid (a few square metres in all)."""
    lowland = shapely.difference(land, shapely.union_all(islands))
    return polygons(shapely.intersection(zone, lowland, grid_size=GRID))


def _noise(s: Floats, rng: random.Random, octaves: tuple[tuple[float, float], ...]) -> Floats:
    """Smooth noise in [-1, 1] along ``s`` (metres): sines of jittered wavelength and random
    phase, each octave weighted."""
    total = np.zeros_like(s)
    for wavelength, weight in octaves:
        length = wavelength * (0.8 + 0.45 * rng.random())
        total += weight * np.sin(2 * math.pi * s / length + 2 * math.pi * rng.random())
    result: Floats = total / sum(weight for _, weight in octaves)
    return result


def _meander(river: Water, rng: random.Random) -> tuple[Floats, Floats, Floats, Floats]:
    """The river's meandering line (n x 2), the valley's unit normals, the Flood Zone 3
    half-width at each vertex and the distance along the river."""
    control = np.array([(e, n) for e, n, _ in river.points], dtype=np.float64)
    widths = np.array([w for _, _, w in river.points], dtype=np.float64)
    legs = np.hypot(*np.diff(control, axis=0).T)
    at = np.concatenate([[0.0], np.cumsum(legs)])
    along = np.linspace(0.0, at[-1], max(int(at[-1] / _STEP), 2) + 1)
    valley = np.column_stack([np.interp(along, at, control[:, 0]),
                              np.interp(along, at, control[:, 1])])
    # Between its towns a valley wanders off the straight line, by up to a tenth of the leg.
    leg = np.minimum(np.searchsorted(at, along, side="right") - 1, len(legs) - 1)
    across = np.column_stack([-np.diff(control[:, 1]), np.diff(control[:, 0])]) / legs[:, None]
    reach = np.minimum(0.1 * legs[leg], 600.0) * np.sin(math.pi * (along - at[leg]) / legs[leg])
    valley += across[leg] * (reach * _noise(along, rng, _WANDER))[:, None]
    valley = _smooth(valley, _VALLEY_SMOOTHING / (along[1] - along[0]))
    width = np.exp(np.interp(along, at, np.log(widths)))
    tangent = np.gradient(valley, axis=0)
    tangent /= np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    swing = np.minimum(0.45 * width + 150.0, 400.0) * _noise(along, rng, _MEANDER)
    return valley + normal * swing[:, None], normal, width, along


def _smooth(points: Floats, sigma: float) -> Floats:
    """A Gaussian moving average along the line that keeps both ends where they were."""
    half = max(int(3 * sigma), 1)
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(points, ((half, half), (0, 0)), mode="reflect", reflect_type="odd")
    return np.column_stack([np.convolve(padded[:, k], kernel, mode="valid") for k in (0, 1)])


def _band(line: Floats, normal: Floats, width: Floats, along: Floats,
          rng: random.Random) -> BaseGeometry:
    """The land within each bank's noisy half-width of the river, with rounded ends: each
    bank wanders by up to 30% over kilometres and by a few tens of metres over a few hundred."""
    ripple = np.minimum(0.25 * width, 40.0)
    left = width * (1 + 0.3 * _noise(along, rng, _BANK)) + ripple * _noise(along, rng, _EDGE)
    right = width * (1 + 0.3 * _noise(along, rng, _BANK)) + ripple * _noise(along, rng, _EDGE)
    ring = np.concatenate([line + normal * left[:, None], (line - normal * right[:, None])[::-1]])
    ends = shapely.buffer(shapely.points(line[[0, -1]]),
                          np.minimum(left, right)[[0, -1]], quad_segs=8)
    return shapely.union_all([shapely.buffer(Polygon(ring), 0), *ends])


def _island(easting: int, northing: int, radius: int, rng: random.Random) -> Polygon:
    """A blob of higher ground: a circle whose radius wanders by up to a quarter."""
    theta = np.linspace(0.0, 2 * math.pi, 64, endpoint=False)
    r = np.full_like(theta, 1.0)
    for k in range(2, 7):
        r += 0.25 / k * np.sin(k * theta + 2 * math.pi * rng.random())
    return Polygon(np.column_stack([easting + radius * r * np.cos(theta),
                                    northing + radius * r * np.sin(theta)]))
