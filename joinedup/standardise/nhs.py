"""NHS numbers: ten digits whose last is a Modulus 11 check digit."""

from __future__ import annotations

from functools import lru_cache

from joinedup.standardise.invalid import InvalidValue

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can start with them."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_valid_nhs_number(value: str) -> bool:
    if len(value) != 10 or not value.isdigit():
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


@lru_cache(maxsize=4096)
def normalise_nhs_number(raw: str) -> str:
    """``'943 476 5919'`` -> ``'9434765919'``; raises InvalidValue if it fails the check."""
    digits = raw.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        raise InvalidValue("10 digits, e.g. 943 476 5919")
    if not is_valid_nhs_number(digits):
        raise InvalidValue("an NHS number passing the Modulus 11 check")
    return digits
