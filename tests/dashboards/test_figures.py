"""The disclosure rule, a table as CSV, and what an analyst may ask: pure, no store."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from joinedup.dashboards import Disclosure, Measure, Options, Row
from joinedup.dashboards.figures import GBP, table_of
from joinedup.errors import BadInput


def test_counts_below_the_threshold_are_held_back_but_a_true_zero_is_shown() -> None:
    rule = Disclosure(5)

    assert [rule.count(n) for n in (0, 1, 4, 5, 120)] == [0, None, None, 5, 120]
    assert rule.shown_as == "<5"


def test_an_event_count_is_held_back_when_too_few_persons_are_behind_it() -> None:
    rule = Disclosure(5)

    assert rule.count(40, behind=4) is None
    assert rule.count(40, behind=5) == 40
    assert rule.count(0, behind=0) == 0


def test_a_threshold_that_would_show_single_persons_is_refused() -> None:
    with pytest.raises(BadInput, match=r"at least 2 \(a count of one is a person\), not 1"):
        Disclosure(1)


def test_the_csv_is_the_table_as_shown_held_back_values_and_pounds_included() -> None:
    rule = Disclosure(5)
    table = table_of("cost", "Cost", "", ("kind",), (Measure("records"), Measure("cost", GBP)),
                     [Row(("within, sources",), (rule.count(3), None)),
                      Row(("all",), (rule.count(12), 150.5))],
                     chart="bars", disclosure=rule, plotted=("cost",))

    rows = list(csv.reader(io.StringIO(table.csv())))

    assert rows == [["kind", "records", "cost"], ["within, sources", "<5", "<5"],
                    ["all", "12", "150.50"]]
    assert table.plotted == (1,)


def test_options_refuse_a_negative_cost_dates_the_wrong_way_and_far_off_years() -> None:
    with pytest.raises(BadInput, match="cost per duplicate must be zero or more, not -1"):
        Options(cost_per_duplicate=-1)
    with pytest.raises(BadInput, match="from 2026-05-01 is after to 2026-04-30"):
        Options(since=date(2026, 5, 1), until=date(2026, 4, 30))
    with pytest.raises(BadInput, match="to 3000-01-01: expected a date between 1900 and 2999"):
        Options(until=date(3000, 1, 1))
