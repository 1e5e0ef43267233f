"""Reading areas from GeoJSON: what is accepted, what is repaired, and every refusal's message."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from joinedup.errors import AreaError, BadInput
from joinedup.places.areas import Area, parse_area, read_area, read_areas

# Conversions from lon/lat warn once when the OSTN15 grid is missing (see test_crs).
pytestmark = pytest.mark.filterwarnings("ignore::joinedup.places.crs.GridWarning")

BNG_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
WHERE = "the uploaded area"


def square(x: float, y: float, side: float) -> list[list[float]]:
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]


def polygon(*rings: Sequence[Sequence[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict[str, Any], crs: dict[str, Any] | None = BNG_CRS
               ) -> dict[str, Any]:
    document: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
    if crs is not None:
        document["crs"] = crs
    return document


def parse(document: dict[str, Any] | str, **options: Any) -> Area:
    text = document if isinstance(document, str) else json.dumps(document)
    return parse_area(text, where=WHERE, **options)


def refused(document: dict[str, Any] | str, match: str, **options: Any) -> None:
    with pytest.raises(AreaError, match=match) as caught:
        parse(document, **options)
    assert str(caught.value).startswith(f"{WHERE}: ")
    assert isinstance(caught.value, BadInput)


# -- what is accepted -------------------------------------------------------------------------

def test_a_bng_polygon_is_taken_as_it_is() -> None:
    area = parse(polygon(square(600_000, 300_000, 1000)), crs="EPSG:27700")

    assert isinstance(area.geometry, Polygon)
    assert area.geometry.area == 1_000_000
    assert area.bounds == (600_000, 300_000, 601_000, 301_000)
    assert area.vertices == 5
    assert area.source_crs == "EPSG:27700"
    assert area.warnings == ()
    assert area.name == WHERE


def test_the_environment_agencys_crs_member_is_honoured() -> None:
    area = parse(collection(feature(polygon(square(600_000, 300_000, 1000)))))
    assert area.source_crs == "EPSG:27700"
    assert area.bounds == (600_000, 300_000, 601_000, 301_000)


def test_holes_are_kept_in_polygons_and_multipolygons() -> None:
    outer, hole = square(600_000, 300_000, 1000), square(600_250, 300_250, 500)
    multi = {"type": "MultiPolygon", "coordinates": [[outer, hole],
                                                     [square(610_000, 300_000, 100)]]}
    area = parse(collection(feature(polygon(outer, hole)), feature(multi, name="again")))

    # The same holed square twice overlaps itself, so the parts are unioned into one.
    assert isinstance(area.geometry, MultiPolygon)
    holed, small = sorted(shapely.get_parts(area.geometry), key=lambda p: -p.area)
    assert len(holed.interiors) == 1
    assert holed.area == 1_000_000 - 250_000
    assert small.area == 10_000
    assert not area.geometry.intersects(shapely.Point(600_500, 300_500))


def test_separate_features_become_one_multipolygon_without_a_union() -> None:
    area = parse(collection(feature(polygon(square(600_000, 300_000, 100))),
                            feature(polygon(square(600_200, 300_000, 100)))))
    assert isinstance(area.geometry, MultiPolygon)
    assert len(area.geometry.geoms) == 2
    assert area.geometry.area == 20_000


def test_overlapping_features_are_unioned_so_area_is_not_counted_twice() -> None:
    area = parse(collection(feature(polygon(square(600_000, 300_000, 100))),
                            feature(polygon(square(600_050, 300_000, 100)))))
    assert shapely.is_valid(area.geometry)
    assert area.geometry.area == 15_000


def test_features_sharing_an_edge_are_unioned_into_one_valid_polygon() -> None:
    area = parse(collection(feature(polygon(square(600_000, 300_000, 100))),
                            feature(polygon(square(600_100, 300_000, 100)))))
    assert isinstance(area.geometry, Polygon)
    assert area.geometry.area == 20_000


def test_a_lon_lat_square_around_norwich_lands_in_norwich() -> None:
    lon0, lat0, lon1, lat1 = 1.28590, 52.62414, 1.30133, 52.63270
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    area = parse(feature(polygon(ring)))

    assert area.source_crs == "EPSG:4326"
    centre = area.geometry.centroid
    assert centre.distance(shapely.Point(623_000, 308_500)) < 50
    assert area.geometry.area == pytest.approx(1_000_000, rel=0.02)


def test_heights_in_positions_are_dropped() -> None:
    ring = [[*p, 12.5] for p in square(600_000, 300_000, 100)]
    area = parse(polygon(ring), crs="27700")
    assert not shapely.has_z(area.geometry)
    assert area.geometry.area == 10_000


def test_the_crs_option_may_repeat_what_the_file_says() -> None:
    area = parse(collection(feature(polygon(square(600_000, 300_000, 100)))), crs="EPSG:27700")
    assert area.source_crs == "EPSG:27700"


def test_a_buffer_grows_the_area_by_that_many_metres() -> None:
    plain = parse(polygon(square(600_000, 300_000, 100)), crs="EPSG:27700")
    grown = parse(polygon(square(600_000, 300_000, 100)), crs="EPSG:27700", buffer=10)
    assert grown.bounds == (599_990, 299_990, 600_110, 300_110)
    assert grown.geometry.area > plain.geometry.area + 4 * 100 * 10


def test_a_collection_name_names_the_area_unless_a_name_is_given() -> None:
    document = {**collection(feature(polygon(square(600_000, 300_000, 100)))), "name": "FZ3"}
    assert parse(document).name == "FZ3"
    assert parse(document, name="Flood zone 3").name == "Flood zone 3"


def test_areas_are_frozen() -> None:
    area = parse(polygon(square(600_000, 300_000, 100)), crs="EPSG:27700")
    with pytest.raises(dataclasses.FrozenInstanceError):
        area.name = "other"  # type: ignore[misc]


# -- what is repaired -------------------------------------------------------------------------

def test_a_bow_tie_is_repaired_into_its_two_lobes_with_a_warning_saying_where() -> None:
    bow_tie = [[600_000, 300_000], [600_200, 300_200], [600_200, 300_000], [600_000, 300_200],
               [600_000, 300_000]]
    area = parse(collection(feature(polygon(bow_tie))))

    assert shapely.is_valid(area.geometry)
    assert area.geometry.area == 20_000
    (warning,) = area.warnings
    assert warning.startswith("feature 0 was repaired: self-intersection at E 600100.0, "
                              "N 300100.0 (lon ")


def test_a_hole_crossing_its_shell_is_cut_out_of_it() -> None:
    shell, hole = square(600_000, 300_000, 400), square(600_300, 300_100, 200)
    area = parse(collection(feature(polygon(shell, hole))))
    assert area.geometry.area == 400 * 400 - 100 * 200
    assert "self-intersection" in area.warnings[0]


def test_an_area_far_from_great_britain_is_flagged_as_probably_swapped() -> None:
    ring = [[52.60, 1.28], [52.61, 1.28], [52.61, 1.29], [52.60, 1.29], [52.60, 1.28]]
    area = parse(polygon(ring))
    assert any("longitude and latitude swapped" in w for w in area.warnings)


# -- what is refused --------------------------------------------------------------------------

def test_text_that_is_not_json_says_where_it_breaks() -> None:
    refused('{"type": "Polygon",\n "coordinates": [[[0, 0]]]]', r"not JSON: .* line 2, column")


def test_bytes_that_are_not_text_are_refused() -> None:
    with pytest.raises(AreaError, match="not UTF-8"):
        parse_area(b'{"type": "\x80"}', where=WHERE)


@pytest.mark.parametrize("document", ['[1, 2]', '{"coordinates": []}', '{"type": "Topology"}'])
def test_json_that_is_not_geojson_is_refused(document: str) -> None:
    refused(document, "JSON but not GeoJSON")


def test_a_feature_that_is_not_an_area_is_named_by_its_index() -> None:
    features = [feature(polygon(square(600_000, 300_000, 100))) for _ in range(3)]
    line = feature({"type": "LineString", "coordinates": [[600_000, 300_000], [1, 1]]})
    refused(collection(*features, line),
            "an area must be a Polygon or MultiPolygon; feature 3 is a LineString")


def test_a_feature_without_geometry_is_refused() -> None:
    refused(collection(feature(None)), "feature 0 has no geometry")


def test_a_collection_item_that_is_not_a_feature_is_refused() -> None:
    refused(collection(polygon(square(0, 0, 1))), "feature 0 is not a GeoJSON Feature")


@pytest.mark.parametrize(("document", "match"), [
    (collection(), "empty FeatureCollection"),
    (polygon(), "feature 0 is an empty Polygon"),
    ({"type": "MultiPolygon", "coordinates": [[square(0, 0, 1)], []]},
     "feature 0, polygon 1 is empty"),
])
def test_empty_geometry_is_refused(document: dict[str, Any], match: str) -> None:
    refused(document, match, crs="EPSG:27700")


def test_a_ring_needs_four_positions() -> None:
    refused(polygon(square(0, 0, 1), [[0.2, 0.2], [0.4, 0.2], [0.2, 0.2]]),
            r"feature 0, ring 1 has 3 positions; a ring needs at least 4", crs="EPSG:27700")


def test_a_ring_must_be_closed() -> None:
    refused(polygon([*square(0, 0, 1)[:-1], [0, 0.5]]), r"ring 0 is not closed", crs="27700")


@pytest.mark.parametrize(("position", "match"), [
    (["600000", 300_000], 'position 2: coordinates must be numbers, not "600000"'),
    ([600_000], r"position 2: \[600000\] is not \[x, y\]"),
    (None, "position 2: null is not"),
])
def test_coordinates_must_be_numbers(position: Any, match: str) -> None:
    ring: list[Any] = square(600_000, 300_000, 100)
    ring[2] = position
    refused(polygon(ring), f"feature 0, ring 0, {match}", crs="EPSG:27700")


def test_coordinates_must_be_finite() -> None:
    text = json.dumps(polygon(square(0, 0, 1))).replace("[1, 1]", "[NaN, 1]")
    refused(text, "ring 0, position 2: coordinates must be finite", crs="EPSG:27700")


def test_a_ring_with_no_area_is_refused() -> None:
    flat = [[0, 0], [1, 0], [2, 0], [0, 0]]
    refused(polygon(flat), "feature 0 encloses no area", crs="EPSG:27700")


def test_bng_metres_without_a_crs_get_a_hint() -> None:
    refused(polygon(square(600_000, 300_000, 100)),
            "look like British National Grid metres; add --crs EPSG:27700")


def test_out_of_range_lon_lat_under_an_explicit_crs_is_refused() -> None:
    refused(polygon(square(600_000, 300_000, 100)), r"outside ±180° longitude .* CRS given",
            crs="EPSG:4326")


def test_a_crs_option_contradicting_the_file_is_refused() -> None:
    refused(collection(feature(polygon(square(600_000, 300_000, 100)))),
            "the file says its coordinates are in EPSG:27700 but EPSG:4326 was asked for",
            crs="OGC:CRS84")


@pytest.mark.parametrize(("member", "match"), [
    ("EPSG:27700", "not GeoJSON 2008's"),
    ({"type": "link", "properties": {"href": "x.prj"}}, "linked CRSs are not supported"),
    ({"type": "name", "properties": {"name": "EPSG:99999"}}, "'EPSG:99999' is not a coord"),
])
def test_a_bad_crs_member_is_refused(member: Any, match: str) -> None:
    refused(collection(feature(polygon(square(0, 0, 1))), crs=member), match)


@pytest.mark.parametrize("buffer", [-1.0, float("nan")])
def test_a_buffer_must_be_zero_or_more(buffer: float) -> None:
    refused(polygon(square(0, 0, 1)), "the buffer must be zero or more metres", buffer=buffer)


# -- files --------------------------------------------------------------------------------------

def test_read_area_names_the_area_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "flood zone 3.geojson"
    path.write_text(json.dumps(collection(feature(polygon(square(600_000, 300_000, 100))))))
    area = read_area(path, buffer=5)
    assert area.name == "flood zone 3"
    assert area.bounds == (599_995, 299_995, 600_105, 300_105)


def test_read_area_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(AreaError, match=r"missing.geojson: cannot be read: No such file"):
        read_area(tmp_path / "missing.geojson")
    bad = tmp_path / "flood.geojson"
    bad.write_text("{}")
    with pytest.raises(AreaError, match=r"flood.geojson: is JSON but not GeoJSON"):
        read_area(bad)


def test_read_areas_gives_one_named_area_per_feature(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(collection(
        feature(polygon(square(600_000, 300_000, 100)), WD24NM="Mancroft", code=1),
        feature(polygon(square(600_100, 300_000, 100)), WD24NM="Thorpe Hamlet", code=2),
    )))
    wards = read_areas(path, name_property="WD24NM")
    assert [w.name for w in wards] == ["Mancroft", "Thorpe Hamlet"]
    assert [w.geometry.area for w in wards] == [10_000, 10_000]
    assert wards[1].bounds == (600_100, 300_000, 600_200, 300_100)


def test_read_areas_says_which_feature_lacks_the_name_and_what_it_has(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(collection(
        feature(polygon(square(600_000, 300_000, 100)), WD24NM="Mancroft"),
        feature(polygon(square(600_100, 300_000, 100)), WD24CD="E05005788", code=2),
    )))
    with pytest.raises(AreaError, match=r"wards.geojson: feature 1 has no 'WD24NM' property "
                                        r"to name it by; its properties are: WD24CD, code"):
        read_areas(path, name_property="WD24NM")


def test_read_areas_locates_problems_by_feature(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    point = {"type": "Point", "coordinates": [600_000, 300_000]}
    path.write_text(json.dumps(collection(
        feature(polygon(square(600_000, 300_000, 100)), name="a"), feature(point, name="b"))))
    with pytest.raises(AreaError, match="feature 1 is a Point"):
        read_areas(path, name_property="name")
