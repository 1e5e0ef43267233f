"""A dashboard table as a chart, drawn on the server as SVG: no JavaScript and nothing fetched,
so it works offline, in a saved page and in print, like the planner's map.

Four kinds (``Table.chart``): horizontal ``bars`` (one per row, grouped by measure),
``stacked`` bars (the measures end to end), ``columns`` over time, and ``lines``, one per
series over time. Series are told apart by Okabe-Ito colours (distinguishable with the common
colour-vision deficiencies) and, for lines, by dash patterns too, so colour is never the
only cue. A held-back value is not drawn: bars show its ``<5`` instead of a length, lines
break. Each SVG is ``role="img"`` with a ``<title>`` and a ``<desc>``; the page puts the
figures in a table beside it, for anyone who cannot see the chart.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence

from joinedup.dashboards.figures import GBP, Measure, Row, Table

WIDTH = 720
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
           "#F0E442")
"""Okabe-Ito, the most distinct first; yellow last, being faint on white."""
DASHES = ("", "6 3", "2 3", "8 3 2 3")
MUTED = "#505a5f"
_TOP = 40  # below the title
_LEGEND_ROW = 20
_LABEL_WIDTH, _VALUE_WIDTH = 250, 76
_CHAR = 7  # about the width of a character of 12 px text
_AXIS = 34
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def chart_svg(table: Table) -> str:
    """``table`` drawn as its ``chart`` says, as a standalone SVG document."""
    draw = {"bars": _bars, "stacked": _stacked, "columns": _columns, "lines": _lines}
    if not table.rows or not table.plotted:
        return _frame(table, 80, [f'<text x="8" y="{_TOP + 20}" fill="{MUTED}">'
                                  "Nothing to show for this selection.</text>"])
    return draw[table.chart](table)


def _text(value: str) -> str:
    """Safe as SVG text or an attribute, without the control characters XML cannot hold."""
    return html.escape(_INVALID_XML.sub("\ufffd", value), quote=True)


def _num(value: float) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit - 1] + "\u2026"


def _value(value: int | float, measure: Measure) -> str:
    return f"£{value:,.0f}" if measure.unit == GBP else f"{value:,.0f}"


def _frame(table: Table, height: float, body: Sequence[str]) -> str:
    key = _text(table.key)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'width="{WIDTH}" height="{_num(height)}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" '
        "font-family=\"system-ui, 'Segoe UI', Roboto, sans-serif\" font-size=\"12\">",
        f'<title id="{key}-title">{_text(table.title)}</title>',
        f'<desc id="{key}-desc">{_text(table.description)} The figures are in the table '
        f"with the chart; values shown as {_text(table.shown_as)} are held back and not "
        "drawn.</desc>",
        f'<rect width="{WIDTH}" height="{_num(height)}" fill="#fff"/>',
        f'<text x="8" y="22" font-size="15" font-weight="600">{_text(table.title)}</text>',
        *body, "</svg>"]) + "\n"


def _ticks(top: float) -> tuple[float, list[float]]:
    """A round axis maximum at or above ``top`` and its ticks (1, 2 or 5 times a power of
    ten apart, about five of them)."""
    if top <= 0:
        return 1.0, [0.0, 1.0]
    power = 10.0 ** math.floor(math.log10(top / 5))
    step = next(s * power for s in (1, 2, 5, 10) if top / (s * power) <= 5)
    high = math.ceil(top / step) * step
    return high, [i * step for i in range(round(high / step) + 1)]


def _legend_places(names: Sequence[str]) -> list[tuple[float, int]]:
    """Where each series' key goes: (x, row), wrapping onto a new row at the right edge."""
    places, x, row = [], 8.0, 0
    for name in names:
        width = 26 + _CHAR * len(_clip(name, 40))
        if x + width > WIDTH - 8 and x > 8:
            x, row = 8.0, row + 1
        places.append((x, row))
        x += width + 12
    return places


def _legend_height(names: Sequence[str]) -> float:
    rows = 1 + max((row for _, row in _legend_places(names)), default=0)
    return rows * _LEGEND_ROW + 6


def _legend(names: Sequence[str], top: float, *, lines: bool = False) -> list[str]:
    """A key for each series, colour and, for lines, dash pattern, from ``top`` down."""
    parts = []
    for i, (name, (x, row)) in enumerate(zip(names, _legend_places(names), strict=True)):
        y = top + row * _LEGEND_ROW
        colour = PALETTE[i % len(PALETTE)]
        if lines:
            parts.append(f'<line x1="{_num(x)}" x2="{_num(x + 18)}" y1="{_num(y - 4)}" '
                         f'y2="{_num(y - 4)}" stroke="{colour}" stroke-width="2.5" '
                         f'stroke-dasharray="{DASHES[i % len(DASHES)]}"/>')
        else:
            parts.append(f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="14" height="12" '
                         f'fill="{colour}"/>')
        parts.append(f'<text x="{_num(x + 22)}" y="{_num(y)}">{_text(_clip(name, 40))}</text>')
    return parts


def _label(row: Row) -> str:
    return " and ".join(row.labels)


def _horizontal(table: Table, stacked: bool) -> str:
    """Bars per row, grouped by measure or stacked; the axis along the bottom."""
    measures = [table.measures[i] for i in table.plotted]
    names = [m.name for m in measures]
    legend = _legend_height(names) if len(measures) > 1 else 0.0
    bars = 1 if stacked else len(measures)
    row_height = 10 + 16 * bars
    top = _TOP + legend
    height = top + row_height * len(table.rows) + _AXIS
    left, right = _LABEL_WIDTH + 8, WIDTH - _VALUE_WIDTH
    values = [[r.values[i] for i in table.plotted] for r in table.rows]
    largest = max((sum(v or 0 for v in vs) if stacked else max((v or 0 for v in vs), default=0)
                   for vs in values), default=0)
    high, ticks = _ticks(float(largest))

    def x(value: float) -> float:
        return left + value / high * (right - left)

    parts = _legend(names, _TOP + 12) if len(measures) > 1 else []
    for tick in ticks:
        parts.append(f'<line x1="{_num(x(tick))}" x2="{_num(x(tick))}" y1="{_num(top)}" '
                     f'y2="{_num(height - _AXIS)}" stroke="{"#999" if tick == 0 else "#e5e6e7"}"/>')
        parts.append(f'<text x="{_num(x(tick))}" y="{_num(height - _AXIS + 16)}" '
                     f'text-anchor="middle">{_value(tick, measures[0])}</text>')
    for n, (row, shown) in enumerate(zip(table.rows, values, strict=True)):
        y = top + n * row_height
        label = _label(row)
        parts.append(f'<text x="8" y="{_num(y + row_height / 2 + 4)}"><title>{_text(label)}'
                     f"</title>{_text(_clip(label, 36))}</text>")
        start = 0.0
        for i, (value, measure) in enumerate(zip(shown, measures, strict=True)):
            colour = PALETTE[i % len(PALETTE)]
            bar_y = y + 5 + (0 if stacked else 16 * i)
            words = f"{label}, {measure.name}: "
            if value is None:
                words += table.shown_as
                if not stacked:
                    parts.append(f'<text class="held-back" x="{_num(left + 4)}" '
                                 f'y="{_num(bar_y + 11)}" fill="{MUTED}"><title>'
                                 f"{_text(words)}</title>{_text(table.shown_as)}</text>")
                continue
            words += _value(value, measure)
            end = start + value if stacked else value
            parts.append(f'<rect x="{_num(x(start))}" y="{_num(bar_y)}" '
                         f'width="{_num(x(end) - x(start))}" height="14" fill="{colour}" '
                         f'data-value="{value!r}"><title>{_text(words)}</title></rect>')
            if not stacked:
                parts.append(f'<text x="{_num(x(end) + 4)}" y="{_num(bar_y + 11)}">'
                             f"{_value(value, measure)}</text>")
            start = end if stacked else 0.0
    return _frame(table, height, parts)


def _bars(table: Table) -> str:
    return _horizontal(table, stacked=False)


def _stacked(table: Table) -> str:
    return _horizontal(table, stacked=True)


def _time_axis(labels: Sequence[str], x: Sequence[float], y: float) -> list[str]:
    """Labels along the bottom, every so many so that none overlaps the next."""
    spacing = x[1] - x[0] if len(x) > 1 else float(WIDTH)
    every = max(1, math.ceil((_CHAR * max(map(len, labels)) + 12) / spacing))
    return [f'<text x="{_num(x[i])}" y="{_num(y + 16)}" text-anchor="middle">'
            f"{_text(labels[i])}</text>" for i in range(0, len(labels), every)]


def _value_axis(high: float, ticks: Sequence[float], measure: Measure, top: float,
                bottom: float, left: float, right: float) -> list[str]:
    parts = []
    for tick in ticks:
        y = bottom - tick / high * (bottom - top)
        parts.append(f'<line x1="{_num(left)}" x2="{_num(right)}" y1="{_num(y)}" '
                     f'y2="{_num(y)}" stroke="{"#999" if tick == 0 else "#e5e6e7"}"/>')
        parts.append(f'<text x="{_num(left - 6)}" y="{_num(y + 4)}" text-anchor="end">'
                     f"{_value(tick, measure)}</text>")
    return parts


def _columns(table: Table) -> str:
    """The first plotted measure as a column per row, in the rows' (time) order."""
    measure = table.measures[table.plotted[0]]
    values = [r.values[table.plotted[0]] for r in table.rows]
    top, left, right = _TOP + 10, 64.0, WIDTH - 32.0
    height = 300.0
    bottom = height - _AXIS
    high, ticks = _ticks(float(max((v or 0 for v in values), default=0)))
    step = (right - left) / len(values)
    parts = _value_axis(high, ticks, measure, top, bottom, left, right)
    centres = []
    for n, (row, value) in enumerate(zip(table.rows, values, strict=True)):
        x = left + n * step
        centres.append(x + step / 2)
        words = f"{_label(row)}: {table.shown_as if value is None else _value(value, measure)}"
        if value is None:
            parts.append(f'<circle class="held-back" cx="{_num(x + step / 2)}" '
                         f'cy="{_num(bottom - 4)}" r="2.5" fill="none" stroke="{MUTED}">'
                         f"<title>{_text(words)}</title></circle>")
            continue
        y = bottom - value / high * (bottom - top)
        parts.append(f'<rect x="{_num(x + step * 0.1)}" y="{_num(y)}" '
                     f'width="{_num(step * 0.8)}" height="{_num(bottom - y)}" '
                     f'fill="{PALETTE[0]}" data-value="{value!r}"><title>{_text(words)}'
                     "</title></rect>")
    parts += _time_axis([_label(r) for r in table.rows], centres, bottom)
    return _frame(table, height, parts)


def _lines(table: Table) -> str:
    """Rows labelled (time, series): one line per series across the times, broken where a
    value is held back."""
    measure = table.measures[table.plotted[0]]
    times = list(dict.fromkeys(r.labels[0] for r in table.rows))
    series = list(dict.fromkeys(r.labels[1] for r in table.rows))
    value = {(r.labels[0], r.labels[1]): r.values[table.plotted[0]] for r in table.rows}
    legend = _legend_height(series)
    top, left, right = _TOP + legend + 10, 64.0, WIDTH - 32.0
    height = top + 240.0 + _AXIS
    bottom = height - _AXIS
    high, ticks = _ticks(float(max((v or 0 for v in value.values()), default=0)))
    step = (right - left) / max(len(times) - 1, 1)
    xs = [left + i * step if len(times) > 1 else (left + right) / 2 for i in range(len(times))]
    parts = _legend(series, _TOP + 12, lines=True)
    parts += _value_axis(high, ticks, measure, top, bottom, left, right)
    for i, name in enumerate(series):
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        runs: list[list[str]] = [[]]
        points = []
        for t, when in enumerate(times):
            v = value.get((when, name))
            if v is None:
                runs.append([])
                continue
            y = bottom - v / high * (bottom - top)
            runs[-1].append(f"{_num(xs[t])},{_num(y)}")
            points.append(f'<circle cx="{_num(xs[t])}" cy="{_num(y)}" r="2.5" '
                          f'fill="{colour}" data-value="{v!r}"><title>'
                          f"{_text(f'{name}, {when}: {_value(v, measure)}')}</title></circle>")
        parts.append(f'<g class="series" data-series="{_text(name)}">')
        parts += [f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                  f'stroke-width="2" stroke-dasharray="{dash}"/>' for run in runs if run]
        parts += points
        parts.append("</g>")
    parts += _time_axis(times, xs, bottom)
    return _frame(table, height, parts)
