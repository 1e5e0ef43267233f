"""The offline map is well-formed SVG that shows every household by need, holes as holes, a
scale bar that tells the truth, and stays small and safe whatever the polygon and labels."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from joinedup.errors import BadInput
from joinedup.places.maps import NEED_GROUPS, MapPoint, map_svg

SVG = "{http://www.w3.org/2000/svg}"
E0, N0 = 452_000.0, 212_000.0  # somewhere in England, British National Grid metres
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def find(root: ET.Element, css_class: str) -> ET.Element:
    found = [e for e in root.iter() if css_class in e.get("class", "").split()]
    assert len(found) == 1, f"expected one element of class {css_class}, got {len(found)}"
    return found[0]


def rings(root: ET.Element) -> list[np.ndarray]:
    """The area path's subpaths as arrays of pixel coordinates."""
    d = find(root, "area").get("d", "")
    return [np.array([float(n) for n in NUMBER.findall(part)]).reshape(-1, 2)
            for part in d.split("M")[1:]]


def markers(root: ET.Element) -> list[ET.Element]:
    return list(find(root, "households").iter(f"{SVG}use"))


def pixels_per_metre(root: ET.Element, area: Polygon) -> float:
    """From where the area's outline was drawn, the drawing's own scale."""
    drawn = np.vstack(rings(root))
    return float(np.ptp(drawn[:, 0]) / (area.bounds[2] - area.bounds[0]))


def household(need: str, e: float = E0 + 500, n: float = N0 + 500, label: str = "1 High St",
              href: str | None = None) -> MapPoint:
    return MapPoint(e, n, label, need, href)


SQUARE = box(E0, N0, E0 + 1_000, N0 + 1_000)


def test_the_map_is_an_accessible_svg_image() -> None:
    root = parse(map_svg(SQUARE, [household("power"), household("age")],
                         title="Flood zone 3 & the weir", area_label="Flood zone 3"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 720 560"
    assert root.findtext(f"{SVG}title") == "Flood zone 3 & the weir"
    description = root.findtext(f"{SVG}desc") or ""
    assert "flood zone 3" in description
    assert "2 households" in description
    assert "1 electricity or oxygen, 0 limited mobility, 1 under 5 or over 85" in description


def test_each_household_is_one_marker_of_its_needs_class_shape_and_colour() -> None:
    needs = ["other", "power", "age", "mobility", "power", "other", "other"]
    root = parse(map_svg(SQUARE, [household(n, label=f"{i} Mill Lane")
                                  for i, n in enumerate(needs)], title="t"))
    drawn = markers(root)
    assert len(drawn) == len(needs)
    shapes = {e.get("id"): e for e in root.iter(f"{SVG}path") if e.get("id")}
    for marker in drawn:
        need = marker.get("class", "").removeprefix("need-")
        assert marker.get("href") == f"#need-{need}"
        assert shapes[f"need-{need}"].get("fill") == next(
            g.colour for g in NEED_GROUPS if g.name == need)
    assert sorted(m.get("class", "") for m in drawn) == sorted(f"need-{n}" for n in needs)
    assert len({g.colour for g in NEED_GROUPS}) == len({g.shape for g in NEED_GROUPS}) \
        == len(NEED_GROUPS)  # colour is never the only cue


def test_the_most_urgent_markers_are_drawn_last_so_they_lie_on_top() -> None:
    needs = ["power", "other", "age", "power", "mobility"]
    root = parse(map_svg(SQUARE, [household(n, label=str(i)) for i, n in enumerate(needs)],
                         title="t"))
    assert [m.findtext(f"{SVG}title") for m in markers(root)] == ["1", "2", "4", "0", "3"]


def test_the_legend_counts_each_need() -> None:
    root = parse(map_svg(SQUARE, [household("power"), household("power"),
                                  household("other")], title="t"))
    counts = {g.name: find(root, f"legend-{g.name}").text for g in NEED_GROUPS}
    assert counts == {"power": "2", "mobility": "0", "age": "0", "other": "1"}


def test_a_hole_is_a_hole_and_every_part_of_a_multipolygon_is_drawn() -> None:
    ring = box(E0, N0, E0 + 2_000, N0 + 2_000).exterior.coords
    island = Point(E0 + 1_000, N0 + 1_000).buffer(300).exterior.coords
    area = MultiPolygon([Polygon(ring, [island]), box(E0 + 2_500, N0, E0 + 3_000, N0 + 500)])
    svg = map_svg(area, [], title="t")
    root = parse(svg)
    assert find(root, "area").get("fill-rule") == "evenodd"
    outer, hole, other = rings(root)
    assert len(outer) == 4 and len(other) == 4
    assert len(hole) > 8  # a circle, not collapsed
    assert (outer.min(axis=0) < hole.min(axis=0)).all()
    assert (hole.max(axis=0) < outer.max(axis=0)).all()
    assert other[:, 0].min() > outer[:, 0].max()


@pytest.mark.parametrize("width_m, height_m", [(4_000, 1_000), (800, 2_400)])
def test_one_metre_east_is_as_long_as_one_metre_north(width_m: float, height_m: float) -> None:
    root = parse(map_svg(box(E0, N0, E0 + width_m, N0 + height_m), [], title="t"))
    (drawn,) = rings(root)
    assert np.ptp(drawn[:, 0]) / np.ptp(drawn[:, 1]) == pytest.approx(width_m / height_m,
                                                                      rel=1e-3)


def test_north_is_up() -> None:
    root = parse(map_svg(SQUARE, [household("power", n=N0 + 900, label="north"),
                                  household("power", n=N0 + 100, label="south")], title="t"))
    y = {m.findtext(f"{SVG}title"): float(m.get("y", "")) for m in markers(root)}
    assert y["north"] < y["south"]


@pytest.mark.parametrize("side, label", [(300, "50 m"), (1_000, "200 m"), (4_000, "1 km"),
                                         (12_000, "2 km"), (60_000, "10 km")])
def test_the_scale_bar_is_as_long_as_the_distance_it_claims(side: float, label: str) -> None:
    area = box(E0, N0, E0 + side, N0 + side)
    root = parse(map_svg(area, [], title="t"))
    scale = find(root, "scale")
    assert [t.text for t in scale.iter(f"{SVG}text")] == ["0", label]
    metres = float(scale.get("data-metres", ""))
    assert metres == float(label.split()[0]) * (1000 if label.endswith("km") else 1)
    bar = float(find(root, "scale-bar").get("width", ""))
    assert bar / pixels_per_metre(root, area) == pytest.approx(metres, rel=2e-3)


def test_a_20000_vertex_flood_zone_makes_a_small_svg_of_the_same_shape() -> None:
    rng = np.random.default_rng(3)
    angles = np.linspace(0, 2 * math.pi, 20_000, endpoint=False)
    radius = 3_000 + 400 * np.sin(7 * angles) + rng.normal(0, 2, angles.size)
    area = Polygon(np.column_stack([E0 + radius * np.cos(angles),
                                    N0 + radius * np.sin(angles)]))
    svg = map_svg(area, [], title="t")
    assert len(svg.encode()) < 12_000
    root = parse(svg)
    (drawn,) = rings(root)
    assert len(drawn) < 1_000
    scale = pixels_per_metre(root, area)
    assert Polygon(drawn).area / scale**2 == pytest.approx(area.area, rel=0.01)


def test_households_outside_the_area_are_drawn_within_the_frame() -> None:
    outside = household("mobility", e=E0 + 3_000, n=N0 - 2_000, label="outside")
    root = parse(map_svg(SQUARE, [household("power"), outside], title="t"))
    frame = find(root, "frame")
    left, top = float(frame.get("x", "")), float(frame.get("y", ""))
    right = left + float(frame.get("width", ""))
    bottom = top + float(frame.get("height", ""))
    for marker in markers(root):
        assert left < float(marker.get("x", "")) < right
        assert top < float(marker.get("y", "")) < bottom
    assert len(markers(root)) == 2


def test_labels_links_and_titles_are_escaped() -> None:
    label = '<script>alert("x")</script> Flat 2 & 3, O\'Neill House\x0b'
    svg = map_svg(SQUARE, [household("age", label=label, href='/people/7?a=1&b="2"')],
                  title="Zone <b>3</b>")
    assert "<script" not in svg and "<b>" not in svg
    root = parse(svg)
    (marker,) = markers(root)
    assert marker.findtext(f"{SVG}title") == label.replace("\x0b", "\ufffd")
    (link,) = root.iter(f"{SVG}a")
    assert link.get("href") == '/people/7?a=1&b="2"'
    assert root.findtext(f"{SVG}title") == "Zone <b>3</b>"


def test_a_household_without_a_link_is_not_wrapped_in_one() -> None:
    root = parse(map_svg(SQUARE, [household("age"), household("other", href="/people/8")],
                         title="t"))
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == ["/people/8"]
    assert len(markers(root)) == 2


def test_the_same_input_gives_the_same_bytes() -> None:
    points = [household(n, e=E0 + 37.123 * i, n=N0 + 11.7 * i, label=str(i))
              for i, n in enumerate(["power", "age", "other"] * 20)]
    area = Point(E0 + 500, N0 + 500).buffer(800, quad_segs=64)
    assert map_svg(area, points, title="t") == map_svg(area, list(points), title="t")


def test_an_empty_household_list_still_makes_a_map() -> None:
    root = parse(map_svg(SQUARE, [], title="t"))
    assert markers(root) == []
    assert "0 households" in (root.findtext(f"{SVG}desc") or "")


@pytest.mark.parametrize("make, message", [
    (lambda: MapPoint(E0, N0, "2 Low St", "wet feet", None),
     r"2 Low St: unknown need 'wet feet'; expected one of power, mobility, age, other"),
    (lambda: MapPoint(math.nan, N0, "3 Low St", "age", None),
     r"3 Low St: easting and northing must be finite"),
    (lambda: MapPoint(E0, N0, "4 Low St", "age", " JavaScript:alert(1)"),
     r"4 Low St: a household's link must be a relative or http\(s\) address"),
])
def test_a_bad_household_is_refused(make: object, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        make()  # type: ignore[operator]


@pytest.mark.parametrize("area", [Polygon(), Point(E0, N0), shapely.LineString([(0, 0), (1, 1)]),
                                  Polygon([(0, 0), (1, 1), (2, 2)])])
def test_an_area_that_is_not_a_polygon_with_an_area_is_refused(area: object) -> None:
    with pytest.raises(BadInput, match="a map needs a polygon or multipolygon with an area"):
        map_svg(area, [], title="t")  # type: ignore[arg-type]


def test_a_map_too_small_for_its_legend_is_refused() -> None:
    with pytest.raises(BadInput, match=r"at least 400×300 pixels .* not 300×200"):
        map_svg(SQUARE, [], title="t", width=300, height=200)
