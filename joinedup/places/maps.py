"""A map of an area and the households in it, drawn on the server as SVG: no tile server, no
JavaScript, so it works offline, in an emergency centre with no network, and prints.

The area is in British National Grid metres (EPSG:27700), whose grid is square, so the map
keeps 1 m east the same length as 1 m north. Households are marked by need, each need with an
Okabe-Ito colour (distinguishable with the common colour-vision deficiencies) and its own
shape, so colour is never the only cue. The outline is simplified to about a pixel, so a
20,000-vertex flood zone costs a few kilobytes; every household is drawn, each as one
``<use>`` of a shared marker.

The SVG has ``role="img"`` with a ``<title>`` and ``<desc>``: to assistive technology it is a
single image, so the page must give the household list beside it.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

from joinedup.errors import BadInput


@dataclass(frozen=True)
class NeedGroup:
    """A kind of need a household is marked by, with how it is drawn."""

    name: str
    label: str
    colour: str
    shape: str
    """An SVG path centred on 0,0, about 12 px across."""


NEED_GROUPS = (
    NeedGroup("power", "Electricity or oxygen", "#D55E00", "M0-6.5L6 4H-6Z"),
    NeedGroup("mobility", "Limited mobility", "#E69F00", "M0-6.5L6.5 0 0 6.5-6.5 0Z"),
    NeedGroup("age", "Under 5 or over 85", "#CC79A7", "M-5-5h10v10h-10Z"),
    NeedGroup("other", "Other need", "#0072B2", "M-5.5 0a5.5 5.5 0 1 0 11 0a5.5 5.5 0 1 0-11 0Z"),
)
"""Most urgent first: the legend's order, and the reverse of the drawing order, so the most
urgent markers lie on top where they overlap."""

_BY_NAME = {need.name: need for need in NEED_GROUPS}
_LINK_SCHEMES = ("", "http", "https")


@dataclass(frozen=True)
class MapPoint:
    """A household to mark: where, what its marker says on hover, and its need."""

    easting: float
    northing: float
    label: str
    need: str
    href: str | None = None

    def __post_init__(self) -> None:
        if self.need not in _BY_NAME:
            raise BadInput(f"{self.label}: unknown need {self.need!r}; expected one of "
                           f"{', '.join(_BY_NAME)}")
        if not (math.isfinite(self.easting) and math.isfinite(self.northing)):
            raise BadInput(f"{self.label}: easting and northing must be finite numbers, got "
                           f"{self.easting}, {self.northing}")
        if self.href is not None and urlsplit(self.href).scheme.lower() not in _LINK_SCHEMES:
            raise BadInput(f"{self.label}: a household's link must be a relative or http(s) "
                           f"address, not {self.href!r}")


AREA_FILL = "#CFE6F5"
AREA_STROKE = "#2A6B9C"
MIN_SIZE = (400, 300)
"""Smallest width and height that leave room for the map beside the legend."""

_PAD = 12
_TITLE_HEIGHT = 36
_LEGEND_WIDTH = 220
_INSET = 24  # between the frame and the nearest feature, clear of the scale bar and arrow
_TOLERANCE = 0.5  # pixels: simplification below this cannot be seen
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class _Frame:
    """Where the map sits on the page and how metres become pixels."""

    left: float
    top: float
    width: float
    height: float
    scale: float  # pixels per metre, the same east and north
    origin_x: float  # pixel x of easting 0
    origin_y: float  # pixel y of northing 0

    def pixels(self, coordinates: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(coordinates * np.array([self.scale, -self.scale])
                          + np.array([self.origin_x, self.origin_y]), dtype=np.float64)


def map_svg(area: Polygon | MultiPolygon, households: Sequence[MapPoint], *,
            title: str, width: int = 720, height: int = 560, area_label: str = "Area") -> str:
    """The area and its households as a standalone SVG document, the same bytes for the
    same input; fitted so every household shows, inside the area or not."""
    if not isinstance(area, Polygon | MultiPolygon) or area.is_empty or area.area <= 0:
        raise BadInput(f"a map needs a polygon or multipolygon with an area, not "
                       f"{area.wkt[:60] if isinstance(area, shapely.Geometry) else area!r}")
    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        raise BadInput(f"a map must be at least {MIN_SIZE[0]}×{MIN_SIZE[1]} pixels to fit its "
                       f"legend, not {width}×{height}")
    frame = _frame(area, households, width, height)
    counts = Counter(h.need for h in households)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        "font-family=\"system-ui, 'Segoe UI', Roboto, sans-serif\" font-size=\"12\">",
        f"<title>{_text(title)}</title>",
        f"<desc>{_text(_description(area_label, counts, len(households)))}</desc>",
        _defs(),
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{_PAD}" y="24" font-size="16" font-weight="600">{_text(title)}</text>',
        f'<rect class="frame" x="{_num(frame.left)}" y="{_num(frame.top)}" '
        f'width="{_num(frame.width)}" height="{_num(frame.height)}" fill="#F7F8F9" '
        'stroke="#B8C0C8"/>',
        f'<path class="area" d="{_path(area, frame)}" fill="{AREA_FILL}" '
        f'stroke="{AREA_STROKE}" stroke-width="1.5" stroke-linejoin="round" '
        'fill-rule="evenodd"/>',
        _markers(households, frame),
        _scale_bar(frame),
        _north_arrow(frame),
        _legend(width, area_label, counts, len(households)),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _frame(area: Polygon | MultiPolygon, households: Sequence[MapPoint], width: int,
           height: int) -> _Frame:
    points = np.array([(h.easting, h.northing) for h in households], dtype=float).reshape(-1, 2)
    corners = np.vstack([np.reshape(area.bounds, (2, 2)), points])
    (min_e, min_n), (max_e, max_n) = corners.min(axis=0), corners.max(axis=0)
    left, top = _PAD, _TITLE_HEIGHT
    box_width = width - _LEGEND_WIDTH - 2 * _PAD
    box_height = height - _TITLE_HEIGHT - _PAD
    scale = min((box_width - 2 * _INSET) / (max_e - min_e),
                (box_height - 2 * _INSET) / (max_n - min_n))
    offset_x = left + (box_width - (max_e - min_e) * scale) / 2
    offset_y = top + (box_height - (max_n - min_n) * scale) / 2
    return _Frame(left, top, box_width, box_height, scale,
                  offset_x - min_e * scale, offset_y + max_n * scale)


def _path(area: Polygon | MultiPolygon, frame: _Frame) -> str:
    """Every ring as a closed subpath in pixels, simplified to what a pixel can show; holes
    are holes whatever their winding because the path is filled even-odd."""
    drawn = shapely.simplify(shapely.transform(area, frame.pixels), _TOLERANCE,
                             preserve_topology=True)
    rings = [ring for polygon in shapely.get_parts(drawn)
             for ring in (polygon.exterior, *polygon.interiors)]
    return "".join(_ring(shapely.get_coordinates(ring)[:-1]) for ring in rings)


def _ring(coordinates: npt.NDArray[np.float64]) -> str:
    pairs = [f"{_num(x)} {_num(y)}" for x, y in coordinates]
    return f"M{pairs[0]}L{' '.join(pairs[1:])}Z"


def _markers(households: Sequence[MapPoint], frame: _Frame) -> str:
    rank = {need.name: i for i, need in enumerate(NEED_GROUPS)}
    ordered = sorted(households, key=lambda h: -rank[h.need])  # stable: then input order
    if not ordered:
        return '<g class="households"/>'
    pixels = frame.pixels(np.array([(h.easting, h.northing) for h in ordered]))
    lines = ['<g class="households" stroke="#1F1F1F" stroke-width="0.8">']
    for household, (x, y) in zip(ordered, pixels, strict=True):
        marker = (f'<use href="#need-{household.need}" class="need-{household.need}" '
                  f'x="{_num(x)}" y="{_num(y)}"><title>{_text(household.label)}</title></use>')
        if household.href is not None:
            marker = f'<a href="{_text(household.href)}">{marker}</a>'
        lines.append(marker)
    lines.append("</g>")
    return "\n".join(lines)


def _defs() -> str:
    shapes = "".join(f'<path id="need-{need.name}" d="{need.shape}" fill="{need.colour}"/>'
                     for need in NEED_GROUPS)
    return f"<defs>{shapes}</defs>"


def _scale_bar(frame: _Frame) -> str:
    """A bar of a round distance, about a quarter of the map's width, in two halves."""
    metres = _round_distance(0.25 * frame.width / frame.scale)
    length = metres * frame.scale
    x, y = frame.left + 10, frame.top + frame.height - 12
    half = length / 2
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return (f'<g class="scale" data-metres="{metres:g}">'
            f'<rect x="{_num(x - 6)}" y="{_num(y - 22)}" width="{_num(length + 12)}" '
            'height="30" rx="3" fill="#fff" fill-opacity="0.85"/>'
            f'<rect class="scale-bar" x="{_num(x)}" y="{_num(y - 5)}" width="{_num(length)}" '
            'height="5" fill="#fff" stroke="#1F1F1F"/>'
            f'<rect x="{_num(x)}" y="{_num(y - 5)}" width="{_num(half)}" height="5" '
            'fill="#1F1F1F"/>'
            f'<text x="{_num(x)}" y="{_num(y - 9)}" text-anchor="start">0</text>'
            f'<text x="{_num(x + length)}" y="{_num(y - 9)}" text-anchor="end">{label}</text>'
            "</g>")


def _round_distance(at_most: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``at_most``."""
    power = 10.0 ** math.floor(math.log10(at_most))
    return max(step * power for step in (1, 2, 5) if step * power <= at_most)


def _north_arrow(frame: _Frame) -> str:
    x, y = frame.left + frame.width - 20, frame.top + 10
    return (f'<g class="north" transform="translate({_num(x)} {_num(y)})">'
            '<path d="M0 0L7 18 0 14-7 18Z" fill="#1F1F1F"/>'
            '<text y="30" text-anchor="middle" font-weight="600">N</text></g>')


def _legend(width: int, area_label: str, counts: Counter[str], total: int) -> str:
    """The key, counts in a column of their own so that long labels and large counts never
    collide."""
    x, y = width - _LEGEND_WIDTH, _TITLE_HEIGHT
    rows = [f'<g class="legend" transform="translate({x} {y})">',
            '<text x="0" y="14" font-weight="600">Key</text>',
            f'<rect x="0" y="26" width="16" height="12" fill="{AREA_FILL}" '
            f'stroke="{AREA_STROKE}" stroke-width="1.5"/>',
            f'<text x="24" y="36">{_text(area_label)}</text>']
    for i, need in enumerate(NEED_GROUPS):
        row = 62 + 24 * i
        rows.append(f'<use href="#need-{need.name}" x="8" y="{row}" stroke="#1F1F1F" '
                    'stroke-width="0.8"/>')
        rows.append(f'<text class="legend-{need.name}" x="58" y="{row + 4}" '
                    f'text-anchor="end">{counts[need.name]:,}</text>')
        rows.append(f'<text x="66" y="{row + 4}">{_text(need.label)}</text>')
    rows.append(f'<text x="0" y="{62 + 24 * len(NEED_GROUPS) + 4}" fill="#4A4F55">'
                f"{_households(total)} in all</text>")
    rows.append("</g>")
    return "\n".join(rows)


def _description(area_label: str, counts: Counter[str], total: int) -> str:
    needs = ", ".join(f"{counts[need.name]:,} {need.label.lower()}" for need in NEED_GROUPS)
    return (f"Map of the {area_label.lower()}, outlined in blue, and {_households(total)}, "
            f"marked by need: {needs}.")


def _households(count: int) -> str:
    return f"{count:,} household" + ("" if count == 1 else "s")


def _num(value: float) -> str:
    """A coordinate to a tenth of a pixel, without a trailing ``.0`` or a ``-0``."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _text(value: str) -> str:
    """Safe as SVG text or an attribute: escaped, and without the control characters XML
    cannot hold even escaped (U+FFFD in their place)."""
    return html.escape(_INVALID_XML.sub("\ufffd", value), quote=True)
