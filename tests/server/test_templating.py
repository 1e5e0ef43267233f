"""The filters the web pages' templates use."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.web.templating import templates, uk_date


@pytest.mark.parametrize(("value", "shown"), [
    ("1940-06-24", "24/06/1940"),
    ("2000-01-01", "01/01/2000"),
    ("0999-12-31", "31/12/0999"),
])
def test_iso_dates_are_shown_day_first(value: str, shown: str) -> None:
    assert uk_date(value) == shown


@pytest.mark.parametrize("value", [
    "Mary", "", "NR2 4AB", "24/06/1940", "1940-02-30", "1940-13-01", "1940-6-24",
    "1940-06-24T10:00:00", " 1940-06-24", "1940-06-24\n", "١٩٤٠-٠٦-٢٤", "01603 123456", None,
    12, date(1940, 6, 24),
])
def test_anything_else_is_left_alone(value: object) -> None:
    assert uk_date(value) == value


@given(st.dates())
def test_every_real_day_round_trips(day: date) -> None:
    shown = uk_date(day.isoformat())
    assert shown == f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def test_templates_have_the_filter() -> None:
    rendered = templates.env.from_string("{{ v|uk_date }}").render(v="1940-06-24")
    assert rendered == "24/06/1940"
