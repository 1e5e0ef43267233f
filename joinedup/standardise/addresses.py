"""Postal addresses: one tidy line for people to read, and a key for matching them later.

Sources split an address into differing numbers of lines, leave lines empty or full of stray
commas, and write it in capitals. ``clean_address`` makes a readable single line; ``address_key``
irons out punctuation and the usual abbreviations (RD, AVE, ...) so the same place compares equal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from joinedup.standardise.casing import smart_title
from joinedup.standardise.invalid import InvalidValue

# Small words that stay lower case inside a place name: "Newcastle upon Tyne", "Southend-on-Sea".
_MINOR = frozenset(
    {"and", "at", "by", "de", "in", "la", "le", "of", "on", "super", "the", "under", "upon"}
)
# Initialisms that stay in capitals.
_INITIALISMS = frozenset({"BFPO", "GP", "HMP", "NHS", "PO", "RAF", "UK"})


_DIGIT = re.compile(r"\d")


def _title_word(word: str, *, first: bool) -> str:
    if word in _INITIALISMS or _DIGIT.search(word):
        return word  # initialisms, house numbers ("12A") and postcodes keep their capitals
    lower = word.lower()
    if lower in _MINOR and not first:
        return lower
    titled = smart_title(word)
    if "-" in titled:  # "Stratford-upon-Avon"
        head, *rest = titled.split("-")
        titled = "-".join([head, *(p.lower() if p.lower() in _MINOR else p for p in rest)])
    return titled


def _title_segment(segment: str) -> str:
    words = segment.split(" ")
    return " ".join([_title_word(word, first=not i) for i, word in enumerate(words)])


@lru_cache(maxsize=65536)
def _clean_address(parts: tuple[str, ...]) -> str:
    segments: list[str] = []
    for part in parts:
        for piece in part.split(","):
            segment = " ".join(piece.split())
            if segment:
                segments.append(_title_segment(segment) if segment.isupper() else segment)
    if not segments:
        raise InvalidValue("an address, e.g. 12 High Street, Norwich")
    return ", ".join(segments)


def clean_address(parts: Sequence[str]) -> str:
    """``['12 HIGH STREET,', '', ' NORWICH', 'NR2 4AB']`` -> ``'12 High Street, Norwich, NR2 4AB'``.

    Empty parts and stray commas go; a comma-separated piece written all in capitals is
    title-cased, with house numbers, postcodes and a few initialisms (PO, NHS) left alone.
    """
    return _clean_address(tuple(parts))


_ABBREVIATIONS = {
    "RD": "ROAD",
    "AVE": "AVENUE",
    "LN": "LANE",
    "CL": "CLOSE",
    "CRES": "CRESCENT",
    "DR": "DRIVE",
    "CT": "COURT",
    "PL": "PLACE",
    "SQ": "SQUARE",
    "GDNS": "GARDENS",
    "FLT": "FLAT",
}
_HOUSE_NUMBER = re.compile(r"\d+[A-Z]?", re.ASCII)
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_PUNCTUATION = re.compile(r"[^\w,]+|_+")


@lru_cache(maxsize=65536)
def address_key(address: str) -> str:
    """``"12 St. John's Rd, Norwich"`` -> ``'12 ST JOHNS ROAD NORWICH'``, for matching.

    Upper case, punctuation gone, whitespace single, common abbreviations spelt out. "ST" is
    STREET unless it starts a comma-separated part or follows a house number ("12 St John's
    Road"), where it is Saint and stays "ST".
    """
    text = _PUNCTUATION.sub(" ", _APOSTROPHES.sub("", address.upper()))
    tokens: list[str] = []
    for segment in text.split(","):
        words = segment.split()
        for index, word in enumerate(words):
            if word == "ST":
                saint = index == 0 or _HOUSE_NUMBER.fullmatch(words[index - 1]) is not None
                tokens.append(word if saint else "STREET")
            else:
                tokens.append(_ABBREVIATIONS.get(word, word))
    return " ".join(tokens)
