"""The true population of the synthetic county: households, people, and who lives where.

Household mix (share of households, members):

    single_old     15%   one person 65+ (two in three women)
    single         16%   one adult 18-64
    couple_old     15%   two people 65+
    couple         18%   two adults 20-64
    family         21%   a couple and 1-4 children (3% of families with 2+ children have twins),
                         sometimes one adult child still at home
    single_parent   7%   one parent (mostly mothers) and 1-3 children
    shared          6%   2-5 unrelated adults 19-40
    multigen        2%   a family with a grandparent

Most married women took their husband's surname (``maiden`` keeps the birth surname); some
children of parents who kept their own names have double-barrelled surnames. Everyone has a
unique NHS number passing the Modulus 11 check, drawn from the 99x range, which is not issued to
patients (NHS England tests with 999). About 12% of households moved in the last four years
(``prev_prop`` is the home they left). ``cond`` carries conditions (frailty, oxygen, dementia...)
so that every agency sees the same person consistently. Three are drawn once everyone exists
(from the same stream, so no one else changed when they were added):

    BEDBOUND      of those with limited mobility: 25% at 85+, 12% at 75-84, else 5%
    HOARDING      1.5% of adults 55+, 0.6% of younger adults
    SAFEGUARDING  an open adult safeguarding enquiry: 4% of adults with a care need
                  (mobility, oxygen, dementia, learning disability, frailty), 0.2% of others
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from joinedup.standardise.nhs import nhs_check_digit
from joinedup.synth.geography import Properties
from joinedup.synth.names_data import (
    BRITISH_SURNAMES,
    DECADES,
    ORIGIN_GIVEN,
    ORIGIN_SHARES,
    ORIGIN_SURNAMES,
    given_names,
    split_names,
    weighted_table,
)
from joinedup.synth.places_data import SETTLEMENTS
from joinedup.synth.text import ascii_fold

# Household kinds
SINGLE_OLD, SINGLE, COUPLE_OLD, COUPLE, FAMILY, SINGLE_PARENT, SHARED, MULTIGEN = range(8)
KIND_NAMES = ("single_old", "single", "couple_old", "couple", "family", "single_parent",
              "shared", "multigen")
_KIND_SHARES = (0.15, 0.16, 0.15, 0.18, 0.21, 0.07, 0.06, 0.02)

# Roles in a household
HEAD, PARTNER, CHILD, ADULT_CHILD, SHARER, GRANDPARENT = range(6)

# Conditions (bit flags in Person.cond)
MOBILITY, OXYGEN, DEMENTIA, ELECTRICITY, LEARNING_DISABILITY, SMOKER, HEARING, FRAIL = (
    1 << i for i in range(8))
BEDBOUND, HOARDING, SAFEGUARDING = (1 << i for i in range(8, 11))
CARE_NEED = MOBILITY | OXYGEN | DEMENTIA | LEARNING_DISABILITY | FRAIL

_YEAR = 365.2425
_MOBILE_PREFIXES = ("074", "075", "077", "078", "079", "071", "073")
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")


class Person:
    """One true person. ``dob`` is a date ordinal; ``middle``, ``maiden``, ``mobile`` and
    ``email`` are ``""`` when absent."""

    __slots__ = ("cond", "dob", "email", "family", "given", "hh", "maiden", "middle", "mobile",
                 "nhs", "pid", "role", "sex")

    def __init__(self, pid: int, hh: int, role: int, sex: str, dob: int) -> None:
        self.pid, self.hh, self.role, self.sex, self.dob = pid, hh, role, sex, dob
        self.given = self.middle = self.family = self.maiden = ""
        self.nhs = self.mobile = self.email = ""
        self.cond = 0


class Household:
    """Members are ``people[first:first + size]``; ``prop``/``prev_prop`` index properties."""

    __slots__ = ("first", "kind", "landline", "moved", "prev_prop", "prop", "size")

    def __init__(self, first: int, kind: int) -> None:
        self.first, self.kind, self.size = first, kind, 0
        self.prop, self.prev_prop, self.moved = -1, -1, 0
        self.landline = ""


@dataclass
class Population:
    reference: date
    people: list[Person] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)

    def age(self, person: Person) -> float:
        return (self.reference.toordinal() - person.dob) / _YEAR

    def members(self, household: Household) -> list[Person]:
        return self.people[household.first: household.first + household.size]

    def lives_alone(self, person: Person) -> bool:
        return self.households[person.hh].size == 1


def person_id(pid: int) -> str:
    return f"P{pid + 1:07d}"


class Namer:
    """Sampling tables for names, built once per county."""

    def __init__(self) -> None:
        self.given = {(sex, decade): weighted_table(given_names(sex, decade))
                      for sex in "MF" for decade in DECADES}
        self.origin_given = {(origin, sex): weighted_table(split_names(names[sex]), skew=0.5)
                             for origin, names in ORIGIN_GIVEN.items() for sex in "MF"}
        self.surnames = {"british": weighted_table(split_names(BRITISH_SURNAMES), size=6000,
                                                   skew=0.75)}
        for origin, names in ORIGIN_SURNAMES.items():
            self.surnames[origin] = weighted_table(split_names(names), skew=0.6)
        self.origins: list[str] = []
        for origin, share in ORIGIN_SHARES:
            self.origins.extend([origin] * round(share * 1000))

    @staticmethod
    def pick(rng: random.Random, table: list[str]) -> str:
        return table[int(rng.random() * len(table))]

    def surname(self, rng: random.Random, origin: str) -> str:
        return self.pick(rng, self.surnames[origin])

    def given_name(self, rng: random.Random, sex: str, year: int, origin: str,
                   *, born_here: bool) -> str:
        if origin != "british" and (not born_here or rng.random() < 0.5):
            return self.pick(rng, self.origin_given[(origin, sex)])
        decade = min(max(year // 10 * 10, DECADES[0]), DECADES[-1])
        return self.pick(rng, self.given[(sex, decade)])


@lru_cache(maxsize=4096)
def _email_part(name: str) -> str:
    """``'O’Brien'`` -> ``'obrien'``: a name as it appears in an email address."""
    return "".join(c for c in ascii_fold(name).lower() if c.isalpha())


def feminine(surname: str) -> str:
    """Polish surnames agree with sex: Kowalski -> Kowalska."""
    if surname.endswith(("ski", "cki", "dzki")):
        return surname[:-1] + "a"
    return surname


class _NhsNumbers:
    """Unique valid NHS numbers 99xxxxxxxx in a scrambled order (a bijection on 10^7).

    The Modulus 11 sum is taken from two lookup tables (digits 3-5 and 6-9) because this runs
    a million times; ``nhs_check_digit`` checks the tables once, and the tests check every
    number with ``is_valid_nhs_number``.
    """

    def __init__(self, rng: random.Random) -> None:
        self._i = 0
        self._offset = rng.randrange(10_000_000)
        self._high = [sum(int(d) * w for d, w in zip(f"{n:03d}", (8, 7, 6), strict=True))
                      for n in range(1000)]
        self._low = [sum(int(d) * w for d, w in zip(f"{n:04d}", (5, 4, 3, 2), strict=True))
                     for n in range(10_000)]
        for sample in (0, 1_234_567, 9_999_999, self._offset):
            assert self._check(sample) == nhs_check_digit(f"99{sample:07d}")

    def _check(self, body: int) -> int | None:
        check = 11 - (171 + self._high[body // 10_000] + self._low[body % 10_000]) % 11
        return 0 if check == 11 else None if check == 10 else check

    def next(self) -> str:
        while True:
            body = (7_654_321 * self._i + self._offset) % 10_000_000
            self._i += 1
            check = self._check(body)
            if check is not None:
                return f"99{body:07d}{check}"


class _Builder:
    def __init__(self, rng: random.Random, reference: date) -> None:
        self.rng = rng
        self.ref = reference.toordinal()
        self.ref_year = reference.year
        self.namer = Namer()
        self.nhs = _NhsNumbers(rng)
        self.pop = Population(reference)
        self.emails: set[str] = set()

    def person(self, hh: Household, role: int, sex: str, age: float, family: str, origin: str,
               taken: set[str]) -> Person:
        rng, pop = self.rng, self.pop
        dob = self.ref - int(age * _YEAR) - 1
        p = Person(len(pop.people), len(pop.households), role, sex, dob)
        year = date.fromordinal(dob).year
        born_here = role in (CHILD, ADULT_CHILD) or origin == "british"
        for _ in range(5):
            p.given = self.namer.given_name(rng, sex, year, origin, born_here=born_here)
            if p.given not in taken:
                break
        taken.add(p.given)
        draw = rng.random()
        if draw < (0.65 if origin == "british" else 0.2):
            middles = [self.namer.given_name(rng, sex, year, "british", born_here=True)]
            if draw < 0.07:
                middles.append(self.namer.given_name(rng, sex, year, "british", born_here=True))
            p.middle = " ".join(m for m in dict.fromkeys(middles) if m != p.given)
        p.family = feminine(family) if sex == "F" else family
        p.nhs = self.nhs.next()
        self._contact_details(p, age)
        self._conditions(p, age)
        pop.people.append(p)
        hh.size += 1
        return p

    def _contact_details(self, p: Person, age: float) -> None:
        rng = self.rng
        if age >= 13 and rng.random() < (0.9 if age < 75 else 0.55):
            prefix = _MOBILE_PREFIXES[int(rng.random() * len(_MOBILE_PREFIXES))]
            p.mobile = f"{prefix}{int(rng.random() * 90) + 10} {int(rng.random() * 1e6):06d}"
        if age >= 16 and rng.random() < (0.8 if age < 50 else 0.6 if age < 65 else 0.3):
            given, family = _email_part(p.given), _email_part(p.family)
            domain = _EMAIL_DOMAINS[int(rng.random() * len(_EMAIL_DOMAINS))]
            style = rng.random()
            if style < 0.4:
                local = f"{given}.{family}"
            elif style < 0.7:
                local = f"{given[0]}{family}{int(rng.random() * 99) + 1}"
            else:
                local = f"{family}.{given}{date.fromordinal(p.dob).year % 100:02d}"
            # An address belongs to one person: a second John Richardson is given
            # john.richardson2, as a mail provider would.
            address, n = f"{local}@{domain}", 1
            while address in self.emails:
                n += 1
                address = f"{local}{n}@{domain}"
            self.emails.add(address)
            p.email = address

    def _conditions(self, p: Person, age: float) -> None:
        rng, cond = self.rng, 0
        if age >= 65:
            band = 0 if age < 75 else 1 if age < 85 else 2
            for flag, rates in ((MOBILITY, (0.08, 0.20, 0.40)), (OXYGEN, (0.015, 0.03, 0.04)),
                                (DEMENTIA, (0.02, 0.07, 0.18)), (HEARING, (0.03, 0.06, 0.12)),
                                (FRAIL, (0.05, 0.15, 0.35))):
                if rng.random() < rates[band]:
                    cond |= flag
            if cond & OXYGEN or (band and rng.random() < 0.02):
                cond |= ELECTRICITY
        elif age >= 18:
            if rng.random() < 0.015:
                cond |= MOBILITY
            if rng.random() < 0.005:
                cond |= LEARNING_DISABILITY
            if rng.random() < 0.003:
                cond |= ELECTRICITY
        elif rng.random() < 0.015:  # a disabled child
            cond |= LEARNING_DISABILITY if rng.random() < 0.7 else MOBILITY
        if age >= 18 and rng.random() < 0.12:
            cond |= SMOKER
        p.cond = cond

    def household(self, kind: int) -> None:
        rng, namer = self.rng, self.namer
        hh = Household(len(self.pop.people), kind)
        origin = namer.pick(rng, namer.origins)
        taken: set[str] = set()
        if kind in (SINGLE_OLD, SINGLE):
            age = (65 + min(abs(rng.gauss(0, 14)), 37) if kind == SINGLE_OLD
                   else 18 + 47 * rng.random() ** 0.7)
            sex = "F" if rng.random() < (0.65 if kind == SINGLE_OLD else 0.45) else "M"
            self.person(hh, HEAD, sex, age, namer.surname(rng, origin), origin, taken)
        elif kind == SHARED:
            for _ in range(rng.choice((2, 2, 3, 3, 4, 5))):
                sharer_origin = namer.pick(rng, namer.origins)
                self.person(hh, SHARER if hh.size else HEAD, "MF"[rng.random() < 0.5],
                            rng.uniform(19, 40), namer.surname(rng, sharer_origin),
                            sharer_origin, taken)
        elif kind == SINGLE_PARENT:
            sex = "F" if rng.random() < 0.88 else "M"
            age = rng.uniform(20, 50)
            family = namer.surname(rng, origin)
            parent = self.person(hh, HEAD, sex, age, family, origin, taken)
            kids_family = family if rng.random() < 0.6 else namer.surname(rng, origin)
            self._children(hh, parent, age, kids_family, origin, taken, rng.choice((1, 1, 2, 3)))
        else:
            self._couple_household(hh, kind, origin, taken)
        self.pop.households.append(hh)

    def _couple_household(self, hh: Household, kind: int, origin: str, taken: set[str]) -> None:
        rng, namer = self.rng, self.namer
        old = kind == COUPLE_OLD
        head_age = (65 + min(abs(rng.gauss(0, 11)), 35) if old
                    else 20 + 45 * rng.random() ** 0.6 if kind == COUPLE else rng.uniform(27, 58))
        same_sex = rng.random() < 0.03
        head_sex = rng.choice("MF") if same_sex else "M"
        partner_sex = head_sex if same_sex else "F"
        partner_age = max(18.0, head_age + rng.gauss(-2, 3))
        family = namer.surname(rng, origin)
        partner_origin = origin if rng.random() < 0.9 else "british"
        birth_name = namer.surname(rng, partner_origin)
        married = rng.random() < (0.85 if old else 0.7)
        takes_name = married and not same_sex and rng.random() < (0.97 if old else 0.85)
        head = self.person(hh, HEAD, head_sex, head_age, family, origin, taken)
        partner = self.person(hh, PARTNER, partner_sex, partner_age,
                              family if takes_name else birth_name, partner_origin, taken)
        if takes_name:
            partner.maiden = feminine(birth_name) if partner_sex == "F" else birth_name
        if kind in (FAMILY, MULTIGEN):
            mother_age = partner_age if partner_sex == "F" else head_age
            kids_family = family
            if not takes_name and not same_sex and rng.random() < 0.35:
                kids_family = f"{family}-{birth_name}"
            count = (1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4)[
                int(rng.random() * 20)]
            self._children(hh, partner, mother_age, kids_family, origin, taken, count)
        if kind == MULTIGEN:
            gran_age = min(head_age + rng.uniform(22, 38), 101.0)
            self.person(hh, GRANDPARENT, "F" if rng.random() < 0.7 else "M", gran_age,
                        head.family if rng.random() < 0.6 else birth_name, origin, taken)

    def _children(self, hh: Household, parent: Person, parent_age: float, family: str,
                  origin: str, taken: set[str], count: int) -> None:
        rng = self.rng
        if parent_age < 18:
            return
        adult_child = parent_age > 42 and rng.random() < 0.25
        twins = count >= 2 and rng.random() < 0.03
        age = 0.0
        for k in range(count):
            if not (twins and k == 1):  # a twin shares the previous child's age to the day
                if adult_child and k == 0:
                    age = rng.uniform(18, min(24.9, parent_age - 18))
                else:  # born to a mother aged 20-40 where possible, always under 18 now
                    age = parent_age - rng.uniform(22, 40)
                    if not 0 <= age < 18:
                        age = rng.uniform(0, min(17.99, parent_age - 17))
            self.person(hh, ADULT_CHILD if age >= 18 else CHILD, "MF"[rng.random() < 0.5], age,
                        family, origin, taken)


def build_population(people: int, rng: random.Random, reference: date,
                     progress: Callable[[int], None] | None = None) -> Population:
    """Households until there are exactly ``people`` people (the last household is cut short).

    ``progress(people so far)`` is called every 50,000 people or so, and at the end.
    """
    builder = _Builder(rng, reference)
    kinds: list[int] = []
    for kind, share in enumerate(_KIND_SHARES):
        kinds.extend([kind] * round(share * 100))
    pop = builder.pop
    report = 0
    while len(pop.people) < people:
        builder.household(kinds[int(rng.random() * len(kinds))])
        if progress is not None and len(pop.people) >= report:
            progress(min(len(pop.people), people))
            report += 50_000
    surplus = len(pop.people) - people
    if surplus:
        del pop.people[people:]
        pop.households[-1].size -= surplus
    _later_conditions(pop, rng)
    if progress is not None:
        progress(people)
    return pop


def _later_conditions(pop: Population, rng: random.Random) -> None:
    """Bedbound, hoarding and safeguarding (see the module docstring)."""
    r = rng.random
    for p in pop.people:
        age = pop.age(p)
        if age < 18:
            continue
        if p.cond & MOBILITY and r() < (0.25 if age >= 85 else 0.12 if age >= 75 else 0.05):
            p.cond |= BEDBOUND
        if r() < (0.015 if age >= 55 else 0.006):
            p.cond |= HOARDING
        if r() < (0.04 if p.cond & CARE_NEED else 0.002):
            p.cond |= SAFEGUARDING


def assign_homes(pop: Population, props: Properties, rng: random.Random) -> None:
    """Give every household a home, a landline (some) and, for movers, the home they left."""
    total = len(props)
    if len(pop.households) > total:
        raise ValueError("more households than properties")
    order = list(range(total))
    rng.shuffle(order)
    ref = pop.reference.toordinal()
    for hh, prop in zip(pop.households, order, strict=False):
        hh.prop = prop
        if rng.random() < 0.12:
            prev = int(rng.random() * total)
            hh.prev_prop = prev if prev != prop else -1
            hh.moved = ref - rng.randrange(30, 1460)
        elderly = hh.kind in (SINGLE_OLD, COUPLE_OLD)
        if rng.random() < (0.8 if elderly else 0.45):
            code = SETTLEMENTS[props.settlement[prop]].dialling_code
            hh.landline = f"{code} {rng.randrange(200_000, 1_000_000)}"
