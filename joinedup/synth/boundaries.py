"""The county's outline and its wards and parishes as polygons, from where its properties are.

Every property already carries a ward and a parish (``geography``). The polygons are a Voronoi
diagram of the properties (each point of the county belongs to its nearest property), its cells
dissolved by ward and by parish and clipped to the county outline: so the areas do not overlap,
cover the county between them, and each contains every property of its own (a cell keeps its
property strictly inside, at least half a metre from its edge, since properties lie on a metre
grid). Two properties of different wards at the very same point cannot both be inside their
own: ``Areas.clashes`` counts those left out, a few in 100,000 homes.

The outline is Norfolk's coast and borders (``places_data.NORFOLK_OUTLINE``) within the box the
synthetic county lies in, widened to take in the whole of the few synthetic towns whose
streets run past the real coast or across the Waveney. Codes are in the ONS's style, from
ranges the ONS does not use: wards ``E05 9xxxxx``, parishes ``E04 9xxxxx``, the unparished
areas of towns ``E43 9xxxxx``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from joinedup.synth.geography import Properties, parish_name, unparished, ward_names
from joinedup.synth.places_data import NORFOLK_OUTLINE, SETTLEMENTS
from joinedup.synth.polygons import GRID, county_box, polygons

_STREET_MARGIN = 100.0  # metres of land kept round a street beyond the real coast


@dataclass(frozen=True)
class Area:
    name: str
    code: str
    geometry: MultiPolygon


@dataclass(frozen=True)
class Areas:
    wards: tuple[Area, ...]
    parishes: tuple[Area, ...]
    clashes: int  # properties at the same point as one of another ward


def ward_codes() -> dict[str, str]:
    """Every ward the county can have, by name: its code depends on the place and ward, not
    on which wards a county of a given size happens to have homes in."""
    return {name: f"E05{900_000 + 100 * i + j}" for i, place in enumerate(SETTLEMENTS)
            for j, name in enumerate(ward_names(place))}


def parish_codes() -> dict[str, str]:
    return {parish_name(place): f"{'E43' if unparished(place) else 'E04'}{900_000 + i}"
            for i, place in enumerate(SETTLEMENTS)}


def county_outline(props: Properties) -> MultiPolygon:
    """Norfolk within the synthetic box, and every property in it (one polygon)."""
    land: BaseGeometry = Polygon(NORFOLK_OUTLINE)
    xy = np.column_stack([props.easting, props.northing]).astype(np.float64)
    outside = ~shapely.contains_xy(land, xy[:, 0], xy[:, 1])
    settlement = np.asarray(props.settlement)
    spills = [shapely.convex_hull(shapely.multipoints(xy[settlement == s]))
              for s in np.unique(settlement[outside])]
    land = shapely.union_all([land, *shapely.buffer(spills, _STREET_MARGIN)])
    return polygons(shapely.intersection(land, county_box(), grid_size=GRID))


def build_areas(props: Properties, outline: MultiPolygon) -> Areas:
    """The wards and parishes the county's properties are in, as polygons within ``outline``."""
    xy = np.column_stack([props.easting, props.northing]).astype(np.float64)
    sites, first, site_of = np.unique(xy, axis=0, return_index=True, return_inverse=True)
    wards_of = np.asarray(props.ward, dtype=object)
    ward = wards_of[first]
    clashes = int(np.count_nonzero(wards_of != ward[site_of.reshape(-1)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(sites), extend_to=outline.envelope, ordered=True))
    wards = {name: polygons(shapely.intersection(area, outline, grid_size=GRID))
             for name, area in _dissolve(cells, ward, shapely.coverage_union_all).items()}
    # A parish is its wards, as written: unioned on the same grid, so they match exactly.
    parish_of = dict(zip(props.ward, props.parish, strict=True))
    parishes = _dissolve(np.array(list(wards.values()), dtype=object),
                         np.array([parish_of[n] for n in wards], dtype=object),
                         lambda parts: shapely.union_all(parts, grid_size=GRID))
    wcodes, pcodes = ward_codes(), parish_codes()
    return Areas(
        wards=tuple(Area(n, wcodes[n], g) for n, g in wards.items()),
        parishes=tuple(Area(n, pcodes[n], polygons(g)) for n, g in parishes.items()),
        clashes=clashes)


def _dissolve(pieces: np.ndarray, labels: np.ndarray,
              union: Callable[[np.ndarray], BaseGeometry]) -> dict[str, BaseGeometry]:
    """Pieces unioned per label, in label order."""
    order = np.argsort(labels, kind="stable")
    ordered = labels[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    return {str(ordered[a]): union(pieces[order[a:b]]) for a, b in zip(starts, ends, strict=True)}
