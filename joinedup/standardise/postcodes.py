"""UK postcodes: one spelling ("NR2 4AB") so they join, and the sector/district/area above them.

Sources write postcodes in any case, with no space or several; the outward code is
variable-width but the inward code is always the last three characters, so the single space
can be put back exactly. Only the shape is checked, not that Royal Mail has issued the code.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from joinedup.standardise.invalid import InvalidValue

_EXPECTED = "a UK postcode like NR2 4AB"

# Outward: A9, A99, A9A, AA9, AA99, AA9A. The area's first letter is never Q, V or X and its
# second never I, J or Z. Inward: a digit and two letters, none of C, I, K, M, O or V.
_SHAPE = (r"(?:[A-PR-UWYZ](?:[0-9][0-9A-Z]?|[A-HK-Y][0-9][0-9A-Z]?)[0-9][ABD-HJLNP-UW-Z]{2})"
          r"|GIR0AA")
_POSTCODE = re.compile(_SHAPE)
_DISTRICT_OF_GIR = "GIR"


@lru_cache(maxsize=65536)
def normalise_postcode(raw: str) -> str:
    """``'nr24ab'`` or ``'NR2  4AB'`` -> ``'NR2 4AB'``; raises InvalidValue if not UK-shaped."""
    compact = "".join(raw.split()).upper()
    if not _POSTCODE.fullmatch(compact):
        raise InvalidValue(_EXPECTED)
    return f"{compact[:-3]} {compact[-3:]}"


def accept_postcodes(values: pa.Array) -> pa.Array:
    """Many postcodes at once: what ``normalise_postcode`` returns for each value of ASCII
    letters, digits and spaces that is UK-shaped, null for every other value (blank, bad, or
    with other characters, which ``normalise_postcode`` judges)."""
    plain = pc.match_substring_regex(values, r"^[A-Za-z0-9 ]+$")
    compact = pc.ascii_upper(pc.replace_substring(values, " ", ""))
    shaped = pc.match_substring_regex(compact, f"^(?:{_SHAPE})$")
    accepted = pc.fill_null(pc.and_(plain, shaped), False)
    spaced = pc.binary_join_element_wise(pc.utf8_slice_codeunits(compact, 0, -3),
                                         pc.utf8_slice_codeunits(compact, -3), " ")
    return pc.if_else(accepted, spaced, pa.scalar(None, pa.string()))


def postcode_sector(pc: str) -> str:
    """``'NR2 4AB'`` -> ``'NR2 4'`` (district plus the inward digit)."""
    return normalise_postcode(pc)[:-2]


def postcode_district(pc: str) -> str:
    """``'NR2 4AB'`` -> ``'NR2'`` (the outward code)."""
    return normalise_postcode(pc)[:-4]


def postcode_area(pc: str) -> str:
    """``'NR2 4AB'`` -> ``'NR'`` (the letters that start the outward code)."""
    district = normalise_postcode(pc)[:-4]
    if district == _DISTRICT_OF_GIR:
        return district
    return district[:2] if district[1].isalpha() else district[:1]
