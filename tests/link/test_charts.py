"""The weight histogram is a well-formed SVG with a bar per non-empty bin and group."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from joinedup.link.charts import weight_histogram

SVG = "{http://www.w3.org/2000/svg}"


def test_histogram_draws_each_group_and_the_threshold() -> None:
    svg = weight_histogram([("one person", np.array([7.2, 7.4, 12.0])),
                            ("two people", np.array([-3.0, 7.1]))],
                           threshold=6, review_from=2, title="Weights <&> pairs")
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") in ("#1b7837", "#c51b7d")]
    # bins 7, 12 for the first group, -3 and 7 for the second, plus the two legend keys
    assert len(bars) == 4 + 2
    assert root.find(f"{SVG}title").text == "Weights <&> pairs"  # type: ignore[union-attr]
    assert "threshold 6" in svg and "one person (3)" in svg and "two people (2)" in svg


def test_histogram_of_nothing_is_still_a_chart() -> None:
    root = ET.fromstring(weight_histogram([], threshold=6, review_from=2, title="empty"))
    assert root.tag == f"{SVG}svg"
