"""Charts drawn from a table: well-formed, accessible SVG, one mark per figure shown, nothing
drawn for a held-back value, labels escaped, no script. Pure: no store."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from joinedup.dashboards import Disclosure, Measure, Row, Table, chart_svg
from joinedup.dashboards.charts import DASHES, PALETTE
from joinedup.dashboards.figures import GBP, table_of

NS = {"svg": "http://www.w3.org/2000/svg"}
RULE = Disclosure(5)


def _table(chart: str, rows: list[Row], measures: tuple[Measure, ...] = (Measure("persons"),),
           labels: tuple[str, ...] = ("ward",), plotted: tuple[str, ...] | None = None
           ) -> Table:
    return table_of("k", "Persons <known> & counted", "How they were counted.", labels,
                    measures, rows, chart=chart, disclosure=RULE, plotted=plotted)


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "k-title k-desc"
    assert root.find("svg:title", NS) is not None
    assert root.find("svg:title", NS).text == "Persons <known> & counted"
    assert "held back and not drawn" in (root.find("svg:desc", NS).text or "")
    assert "<script" not in svg
    return root


def _values(root: ET.Element) -> list[float]:
    return [float(e.get("data-value", "")) for e in root.iter() if e.get("data-value")]


def test_bars_draw_one_bar_a_value_and_say_which_are_held_back() -> None:
    table = _table("bars", [Row(("Eaton",), (12,)), Row(("Mile <Cross>",), (None,)),
                            Row(("Not known",), (0,))])

    root = _parse(chart_svg(table))

    assert _values(root) == [12.0, 0.0]
    held = [e for e in root.iter(f"{{{NS['svg']}}}text") if e.get("class") == "held-back"]
    assert [e.findtext("svg:title", namespaces=NS) for e in held] == [
        "Mile <Cross>, persons: <5"]


def test_grouped_bars_draw_only_the_plotted_measures_and_money_in_pounds() -> None:
    table = _table("bars", [Row(("all",), (10, 100.0))],
                   measures=(Measure("records"), Measure("cost", GBP)), plotted=("cost",))

    svg = chart_svg(table)

    assert _values(_parse(svg)) == [100.0]
    assert "£100" in svg


def test_stacked_bars_put_the_measures_end_to_end_in_palette_order() -> None:
    measures = tuple(Measure(f"{n} agencies") for n in ("1", "2", "3"))
    table = _table("stacked", [Row(("Eaton",), (10, None, 6))], measures=measures)

    root = _parse(chart_svg(table))

    rects = [e for e in root.iter(f"{{{NS['svg']}}}rect") if e.get("data-value")]
    assert [(e.get("data-value"), e.get("fill")) for e in rects] == [
        ("10", PALETTE[0]), ("6", PALETTE[2])]
    first, third = (float(e.get("x", "")) for e in rects)
    assert third == pytest.approx(first + float(rects[0].get("width", "")), abs=0.1)


def test_columns_over_time_mark_a_held_back_fortnight_without_a_column() -> None:
    table = _table("columns", [Row(("2026-03-09",), (7,)), Row(("2026-03-23",), (None,)),
                               Row(("2026-04-06",), (0,))], labels=("fortnight starting",))

    root = _parse(chart_svg(table))

    assert _values(root) == [7.0, 0.0]
    marks = [e for e in root.iter(f"{{{NS['svg']}}}circle") if e.get("class") == "held-back"]
    assert [e.findtext("svg:title", namespaces=NS) for e in marks] == ["2026-03-23: <5"]


def test_lines_break_where_a_value_is_held_back_and_differ_by_dash_as_well_as_colour() -> None:
    rows = [Row((m, s), (v,)) for s, values in (("Home Care", (9, None, 8)),
                                                 ("Nursing", (5, 6, 7)))
            for m, v in zip(("2026-01", "2026-02", "2026-03"), values, strict=True)]
    table = _table("lines", rows, labels=("month", "service"))

    root = _parse(chart_svg(table))

    series = root.findall("svg:g[@class='series']", NS)
    assert [g.get("data-series") for g in series] == ["Home Care", "Nursing"]
    lines = [[(p.get("stroke"), p.get("stroke-dasharray")) for p in g.findall("svg:polyline", NS)]
             for g in series]
    assert lines == [[(PALETTE[0], DASHES[0])] * 2, [(PALETTE[1], DASHES[1])]]
    assert _values(root) == [9.0, 8.0, 5.0, 6.0, 7.0]


def test_a_table_with_nothing_in_it_says_so() -> None:
    svg = chart_svg(_table("bars", []))

    assert "Nothing to show for this selection." in svg
    _parse(svg)
