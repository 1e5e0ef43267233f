from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standardise import InvalidValue, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01603 123456", "01603123456"),
        ("01603-123-456", "01603123456"),
        ("(01603) 123456", "01603123456"),
        ("01603.123.456", "01603123456"),
        ("+44 1603 123456", "01603123456"),
        ("+44 (0)1603 123456", "01603123456"),
        ("+44 01603 123456", "01603123456"),
        ("0044 1603 123456", "01603123456"),
        ("07700 900123", "07700900123"),
        ("0800 123 456", "0800123456"),
        ("0160312345", "0160312345"),
        ("020 7946 0000", "02079460000"),
    ],
)
def test_normalise_phone(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "123456",
        "1603123456",  # no trunk 0
        "016031234567",  # 12 digits
        "+1 555 123 4567",
        "+33 1 23 45 67 89",
        "00 1603 123456",
        "01603 12345x",
        "01603 ext 123456",
        "٠١٦٠٣١٢٣٤٥٦",
    ],
)
def test_normalise_phone_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue, match="01603 123456"):
        normalise_phone(raw)


_NATIONAL = st.from_regex(r"0[1-9][0-9]{8,9}", fullmatch=True)


@given(_NATIONAL, st.sampled_from(["", "+44 ", "+44 (0)", "0044 ", "+44"]), st.booleans())
def test_written_forms_agree(national: str, prefix: str, spaced: bool) -> None:
    rest = national if not prefix else national[1:]  # the trunk 0 goes after a country code
    body = f"{rest[:4]} {rest[4:]}" if spaced else rest
    assert normalise_phone(prefix + body) == national
    assert normalise_phone(normalise_phone(prefix + body)) == national
