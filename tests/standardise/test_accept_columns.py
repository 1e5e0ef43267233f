"""The column-at-a-time ``accept_*`` checks agree with their one-value twins: whatever they
accept is what ``normalise_*`` returns, and they accept the common shapes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standardise import (
    InvalidValue,
    accept_dates,
    accept_emails,
    accept_nhs_numbers,
    accept_phones,
    accept_postcodes,
    check_birth_date,
    normalise_email,
    normalise_nhs_number,
    normalise_phone,
    normalise_postcode,
    parse_date,
)

Accept = Callable[[pa.Array], pa.Array]
Normalise = Callable[[str], str]
PAIRS: list[tuple[Accept, Normalise]] = [
    (accept_nhs_numbers, normalise_nhs_number),
    (accept_phones, normalise_phone),
    (accept_emails, normalise_email),
    (accept_postcodes, normalise_postcode),
]


def _one_by_one(normalise: Normalise, raw: str | None) -> str | None:
    """What mapping makes of one value: blank is None, and so (for this test) is bad."""
    if raw is None or not raw.strip():
        return None
    try:
        return normalise(raw.strip())
    except InvalidValue:
        return None


def _agrees(accept: Accept, normalise: Normalise, values: list[str | None]) -> None:
    accepted = accept(pa.array(values, type=pa.string())).to_pylist()
    assert len(accepted) == len(values)
    for raw, fast in zip(values, accepted, strict=True):
        if fast is not None:
            assert fast == _one_by_one(normalise, raw), raw


TRICKY = st.one_of(
    st.text(alphabet="0123456789 -\t().+@.aZé\u00a0\x1cnhs", max_size=16),
    st.from_regex(r"[ \t]?[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}[ \t]?", fullmatch=True),
    st.from_regex(r"\+?[0-9 ()\t-]{9,16}", fullmatch=True),
    st.from_regex(r"[ ]?[a-zA-Zé.@ -]{1,5}@[a-zA-Z.@ ]{1,6}[ ]?", fullmatch=True),
    st.from_regex(r"[ ]?[a-zA-Z]{1,2}[0-9]{1,2}[a-zA-Z]?[ \t]{0,2}[0-9][a-zA-Z]{2}[ ]?",
                  fullmatch=True),
)


@pytest.mark.parametrize(("accept", "normalise"), PAIRS)
@given(values=st.lists(st.one_of(st.none(), TRICKY, st.text(max_size=12)), max_size=30))
def test_whatever_is_accepted_is_what_one_value_gives(
        accept: Accept, normalise: Normalise, values: list[str | None]) -> None:
    _agrees(accept, normalise, values)


@given(nine=st.integers(100_000_000, 999_999_999), spaced=st.booleans())
def test_nhs_numbers_in_both_common_shapes_are_accepted_when_they_pass(nine: int,
                                                                       spaced: bool) -> None:
    raws = [f"{nine}{d}" for d in range(10)]
    if spaced:
        raws = [f"{r[:3]} {r[3:6]} {r[6:]}" for r in raws]
    accepted = accept_nhs_numbers(pa.array(raws)).to_pylist()
    for raw, fast in zip(raws, accepted, strict=True):
        assert fast == _one_by_one(normalise_nhs_number, raw)


@pytest.mark.parametrize(("accept", "values", "expected"), [
    (accept_nhs_numbers, ["9434765919", "943 476 5919", "9434765918", "943-476-5919", "",
                          None, "94347659", "943476591x"],
     ["9434765919", "9434765919", None, None, None, None, None, None]),
    (accept_phones, ["01603 123456", "(01603) 123-456", "+44 1603 123456", "00603123456",
                     "0160312345", "", None, "01603 12345x"],
     ["01603123456", "01603123456", None, None, None, None, None, None]),
    (accept_postcodes, ["nr2 4ab", "NR24AB", "NR2  4AB", "gir 0aa", "QR2 4AB", "NR2 4AC",
                        "NR2\t4AB", " NR2 4AB", "ＮR2 4AB", "", None],
     ["NR2 4AB", "NR2 4AB", "NR2 4AB", "GIR 0AA", None, None, None, "NR2 4AB", None, None,
      None]),
    (accept_emails, ["Mary@Example.ORG", "a.b@c.d.e", "no-at.example.org", "a@b", "a@.b",
                     "a@b..c", "a b@c.d", " a@b.c", "zoë@example.org", "", None, "a@b@c.d"],
     ["mary@example.org", "a.b@c.d.e", None, None, None, None, None, None, None, None, None,
      None]),
])
def test_common_shapes_accepted_and_the_rest_left_to_one_value(
        accept: Accept, values: list[str | None], expected: list[str | None]) -> None:
    assert accept(pa.array(values, type=pa.string())).to_pylist() == expected


@pytest.mark.parametrize("accept", [a for a, _ in PAIRS])
def test_an_empty_or_all_null_column(accept: Accept) -> None:
    assert accept(pa.array([], type=pa.string())).to_pylist() == []
    assert accept(pa.array([None, None], type=pa.string())).to_pylist() == [None, None]


DATE_FORMATS = [None, "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y%m%d", "%d %b %Y"]


def _date_one_by_one(raw: str | None, fmt: str | None, birth: bool) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = parse_date(raw.strip(), fmt)
        return (check_birth_date(value) if birth else value).isoformat()
    except InvalidValue:
        return None


@pytest.mark.parametrize("fmt", DATE_FORMATS)
@pytest.mark.parametrize("birth", [False, True])
@given(values=st.lists(st.one_of(
    st.none(),
    st.from_regex(r"[0-9]{1,4}[/.-]?[0-9]{1,2}[/.-]?[0-9]{1,4}", fullmatch=True),
    st.dates().map(lambda d: d.strftime(f"%d{'/-.'[d.day % 3]}%m{'/-.'[d.day % 3]}%Y")),
    st.dates().map(date.isoformat),
    st.text(alphabet="0123456789/-. ", max_size=11)), max_size=30))
def test_dates_accepted_are_what_parse_date_gives(fmt: str | None, birth: bool,
                                                  values: list[str | None]) -> None:
    accepted = accept_dates(pa.array(values, type=pa.string()), fmt, birth=birth).to_pylist()
    for raw, fast in zip(values, accepted, strict=True):
        if fast is not None:
            assert fast == _date_one_by_one(raw, fmt, birth), raw


@pytest.mark.parametrize(("fmt", "values", "expected"), [
    ("%d/%m/%Y", ["01/02/1970", "29/02/2000", "29/02/1900", "31/04/1970", "00/01/1970",
                  "01/13/1970", "1/2/1970", " 01/02/1970", "1970-02-01", "", None],
     ["1970-02-01", "2000-02-29", None, None, None, None, None, None, None, None, None]),
    (None, ["01.02.1970", "01-02-1970", "1970-02-01", "01/02-1970", "1970-02-01T09:00"],
     ["1970-02-01", "1970-02-01", "1970-02-01", None, None]),
    ("%Y%m%d", ["19700201", "19700230", "1970021"], ["1970-02-01", None, None]),
])
def test_dates_in_the_common_shapes_are_accepted(fmt: str | None, values: list[str | None],
                                                 expected: list[str | None]) -> None:
    assert accept_dates(pa.array(values, type=pa.string()), fmt).to_pylist() == expected


def test_dates_of_birth_outside_the_plausible_range_are_left_to_one_value() -> None:
    values = pa.array(["31/12/1879", "01/01/1880", "01/01/2999", "31/12/9999"])
    assert accept_dates(values, "%d/%m/%Y", birth=True).to_pylist() == [
        None, "1880-01-01", None, None]
    assert accept_dates(values, "%d/%m/%Y").to_pylist() == [
        "1879-12-31", "1880-01-01", "2999-01-01", "9999-12-31"]
