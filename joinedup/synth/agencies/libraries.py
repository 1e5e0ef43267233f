"""Norfolk Library and Information Service: library members.

A pipe-delimited export with first and last names, contact details and a postcode but no
address; the date of birth is often left out. Members are the young and the old, mostly.
"""

from __future__ import annotations

import random
from datetime import date

from joinedup.synth.agencies import common as c
from joinedup.synth.context import County
from joinedup.synth.feeds import Entry, Feed, Job, PersonJob, view_columns
from joinedup.synth.formats import dob_iso
from joinedup.synth.places_data import SETTLEMENTS
from joinedup.synth.records import Profile

AGENCY = "Norfolk Library and Information Service"

PROFILE = Profile(given_typo=0.03, family_typo=0.03, nickname=0.2, maiden=0.4, curly=0.2,
                  middle=0.0, dob_missing=0.65, dob_swap=0.01, dob_year=0.005, stale=0.4,
                  phone="mobile", phone_missing=0.3, email=0.8, bad=0.003, duplicates=0.03)
CHANCE = c.by_band(0.15, 0.40, 0.30, 0.20, 0.15, 0.20, 0.25, 0.22, 0.35, 0.35, 0.20)


def branch(town: str) -> str:
    """The library of a post town, as members' home branches are named."""
    return "Norwich Millennium Library" if town == "Norwich" else f"{town} Library"


def jobs(county: County) -> list[Job]:
    ids = c.IdSequence(county.rng("ids:libraries"), prefix="B", start=5_000_000, width=7)
    cards = c.IdSequence(county.rng("ids:library-cards"), prefix="29261", start=10_000_000,
                         width=9, step=13)

    def entries(rng: random.Random) -> list[Entry]:
        result = []
        for pid in c.choose_people(county, rng, CHANCE):
            person = county.pop.people[pid]
            prop = county.pop.households[person.hh].prop
            home = branch(SETTLEMENTS[county.props.settlement[prop]].post_town)
            joined = max(person.dob + 365, county.today - int(rng.random() * 20 * 365))
            result.append(Entry(pid, ids.next(), cards.next(),
                                f"{home}|{date.fromordinal(joined).isoformat()}"))
        return result

    members = Feed(
        name="libraries", agency=AGENCY, kind="person", format="csv",
        filename="libraries.csv", options={"delimiter": "|", "encoding": "utf-8"},
        description="Library members: name, contact details, postcode, home branch and "
                    "library card number.",
        columns=view_columns(
            ("borrower_id", c.record_id), ("card_number", c.ident), ("first_name", c.given),
            ("last_name", c.family), ("email", c.email), ("phone", c.phone),
            ("postcode", c.postcode), ("date_of_birth", dob_iso),
            ("home_branch", lambda v: v.extra.partition("|")[0]),
            ("joined", lambda v: v.extra.partition("|")[2])),
        fields={"given_name": "first_name", "family_name": "last_name", "email": "email",
                "phone": "phone", "postcode": "postcode",
                "date_of_birth": {"column": "date_of_birth", "format": "%Y-%m-%d"},
                "identifiers": {"library_card": "card_number"}},
        required=("first_name", "last_name"),
    )
    # A duplicate membership is a second card, issued when the first was forgotten.
    return [PersonJob(members, PROFILE, entries=entries,
                      duplicate=lambda entry, rng: Entry(entry.pid, ids.next(), cards.next(),
                                                         entry.extra))]
