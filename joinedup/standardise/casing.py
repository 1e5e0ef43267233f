"""Title casing for text that arrived shouting (or whispering) in a single case.

Many source systems store names and addresses in capitals. ``str.title`` is fast and already
right for "O'Brien" and "Smith-Jones", so it does the work and two fix-ups follow: a single
letter after an apostrophe is a possessive or contraction ("John's", not "John'S"), and the
letter after a leading "Mc" is a capital ("McDonald").
"""

from __future__ import annotations

import re

_LETTER = r"[^\W\d_]"
_POSSESSIVE = re.compile(rf"(?<={_LETTER}')({_LETTER})(?!{_LETTER})")
_MC = re.compile(rf"\bMc({_LETTER})")


def _lower(match: re.Match[str]) -> str:
    return match[1].lower()


def _mc(match: re.Match[str]) -> str:
    return "Mc" + match[1].upper()


def smart_title(text: str) -> str:
    """``"O'BRIEN"`` -> ``"O'Brien"``, ``'SMITH-JONES'`` -> ``'Smith-Jones'``, ``"JOHN'S"`` ->
    ``"John's"``, ``'MCDONALD'`` -> ``'McDonald'``, ``'mary ann'`` -> ``'Mary Ann'``."""
    titled = text.title()
    if "'" in titled:
        titled = _POSSESSIVE.sub(_lower, titled)
    if "Mc" in titled:
        titled = _MC.sub(_mc, titled)
    return titled


def is_single_case(text: str) -> bool:
    """True when every cased letter is upper case, or every one is lower case."""
    return text.isupper() or text.islower()
