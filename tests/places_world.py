"""The governed world of tests/world.py with a property register and a flood zone around
central Norwich: the places tests' fixture, as a module so the API and web tests can import it.

    UPRN 1001  12 High Street, Norwich NR2 4AB   inside   Mary O'Brien (86; ASC: MOBILITY,
                                                          DEMENTIA; police: WEAPONS)
    UPRN 1003  1 Secret Road, Norwich NR1 1AA    inside   the refuge: Aisha Khan, sealed
    UPRN 1005  5 Hidden Lane, Norwich NR3 3AA    inside   the adopted child, sealed
    UPRN 1006  14 High Street, Norwich NR2 4AB   inside   nobody known
    UPRN 1002  3 Mill Lane, Dereham NR19 1AB     outside  John Smith (76)
    UPRN 1004  8 Queen Street, King's Lynn       outside  Aisha Khan (police)
    UPRN 1007  1 Church Road, Cromer NR27 9ES    outside  Tom Baker (76)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from factories import ingest_file, make_definition, write_csv
from sqlalchemy import Engine
from world import NOW, World, build

from joinedup.places.build import BuildReport
from joinedup.places.build import build as build_places

PROPERTIES = [
    ["1001", "12 High Street", "Norwich", "NR2 4AB", 623_000, 308_500],
    ["1006", "14 High Street", "Norwich", "NR2 4AB", 623_030, 308_500],
    ["1003", "1 Secret Road", "Norwich", "NR1 1AA", 623_400, 308_100],
    ["1005", "5 Hidden Lane", "Norwich", "NR3 3AA", 622_600, 309_000],
    ["1002", "3 Mill Lane", "Dereham", "NR19 1AB", 599_000, 313_000],
    ["1004", "8 Queen Street", "King's Lynn", "PE30 1HP", 562_000, 320_000],
    ["1007", "1 Church Road", "Cromer", "NR27 9ES", 621_900, 342_000],
]
ZONE = (621_000, 307_000, 625_000, 310_000)
"""The flood zone's box (west, south, east, north) in British National Grid metres."""


def zone_geojson(hole: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """The zone as the Environment Agency publishes one: EPSG:27700 named in a crs member."""
    w, s, e, n = ZONE
    rings = [[[w, s], [e, s], [e, n], [w, n], [w, s]]]
    if hole is not None:
        hw, hs, he, hn = hole
        rings.append([[hw, hs], [hw, hn], [he, hn], [he, hs], [hw, hs]])
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
            "features": [{"type": "Feature", "properties": {"type": "Flood Zone 3"},
                          "geometry": {"type": "Polygon", "coordinates": rings}}]}


def write_zone(path: Path, **kwargs: Any) -> Path:
    path.write_text(json.dumps(zone_geojson(**kwargs)), encoding="utf-8")
    return path


def load_properties(engine: Engine, tmp_path: Path, extra: Sequence[list[Any]] = ()) -> None:
    """The register, with ``extra`` properties (a changed file: a new load)."""
    definition = make_definition(
        tmp_path, name="properties", agency="Norfolk Address Register", kind="property",
        record_id="uprn",
        fields={"uprn": "uprn", "address": ["line1", "town"], "postcode": "postcode",
                "easting": "x", "northing": "y"})
    ingest_file(engine, definition, write_csv(
        tmp_path / "properties.csv", ["uprn", "line1", "town", "postcode", "x", "y"],
        [*PROPERTIES, *extra]))


def placed_world(engine: Engine, tmp_path: Path) -> tuple[World, BuildReport]:
    world = build(engine, tmp_path)
    load_properties(engine, tmp_path)
    with engine.begin() as c:
        report = build_places(c, now=NOW)
    return world, report
