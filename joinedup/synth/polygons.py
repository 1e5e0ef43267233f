"""What the county's map layers share: the box the county lies in, the 0.1 m grid every
written vertex lies on, and overlays reduced to their polygons."""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from joinedup.synth.places_data import NORFOLK_BOX

GRID = 0.1  # metres


def county_box() -> Polygon:
    e_min, e_max, n_min, n_max = NORFOLK_BOX
    return shapely.box(e_min, n_min, e_max, n_max)


def polygons(geometry: BaseGeometry) -> MultiPolygon:
    """The polygons of an overlay's result, which may carry stray lines or points where
    shapes touch."""
    found: list[Polygon] = []
    for part in shapely.get_parts(geometry):
        if isinstance(part, Polygon) and not part.is_empty:
            found.append(part)
        elif isinstance(part, MultiPolygon | shapely.GeometryCollection):
            found.extend(polygons(part).geoms)
    return MultiPolygon(found)
