"""Server-drawn SVG charts of linkage, with no JavaScript and no tile or font server, so they
render offline in docs and in the web UI alike."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import numpy as np

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
