"""Council tax: the liable adults of most households, from the seven district councils.

One combined extract in cp1252: a name with title and middle initial in one column
(``Mr John A Smith``), the property's UPRN and address, the account and its band.
"""

from __future__ import annotations

import random
from datetime import date

from joinedup.synth.agencies import common as c
from joinedup.synth.context import YEAR, County
from joinedup.synth.feeds import Entry, Feed, Job, PersonJob, view_columns
from joinedup.synth.formats import d_dmy
from joinedup.synth.places_data import DISTRICT_COUNCILS, SETTLEMENTS
from joinedup.synth.population import (
    COUPLE,
    COUPLE_OLD,
    FAMILY,
    HEAD,
    MULTIGEN,
    PARTNER,
    SHARED,
    Person,
)
from joinedup.synth.records import Profile, View

AGENCY = "Norfolk district councils (council tax)"
_BANDS = "A" * 25 + "B" * 23 + "C" * 20 + "D" * 14 + "E" * 10 + "F" * 5 + "G" * 2 + "H"
_COUPLES = (COUPLE, COUPLE_OLD, FAMILY, MULTIGEN)

PROFILE = Profile(given_typo=0.015, family_typo=0.015, nickname=0.08, maiden=0.05, curly=0.6,
                  middle=0.7, phone_missing=1.0, bad=0.002, abbreviate=0.05, duplicates=0.02)


def _title(person: Person, kind: int, age: float, rng: random.Random) -> str:
    if rng.random() < 0.015:
        return "Dr"
    if person.sex == "M":
        return "Mr"
    if person.maiden or (kind in _COUPLES and person.role in (HEAD, PARTNER)
                         and rng.random() < 0.6):
        return "Mrs" if rng.random() < 0.9 else "Ms"
    return "Miss" if age < 35 else "Ms" if rng.random() < 0.6 else "Mrs"


def full_name(v: View) -> str:
    """``'Mr John A Smith'``: title, first name, middle initial, surname."""
    title = v.extra.partition("|")[0]
    initial = f" {v.middle[0]}" if v.middle else ""
    return f"{title} {v.given}{initial} {v.family}"


def jobs(county: County) -> list[Job]:
    rng_ids = county.rng("ids:council-tax")
    serial = [1_000_000 + int(rng_ids.random() * 500_000)]

    def account(prefix: str) -> str:
        serial[0] += 1 + int(rng_ids.random() * 3)
        return f"{prefix}{serial[0]:07d}"

    def entries(rng: random.Random) -> list[Entry]:
        pop, today, result = county.pop, county.today, []
        for household in pop.households:
            if rng.random() < 0.04:  # exempt, or not yet billed
                continue
            members = pop.members(household)
            adults = [p for p in members if today - p.dob >= 18 * YEAR]
            if not adults:
                continue
            if household.kind == SHARED and rng.random() < 0.7:
                liable = adults
            elif household.kind in _COUPLES and len(adults) > 1 and rng.random() < 0.75:
                liable = adults[:2]
            else:
                liable = adults[:1]
            council = SETTLEMENTS[county.props.settlement[household.prop]].council
            number = account(str(DISTRICT_COUNCILS.index(council) + 1))
            band = _BANDS[int(rng.random() * len(_BANDS))]
            since = household.moved or max(
                liable[0].dob + int(18 * YEAR), today - int(rng.random() * 30 * 365))
            liable_from = d_dmy(date.fromordinal(since))
            for party, person in enumerate(liable, start=1):
                title = _title(person, household.kind, (today - person.dob) / YEAR, rng)
                extra = f"{title}|{band}|{liable_from}"
                result.append(Entry(person.pid, f"{number}/{party}", number, extra))
        return result

    def duplicate(entry: Entry, rng: random.Random) -> Entry:
        """The closed account at an old address, still on the extract."""
        number = account(entry.ident[0])
        return Entry(entry.pid, f"{number}/1", number, entry.extra)

    liable = Feed(
        name="council_tax", agency=AGENCY, kind="person", format="csv",
        filename="council_tax.csv", options={"delimiter": ",", "encoding": "cp1252"},
        description="Liable parties on council tax accounts across the district councils: "
                    "the adults responsible for each home's council tax.",
        columns=view_columns(
            ("Liable Party Ref", c.record_id), ("Account Ref", c.ident),
            ("Full Name", full_name), ("UPRN", c.uprn), ("Address 1", c.street),
            ("Address 2", c.locality), ("Address 3", c.town), ("Post Code", c.postcode),
            ("Band", lambda v: v.extra.split("|")[1]),
            ("Liable From", lambda v: v.extra.split("|")[2]),
            ("District", lambda v: SETTLEMENTS[county.props.settlement[v.prop]].council)),
        fields={"full_name": "Full Name", "uprn": "UPRN",
                "address": ["Address 1", "Address 2", "Address 3"], "postcode": "Post Code",
                "identifiers": {"council_tax_account": "Account Ref"}},
        required=("Full Name",),
    )
    return [PersonJob(liable, PROFILE, entries=entries, duplicate=duplicate)]
