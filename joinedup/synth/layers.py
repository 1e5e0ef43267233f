"""The county's map layers, written as GeoJSON into its ``data/`` directory.

    flood_zone_3.geojson            Flood Zone 3, one MultiPolygon feature, BNG, EA-style
    flood_zone_2.geojson            Flood Zone 2 (includes Flood Zone 3), the same
    flood_zone_wroxham_4326.geojson both zones round Wroxham and Hoveton in WGS84 (RFC 7946)
    wards.geojson                   a MultiPolygon per ward: name, code
    parishes.geojson                a MultiPolygon per parish (or unparished town): name, code
    county_outline.geojson          the county's coast and borders
    rivers.geojson                  the rivers' meandering lines, a MultiLineString each

They are not sources to ingest (the manifest lists none of them): they are the shapes a hub's
places and maps are loaded from. All but the Wroxham file are in British National Grid
(EPSG:27700) with the named ``crs`` member, to 0.1 m.
"""

from __future__ import annotations

from pathlib import Path

import shapely
from shapely.geometry import MultiLineString, MultiPolygon

from joinedup.synth.boundaries import Area, build_areas, county_outline
from joinedup.synth.flood import FloodZones
from joinedup.synth.geography import Properties
from joinedup.synth.geojson import Feature, write_bng, write_wgs84
from joinedup.synth.polygons import polygons

WROXHAM = (627_000, 314_500, 634_500, 320_500)  # the stretch of the Bure in the WGS84 file
_ZONES = {
    3: "land with a 1% or greater chance of flooding each year from rivers, or 0.5% from the "
       "sea, ignoring defences",
    2: "land with a 0.1% to 1% chance of flooding each year from rivers, or 0.1% to 0.5% from "
       "the sea, ignoring defences; includes Flood Zone 3",
}


def write_layers(props: Properties, flood: FloodZones, data_dir: Path) -> dict[str, Path]:
    """Write every layer; returns its path by layer name (the file name without .geojson)."""
    outline = county_outline(props)
    areas = build_areas(props, outline)
    zones = {3: flood.zone3, 2: flood.zone2}
    written = [write_bng(data_dir / f"flood_zone_{z}.geojson", f"flood_zone_{z}",
                         [_zone_feature(z, zone)]) for z, zone in zones.items()]
    stretch = shapely.box(*WROXHAM)
    written.append(write_wgs84(
        data_dir / "flood_zone_wroxham_4326.geojson", "flood_zone_wroxham_4326",
        [_zone_feature(z, polygons(shapely.intersection(zone, stretch)))
         for z, zone in zones.items()]))
    written.append(write_bng(data_dir / "wards.geojson", "wards", _areas(areas.wards)))
    written.append(write_bng(data_dir / "parishes.geojson", "parishes", _areas(areas.parishes)))
    written.append(write_bng(data_dir / "county_outline.geojson", "county_outline",
                             [Feature({"name": "Norfolk (synthetic)"}, outline)]))
    written.append(write_bng(data_dir / "rivers.geojson", "rivers",
                             [Feature({"name": name}, MultiLineString([line]))
                              for name, line in flood.rivers]))
    return {path.stem: path for path in written}


def _zone_feature(zone: int, geometry: MultiPolygon) -> Feature:
    """Properties as the Environment Agency's Flood Map for Planning names them."""
    return Feature({
        "type": f"Flood Zone {zone}", "layer": f"FZ{zone}",
        "description": f"Synthetic (joinedup.synth, not Environment Agency data): Flood Zone "
                       f"{zone}, {_ZONES[zone]}."}, geometry)


def _areas(areas: tuple[Area, ...]) -> list[Feature]:
    return [Feature({"name": a.name, "code": a.code}, a.geometry) for a in areas]
