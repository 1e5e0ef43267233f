"""A person as one source has them written down: the truth, run through the source's habits.

A ``Profile`` holds a source's rates of each kind of mistake (see the module docstring of
``joinedup.synth`` for the table); ``make_view`` applies them to one true person and returns a
``View``, the values the source's columns are built from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date

from joinedup.synth.context import YEAR, County
from joinedup.synth.corruption import (
    BAD_PHONES,
    BAD_POSTCODES,
    abbreviate_street,
    apostrophe,
    mistype_nhs,
    nickname,
    surname_variant,
    swap_day_month,
    typo,
    year_off_by_one,
)


@dataclass(frozen=True)
class Profile:
    """How often a source gets each thing wrong (or leaves it out); all rates are 0..1."""

    given_typo: float = 0.02
    family_typo: float = 0.02
    nickname: float = 0.0  # a familiar form of the given name
    maiden: float = 0.0  # still the birth surname of someone who changed it at marriage (< 50)
    hyphen: float = 0.3  # a double-barrelled surname kept differently
    curly: float = 0.3  # O’Brien kept with its typographic apostrophe (else mostly straight)
    middle: float = 1.0  # middle names recorded, when the person has them
    dob_missing: float = 0.0
    dob_swap: float = 0.0  # day and month swapped
    dob_year: float = 0.0  # year off by one
    nhs_missing: float = 1.0  # 1.0: the source holds no NHS numbers
    nhs_mistype: float = 0.0
    stale: float = 0.0  # a household that moved is still at its previous address
    phone: str = "mobile"  # the number the source asks for first: mobile or landline
    phone_missing: float = 0.3
    email: float = 0.0  # an email recorded, when the person has one
    sex_missing: float = 0.0
    bad: float = 0.002  # one unusable optional value: postcode N/K, phone unknown, 31/02/1970
    abbreviate: float = 0.0  # Road -> Rd
    duplicates: float = 0.02  # a second record for the same person in the same source

    def for_duplicate(self) -> Profile:
        """A duplicate record was typed in again, later and worse: more slips, fewer numbers,
        often at an old address."""
        return replace(
            self, given_typo=min(1.0, self.given_typo * 3 + 0.1),
            family_typo=min(1.0, self.family_typo * 2 + 0.05), nickname=self.nickname + 0.15,
            nhs_missing=min(1.0, self.nhs_missing + 0.4), stale=max(self.stale, 0.6),
            phone_missing=min(1.0, self.phone_missing + 0.2), middle=self.middle / 2,
            dob_swap=self.dob_swap + 0.03)


class View:
    """One record's values before the source's columns format them. ``y, m, d`` may be an
    impossible date (a bad value) or all 0 (not recorded)."""

    __slots__ = ("d", "email", "extra", "family", "given", "ident", "line1", "line2",
                 "locality", "m", "middle", "nhs", "phone", "pid", "postcode", "prop", "rid",
                 "sex", "town", "uprn", "y")

    pid: int
    rid: str
    ident: str
    extra: str
    given: str
    middle: str
    family: str
    sex: str
    y: int
    m: int
    d: int
    nhs: str
    prop: int
    uprn: str
    line1: str
    line2: str
    locality: str
    town: str
    postcode: str
    phone: str
    email: str

    def date_of_birth(self) -> date | None:
        """The date of birth as a date, or None when not recorded or impossible."""
        if not self.y:
            return None
        try:
            return date(self.y, self.m, self.d)
        except ValueError:
            return None


def make_view(county: County, pid: int, rid: str, ident: str, extra: str, profile: Profile,
              rng: random.Random) -> View:
    person = county.pop.people[pid]
    household = county.pop.households[person.hh]
    props = county.props
    r = rng.random
    v = View()
    v.pid, v.rid, v.ident, v.extra = pid, rid, ident, extra

    given = person.given
    if profile.nickname and r() < profile.nickname:
        given = nickname(given, county.nicknames, rng)
    if r() < profile.given_typo:
        given = typo(given, rng)
    family = person.family
    if person.maiden and r() < profile.maiden and (county.today - person.dob) < 50 * YEAR:
        family = person.maiden
    if "-" in family and r() < profile.hyphen:
        family = surname_variant(family, rng)
    if "’" in family:
        family = apostrophe(family, profile.curly, rng)
    if r() < profile.family_typo:
        family = typo(family, rng)
    v.given, v.family = given, family
    v.middle = person.middle if person.middle and r() < profile.middle else ""
    v.sex = "" if profile.sex_missing and r() < profile.sex_missing else person.sex

    if profile.dob_missing and r() < profile.dob_missing:
        v.y = v.m = v.d = 0
    else:
        born = date.fromordinal(person.dob)
        y, m, d = born.year, born.month, born.day
        if profile.dob_swap and r() < profile.dob_swap:
            y, m, d = swap_day_month(y, m, d)
        if profile.dob_year and r() < profile.dob_year:
            y, m, d = year_off_by_one(y, m, d, rng)
        v.y, v.m, v.d = y, m, d

    if profile.nhs_missing >= 1.0 or r() < profile.nhs_missing:
        v.nhs = ""
    elif profile.nhs_mistype and r() < profile.nhs_mistype:
        v.nhs = mistype_nhs(person.nhs, rng)
    else:
        v.nhs = person.nhs

    prop = household.prop
    if household.prev_prop >= 0 and profile.stale and r() < profile.stale:
        prop = household.prev_prop
    v.prop, v.uprn = prop, props.uprn[prop]
    v.line1, v.line2 = props.line1[prop], props.line2[prop]
    if profile.abbreviate and r() < profile.abbreviate:
        v.line1, v.line2 = abbreviate_street(v.line1), abbreviate_street(v.line2)
    v.locality, v.town, v.postcode = props.locality[prop], props.town[prop], props.postcode[prop]

    if r() < profile.phone_missing:
        v.phone = ""
    elif profile.phone == "mobile":
        v.phone = person.mobile or household.landline
    else:
        v.phone = household.landline or person.mobile
    v.email = person.email if person.email and profile.email and r() < profile.email else ""

    if profile.bad and r() < profile.bad:
        which = r()
        if which < 0.4:
            v.postcode = BAD_POSTCODES[int(r() * len(BAD_POSTCODES))]
        elif which < 0.7:
            v.phone = BAD_PHONES[int(r() * len(BAD_PHONES))]
        elif v.y:
            v.m, v.d = 2, 30 + int(r() * 2)
    return v
