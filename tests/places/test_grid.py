"""Grid cells and the cover: ``contains`` must agree exactly with brute-force shapely."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from joinedup.places.grid import CELL_SIZE, cell_of, contains, cover

ROW = 2**32
ORIGIN = 2**31  # the id of the cell at (0, 0)


def brute(geometry: BaseGeometry, e: NDArray[np.float64], n: NDArray[np.float64]
          ) -> NDArray[np.bool_]:
    return np.asarray(shapely.intersects_xy(geometry, e, n))


def assert_agrees(geometry: BaseGeometry, e: NDArray[np.float64], n: NDArray[np.float64]
                  ) -> None:
    expected = brute(geometry, e, n)
    assert np.array_equal(contains(geometry, e, n), expected)
    assert np.array_equal(contains(geometry, e, n, cell_of(e, n)), expected)


# -- cells ------------------------------------------------------------------------------------

def test_cell_ids_are_stable() -> None:
    # Norwich: row 617, column 1246. Stored in the database, so this must never change.
    assert cell_of([623_000.0], [308_500.0]).tolist() == [2_652_142_306_526]
    assert CELL_SIZE == 500


def test_a_cell_holds_its_west_and_south_edges_but_not_its_east_and_north() -> None:
    e = np.array([0.0, 499.99999999999994, 500.0, 0.0, 0.0, -0.0, -1e-300])
    n = np.array([0.0, 0.0, 0.0, 499.99999999999994, 500.0, 0.0, 0.0])
    assert (cell_of(e, n) - ORIGIN).tolist() == [0, 0, 1, 0, ROW, 0, -1]


def test_no_point_just_short_of_a_cell_edge_is_put_across_it() -> None:
    edges = np.arange(-10_000, 10_000) * float(CELL_SIZE)  # 5,000 km either side of 0
    below = np.nextafter(edges, -np.inf)
    zero = np.zeros_like(edges)
    assert np.array_equal(cell_of(edges, zero) - cell_of(below, zero), np.ones_like(edges))
    assert np.array_equal(cell_of(zero, edges) - cell_of(zero, below),
                          np.full(edges.shape, ROW))


def test_cells_along_a_row_have_consecutive_ids() -> None:
    e = np.arange(-5, 5) * float(CELL_SIZE) + 1
    ids = cell_of(e, np.full(10, 300_000.0))
    assert np.diff(ids).tolist() == [1] * 9


def test_cells_are_unique_either_side_of_the_origin_and_far_off() -> None:
    span = np.array([-1e12, -700_000.0, -1.0, 0.0, 500.0, 700_000.0, 1_300_000.0, 1e12])
    e, n = (a.ravel() for a in np.meshgrid(span, span))
    ids = cell_of(e, n)
    assert len(set(ids.tolist())) == len(span) ** 2
    assert ids.dtype == np.int64


def test_a_point_without_a_cell_is_an_error_naming_it() -> None:
    for bad in (np.nan, np.inf, 2e12):
        with pytest.raises(ValueError, match=r"point 1 \(.*\) has no grid cell"):
            cell_of([1.0, bad], [2.0, 3.0])


# -- cover ------------------------------------------------------------------------------------

def test_cover_splits_cells_into_inside_and_edge() -> None:
    # A 2 km square from the middle of a cell: the 3 x 3 cells in its middle are inside and
    # the ring of 16 around them is crossed by its boundary.
    area = shapely.box(600_250.0, 300_250.0, 602_250.0, 302_250.0)
    found = cover(area)
    inside = found.inside - cell_of([600_000.0], [300_000.0])[0]
    assert inside.tolist() == [r * ROW + c for r in (1, 2, 3) for c in (1, 2, 3)]
    assert len(found.edge) == 16
    assert not set(found.inside.tolist()) & set(found.edge.tolist())
    assert np.all(np.diff(found.inside) > 0) and np.all(np.diff(found.edge) > 0)


def test_cells_the_boundary_runs_along_are_edge_cells_on_both_sides() -> None:
    # Points on the east and north boundary lie in the cells beyond it, so those are edge too.
    found = cover(shapely.box(0.0, 0.0, 1000.0, 500.0))
    assert found.inside.tolist() == []
    assert (found.edge - ORIGIN).tolist() == [0, 1, 2, ROW, ROW + 1, ROW + 2]


def test_the_cover_of_nothing_is_empty() -> None:
    found = cover(Polygon())
    assert found.inside.size == 0 and found.edge.size == 0
    assert contains(Polygon(), np.array([1.0]), np.array([1.0])).tolist() == [False]


# -- contains: fixed cases --------------------------------------------------------------------

HOLED = MultiPolygon([
    Polygon([(600_000, 300_000), (602_000, 300_000), (602_000, 301_500), (600_000, 301_500)],
            [[(600_500, 300_500), (601_000, 300_500), (601_000, 301_000), (600_500, 301_000)]]),
    Polygon([(603_100, 300_100), (604_300, 300_700), (603_200, 301_900)]),
])

CASES = [
    ((600_100.0, 300_100.0), True, "inside, in an inside cell"),
    ((600_000.0, 300_000.0), True, "on a vertex"),
    ((601_234.5, 300_000.0), True, "on an edge"),
    ((600_750.0, 300_750.0), False, "in a hole"),
    ((600_500.0, 300_700.0), True, "on a hole's edge"),
    ((601_000.0, 301_000.0), True, "on a hole's corner"),
    ((602_000.0, 301_500.0), True, "on the far corner, a cell corner"),
    ((602_000.000001, 301_000.0), False, "just outside the east edge"),
    ((601_500.0, 300_500.0), True, "on a cell corner inside"),
    ((603_100.0, 300_100.0), True, "a triangle's vertex"),
    ((603_700.0, 300_400.0), True, "on the triangle's sloping edge"),
    ((603_150.0, 300_100.0), False, "beside the triangle's vertex"),
    ((599_999.0, 300_000.0), False, "outside, west"),
    ((np.nan, 300_000.0), False, "no coordinates"),
]


@pytest.mark.parametrize(("point", "inside", "what"), CASES, ids=[c[2] for c in CASES])
def test_contains_on_the_awkward_places(point: tuple[float, float], inside: bool,
                                        what: str) -> None:
    e, n = np.array([point[0]]), np.array([point[1]])
    assert contains(HOLED, e, n).tolist() == [inside], what
    assert brute(HOLED, e, n).tolist() == [inside], what


def test_contains_takes_the_cells_the_store_holds() -> None:
    e, n = (np.array(v) for v in zip(*(c[0] for c in CASES[:-1]), strict=True))
    assert contains(HOLED, e, n, cell_of(e, n)).tolist() == [c[1] for c in CASES[:-1]]


def test_contains_refuses_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="same length"):
        contains(HOLED, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="cells must match"):
        contains(HOLED, np.zeros(3), np.zeros(3), np.zeros(2, dtype=np.int64))


def test_a_thousand_random_points_agree_with_brute_force() -> None:
    rng = np.random.default_rng(6)
    e, n = rng.uniform(599_000, 605_000, 5_000), rng.uniform(299_000, 303_000, 5_000)
    assert_agrees(HOLED, e, n)
    assert 0 < contains(HOLED, e, n).sum() < 5_000


# -- contains: property test ------------------------------------------------------------------

LATTICE = 250.0  # half a cell, so edges fall both on cell lines and between them


@st.composite
def lattice_areas(draw: st.DrawFn) -> BaseGeometry:
    """Unions of rectangles minus rectangles, corners on a 250 m lattice, anywhere from well
    south-west of the origin to Norfolk: boundaries along and between cell lines. Up to 40 km
    across, so the cover starts from blocks of several cells."""
    x0 = draw(st.sampled_from([-3_000.0, 0.0, 600_000.0])) + draw(st.integers(0, 3)) * LATTICE
    extent = draw(st.sampled_from([24, 160]))

    def rectangle(lo: int, hi: int) -> BaseGeometry:
        a, b, c, d = (draw(st.integers(lo, hi)) for _ in range(4))
        return shapely.box(x0 + min(a, b) * LATTICE, x0 + min(c, d) * LATTICE,
                           x0 + (max(a, b) + 1) * LATTICE, x0 + (max(c, d) + 1) * LATTICE)

    shells = shapely.union_all([rectangle(0, extent) for _ in range(draw(st.integers(1, 4)))])
    holes = [rectangle(2, extent - 4) for _ in range(draw(st.integers(0, 3)))]
    return shapely.difference(shells, shapely.union_all(holes)) if holes else shells


@st.composite
def curved_areas(draw: st.DrawFn) -> BaseGeometry:
    """Buffered points with buffered holes: edges at every angle."""
    x0 = draw(st.sampled_from([-2_000.0, 620_000.0]))
    reach = draw(st.sampled_from([5_000.0, 30_000.0]))
    centres = st.tuples(st.floats(0, reach), st.floats(0, reach), st.floats(100, reach / 4))
    blobs = [shapely.Point(x0 + x, x0 + y).buffer(r, quad_segs=3)
             for x, y, r in draw(st.lists(centres, min_size=1, max_size=4))]
    holes = [shapely.Point(x0 + x, x0 + y).buffer(r / 3, quad_segs=2)
             for x, y, r in draw(st.lists(centres, max_size=3))]
    area = shapely.union_all(blobs)
    return shapely.difference(area, shapely.union_all(holes)) if holes else area


@settings(max_examples=40, deadline=None)
@given(area=st.one_of(lattice_areas(), curved_areas()), seed=st.integers(0, 2**32 - 1))
def test_contains_agrees_with_brute_force_everywhere(area: BaseGeometry, seed: int) -> None:
    assume(not area.is_empty)
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = area.bounds
    vertices = shapely.get_coordinates(area)
    steps = np.ceil((np.array([maxx - minx, maxy - miny]) + 2 * LATTICE) / (LATTICE / 2))
    lattice = (np.array([minx, miny]) - LATTICE
               + rng.integers(0, steps + 1, size=(2_000, 2)) * (LATTICE / 2))
    random = np.column_stack([rng.uniform(minx - 300, maxx + 300, 400),
                              rng.uniform(miny - 300, maxy + 300, 400)])
    on_cell_lines = random.copy()
    on_cell_lines[:200, 0] = np.round(on_cell_lines[:200, 0] / CELL_SIZE) * CELL_SIZE
    on_cell_lines[100:, 1] = np.round(on_cell_lines[100:, 1] / CELL_SIZE) * CELL_SIZE
    midpoints = (vertices[:-1] + vertices[1:]) / 2
    points = np.concatenate([vertices, midpoints, lattice, random, on_cell_lines,
                             vertices + rng.choice([-1e-7, 1e-7], size=vertices.shape)])
    assert_agrees(area, points[:, 0], points[:, 1])

    found = cover(area)
    ids = cell_of(points[:, 0], points[:, 1])
    hit = brute(area, points[:, 0], points[:, 1])
    assert hit[np.isin(ids, found.inside)].all()
    assert not hit[~np.isin(ids, found.inside) & ~np.isin(ids, found.edge)].any()
