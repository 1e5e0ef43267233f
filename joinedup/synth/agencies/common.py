"""What the agencies share: who they tend to know, id sequences, sealed records, and common
column getters."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter
from typing import Any

from joinedup.synth.context import YEAR, County
from joinedup.synth.feeds import Column, Entry, Value
from joinedup.synth.places_data import SETTLEMENTS, TEAM_AREAS
from joinedup.synth.population import CARE_NEED, Person
from joinedup.synth.records import View

# Age bands: 0-4, 5-11, 12-15, 16-17, 18-24, 25-34, 35-49, 50-64, 65-74, 75-84, 85+
BAND_STARTS = (5, 12, 16, 18, 25, 35, 50, 65, 75, 85)
BANDS = len(BAND_STARTS) + 1
VULNERABLE = CARE_NEED
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


REFUGES = 3
"""Domestic-abuse refuges in the county: properties nobody lives in, in towns of different
districts, the same for every agency."""


def refuges(county: County) -> list[int]:
    """The refuges: empty properties (nobody's home, nor a home anyone left, where enough are
    empty), in towns where there are some, in different districts while they last."""
    props, households = county.props, county.pop.households
    occupied = {hh.prop for hh in households}
    empty = [p for p in range(len(props)) if p not in occupied]
    left = {hh.prev_prop for hh in households}
    candidates = [p for p in empty if p not in left] or empty
    county.rng("refuges").shuffle(candidates)
    in_towns = [p for p in candidates if SETTLEMENTS[props.settlement[p]].town] or candidates
    chosen: list[int] = []
    councils: set[str] = set()
    for prop in in_towns:
        council = SETTLEMENTS[props.settlement[prop]].council
        if council not in councils:
            chosen.append(prop)
            councils.add(council)
            if len(chosen) == REFUGES:
                break
    return chosen


class Sealed:
    """The people whose records in one feed are sealed, and where those in a refuge live.

    An agency fills it while choosing its entries (``seal``, ``house_in_refuges``), then reads
    its columns through it (``columns``): every record of a sealed person (a duplicate too)
    says so, and one of a person in a refuge carries the refuge's address, and a mobile rather
    than the home phone.
    """

    def __init__(self, county: County) -> None:
        self.county = county
        self.pids: set[int] = set()
        self.refuge: dict[int, int] = {}  # pid -> the refuge's property
        self._last: tuple[View | None, View | None] = (None, None)

    def seal(self, pids: Sequence[int], rng: random.Random, rate: float) -> list[int]:
        """Seal ``rate`` of ``pids`` (rounded), drawn with ``rng``; returns them."""
        chosen = rng.sample(list(pids), round(rate * len(pids)))
        self.pids.update(chosen)
        return chosen

    def house_in_refuges(self, pids: Sequence[int], rate: float) -> list[int]:
        """Seal ``rate`` of ``pids`` (rounded; fewer if fewer may be), women of 18 to 64 in a
        refuge; returns them.

        Who and where is drawn per person, not per feed: the women chosen are those of
        ``pids`` likeliest to be in a refuge county-wide, so a woman one agency knows in a
        refuge is mostly in it for another that knows her too, and always in the same one
        (in another district than her home, where there is one).
        """
        county = self.county
        people, households = county.pop.people, county.pop.households
        settlement = county.props.settlement
        draws = {pid: county.rng(f"refuge:{pid}") for pid in pids
                 if people[pid].sex == "F" and 18 <= county.age(people[pid]) < 65}
        rank = {pid: draw.random() for pid, draw in draws.items()}
        wanted = min(len(rank), round(rate * len(pids)))
        chosen = sorted(rank, key=lambda pid: (rank[pid], pid))[:wanted]
        places = refuges(county)
        for pid in chosen:
            home = SETTLEMENTS[settlement[households[people[pid].hh].prop]].council
            options = [p for p in places if SETTLEMENTS[settlement[p]].council != home] or places
            self.refuge[pid] = options[int(draws[pid].random() * len(options))]
        self.pids.update(chosen)
        return chosen

    def sensitivity(self, sealed: str, standard: str = "") -> Get:
        """A column of the record's sensitivity: ``sealed`` or ``standard`` as the feed spells
        them."""
        pids = self.pids
        return lambda v: sealed if v.pid in pids else standard

    def columns(self, columns: tuple[Column, ...]) -> tuple[Column, ...]:
        """``columns`` reading a refuge resident's record at the refuge."""
        return tuple(Column(col.name, self._at_refuge(col.get)) for col in columns)

    def _at_refuge(self, get: Callable[[Any], Value]) -> Callable[[View], Value]:
        refuge = self.refuge

        def read(v: View) -> Value:
            return get(self._moved(v)) if v.pid in refuge else get(v)

        return read

    def _moved(self, v: View) -> View:
        last, moved = self._last
        if last is not v or moved is None:
            moved = relocated(self.county, v, self.refuge[v.pid])
            self._last = (v, moved)
        return moved


def relocated(county: County, v: View, prop: int) -> View:
    """A copy of a record at another property, its address as the gazetteer has it; a home
    landline becomes the person's mobile (or nothing)."""
    moved = View()
    for name in View.__slots__:
        setattr(moved, name, getattr(v, name))
    props = county.props
    moved.prop, moved.uprn = prop, props.uprn[prop]
    moved.line1, moved.line2 = props.line1[prop], props.line2[prop]
    moved.locality, moved.town = props.locality[prop], props.town[prop]
    moved.postcode = props.postcode[prop]
    person = county.pop.people[v.pid]
    landline = county.pop.households[person.hh].landline
    if landline and v.phone == landline:
        moved.phone = person.mobile
    return moved


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
