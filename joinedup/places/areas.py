"""Areas users upload (an Environment Agency flood zone, a ward, a line drawn on a map), read
from GeoJSON into one Polygon or MultiPolygon in British National Grid.

Files come from GIS packages and hand edits, so every problem is reported with where it is
(feature, polygon, ring, position; counted from 0, as in the file and in QGIS), and what GIS
packages habitually produce but is still clearly an area (a self-intersecting ring, a hole
crossing its shell) is repaired with a warning rather than refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon

from joinedup.errors import AreaError
from joinedup.places.crs import BNG, WGS84, crs_name, to_bng, to_wgs84

_AREA_TYPES = ("Polygon", "MultiPolygon")
_GEOMETRY_TYPES = (*_AREA_TYPES, "Point", "MultiPoint", "LineString", "MultiLineString",
                   "GeometryCollection")
# Great Britain and its islands in BNG, with a margin: an area outside is almost certainly in
# the wrong CRS or has longitude and latitude swapped.
_GB = shapely.box(-100_000, -100_000, 800_000, 1_400_000)


@dataclass(frozen=True)
class Area:
    """A named area in British National Grid, with what was repaired on the way in."""

    name: str
    geometry: Polygon | MultiPolygon
    source_crs: str
    warnings: tuple[str, ...] = ()

    @property
    def vertices(self) -> int:
        """Coordinates in all rings (each ring's closing point included)."""
        return int(shapely.get_num_coordinates(self.geometry))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min easting, min northing, max easting, max northing)."""
        minx, miny, maxx, maxy = self.geometry.bounds
        return float(minx), float(miny), float(maxx), float(maxy)


def read_area(
    path: Path, *, crs: str | None = None, buffer: float = 0.0, name: str | None = None
) -> Area:
    """The area in a GeoJSON file (all its polygons as one), named ``name`` or the file's stem."""
    return parse_area(_read(path), where=str(path), crs=crs, buffer=buffer,
                      name=name or path.stem)


def parse_area(
    data: bytes | str,
    *,
    where: str,
    crs: str | None = None,
    buffer: float = 0.0,
    name: str | None = None,
) -> Area:
    """The area in GeoJSON text: a Polygon or MultiPolygon geometry, a Feature of one, or a
    FeatureCollection whose polygons together make the area. ``buffer`` metres are added all
    round (after any repair). ``where`` is what errors call the input ("the uploaded area")."""
    if not (buffer >= 0 and np.isfinite(buffer)):
        raise AreaError(f"the buffer must be zero or more metres, not {buffer}", where=where)
    document = _load(data, where)
    source = _source_crs(document, crs, where)
    labels, polygons = zip(*_polygons(_features(document, where), where), strict=True)
    geometry, notes = _in_bng(list(polygons), list(labels), source, where)
    if buffer > 0:
        geometry = _polygonal(shapely.buffer(geometry, buffer))
    named = document.get("name")
    return Area(name=name or (named if isinstance(named, str) and named else where),
                geometry=geometry, source_crs=source or WGS84, warnings=tuple(notes))


def read_areas(path: Path, *, name_property: str, crs: str | None = None) -> list[Area]:
    """One Area per feature (wards, parishes), named from ``properties[name_property]``."""
    where = str(path)
    document = _load(_read(path), where)
    source = _source_crs(document, crs, where)
    areas = []
    for index, feature in enumerate(_features(document, where)):
        properties = feature.get("properties") or {}
        value = properties.get(name_property) if isinstance(properties, dict) else None
        if value is None or str(value).strip() == "":
            have = ", ".join(sorted(properties)) if isinstance(properties, dict) else ""
            raise AreaError(f"feature {index} has no {name_property!r} property to name it by; "
                            f"its properties are: {have or 'none'}", where=where)
        labels, polygons = zip(*_polygons([feature], where, first=index), strict=True)
        geometry, notes = _in_bng(list(polygons), list(labels), source, where)
        areas.append(Area(name=str(value).strip(), geometry=geometry,
                          source_crs=source or WGS84, warnings=tuple(notes)))
    return areas


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise AreaError(f"cannot be read: {exc.strerror}", where=str(path)) from exc


def _load(data: bytes | str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise AreaError(f"is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                        where=where) from exc
    except UnicodeDecodeError as exc:
        raise AreaError("is not JSON: not UTF-8 text", where=where) from exc
    kinds = ", ".join(("Feature", "FeatureCollection", *_AREA_TYPES))
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        raise AreaError(f"is JSON but not GeoJSON: expected an object whose \"type\" is one of "
                        f"{kinds}", where=where)
    if document["type"] not in ("Feature", "FeatureCollection", *_GEOMETRY_TYPES):
        raise AreaError(f"is JSON but not GeoJSON: \"type\" is {document['type']!r}, not one of "
                        f"{kinds}", where=where)
    return document


def _source_crs(document: dict[str, Any], option: str | None, where: str) -> str | None:
    """The CRS of the coordinates: the GeoJSON 2008 ``crs`` member (as the Environment Agency
    still publishes) or the option, which must agree when both are given; None when neither
    says, and then RFC 7946 makes it lon/lat WGS84."""
    member = document.get("crs")
    declared = None
    if member is not None:
        properties = member.get("properties") if isinstance(member, dict) else None
        if not isinstance(properties, dict):
            raise AreaError("its \"crs\" member is not GeoJSON 2008's "
                            "{\"type\": \"name\", \"properties\": {\"name\": ...}}", where=where)
        if member.get("type") == "name" and isinstance(properties.get("name"), str):
            declared = crs_name(properties["name"], where=where)
        elif member.get("type") == "EPSG" and isinstance(properties.get("code"), int | str):
            declared = crs_name(f"EPSG:{properties['code']}", where=where)
        else:
            raise AreaError("its \"crs\" member names no CRS (linked CRSs are not supported; "
                            "give a name like urn:ogc:def:crs:EPSG::27700)", where=where)
    chosen = crs_name(option, where=where) if option is not None else None
    if declared and chosen and declared != chosen:
        raise AreaError(f"the file says its coordinates are in {declared} but {chosen} was "
                        "asked for; drop one or make them agree", where=where)
    return declared or chosen


def _features(document: dict[str, Any], where: str) -> list[dict[str, Any]]:
    if document["type"] == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise AreaError("is a FeatureCollection without a \"features\" list", where=where)
        if not features:
            raise AreaError("is an empty FeatureCollection: it has no features", where=where)
        for index, feature in enumerate(features):
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise AreaError(f"feature {index} is not a GeoJSON Feature", where=where)
        return features
    if document["type"] == "Feature":
        return [document]
    return [{"type": "Feature", "geometry": document}]


def _polygons(
    features: Sequence[dict[str, Any]], where: str, first: int = 0
) -> Iterator[tuple[str, Polygon]]:
    """Every polygon of the features, with a label saying where in the file it is."""
    for index, feature in enumerate(features, start=first):
        label = f"feature {index}"
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            raise AreaError(f"{label} has no geometry", where=where)
        kind = geometry.get("type")
        if kind not in _AREA_TYPES:
            raise AreaError(f"an area must be a Polygon or MultiPolygon; {label} is "
                            f"{'a ' + kind if isinstance(kind, str) else 'of no type'}",
                            where=where)
        coordinates = geometry.get("coordinates")
        if not isinstance(coordinates, list) or not coordinates:
            raise AreaError(f"{label} is an empty {kind}", where=where)
        if kind == "Polygon":
            yield label, _polygon(coordinates, label, where)
            continue
        for part, rings in enumerate(coordinates):
            if not isinstance(rings, list) or not rings:
                raise AreaError(f"{label}, polygon {part} is empty", where=where)
            yield f"{label}, polygon {part}", _polygon(rings, f"{label}, polygon {part}", where)


def _polygon(rings: list[Any], label: str, where: str) -> Polygon:
    shell, *holes = (_ring(ring, f"{label}, ring {i}", where) for i, ring in enumerate(rings))
    return Polygon(shell, holes)


def _ring(ring: Any, label: str, where: str) -> NDArray[np.float64]:
    """A ring's positions as an (n, 2) array; heights are dropped."""
    if not isinstance(ring, list):
        raise AreaError(f"{label} is not a list of positions", where=where)
    try:
        array = np.array(ring)
    except ValueError:  # ragged: positions of different lengths, or not lists
        array = np.array([])
    if array.ndim != 2 or array.shape[1] < 2 or array.dtype.kind not in "iuf":
        raise AreaError(f"{label}, {_bad_position(ring)}", where=where)
    xy = array[:, :2].astype(np.float64)
    if not np.isfinite(xy).all():
        position = int(np.flatnonzero(~np.isfinite(xy).all(axis=1))[0])
        raise AreaError(f"{label}, position {position}: coordinates must be finite numbers",
                        where=where)
    if len(xy) < 4:
        raise AreaError(f"{label} has {len(xy)} positions; a ring needs at least 4 (a triangle "
                        "and its closing point)", where=where)
    if not (xy[0] == xy[-1]).all():
        raise AreaError(f"{label} is not closed: its last position {xy[-1].tolist()} should "
                        f"repeat its first {xy[0].tolist()}", where=where)
    return xy


def _bad_position(ring: list[Any]) -> str:
    """What is wrong with the first bad position, for a ring numpy would not read as numbers."""
    for index, position in enumerate(ring):
        if not isinstance(position, list) or len(position) < 2:
            return f"position {index}: {json.dumps(position)} is not [x, y]"
        for value in position:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"position {index}: coordinates must be numbers, not {json.dumps(value)}"
    return "positions must all have the same number of coordinates"


def _in_bng(
    polygons: list[Polygon], labels: list[str], source: str | None, where: str
) -> tuple[Polygon | MultiPolygon, list[str]]:
    """The polygons in BNG, repaired where invalid, as one geometry; with the warnings."""
    parts = np.array(polygons, dtype=object)
    if source != BNG:
        crs = source or WGS84
        _check_range(parts, source, where)

        def bng(xy: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.column_stack(to_bng(xy[:, 0], xy[:, 1], crs))

        parts = shapely.transform(parts, bng)
        if not np.isfinite(shapely.get_coordinates(parts)).all():
            raise AreaError(f"some coordinates cannot be converted from {crs} to British "
                            "National Grid", where=where)
    notes: list[str] = []
    for index in np.flatnonzero(~shapely.is_valid(parts)):
        parts[index], note = _repair(parts[index], labels[index], where)
        notes.append(note)
    geometry = _combine(list(parts))
    if not geometry.intersects(_GB):
        minx, miny, _, _ = geometry.bounds
        notes.append(f"the area is nowhere near Great Britain (it starts at E {minx:.0f}, "
                     f"N {miny:.0f}): is its CRS right, or are longitude and latitude swapped?")
    return geometry, notes


def _check_range(parts: NDArray[Any], source: str | None, where: str) -> None:
    """Lon/lat must be within ±180/±90; BNG metres in a file without a CRS are the usual cause."""
    if source not in (None, WGS84):
        return
    xy = shapely.get_coordinates(parts)
    if (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all():
        return
    if source is None and shapely.contains_xy(_GB, xy[:, 0], xy[:, 1]).all():
        raise AreaError("has no CRS, so its coordinates should be longitude/latitude, but they "
                        "look like British National Grid metres; add --crs EPSG:27700",
                        where=where)
    said = "the file has no CRS, so RFC 7946's" if source is None else "the CRS given is"
    raise AreaError(f"some coordinates are outside ±180° longitude / ±90° latitude, and {said} "
                    "longitude/latitude (EPSG:4326)", where=where)


def _repair(polygon: Polygon, label: str, where: str) -> tuple[Polygon | MultiPolygon, str]:
    """make_valid's "structure" method: a hole crossing its shell is cut out of it, and a
    bow-tie's lobes both kept, which is what whoever drew them meant."""
    reason = shapely.is_valid_reason(polygon)
    repaired = shapely.make_valid(polygon, method="structure", keep_collapsed=False)
    kept = _polygonal(repaired)
    if kept.is_empty or kept.area == 0:
        raise AreaError(f"{label} encloses no area (even after repairing its "
                        f"{_describe(reason)})", where=where)
    return kept, f"{label} was repaired: {_describe(reason)}"


def _describe(reason: str) -> str:
    """``"Self-intersection[623010 308470]"`` -> a sentence with the place in BNG and lon/lat."""
    text, _, place = reason.partition("[")
    try:
        x, y = (float(v) for v in place.rstrip("]").split())
    except ValueError:
        return text.lower()
    lon, lat = to_wgs84(x, y)
    return (f"{text.lower()} at E {x:.1f}, N {y:.1f} "
            f"(lon {float(lon):.6f}, lat {float(lat):.6f})")


def _polygonal(geometry: Any) -> Polygon | MultiPolygon:
    """Only the polygons of a geometry (make_valid and buffer may return collections)."""
    parts = [p for p in shapely.get_parts(geometry)
             if isinstance(p, Polygon | MultiPolygon) and not p.is_empty]
    return _combine(parts) if parts else Polygon()


def _combine(parts: list[Polygon | MultiPolygon]) -> Polygon | MultiPolygon:
    """One geometry from valid parts. Features of a flood zone normally neither overlap nor
    share edges, and then the MultiPolygon of the parts is already valid: checking that is a
    sweep far quicker than a union (5,000 polygons of 33 vertices: 74 ms against 1.4 s). Parts
    that overlap or share an edge are unioned, as areas and containment are wrong on the
    invalid whole."""
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    if len(polygons) == 1:
        only: Polygon = polygons[0]
        return only
    multi = MultiPolygon(polygons)
    if shapely.is_valid(multi):
        return multi
    union = shapely.union_all(polygons)
    return union if isinstance(union, Polygon | MultiPolygon) else _polygonal(union)
