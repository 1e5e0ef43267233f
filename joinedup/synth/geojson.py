"""GeoJSON files of the county's map layers, written byte for byte the same for the same shapes.

In British National Grid (EPSG:27700) as the Environment Agency and the ONS publish theirs: the
2008 GeoJSON's named ``crs`` member, coordinates in metres to 0.1 m. Or in WGS84 longitude and
latitude per RFC 7946 (no ``crs`` member, 6 decimals, about 0.1 m), converted with one pinned
Helmert transformation (EPSG:1314, "OSGB36 to WGS 84 (6)", good to about 2 m) rather than the
best PROJ can find, which would depend on whether the OSTN15 grid is installed. Polygons follow
RFC 7946's right-hand rule in both: exteriors anticlockwise, holes clockwise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from joinedup.synth.polygons import GRID

BNG_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
WGS84_GRID = 1e-6  # degrees: about 0.1 m
_OSGB36_TO_WGS84 = (
    "+proj=pipeline +step +inv +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 "
    "+y_0=-100000 +ellps=airy +step +proj=push +v_3 +step +proj=cart +ellps=airy "
    "+step +proj=helmert +x=446.448 +y=-125.157 +z=542.06 +rx=0.15 +ry=0.247 +rz=0.842 "
    "+s=-20.489 +convention=position_vector +step +inv +proj=cart +ellps=WGS84 "
    "+step +proj=pop +v_3 +step +proj=unitconvert +xy_in=rad +xy_out=deg")


@dataclass(frozen=True)
class Feature:
    properties: dict[str, str]
    geometry: MultiPolygon | MultiLineString


def write_bng(path: Path, name: str, features: Sequence[Feature]) -> Path:
    """A FeatureCollection in British National Grid, with its named CRS."""
    return _write(path, {"type": "FeatureCollection", "name": name, "crs": BNG_CRS},
                  features, GRID)


def write_wgs84(path: Path, name: str, features: Sequence[Feature]) -> Path:
    """A FeatureCollection of BNG shapes converted to WGS84 longitude and latitude."""
    to_wgs84 = Transformer.from_pipeline(_OSGB36_TO_WGS84)

    def convert(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))

    converted = [Feature(f.properties, _same_kind(f.geometry, shapely.transform(f.geometry,
                                                                                convert)))
                 for f in features]
    return _write(path, {"type": "FeatureCollection", "name": name}, converted, WGS84_GRID)


def _write(path: Path, head: dict[str, Any], features: Sequence[Feature], grid: float) -> Path:
    """One feature a line, so the files diff and stream well. Coordinates snapped to ``grid``
    print in their shortest form (``623456.7``)."""
    lines = []
    for f in features:
        snapped = _same_kind(f.geometry, shapely.set_precision(f.geometry, grid))
        if isinstance(snapped, MultiPolygon):
            snapped = shapely.orient_polygons(snapped)
        properties = json.dumps(f.properties, ensure_ascii=False, separators=(",", ":"))
        lines.append(f'{{"type":"Feature","properties":{properties},'
                     f'"geometry":{shapely.to_geojson(snapped)}}}')
    opening = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(f'{opening},"features":[\n' + ",\n".join(lines) + "\n]}\n")
    return path


def _same_kind(like: MultiPolygon | MultiLineString, geometry: BaseGeometry
               ) -> MultiPolygon | MultiLineString:
    """Converting or snapping may leave a single polygon or line: make it a multi again."""
    if isinstance(like, MultiPolygon):
        return MultiPolygon([p for p in shapely.get_parts(geometry) if isinstance(p, Polygon)])
    return MultiLineString([p for p in shapely.get_parts(geometry) if isinstance(p, LineString)])
