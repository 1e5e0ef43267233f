"""Each agency's words for a need, and the ages that are one."""

from __future__ import annotations

from datetime import date

import pytest

from joinedup.places.needs import AgeBands, Need, age, age_needs, need_of


@pytest.mark.parametrize(("code", "need"), [
    ("MOBILITY", Need.MOBILITY), ("Reduced mobility", Need.MOBILITY),
    ("Bedbound", Need.MOBILITY), ("Oxygen in use", Need.OXYGEN),
    ("Home oxygen", Need.OXYGEN), ("Powered medical equipment", Need.ELECTRICITY),
    ("Hard of hearing", Need.COMMUNICATION), ("Lives alone", Need.LIVES_ALONE),
    ("SAFEGUARDING_ADULT", Need.SAFEGUARDING), ("  dementia ", Need.COGNITIVE),
])
def test_each_agencys_words_map_to_one_need(code: str, need: Need) -> None:
    assert need_of(code) is need


@pytest.mark.parametrize("code", ["WEAPONS", "Hoarding", "Smoker", "VIOLENT", ""])
def test_flags_that_are_no_need_list_no_one(code: str) -> None:
    assert need_of(code) is None


def test_the_age_bands_on_their_edges() -> None:
    today = date(2026, 11, 22)
    bands = AgeBands.on(today)
    assert age_needs(date(2021, 11, 23), bands) == (Need.UNDER_5,)  # 4 until tomorrow
    assert age_needs(date(2021, 11, 22), bands) == ()  # five today
    assert age_needs(date(1941, 11, 22), bands) == (Need.OVER_85,)  # 85 today
    assert age_needs(date(1941, 11, 23), bands) == ()  # 84 until tomorrow
    assert age_needs(None, bands) == ()
    assert age(date(1941, 11, 23), today) == 84


def test_a_leap_day_birthday_has_bands_in_ordinary_years() -> None:
    bands = AgeBands.on(date(2025, 2, 28))
    assert bands.born_after == date(2020, 2, 28)
    assert bands.born_on_or_before == date(1940, 2, 28)
