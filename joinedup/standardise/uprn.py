"""UPRNs: the Unique Property Reference Number, the key that joins records about a place.

It is an integer of up to 12 digits, but spreadsheets turn it into "100010012345.0" and
fixed-width exports pad it with zeros, so it is kept as canonical digits without either.
"""

from __future__ import annotations

from joinedup.standardise.invalid import InvalidValue

_EXPECTED = "a UPRN of up to 12 digits, e.g. 100091234567"


def normalise_uprn(raw: str) -> str:
    """``' 00100091234567.0'`` -> ``'100091234567'``."""
    digits = raw.strip()
    if digits.endswith(".0"):
        digits = digits[:-2]
    if digits.isascii() and digits.isdigit():
        significant = digits.lstrip("0")
        if 1 <= len(significant) <= 12:
            return significant
    raise InvalidValue(_EXPECTED)
