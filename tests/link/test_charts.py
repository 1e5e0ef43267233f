"""The charts are well-formed SVG: the weight histogram has a bar per non-empty bin and group;
the waterfall steps from the prior to the match weight, one comparison at a time."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np

from joinedup.link.charts import DOWN, UP, waterfall, weight_histogram
from joinedup.link.explain import Explanation, Part

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


def _explanation(name: str = "MARY") -> Explanation:
    parts = [Part("given", "same", name, "MARY", 5.1), Part("family", "same", "O'BRIEN",
                                                             "OBRIEN", 3.9),
             Part("dob", "same", "1940-02-01", "1940-02-01", 7.8),
             Part("nhs", "missing", "", "", 0.0),
             Part("phone", "different", "01603123456", "07700900999", -2.5),
             Part("id_mosaic", "different", "M1", "M2", -4.25)]
    prior = -13.2
    return Explanation("asc_clients:A1", "police:N1", prior, parts,
                       prior + sum(p.weight for p in parts))


def _bars(svg: str) -> list[ET.Element]:
    return [r for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("data-from")]


def test_the_waterfall_steps_from_the_prior_to_the_match_weight() -> None:
    e = _explanation()
    bars = _bars(waterfall(e))
    ends = [(float(b.get("data-from", "")), float(b.get("data-to", ""))) for b in bars]
    prior, *steps, total = ends
    assert prior == (0.0, e.prior)
    assert total[0] == 0.0 and math.isclose(total[1], e.match_weight, abs_tol=1e-9)
    running = e.prior
    for (start, end), part in zip(steps, e.parts, strict=True):
        assert math.isclose(start, running, abs_tol=1e-9)
        assert math.isclose(end - start, part.weight, abs_tol=1e-9)
        running = end
    assert math.isclose(running, e.match_weight, abs_tol=1e-9)


def test_evidence_against_is_drawn_down_from_the_running_total_in_red() -> None:
    e = _explanation()
    bars = _bars(waterfall(e))

    def edges(bar: ET.Element) -> tuple[float, float]:
        left = float(bar.get("x", ""))
        return left, left + float(bar.get("width", ""))

    def x_of_end(bar: ET.Element) -> float:  # where the bar's "to" end is drawn
        left, right = edges(bar)
        start, end = float(bar.get("data-from", "")), float(bar.get("data-to", ""))
        return left if end < start else right if end > start else (left + right) / 2

    for previous, bar, part in zip(bars, bars[1:], e.parts, strict=False):
        left, right = edges(bar)
        if part.weight < 0:
            assert bar.get("fill") == DOWN
            assert math.isclose(right, x_of_end(previous), abs_tol=0.01)  # starts at the total
            assert left < right  # ... and goes down (left, towards lower weights)
        elif part.weight > 0:
            assert bar.get("fill") == UP
            assert math.isclose(left, x_of_end(previous), abs_tol=0.01)


def test_the_waterfall_is_accessible_self_contained_and_escaped() -> None:
    svg = waterfall(_explanation(name="Bobby <&> Tables"), threshold=6,
                    title="Why <these> match")
    root = ET.fromstring(svg)  # well-formed: the name's <&> is escaped
    assert root.get("role") == "img" and "match weight" in (root.get("aria-label") or "")
    assert root.find(f"{SVG}title").text == "Why <these> match"  # type: ignore[union-attr]
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Bobby <&> Tables / MARY" in texts and "threshold 6" in texts
    assert "given: same" in texts and "+5.10" in texts and "-2.50" in texts
    for outside in ("<script", "href", "@import", "url(", "<style"):
        assert outside not in svg
    dashed = [line for line in root.iter(f"{SVG}line")
              if line.get("stroke-dasharray") == "4 3"]
    assert len(dashed) == 1
    assert not [line for line in ET.fromstring(waterfall(_explanation())).iter(f"{SVG}line")
                if line.get("stroke-dasharray") == "4 3"]
