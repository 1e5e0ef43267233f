"""Wards, parishes and the outline of the synthetic county: polygons that hold their own
properties, never overlap, and cover the county between them."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
import shapely
from conftest import Mapped
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from joinedup.synth.boundaries import build_areas, county_outline, parish_codes, ward_codes
from joinedup.synth.context import stream
from joinedup.synth.geography import Properties, build_properties

EA_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
KINDS = {"wards": "ward", "parishes": "parish"}


def points(props: Properties) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(props.easting, float), np.asarray(props.northing, float)


def assert_partition(areas: dict[str, BaseGeometry], outline: BaseGeometry) -> None:
    """No two areas share more than an edge (0.1 m snapping aside), and together they are
    the outline."""
    geoms = list(areas.values())
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(np.take(geoms, left[pairs]),
                                                np.take(geoms, right[pairs])))
    assert overlap.sum() < 1.0  # square metres, over the whole county
    assert sum(g.area for g in geoms) == pytest.approx(outline.area, rel=1e-6)


@pytest.mark.parametrize("layer", sorted(KINDS))
def test_each_area_holds_every_property_of_its_own(mapped: Mapped, layer: str) -> None:
    areas = mapped.shapes(layer)
    label = np.asarray(getattr(mapped.props, KINDS[layer]), dtype=object)
    assert set(areas) == set(label)
    x, y = points(mapped.props)
    for name, area in areas.items():
        assert isinstance(area, MultiPolygon) and area.is_valid, name
        own = label == name
        assert shapely.contains_xy(area, x[own], y[own]).all(), name
        assert not shapely.contains_xy(area, x[~own], y[~own]).any(), name


@pytest.mark.parametrize("layer", sorted(KINDS))
def test_areas_do_not_overlap_and_cover_the_county(mapped: Mapped, layer: str) -> None:
    [outline] = mapped.shapes("county_outline").values()
    assert_partition(mapped.shapes(layer), outline)


@pytest.mark.parametrize("layer", sorted(KINDS))
def test_the_files_carry_names_and_ons_style_codes(mapped: Mapped, layer: str) -> None:
    collection = mapped.layer(layer)
    assert collection["crs"] == EA_CRS
    codes = [f["properties"]["code"] for f in collection["features"]]
    pattern = r"E059\d{5}" if layer == "wards" else r"E(04|43)9\d{5}"
    assert all(re.fullmatch(pattern, code) for code in codes)
    assert len(set(codes)) == len(codes)
    expected = ward_codes() if layer == "wards" else parish_codes()
    assert all(expected[f["properties"]["name"]] == f["properties"]["code"]
               for f in collection["features"])
    if layer == "parishes":
        unparished = {f["properties"]["name"] for f in collection["features"]
                      if f["properties"]["code"].startswith("E43")}
        assert unparished == {"Norwich (unparished)", "Great Yarmouth (unparished)",
                              "Gorleston (unparished)"}


def test_parishes_are_made_of_whole_wards(mapped: Mapped) -> None:
    wards, parishes = mapped.shapes("wards"), mapped.shapes("parishes")
    parish_of = dict(zip(mapped.props.ward, mapped.props.parish, strict=True))
    assert Counter(parish_of.values())["Norwich (unparished)"] > 1  # Norwich has 13 wards
    for parish, area in parishes.items():
        own = shapely.union_all([w for name, w in wards.items() if parish_of[name] == parish])
        assert shapely.symmetric_difference(own, area).area < 1e-6 * area.area, parish


def test_the_outline_is_norfolk_and_holds_every_property(mapped: Mapped) -> None:
    [outline] = mapped.shapes("county_outline").values()
    assert outline.is_valid and len(outline.geoms) == 1
    assert 4_500e6 < outline.area < 5_500e6  # Norfolk: 5,371 km², less the box's west edge
    x, y = points(mapped.props)
    assert shapely.contains_xy(outline, x, y).all()
    for sea_or_suffolk in ((560_500, 340_000), (654_900, 330_000), (630_000, 281_000)):
        assert not outline.contains(shapely.Point(sea_or_suffolk))


def test_a_large_county_is_partitioned_too() -> None:
    """30,000 homes (a 65,000-person county): quick, and still a partition."""
    props = build_properties(30_000, stream(2, "properties"))
    outline = county_outline(props)
    areas = build_areas(props, outline)
    x, y = points(props)
    label = np.asarray(props.ward, dtype=object)
    outside = sum(int((~shapely.contains_xy(a.geometry, x[label == a.name],
                                            y[label == a.name])).sum()) for a in areas.wards)
    assert outside == areas.clashes <= 3  # homes at the very point of one of another ward
    assert_partition({a.name: a.geometry for a in areas.wards}, outline)
