"""Server-drawn SVG charts of linkage, with no JavaScript and no tile or font server, so they
render offline in docs and in the web UI alike."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the chart only reads an explanation: no need to import the engine
    from joinedup.link.explain import Explanation

WIDTH, HEIGHT, MARGIN = 720, 320, 48
COLOURS = ("#1b7837", "#c51b7d")  # colour-blind safe pair: green for one person, pink for two


def weight_histogram(groups: Sequence[tuple[str, np.ndarray]], *, threshold: float,
                     review_from: float, title: str, bin_width: float = 1.0) -> str:
    """Stacked histogram of match weights by group (e.g. true and false pairs), on a log
    scale (counts span orders of magnitude), with the review band shaded."""
    everything = np.concatenate([w for _, w in groups]) if groups else np.zeros(0)
    low = math.floor((everything.min() if len(everything) else -10) / bin_width) * bin_width
    high = math.ceil((everything.max() if len(everything) else 20) / bin_width) * bin_width
    edges = np.arange(low, high + bin_width, bin_width)
    counts = [np.histogram(w, bins=edges)[0] for _, w in groups]
    tallest = max((int(sum(c[i] for c in counts)) for i in range(len(edges) - 1)), default=1)
    top = math.log10(max(tallest, 1)) + 0.2
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def x(value: float) -> float:
        return MARGIN + (value - low) / (high - low) * plot_w

    def y(count: float) -> float:
        return HEIGHT - MARGIN - (math.log10(count) / top * plot_h if count >= 1 else 0)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'font-family="sans-serif" font-size="12" role="img">',
             f"<title>{escape(title)}</title>",
             f'<rect x="{x(review_from):.1f}" y="{MARGIN}" '
             f'width="{x(threshold) - x(review_from):.1f}" height="{plot_h}" fill="#eeeeee"/>',
             f'<text x="{(x(review_from) + x(threshold)) / 2:.1f}" y="{MARGIN - 6}" '
             'text-anchor="middle">review</text>']
    for i in range(len(edges) - 1):
        base = 0
        for (_, _), bars, colour in zip(groups, counts, COLOURS, strict=False):
            if bars[i]:
                y0, y1 = y(base + bars[i]), y(base) if base else HEIGHT - MARGIN
                parts.append(f'<rect x="{x(edges[i]):.1f}" y="{y0:.1f}" '
                             f'width="{x(edges[i + 1]) - x(edges[i]) - 1:.1f}" '
                             f'height="{y1 - y0:.1f}" fill="{colour}"/>')
            base += int(bars[i])
    parts.append(f'<line x1="{x(threshold):.1f}" x2="{x(threshold):.1f}" y1="{MARGIN}" '
                 f'y2="{HEIGHT - MARGIN}" stroke="black" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{x(threshold) + 4:.1f}" y="{MARGIN + 12}">threshold '
                 f'{threshold:g}</text>')
    parts.append(f'<line x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{HEIGHT - MARGIN}" '
                 f'y2="{HEIGHT - MARGIN}" stroke="black"/>')
    for tick in range(int(low), int(high) + 1, 5 if high - low > 20 else 2):
        parts.append(f'<text x="{x(tick):.1f}" y="{HEIGHT - MARGIN + 16}" '
                     f'text-anchor="middle">{tick}</text>')
    for power in range(int(top) + 1):
        parts.append(f'<text x="{MARGIN - 6}" y="{y(10 ** power) + 4:.1f}" '
                     f'text-anchor="end">{10 ** power:,}</text>')
    parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 8}" text-anchor="middle">'
                 'match weight (bits)</text>')
    for i, ((label, weights), colour) in enumerate(zip(groups, COLOURS, strict=False)):
        parts.append(f'<rect x="{WIDTH - MARGIN - 190}" y="{MARGIN + 20 + i * 18}" '
                     f'width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{WIDTH - MARGIN - 172}" y="{MARGIN + 30 + i * 18}">'
                     f'{escape(label)} ({len(weights):,})</text>')
    parts.append(f'<text x="{MARGIN}" y="{MARGIN - 24}" font-weight="bold">'
                 f'{escape(title)}</text></svg>')
    return "\n".join(parts)


UP, DOWN, PRIOR, TOTAL = "#1b7837", "#b2182b", "#737373", "#2166ac"
"""Evidence for one person (green), against (red); the prior and the total in neutral tones.
The sign is also in every label and the direction in every bar, so colour is never needed."""
ROW, LABEL_WIDTH, VALUE_WIDTH, SHOWN_CHARS = 36, 300, 64, 42


def _clip(text: str, limit: int = SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _ticks(low: float, high: float) -> range:
    step = next(s for s in (1, 2, 5, 10, 20, 50) if (high - low) / s <= 10)
    return range(math.ceil(low / step) * step, math.floor(high / step) * step + 1, step)


def waterfall(explanation: Explanation, *, threshold: float | None = None,
              title: str | None = None) -> str:
    """The match weight of two records as a waterfall, one row per step, read top to bottom:
    the prior (how likely any two records are to match), then each comparison's bar starting
    where the running total stands and going right (up in weight, green) or left (down, red),
    then the total, against the automatic threshold when one is given.

    Self-contained SVG (no script, font or stylesheet), so it renders in the web UI, a saved
    page and a PDF alike; text labels, a ``<title>``, a ``<desc>`` in words and ``role="img"``
    with an ``aria-label`` make it readable by a screen reader. Each bar carries its start
    and end weights (``data-from``, ``data-to``) for anyone checking the arithmetic."""
    e = explanation
    heading = title or f"{e.left} against {e.right}"
    steps: list[tuple[str, str, float, float, str]] = [
        ("prior", "before any comparison", 0.0, e.prior, PRIOR)]
    running = e.prior
    for part in e.parts:
        values = (" / ".join(v or "(none)" for v in (part.left, part.right))
                  if part.left or part.right else "neither record has it")
        steps.append((f"{part.comparison}: {part.level}", values, running,
                      running + part.weight, UP if part.weight >= 0 else DOWN))
        running += part.weight
    steps.append(("match weight", f"probability {e.match_probability:.4f}", 0.0,
                  e.match_weight, TOTAL))
    ends = [0.0, *(v for s in steps for v in s[2:4])]
    if threshold is not None:
        ends.append(threshold)
    low, high = math.floor(min(ends)) - 1, math.ceil(max(ends)) + 1
    top, plot_left, plot_right = MARGIN, LABEL_WIDTH + 8, WIDTH - VALUE_WIDTH - 8
    height = top + ROW * len(steps) + MARGIN

    def x(value: float) -> float:
        return plot_left + (value - low) / (high - low) * (plot_right - plot_left)

    summary = (f"{heading}: match weight {e.match_weight:+.2f} bits, match probability "
               f"{e.match_probability:.4f}"
               + ("" if threshold is None else f", automatic threshold {threshold:g}"))
    words = "; ".join(f"{label} {end - start:+.2f}" for label, _, start, end, _ in steps[:-1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12" '
             f'role="img" aria-label="{escape(summary)}">',
             f"<title>{escape(heading)}</title>",
             f"<desc>{escape(f'{words}; total {e.match_weight:+.2f} bits.')}</desc>",
             f'<text x="8" y="{MARGIN - 24}" font-weight="bold">{escape(heading)}</text>']
    for tick in _ticks(low, high):
        parts.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" '
                     f'y2="{height - MARGIN}" stroke="{"#999999" if tick == 0 else "#eeeeee"}"/>')
        parts.append(f'<text x="{x(tick):.1f}" y="{height - MARGIN + 16}" '
                     f'text-anchor="middle">{tick}</text>')
    parts.append(f'<text x="{(plot_left + plot_right) / 2:.1f}" y="{height - 8}" '
                 'text-anchor="middle">match weight (bits)</text>')
    for i, (label, note, start, end, colour) in enumerate(steps):
        y = top + i * ROW
        left, right = sorted((x(start), x(end)))
        if right - left < 1:  # a step of nothing is a hairline where the total stands
            left, right = (left + right) / 2 - 0.5, (left + right) / 2 + 0.5
        kind = "total" if i == len(steps) - 1 else "prior" if i == 0 else "step"
        weight = end - start
        parts.append(f'<g class="{kind}"><title>{escape(f"{label} ({note}): {weight:+.2f}")}'
                     '</title>')
        bold = ' font-weight="bold"' if kind == "total" else ""
        parts.append(f'<text x="8" y="{y + 15}"{bold}>{escape(_clip(label))}</text>')
        parts.append(f'<text x="8" y="{y + 29}" font-size="11" fill="#555555">'
                     f"{escape(_clip(note))}</text>")
        parts.append(f'<rect x="{left:.2f}" y="{y + 6}" width="{right - left:.2f}" '
                     f'height="{ROW - 12}" fill="{colour}" data-from="{float(start)!r}" '
                     f'data-to="{float(end)!r}"/>')
        parts.append(f'<text x="{WIDTH - 8}" y="{y + 22}" text-anchor="end">'
                     f"{weight:+.2f}</text></g>")
        if i < len(steps) - 1:  # where the next bar starts (the total's end, for the last)
            parts.append(f'<line x1="{x(end):.2f}" x2="{x(end):.2f}" y1="{y + ROW - 6}" '
                         f'y2="{y + ROW + 6}" stroke="#555555" stroke-dasharray="2 2"/>')
    if threshold is not None:
        parts.append(f'<line x1="{x(threshold):.1f}" x2="{x(threshold):.1f}" y1="{top - 6}" '
                     f'y2="{height - MARGIN}" stroke="black" stroke-dasharray="4 3"/>')
        anchor = "end" if x(threshold) > plot_right - 90 else "start"
        parts.append(f'<text x="{x(threshold) + (-4 if anchor == "end" else 4):.1f}" '
                     f'y="{top - 8}" text-anchor="{anchor}">threshold {threshold:g}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
