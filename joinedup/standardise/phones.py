"""UK phone numbers: the bare national digits ("01603123456"), however they were written.

Sources add spaces, dashes, brackets, "+44" and the "(0)" that should not be dialled after it;
comparing numbers needs all of that gone. Numbers outside the UK are rejected, not guessed at.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from joinedup.standardise.invalid import InvalidValue

_EXPECTED = "a UK phone number like 01603 123456"
_PUNCTUATION = str.maketrans("", "", " \t-().")
_INTERNATIONAL = ("+44", "0044")


def normalise_phone(raw: str) -> str:
    """``'+44 (0)1603 123-456'`` -> ``'01603123456'``; 10 or 11 digits starting with 0."""
    digits = raw.translate(_PUNCTUATION)
    if (
        len(digits) == 11
        and digits[0] == "0"
        and digits[1] != "0"
        and digits.isdigit()
        and digits.isascii()
    ):
        return digits  # the common case, "01603 123456", without the slower checks below
    digits = raw.replace("(0)", "").translate(_PUNCTUATION)
    for prefix in _INTERNATIONAL:
        if digits.startswith(prefix):
            national = digits[len(prefix) :]
            # "+44 01603 ..." is a common slip: the trunk 0 written after the country code.
            digits = national if national.startswith("0") else "0" + national
            break
    if (
        10 <= len(digits) <= 11
        and digits.isascii()
        and digits.isdigit()
        and digits[0] == "0"
        and digits[1] != "0"
    ):
        return digits
    raise InvalidValue(_EXPECTED)


def accept_phones(values: pa.Array) -> pa.Array:
    """Many phone numbers at once: what ``normalise_phone`` returns for each value made of
    digits and the punctuation it drops that comes to a national number of 11 digits (the
    common case), null for every other value (blank, bad, "+44 ...", 10 digits)."""
    plain = pc.match_substring_regex(values, r"^[0-9 \t().-]+$")
    digits = pc.replace_substring_regex(values, r"[ \t().-]", "")
    national = pc.match_substring_regex(digits, r"^0[1-9][0-9]{9}$")
    accepted = pc.fill_null(pc.and_(plain, national), False)
    return pc.if_else(accepted, digits, pa.scalar(None, pa.string()))
