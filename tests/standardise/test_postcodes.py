from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standardise import (
    InvalidValue,
    normalise_postcode,
    postcode_area,
    postcode_district,
    postcode_sector,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NR2 4AB", "NR2 4AB"),
        ("nr24ab", "NR2 4AB"),
        ("NR2   4AB", "NR2 4AB"),
        ("n r 2 4 a b", "NR2 4AB"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("W1A 0AX", "W1A 0AX"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_normalise_postcode(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "QA1 1AA",  # Q never starts an area
        "VA1 1AA",
        "XA1 1AA",
        "AI1 1AA",  # I, J, Z never second in an area
        "AJ1 1AA",
        "AZ1 1AA",
        "NR2 4AC",  # C, I, K, M, O, V never in the inward letters
        "NR2 4IA",
        "NR2 4KA",
        "NR2 4MA",
        "NR2 4OA",
        "NR2 4VA",
        "NR2",
        "NR2 4A",
        "NR2 4ABC",
        "NRR2 4AB",
        "NR234 4AB",
        "2NR 4AB",
        "NR2 AAB",
        "GIR 0AB",
        "NR2-4AB",
    ],
)
def test_normalise_postcode_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue, match="NR2 4AB"):
        normalise_postcode(raw)


@pytest.mark.parametrize(
    ("pc", "sector", "district", "area"),
    [
        ("NR2 4AB", "NR2 4", "NR2", "NR"),
        ("M1 1AE", "M1 1", "M1", "M"),
        ("W1A 0AX", "W1A 0", "W1A", "W"),
        ("EC1A 1BB", "EC1A 1", "EC1A", "EC"),
        ("DN55 1PT", "DN55 1", "DN55", "DN"),
        ("GIR 0AA", "GIR 0", "GIR", "GIR"),
    ],
)
def test_postcode_parts(pc: str, sector: str, district: str, area: str) -> None:
    assert postcode_sector(pc) == sector
    assert postcode_district(pc) == district
    assert postcode_area(pc) == area


_AREA1 = "ABCDEFGHIJKLMNOPRSTUWYZ"
_AREA2 = "ABCDEFGHKLMNOPQRSTUVWXY"
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
_OUTWARD = st.one_of(
    st.from_regex(rf"[{_AREA1}][0-9][0-9A-Z]?", fullmatch=True),
    st.from_regex(rf"[{_AREA1}][{_AREA2}][0-9][0-9A-Z]?", fullmatch=True),
)
_POSTCODES = st.builds(
    lambda out, inward: out + inward,
    _OUTWARD,
    st.from_regex(rf"[0-9][{_INWARD}]{{2}}", fullmatch=True),
)


@given(_POSTCODES, st.booleans(), st.booleans())
def test_valid_shapes_normalise_idempotently(compact: str, lower: bool, spaced: bool) -> None:
    raw = compact.lower() if lower else compact
    if spaced:
        raw = raw[:-3] + "  " + raw[-3:]
    once = normalise_postcode(raw)
    assert normalise_postcode(once) == once
    assert once.replace(" ", "") == compact
    assert once.count(" ") == 1
    assert len(once.split(" ")[1]) == 3
    assert postcode_sector(once) == f"{postcode_district(once)} {once[-3]}"
    assert postcode_district(once).startswith(postcode_area(once))


@given(st.text(alphabet="AGNRQVXIZ0129 abc", max_size=9))
def test_output_is_always_a_fixed_point(raw: str) -> None:
    try:
        once = normalise_postcode(raw)
    except InvalidValue:
        return
    assert normalise_postcode(once) == once
