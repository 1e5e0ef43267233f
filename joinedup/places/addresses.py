"""Which property a record without a UPRN is at, from its address and postcode.

Agencies write the same address differently ("Flat 3, 12 Church Rd, Hethersett, Norwich" and
"3/12 Church Road, Norwich"), but a postcode narrows a property down to about fifteen. Among the
properties of the record's postcode the one chosen must

1. have exactly the record's numbers (flat and house numbers: "12" never matches "21" or
   "12A"), and
2. share the most words of its first two address parts (premise and street) with the record,
   at least half of them, and strictly more than any other candidate: a tie is no match,
   because a wrong property is worse than none (it would put a person in the wrong house in
   an emergency).

A record with no postcode, or a postcode the register does not have, is not matched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from joinedup.standardise.addresses import address_key

_NUMBER = re.compile(r"^\d+[A-Z]?$")
_NUMBERS_IN = re.compile(r"(\d+)\s*/\s*(\d+)")  # "3/12": flat 3 at number 12
_MIN_SHARE = 0.5


@dataclass(frozen=True)
class _Candidate:
    uprn: str
    numbers: frozenset[str]
    words: frozenset[str]


@lru_cache(maxsize=262_144)
def _parts(address: str) -> tuple[frozenset[str], frozenset[str]]:
    """(numbers, words) of an address's premise and street: its first two comma-separated
    parts, or the first part alone when it already holds a number and a street."""
    text = _NUMBERS_IN.sub(r"FLAT \1, \2", address.upper())
    segments = [address_key(p).split() for p in text.split(",")]
    segments = [s for s in segments if s]
    if not segments:
        return frozenset(), frozenset()
    first = segments[0]
    head = first if len(first) > 2 and any(_NUMBER.match(w) for w in first) else \
        [w for s in segments[:2] for w in s]
    numbers = frozenset(w for w in head if _NUMBER.match(w))
    words = frozenset(w for w in head if not _NUMBER.match(w) and w != "FLAT")
    return numbers, words


def _postcode_key(postcode: str | None) -> str | None:
    return None if not postcode else postcode.replace(" ", "").upper()


class AddressIndex:
    """The register's properties by postcode, built once per rebuild."""

    def __init__(self, properties: Iterable[tuple[str, str | None, str | None]]) -> None:
        self._uprns: set[str] = set()
        self._by_postcode: dict[str, list[_Candidate]] = defaultdict(list)
        for uprn, address, postcode in properties:
            self._uprns.add(uprn)
            key = _postcode_key(postcode)
            if key is not None and address:
                numbers, words = _parts(address)
                self._by_postcode[key].append(_Candidate(uprn, numbers, words))

    def known(self, uprn: str) -> bool:
        return uprn in self._uprns

    def match(self, address: str | None, postcode: str | None) -> str | None:
        """The UPRN of the one property this address is at, or ``None``."""
        key = _postcode_key(postcode)
        if key is None or not address:
            return None
        candidates = self._by_postcode.get(key)
        if not candidates:
            return None
        numbers, words = _parts(address)
        best: str | None = None
        best_share, runner_up = 0.0, 0.0
        for candidate in candidates:
            if candidate.numbers != numbers:
                continue
            if not candidate.words:
                share = 1.0 if not words else 0.0
            else:
                share = len(candidate.words & words) / len(candidate.words)
            if share > best_share:
                best, best_share, runner_up = candidate.uprn, share, best_share
            elif share > runner_up:
                runner_up = share
        if best is None or best_share < _MIN_SHARE or best_share == runner_up:
            return None
        return best
