"""NHS numbers: ten digits whose last is a Modulus 11 check digit."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


_COMMON_SHAPES = r"^(?:[0-9]{10}|[0-9]{3} [0-9]{3} [0-9]{4})$"
_WEIGHTS = np.arange(10, 1, -1)


def accept_nhs_numbers(values: pa.Array) -> pa.Array:
    """Many NHS numbers at once: what ``normalise_nhs_number`` returns for each value written
    as ``9434765919`` or ``943 476 5919`` that passes Modulus 11, null for every other value
    (blank, bad, or in a rarer shape that only ``normalise_nhs_number`` reads)."""
    shaped = pc.fill_null(pc.match_substring_regex(values, _COMMON_SHAPES), False)
    digits = pc.replace_substring(values, " ", "")
    candidates = pc.filter(digits, shaped)
    if not len(candidates):
        return pa.nulls(len(values), pa.string())
    # Each candidate is ten ASCII digits: a matrix of them, straight from the Arrow buffers.
    offsets = np.frombuffer(candidates.buffers()[1], dtype=np.int32)
    start, end = offsets[candidates.offset], offsets[candidates.offset + len(candidates)]
    ascii_digits = np.frombuffer(candidates.buffers()[2], dtype=np.uint8)[start:end]
    d = ascii_digits.reshape(-1, 10).astype(np.int64) - 48
    passes = (11 - (d[:, :9] @ _WEIGHTS) % 11) % 11 == d[:, 9]
    accepted = np.zeros(len(values), dtype=bool)
    accepted[np.flatnonzero(shaped.to_numpy(zero_copy_only=False))[passes]] = True
    return pc.if_else(pa.array(accepted), digits, pa.scalar(None, pa.string()))
