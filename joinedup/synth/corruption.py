"""The small mistakes people and systems make when they write someone down.

Each function takes the value and a seeded ``random.Random`` and returns a plausibly wrong
version; how often each is applied is a source's ``Profile`` (see ``records.py``).
"""

from __future__ import annotations

import random

from joinedup.standardise.nhs import nhs_check_digit

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
KEYBOARD_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        _near = [_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_ROWS):
                _near.extend(_ROWS[_other][i] for i in (_c - 1, _c)
                             if 0 <= i < len(_ROWS[_other]))
        KEYBOARD_NEIGHBOURS[_key] = "".join(_near)

_STREET_ABBREVIATIONS = (("Road", "Rd"), ("Street", "St"), ("Avenue", "Ave"), ("Lane", "Ln"),
                         ("Close", "Cl"), ("Drive", "Dr"), ("Crescent", "Cres"),
                         ("Gardens", "Gdns"), ("Place", "Pl"), ("Court", "Ct"))
BAD_POSTCODES = ("N/K", "NK", "UNKNOWN", "NFA")
BAD_PHONES = ("unknown", "ex-directory", "n/a", "0000")


def typo(text: str, rng: random.Random) -> str:
    """One slip of the keyboard: transposition, deletion, neighbouring key or doubled letter.

    The first letter is left alone (people rarely get it wrong, and blocking relies on it).
    """
    if len(text) < 3:
        return text
    i = 1 + int(rng.random() * (len(text) - 2))
    op = rng.random()
    if op < 0.3 and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if op < 0.5:
        return text[:i] + text[i + 1:]
    if op < 0.8:
        near = KEYBOARD_NEIGHBOURS.get(text[i].lower())
        if near:
            key = near[int(rng.random() * len(near))]
            return text[:i] + (key.upper() if text[i].isupper() else key) + text[i + 1:]
    return text[:i] + text[i] + text[i:]


def nickname(given: str, table: dict[str, list[str]], rng: random.Random) -> str:
    """A familiar form of a given name (``'Margaret'`` -> ``'Peggy'``), when one is known."""
    shorts = table.get(given.upper())
    if not shorts:
        return given
    short = shorts[int(rng.random() * len(shorts))]
    return short[0] + short[1:].lower()


def sorted_nicknames(nicknames: dict[str, frozenset[str]]) -> dict[str, list[str]]:
    """The nickname table with each set sorted, so draws do not depend on hash order."""
    return {formal: sorted(shorts) for formal, shorts in nicknames.items()}


def surname_variant(family: str, rng: random.Random) -> str:
    """A double-barrelled surname as another system kept it: spaced, one half, or run on."""
    if "-" not in family:
        return family
    first, _, second = family.partition("-")
    draw = rng.random()
    if draw < 0.35:
        return f"{first} {second}"
    if draw < 0.6:
        return first
    if draw < 0.85:
        return second
    return first + second.lower()


def apostrophe(text: str, keep_curly: float, rng: random.Random) -> str:
    """``O’Brien`` kept typographic, made straight, dropped or spaced, as systems do."""
    if "’" not in text:
        return text
    draw = rng.random()
    if draw < keep_curly:
        return text
    if draw < keep_curly + (1 - keep_curly) * 0.75:
        return text.replace("’", "'")
    if draw < keep_curly + (1 - keep_curly) * 0.9:
        return text.replace("’", "")
    return text.replace("’", " ")


def abbreviate_street(line: str) -> str:
    for word, short in _STREET_ABBREVIATIONS:
        if line.endswith(" " + word):
            return line[: -len(word)] + short
    return line


def mistype_nhs(nhs: str, rng: random.Random) -> str:
    """A mistyped NHS number: one digit changed or two swapped (both fail Modulus 11), or now
    and then a wrong number that passes (a changed digit with its check digit recomputed)."""
    digits = list(nhs)
    draw = rng.random()
    if draw < 0.1:
        i = int(rng.random() * 9)
        digits[i] = str((int(digits[i]) + 1 + int(rng.random() * 9)) % 10)
        check = nhs_check_digit("".join(digits[:9]))
        if check is not None:
            digits[9] = str(check)
            return "".join(digits)
    elif draw < 0.2:
        i = int(rng.random() * 9)
        if digits[i] != digits[i + 1]:
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
            return "".join(digits)
    digits = list(nhs)
    i = int(rng.random() * 10)
    digits[i] = str((int(nhs[i]) + 1 + int(rng.random() * 9)) % 10)
    return "".join(digits)


def swap_day_month(y: int, m: int, d: int) -> tuple[int, int, int]:
    """03/07/1950 written as 07/03/1950 (only when both could be a month)."""
    return (y, d, m) if d <= 12 and d != m else (y, m, d)


def year_off_by_one(y: int, m: int, d: int, rng: random.Random) -> tuple[int, int, int]:
    y += 1 if rng.random() < 0.5 else -1
    return (y, m, 28) if m == 2 and d == 29 else (y, m, d)
