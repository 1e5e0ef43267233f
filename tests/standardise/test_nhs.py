from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standardise import (
    InvalidValue,
    is_valid_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
)


def test_known_numbers() -> None:
    assert nhs_check_digit("943476591") == 9
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
    assert not is_valid_nhs_number("943476591")
    assert not is_valid_nhs_number("94347659x9")


@pytest.mark.parametrize("raw", ["943 476 5919", "943-476-5919", "9434765919"])
def test_normalise(raw: str) -> None:
    assert normalise_nhs_number(raw) == "9434765919"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("943476591", "10 digits"), ("94347659x9", "10 digits"), ("9434765918", "Modulus 11")],
)
def test_normalise_rejects(raw: str, expected: str) -> None:
    with pytest.raises(InvalidValue, match=expected):
        normalise_nhs_number(raw)


_NINE = st.from_regex(r"[0-9]{9}", fullmatch=True)


@given(_NINE)
def test_built_numbers_validate_and_any_one_digit_change_fails(first_nine: str) -> None:
    check = nhs_check_digit(first_nine)
    if check is None:
        # No check digit completes these nine: every tenth digit must fail.
        assert not any(is_valid_nhs_number(first_nine + str(d)) for d in range(10))
        return
    number = first_nine + str(check)
    assert is_valid_nhs_number(number)
    assert normalise_nhs_number(f"{number[:3]} {number[3:6]} {number[6:]}") == number
    for position in range(10):
        for digit in "0123456789":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1 :]
                assert not is_valid_nhs_number(changed), changed
