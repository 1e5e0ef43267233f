"""NHS numbers: ten digits whose last is a Modulus 11 check digit."""

from __future__ import annotations

from joinedup.standardise.invalid import InvalidValue


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can start with them."""
    d = first_nine.encode("ascii")
    if len(d) != 9:
        raise ValueError(f"expected nine digits, got {first_nine!r}")
    # Unrolled: this runs once per record on every ingest; 48 is ord("0"), 54 the weights' sum.
    total = (
        10 * d[0]
        + 9 * d[1]
        + 8 * d[2]
        + 7 * d[3]
        + 6 * d[4]
        + 5 * d[5]
        + 4 * d[6]
        + 3 * d[7]
        + 2 * d[8]
        - 48 * 54
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_valid_nhs_number(value: str) -> bool:
    if len(value) != 10 or not value.isdigit():
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


def normalise_nhs_number(raw: str) -> str:
    """``'943 476 5919'`` -> ``'9434765919'``; raises InvalidValue if it fails the check."""
    digits = raw if len(raw) == 10 else raw.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise InvalidValue("10 digits, e.g. 943 476 5919")
    # The check of nhs_check_digit, inlined: every record of every load comes through here.
    d = digits.encode("ascii")
    check = 11 - (10 * d[0] + 9 * d[1] + 8 * d[2] + 7 * d[3] + 6 * d[4] + 5 * d[5] + 4 * d[6]
                  + 3 * d[7] + 2 * d[8] - 48 * 54) % 11
    if check % 11 != d[9] - 48:  # 11 means check digit 0; 10 never matches a digit
        raise InvalidValue("an NHS number passing the Modulus 11 check")
    return digits
