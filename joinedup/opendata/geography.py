"""Which published area a point is in: the wards and parishes stored with ``joinedup places
load-areas``, so that every table of a release uses the same boundaries, and so that the
differencing check between geographies works from where each unit really is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, select

from joinedup.dashboards.scope import NOT_KNOWN, ward_order
from joinedup.errors import BadInput
from joinedup.places.crs import to_wgs84
from joinedup.store.schema import area

WARD, PARISH = "ward", "parish"
GEOGRAPHIES = (WARD, PARISH)
"""The geographies published, in order, where their areas are stored."""


@dataclass(frozen=True)
class Geography:
    kind: str
    names: tuple[str, ...]
    shapes: tuple[BaseGeometry, ...]

    @property
    def rows(self) -> tuple[str, ...]:
        """Every area, by name, and "Not known" last (a unit with no known place)."""
        return tuple(sorted((*self.names, NOT_KNOWN), key=ward_order))

    def locate(self, easting: Sequence[float | None], northing: Sequence[float | None]
               ) -> list[str]:
        """The area each point is in (its boundary counts as inside; the first by name where
        two overlap), or "Not known" for a point in none, or no point at all."""
        x = np.array([np.nan if e is None else e for e in easting], dtype=float)
        y = np.array([np.nan if n is None else n for n in northing], dtype=float)
        found = np.full(len(x), -1)
        for i, shape in enumerate(self.shapes):
            inside = (found < 0) & ~np.isnan(x) & shapely.intersects_xy(
                shape, np.nan_to_num(x), np.nan_to_num(y))
            found[inside] = i
        return [self.names[i] if i >= 0 else NOT_KNOWN for i in found.tolist()]

    def bbox(self) -> str:
        """The areas' bounding box in WGS84 lon/lat, as WKT (DCAT's ``bbox``)."""
        west, south, east, north = shapely.union_all(self.shapes).bounds
        lon, lat = to_wgs84(np.array([west, east]), np.array([south, north]))
        (w, e), (s, n) = np.round(lon, 5).tolist(), np.round(lat, 5).tolist()
        return f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"


def geographies(connection: Connection) -> tuple[Geography, ...]:
    """The stored geographies to publish by: wards (required), then parishes if stored."""
    found = []
    for kind in GEOGRAPHIES:
        rows = connection.execute(select(area.c.name, area.c.geometry)
                                  .where(area.c.kind == kind).order_by(area.c.name)).all()
        if rows:
            found.append(Geography(kind, tuple(r.name for r in rows),
                                   tuple(shapely.from_wkb(r.geometry) for r in rows)))
    if not found or found[0].kind != WARD:
        raise BadInput("open data is published by ward, and no ward areas are stored: run "
                       "joinedup places load-areas WARDS.geojson --kind ward --name-property "
                       "name")
    return tuple(found)
