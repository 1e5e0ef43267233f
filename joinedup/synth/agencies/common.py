"""What the agencies share: who they tend to know, id sequences, and common column getters."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter

from joinedup.synth.context import YEAR, County
from joinedup.synth.feeds import Entry
from joinedup.synth.places_data import SETTLEMENTS, TEAM_AREAS
from joinedup.synth.population import (
    DEMENTIA,
    FRAIL,
    LEARNING_DISABILITY,
    MOBILITY,
    OXYGEN,
    Person,
)
from joinedup.synth.records import View

# Age bands: 0-4, 5-11, 12-15, 16-17, 18-24, 25-34, 35-49, 50-64, 65-74, 75-84, 85+
BAND_STARTS = (5, 12, 16, 18, 25, 35, 50, 65, 75, 85)
BANDS = len(BAND_STARTS) + 1
VULNERABLE = MOBILITY | OXYGEN | DEMENTIA | LEARNING_DISABILITY | FRAIL
Chance = Callable[[int, bool, bool], float]
"""The chance an agency knows someone, by (age band, is male, is vulnerable)."""


def selection_keys(county: County) -> list[int]:
    """Per person: ``band * 4 + 2 * male + vulnerable``, computed once per county."""
    if not county.keys:
        today = county.today
        county.keys = [bisect_right(BAND_STARTS, (today - p.dob) / YEAR) * 4
                       + (2 if p.sex == "M" else 0) + (1 if p.cond & VULNERABLE else 0)
                       for p in county.pop.people]
    return county.keys


def choose_people(county: County, rng: random.Random, chance: Chance) -> list[int]:
    """The people an agency knows, drawn by ``chance``, in a shuffled order."""
    table = [min(1.0, chance(band, bool(key & 2), bool(key & 1)))
             for band in range(BANDS) for key in range(4)]
    r = rng.random
    chosen = [pid for pid, key in enumerate(selection_keys(county)) if r() < table[key]]
    rng.shuffle(chosen)
    return chosen


def by_band(*rates: float, vulnerable: float = 1.0, male: float = 1.0) -> Chance:
    """A chance from one rate per age band, times ``vulnerable``/``male`` when they apply."""
    if len(rates) != BANDS:
        raise ValueError(f"expected {BANDS} rates, one per age band")
    return lambda band, is_male, is_vulnerable: (
        rates[band] * (vulnerable if is_vulnerable else 1.0) * (male if is_male else 1.0))


class IdSequence:
    """Numbered ids from a seeded start: ``next()`` gives ``prefix + number``."""

    def __init__(self, rng: random.Random, *, prefix: str = "", start: int, width: int,
                 step: int = 1) -> None:
        self.prefix, self.width, self.step = prefix, width, step
        self.number = start + int(rng.random() * start / 10)

    def next(self) -> str:
        self.number += self.step
        return f"{self.prefix}{self.number:0{self.width}d}"


def numbered(pids: Sequence[int], ids: IdSequence) -> list[Entry]:
    return [Entry(pid, ids.next()) for pid in pids]


def duplicate_with(ids: IdSequence) -> Callable[[Entry, random.Random], Entry]:
    """A duplicate record gets the next id and none of the agency's own identifier."""
    return lambda entry, rng: Entry(entry.pid, ids.next(), "", entry.extra)


def area_of(county: County, person: Person) -> str:
    """The locality (district council area) a person lives in, as agency teams name it."""
    prop = county.pop.households[person.hh].prop
    return TEAM_AREAS[SETTLEMENTS[county.props.settlement[prop]].council]


def spread(rng: random.Random, mean: float) -> int:
    """A count of at least 1 with the given mean (geometric), for events per person."""
    n, stop = 1, 1.0 / mean
    while rng.random() > stop and n < 40:
        n += 1
    return n


def each_ref_events(refs: Sequence[tuple[str, int]], rng: random.Random, mean: float
                    ) -> Iterator[tuple[str, int, int]]:
    """``(record id, pid, k)`` for ``k`` in 0.. a geometric number of events per record."""
    for rid, pid in refs:
        for k in range(spread(rng, mean)):
            yield rid, pid, k


# Column getters shared by several agencies. Plain attributes use ``attrgetter`` (it runs in C,
# and getters run once per cell).
Get = Callable[[View], str]
record_id: Get = attrgetter("rid")
ident: Get = attrgetter("ident")
extra: Get = attrgetter("extra")
given: Get = attrgetter("given")
middle: Get = attrgetter("middle")
family: Get = attrgetter("family")
locality: Get = attrgetter("locality")
town: Get = attrgetter("town")
postcode: Get = attrgetter("postcode")
phone: Get = attrgetter("phone")
email: Get = attrgetter("email")
uprn: Get = attrgetter("uprn")
sex_letter: Get = attrgetter("sex")
nhs: Get = attrgetter("nhs")


def name_given_first(v: View) -> str:
    """``'John Andrew Smith'``."""
    return f"{v.given} {v.middle} {v.family}" if v.middle else f"{v.given} {v.family}"


def name_surname_first(v: View) -> str:
    """``'SMITH, John Andrew'``."""
    names = f"{v.given} {v.middle}" if v.middle else v.given
    return f"{v.family.upper()}, {names}"


def street(v: View) -> str:
    """``'12 Church Lane'`` or ``'Flat 3, 1 Mill Road'``."""
    return f"{v.line1}, {v.line2}" if v.line2 else v.line1


def street_and_locality(v: View) -> str:
    return f"{street(v)}, {v.locality}" if v.locality else street(v)


def full_address(v: View) -> str:
    """``'12 Church Lane, Hethersett, Norwich'``."""
    return f"{street_and_locality(v)}, {v.town}"


def sex_word(v: View) -> str:
    return {"M": "Male", "F": "Female"}.get(v.sex, "")


def nhs_spaced(v: View) -> str:
    """``'999 123 4567'``, as typed into most forms."""
    n = v.nhs
    return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else n
