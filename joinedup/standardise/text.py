"""Free text and numbers from text: the least a value needs before it is stored.

Service names, team names and notes arrive with doubled spaces, tabs and line breaks that make
equal values look different; coordinates and amounts arrive as text that ``float`` must not
turn into NaN or infinity.
"""

from __future__ import annotations

import math
import re

from joinedup.standardise.invalid import InvalidValue

_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)


def clean_text(raw: str) -> str:
    """``'Early  Help\\n Team'`` -> ``'Early Help Team'``."""
    text = " ".join(raw.split())
    if not text:
        raise InvalidValue("some text")
    return text


def parse_float(raw: str) -> float:
    """``'612345.5'`` or ``'612,345.5'`` -> ``612345.5``; rejects NaN and infinity."""
    text = raw.strip()
    if "," in text and _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if "_" not in text:
        try:
            value = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(value):
                return value
    raise InvalidValue("a number like 612345.5")
