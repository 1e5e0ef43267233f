"""The synthetic county's flood zones: valid, nested, natural-looking Environment Agency-style
layers along its rivers, with about as many homes in them as Norfolk has."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from conftest import MAPPED_SEED, Mapped
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon

from joinedup.synth.context import stream
from joinedup.synth.flood import FloodZones, build_flood_zones, flood_zones
from joinedup.synth.geography import build_properties
from joinedup.synth.layers import WROXHAM
from joinedup.synth.places_data import SETTLEMENTS
from joinedup.synth.polygons import GRID
from joinedup.synth.rivers_data import RIVERS

HOMES_OF_100K_PEOPLE = 47_431  # the properties of a 100,000-person county
EA_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}


@pytest.fixture(scope="module")
def zones() -> FloodZones:
    return flood_zones(MAPPED_SEED)  # the mapped county's, built once


def holes(zone: MultiPolygon) -> int:
    return sum(len(p.interiors) for p in zone.geoms)


def test_the_files_are_the_zones_in_british_national_grid(mapped: Mapped,
                                                          zones: FloodZones) -> None:
    for z, zone in ((3, zones.zone3), (2, zones.zone2)):
        layer = mapped.layer(f"flood_zone_{z}")
        assert layer["type"] == "FeatureCollection" and layer["crs"] == EA_CRS
        [feature] = layer["features"]
        assert feature["properties"]["type"] == f"Flood Zone {z}"
        assert feature["properties"]["layer"] == f"FZ{z}"
        assert "Synthetic" in feature["properties"]["description"]
        assert feature["geometry"]["type"] == "MultiPolygon"
        written = mapped.shapes(f"flood_zone_{z}")[f"Flood Zone {z}"]
        assert shapely.equals(written, zone)
        coords = shapely.get_coordinates(written)
        assert np.allclose(coords * 10, np.round(coords * 10))  # to 0.1 m
        assert isinstance(written, MultiPolygon)
        assert all(p.exterior.is_ccw and not any(h.is_ccw for h in p.interiors)
                   for p in written.geoms)  # RFC 7946's right-hand rule


def test_the_zones_are_valid_multipolygons_with_islands_of_higher_ground(
        zones: FloodZones) -> None:
    for zone in (zones.zone3, zones.zone2):
        assert isinstance(zone, MultiPolygon) and zone.is_valid
        assert holes(zone) >= 3
    assert shapely.get_num_coordinates(zones.zone2) >= 5000


def test_flood_zone_3_lies_within_flood_zone_2(zones: FloodZones) -> None:
    assert zones.zone2.area > 1.2 * zones.zone3.area
    outside = shapely.difference(zones.zone3, zones.zone2)
    assert outside.area < 1e-5 * zones.zone3.area  # the snapping of each to the 0.1 m grid
    assert shapely.buffer(zones.zone2, 2 * GRID).contains(zones.zone3)


def test_the_rivers_meander_and_the_zones_edges_wander(zones: FloodZones) -> None:
    """Not a buffer of straight lines: every river is longer than the line through its towns,
    and an outline loses length when simplified to 50 m (a straight buffer would lose 0.1%)."""
    through_towns = {w.name: LineString([(e, n) for e, n, _ in w.points]) for w in RIVERS}
    assert {name for name, _ in zones.rivers} == set(through_towns)
    for name, line in zones.rivers:
        assert line.length > 1.05 * through_towns[name].length, name
    for zone in (zones.zone3, zones.zone2):
        assert zone.length > 1.01 * zone.simplify(50).length
    assert zones.zone3.area / 1e6 > 150  # the Broads and the Fens, not just channels
    tud = shapely.Point(610_500, 311_400)  # the Tud at Honingham: a stream
    assert tud.buffer(200).intersects(zones.zone3)
    assert not tud.buffer(600).within(zones.zone2)


@pytest.mark.parametrize(("homes", "seed"), [(None, MAPPED_SEED), (HOMES_OF_100K_PEOPLE, 3)])
def test_about_one_home_in_ten_is_in_flood_zone_2(mapped: Mapped, homes: int | None,
                                                  seed: int) -> None:
    """Norfolk: 42,500 of 430,000 homes at risk of flooding. At 5,000 people (the county's
    own homes) and at 100,000 people's worth of homes, with another seed's rivers."""
    props = mapped.props if homes is None else build_properties(homes, stream(seed,
                                                                               "properties"))
    zones = build_flood_zones(stream(seed, "flood"))
    zone = zones.zone_of(np.asarray(props.easting, float), np.asarray(props.northing, float))
    in2, in3 = np.mean(zone >= 2), np.mean(zone == 3)
    assert 0.05 <= in2 <= 0.12
    assert 0.02 <= in3 < in2


def test_the_rivers_run_through_the_towns_they_do(zones: FloodZones) -> None:
    props = build_properties(HOMES_OF_100K_PEOPLE, stream(1, "properties"))
    zone = zones.zone_of(np.asarray(props.easting, float), np.asarray(props.northing, float))
    settlement = np.asarray(props.settlement)
    share = {s.name: float(np.mean(zone[settlement == i] >= 2))
             for i, s in enumerate(SETTLEMENTS)}
    for wet in ("Norwich", "King's Lynn", "Great Yarmouth", "Thetford", "Wroxham",
                "Downham Market", "Costessey", "Diss"):
        assert share[wet] > 0.02, wet
    assert share["Great Yarmouth"] > 0.2 and share["King's Lynn"] > 0.2
    for dry in ("Swaffham", "Dereham", "Cromer", "Sheringham"):
        assert share[dry] == 0, dry


def test_the_wroxham_file_is_the_same_zones_in_wgs84(mapped: Mapped, zones: FloodZones) -> None:
    layer = mapped.layer("flood_zone_wroxham_4326")
    assert "crs" not in layer  # RFC 7946: WGS84 longitude, latitude and nothing else
    shapes = mapped.shapes("flood_zone_wroxham_4326")
    assert set(shapes) == {"Flood Zone 3", "Flood Zone 2"}
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    stretch = shapely.box(*WROXHAM)
    for name, zone in (("Flood Zone 3", zones.zone3), ("Flood Zone 2", zones.zone2)):
        wgs84 = shapes[name]
        assert wgs84.is_valid and isinstance(wgs84, MultiPolygon)
        lon, lat = shapely.get_coordinates(wgs84).T
        assert np.all((lon > 1.3) & (lon < 1.5) & (lat > 52.6) & (lat < 52.8))
        assert all(p.exterior.is_ccw and not any(h.is_ccw for h in p.interiors)
                   for p in wgs84.geoms)
        back = shapely.transform(wgs84, lambda xy: np.column_stack(
            to_bng.transform(xy[:, 0], xy[:, 1])))
        expected = shapely.intersection(zone, stretch)
        assert math.isclose(back.area, expected.area, rel_tol=0.01)
        assert shapely.symmetric_difference(back, expected).area < 0.02 * expected.area


def test_the_same_seed_gives_the_same_zones_and_another_seed_other_ones(
        zones: FloodZones) -> None:
    again = build_flood_zones(stream(MAPPED_SEED, "flood"))
    assert shapely.to_wkb(again.zone2) == shapely.to_wkb(zones.zone2)
    assert shapely.to_wkb(again.zone3) == shapely.to_wkb(zones.zone3)
    other = build_flood_zones(stream(MAPPED_SEED + 1, "flood"))
    assert not shapely.equals(other.zone2, zones.zone2)
