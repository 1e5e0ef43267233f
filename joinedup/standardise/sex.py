"""Sex and gender as recorded by sources, mapped to FHIR administrative gender codes.

Sources use letters, words and the NHS Data Dictionary's numeric codes (0 not known, 1 male,
2 female, 9 not specified); the hub stores one of "female", "male", "other" or "unknown".
"""

from __future__ import annotations

from functools import lru_cache

from joinedup.standardise.invalid import InvalidValue

_CODES: dict[str, str] = {
    **dict.fromkeys(("f", "female", "w", "woman", "girl", "2"), "female"),
    **dict.fromkeys(("m", "male", "man", "boy", "1"), "male"),
    **dict.fromkeys(("o", "other", "x", "non binary", "nonbinary", "indeterminate", "i"), "other"),
    **dict.fromkeys(
        ("u", "unknown", "not known", "not stated", "not specified", "nk", "n/k", "0", "9"),
        "unknown",
    ),
}


@lru_cache(maxsize=1024)
def normalise_sex(raw: str) -> str:
    """``'F'``, ``'Female'``, ``'2'`` -> ``'female'``; ``'Not known'`` -> ``'unknown'``."""
    code = _CODES.get(" ".join(raw.lower().replace("-", " ").split()))
    if code is None:
        raise InvalidValue("one of F, M, other, unknown")
    return code
