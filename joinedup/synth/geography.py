"""Properties of the synthetic county: UPRNs, addresses, postcodes, coordinates, wards.

Homes are laid out street by street around real Norfolk settlements: a street has a centre near
its settlement's, a direction and houses 15 m apart on both sides, so neighbours are near each
other. Consecutive houses on a street share a postcode (10 to 20 of them, ~15 on average) in a
valid UK format (``NR2 4TS``), in the real postcode district of the place. Wards are sectors
around the settlement centre, so a ward is one contiguous patch of streets.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from joinedup.synth.names_data import BRITISH_SURNAMES, split_names
from joinedup.synth.places_data import (
    HOUSE_NAMES,
    NORFOLK_BOX,
    SETTLEMENTS,
    STREET_KINDS,
    STREET_WORDS,
    Settlement,
)

# Letters allowed in the two letters of a postcode's inward code.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_HOUSE_SPACING = 15.0
_SIDE_OFFSET = 12.0


@dataclass
class Properties:
    """Every property as parallel lists (one index per property), cheap at a million homes."""

    uprn: list[str] = field(default_factory=list)
    line1: list[str] = field(default_factory=list)  # "12 Church Lane", "Flat 3", "Rose Cottage"
    line2: list[str] = field(default_factory=list)  # the street when line1 is a flat or name
    locality: list[str] = field(default_factory=list)  # the village, when not the post town
    town: list[str] = field(default_factory=list)  # post town
    postcode: list[str] = field(default_factory=list)
    easting: list[int] = field(default_factory=list)
    northing: list[int] = field(default_factory=list)
    ward: list[str] = field(default_factory=list)
    parish: list[str] = field(default_factory=list)
    settlement: list[int] = field(default_factory=list)  # index into SETTLEMENTS

    def __len__(self) -> int:
        return len(self.uprn)


class _Postcodes:
    """Hands out unused postcode units per district, sector by sector, in a shuffled order."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._units = [a + b for a in INWARD_LETTERS for b in INWARD_LETTERS]
        self._next: dict[str, tuple[int, int, list[str]]] = {}

    def new(self, district: str) -> str:
        sector, used, order = self._next.get(district, (self._rng.randrange(10), 0, []))
        if not order or used >= len(order):
            order = self._units[:]
            self._rng.shuffle(order)
            if used >= len(order):
                sector, used = (sector + 1) % 10, 0
        self._next[district] = (sector, used + 1, order)
        return f"{district} {sector}{order[used]}"


class _Streets:
    """Invents street names, unique within a settlement while the combinations last."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._firsts = [*STREET_WORDS, *(s for s in split_names(BRITISH_SURNAMES)
                                          if s.isalpha() and len(s) > 3)]
        self._kinds: list[str] = []
        for kind, weight in STREET_KINDS:
            self._kinds.extend([kind] * weight)
        self._used: dict[int, set[str]] = {}

    def new(self, settlement: int, *, village: bool) -> str:
        used = self._used.setdefault(settlement, set())
        if village and not used:
            used.add("The Street")
            return "The Street"
        rng = self._rng
        name = ""
        for _ in range(20):
            name = (f"{self._firsts[int(rng.random() * len(self._firsts))]} "
                    f"{self._kinds[int(rng.random() * len(self._kinds))]}")
            if name not in used:
                break
        used.add(name)
        return name


def _inside(e: float, n: float) -> bool:
    e_min, e_max, n_min, n_max = NORFOLK_BOX
    return e_min + 50 <= e <= e_max - 50 and n_min + 50 <= n <= n_max - 50


def _clamp(e: float, n: float) -> tuple[int, int]:
    e_min, e_max, n_min, n_max = NORFOLK_BOX
    return (int(min(max(e, e_min + 50), e_max - 50)),
            int(min(max(n, n_min + 50), n_max - 50)))


def ward_names(place: Settlement) -> tuple[str, ...]:
    """Every ward of a settlement, by ward index: ``Norwich Mancroft``, or the place's own name
    for a place of one ward."""
    if not place.wards:
        return (place.name,)
    return tuple(f"{place.name} {ward}" for ward in place.wards)


def _ward(place: Settlement, de: float, dn: float) -> tuple[str, int]:
    """The ward of a street at offset (de, dn) from the centre, and its index."""
    names = ward_names(place)
    if len(names) == 1:
        return names[0], 0
    if len(names) > 4 and math.hypot(de, dn) < place.spread * 0.3:
        return names[0], 0
    sectors = len(names) - 1 if len(names) > 4 else len(names)
    first = 1 if len(names) > 4 else 0
    index = first + int((math.atan2(dn, de) + math.pi) / (2 * math.pi) * sectors) % sectors
    return names[index], index


def parish_name(place: Settlement) -> str:
    """The civil parish a place is, or the unparished area of a town that has none."""
    if unparished(place):
        return f"{place.name} (unparished)"
    return place.name


def unparished(place: Settlement) -> bool:
    return place.name in ("Norwich", "Great Yarmouth", "Gorleston")


def settlement_counts(total: int) -> list[int]:
    """How many properties each settlement gets: its share of ``total``, largest remainders."""
    weight = sum(s.weight for s in SETTLEMENTS)
    exact = [total * s.weight / weight for s in SETTLEMENTS]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def build_properties(total: int, rng: random.Random) -> Properties:
    """Lay out ``total`` properties across the county."""
    props = Properties()
    postcodes = _Postcodes(rng)
    streets = _Streets(rng)
    uprn_main, uprn_new = 100_090_000_000, 2_630_000_000
    for index, (place, count) in enumerate(zip(SETTLEMENTS, settlement_counts(total),
                                               strict=True)):
        village = not place.town
        parish = parish_name(place)
        locality = "" if place.name == place.post_town else place.name
        made = 0
        while made < count:
            length = min(count - made, rng.randint(6, 30) if village else rng.randint(10, 60))
            de, dn = rng.gauss(0, place.spread / 2), rng.gauss(0, place.spread / 2)
            for _ in range(10):
                if _inside(place.easting + de, place.northing + dn):
                    break
                de, dn = de / 2, dn / 2
            ward, ward_index = _ward(place, de, dn)
            district = place.districts[ward_index % len(place.districts)]
            street = streets.new(index, village=village)
            angle = rng.random() * math.pi
            step_e, step_n = math.cos(angle), math.sin(angle)
            flats = not village and rng.random() < 0.10
            named = village and rng.random() < 0.25
            postcode, left_in_postcode = "", 0
            for k in range(length):
                if left_in_postcode == 0:
                    postcode, left_in_postcode = postcodes.new(district), rng.randint(10, 20)
                left_in_postcode -= 1
                if flats:
                    building = 1 + 2 * (k // 8)
                    line1, line2 = f"Flat {k % 8 + 1}", f"{building} {street}"
                    along, side = (k // 8) * _HOUSE_SPACING * 2, 0.0
                else:
                    number = k + 1
                    along = (k // 2) * _HOUSE_SPACING - length * _HOUSE_SPACING / 4
                    side = _SIDE_OFFSET if k % 2 else -_SIDE_OFFSET
                    if named and rng.random() < 0.5:
                        line1 = HOUSE_NAMES[int(rng.random() * len(HOUSE_NAMES))]
                        line2 = street
                    else:
                        line1, line2 = f"{number} {street}", ""
                e, n = _clamp(place.easting + de + along * step_e - side * step_n,
                              place.northing + dn + along * step_n + side * step_e)
                if rng.random() < 0.2:
                    uprn_new += rng.randint(1, 30)
                    uprn = uprn_new
                else:
                    uprn_main += rng.randint(1, 40)
                    uprn = uprn_main
                props.uprn.append(str(uprn))
                props.line1.append(line1)
                props.line2.append(line2)
                props.locality.append(locality)
                props.town.append(place.post_town)
                props.postcode.append(postcode)
                props.easting.append(e)
                props.northing.append(n)
                props.ward.append(ward)
                props.parish.append(parish)
                props.settlement.append(index)
            made += length
    return props
