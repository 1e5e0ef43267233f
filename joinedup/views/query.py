"""What a member of staff typed into the search box, checked and standardised exactly as
ingestion standardises a record (``joinedup.standardise``), so a query and a record of the
same person reduce to the same linkage features.

Every problem is a ``BadInput`` naming the field and saying what would do. Input is capped in
length and stripped of nothing silently; it only ever reaches the database as bound
parameters, so quotes, ``%``, ``_`` or ``'; DROP TABLE`` are just characters of a name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from joinedup.errors import BadInput
from joinedup.standardise import (
    InvalidValue,
    check_birth_date,
    name_key,
    normalise_nhs_number,
    normalise_postcode,
    parse_date,
    split_full_name,
)

MAX_LENGTH = 100
"""Characters per field at most: no name, date, postcode or NHS number is longer."""
MIN_NAME_LETTERS = 2
FIELDS = ("name", "date_of_birth", "postcode", "nhs_number")
DATE_EXAMPLES = "a date like 01/02/1940, 1940-02-01 or 1 Feb 1940"
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
    ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
    ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}
_WORDY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s,.-]+([a-z]+)\.?[\s,.-]+(\d{4})")
_SHORT_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})")


@dataclass(frozen=True)
class SearchQuery:
    """The search form: any of the four, at least one."""

    name: str | None = None
    date_of_birth: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None


@dataclass(frozen=True)
class Sought:
    """A query standardised: the name as one or two readings (a single word may be a given
    or a family name), the rest canonical."""

    names: tuple[tuple[str | None, str | None, str | None], ...]
    """(given, middle names, family) readings of the name; empty if none was given."""
    date_of_birth: date | None
    postcode: str | None
    nhs_number: str | None

    def describe(self) -> str:
        """The standardised terms, for the audit trail's (erasable) details."""
        parts = []
        if self.names:
            given, middle, family = self.names[0]
            parts.append("name=" + " ".join(p for p in (given, middle, family) if p))
        for name in FIELDS[1:]:
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value}")
        return "search: " + "; ".join(parts)


def _text(field: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    if len(raw) > MAX_LENGTH:
        raise BadInput(f"{field}: at most {MAX_LENGTH} characters, got {len(raw):,}")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") and not c.isspace()
           for c in raw):
        raise BadInput(f"{field}: contains control or invisible characters; type it again "
                       "without them")
    text = " ".join(raw.split())
    return text or None


def birth_date(raw: str, *, today: date) -> date:
    """A date of birth as people type it: day first (01/02/1940, 1/2/40), ISO (1940-02-01)
    or in words (1 Feb 1940, 1st February 1940). A two-digit year is the latest past one."""
    found: date | None
    try:
        found = parse_date(raw)
    except InvalidValue:
        found = _wordy(raw.lower(), today)
    if found is None:
        raise BadInput(f"date_of_birth: {raw!r} is not a date; expected {DATE_EXAMPLES}")
    try:
        return check_birth_date(found, today=today)
    except InvalidValue as exc:
        raise BadInput(f"date_of_birth: {raw!r} is not plausible; expected {exc.expected}"
                       ) from exc


def _wordy(raw: str, today: date) -> date | None:
    try:
        if (m := _WORDY.fullmatch(raw)) and m.group(2) in _MONTHS:
            return date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
        if m := _SHORT_YEAR.fullmatch(raw):
            year = 2000 + int(m.group(3))
            if year > today.year:
                year -= 100
            return date(year, int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


def _names(raw: str) -> tuple[tuple[str | None, str | None, str | None], ...]:
    try:
        given, middle, family = split_full_name(raw)
    except InvalidValue as exc:
        raise BadInput(f"name: {raw!r} is not a name; expected {exc.expected}") from exc
    letters = name_key(" ".join(p for p in (given, middle, family) if p))
    if len(letters) < MIN_NAME_LETTERS:
        raise BadInput(f"name: too short; give at least {MIN_NAME_LETTERS} letters (A to Z, "
                       "accents allowed)")
    if given is None:  # one word: a family name or a given name (Bill, Mary)
        return ((None, None, family), (family, None, None))
    return ((given, middle, family),)


def standardise(query: SearchQuery, *, today: date) -> Sought:
    """The query checked and standardised; ``BadInput`` naming the field otherwise."""
    texts = {f: _text(f, getattr(query, f)) for f in FIELDS}
    if not any(texts.values()):
        raise BadInput("give at least one of name, date_of_birth, postcode or nhs_number")
    names = _names(texts["name"]) if texts["name"] else ()
    dob = birth_date(texts["date_of_birth"], today=today) if texts["date_of_birth"] else None
    postcode = nhs = None
    if texts["postcode"]:
        try:
            postcode = normalise_postcode(texts["postcode"])
        except InvalidValue as exc:
            raise BadInput(f"postcode: {texts['postcode']!r} is not a full UK postcode; "
                           f"expected {exc.expected}") from exc
    if texts["nhs_number"]:
        try:
            nhs = normalise_nhs_number(texts["nhs_number"])
        except InvalidValue as exc:
            raise BadInput(f"nhs_number: {texts['nhs_number']!r} is not a valid NHS number; "
                           f"expected {exc.expected}") from exc
    sought = Sought(names, dob, postcode, nhs)
    if postcode is None and nhs is None:
        if not names:
            raise BadInput("date_of_birth: a date of birth alone matches too many people; add "
                           "a name, a postcode or an NHS number")
        if len(names) > 1 and dob is None:
            raise BadInput("name: a single name matches too many people; give a given and a "
                           "family name, or add a date of birth, a postcode or an NHS number")
    return sought
