"""Norfolk Constabulary: nominal records and warning markers, exported as JSON Lines.

Names are one string, given names first; dates are ISO; a nominal with a criminal record has
a Police National Computer id in the PNC style (``YY/NNNNNNNC``). Every nominal has a
``sensitivity``: "standard", or "sealed" for the 1% who are women (18-64) in a refuge, whose
address is the refuge's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date

from joinedup.synth.agencies import common as c
from joinedup.synth.context import YEAR, County
from joinedup.synth.feeds import (
    ActivityJob,
    Entry,
    Event,
    Feed,
    Job,
    PersonJob,
    Ref,
    event_columns,
    view_columns,
)
from joinedup.synth.formats import d_iso, dob_iso, working_day
from joinedup.synth.population import DEMENTIA, LEARNING_DISABILITY
from joinedup.synth.records import Profile

AGENCY = "Norfolk Constabulary"
_PNC_CHECK = "ZABCDEFGHJKLMNPQRTUVWXY"
# (marker, description, sensitivity, weight)
_MARKERS = (
    ("DOMESTIC_ABUSE_RISK", "Domestic abuse: risk to occupants", "criminal_offence", 4),
    ("WEAPONS", "Known to carry weapons", "criminal_offence", 1),
    ("VIOLENT", "Violent towards officers", "criminal_offence", 2),
    ("DRUGS", "Drugs supply", "criminal_offence", 2),
    ("MENTAL_HEALTH", "Mental health concern", "special_category", 3),
    ("MISSING_PERSON_RISK", "Has gone missing before", "special_category", 2),
)
_VULNERABLE = ("VULNERABLE_ADULT", "Vulnerable adult: check welfare", "special_category")

PROFILE = Profile(given_typo=0.04, family_typo=0.03, nickname=0.10, maiden=0.30, curly=0.1,
                  middle=0.5, dob_missing=0.02, dob_swap=0.02, dob_year=0.01, stale=0.4,
                  phone_missing=0.4, bad=0.004, abbreviate=0.2, duplicates=0.03)
CHANCE = c.by_band(0, 0, 0.02, 0.05, 0.08, 0.06, 0.04, 0.02, 0.012, 0.015, 0.02,
                   vulnerable=2.0, male=1.8)
IN_REFUGE = 0.01  # of the nominals: women in a refuge, their records sealed


def pnc_id(year: int, serial: int) -> str:
    """``'14/0123456K'``: two-digit year, seven-digit serial, check letter (modulo 23)."""
    return f"{year % 100:02d}/{serial:07d}{_PNC_CHECK[(year % 100 * 10_000_000 + serial) % 23]}"


def jobs(county: County) -> list[Job]:
    ids = c.IdSequence(county.rng("ids:police"), prefix="NOM", start=20_000_000, width=8,
                       step=7)
    sealed = c.Sealed(county)

    def entries(rng: random.Random) -> list[Entry]:
        result, serial = [], int(rng.random() * 500_000)
        for pid in c.choose_people(county, rng, CHANCE):
            pnc = ""
            person = county.pop.people[pid]
            age = (county.today - person.dob) / YEAR
            if age > 12 and rng.random() < 0.6:
                serial += 1 + int(rng.random() * 20)
                year = county.reference.year - int(rng.random() * min(age - 11, 30))
                pnc = pnc_id(year, serial)
            result.append(Entry(pid, ids.next(), pnc))
        sealed.house_in_refuges([e.pid for e in result], IN_REFUGE)
        return result

    nominals = Feed(
        name="police", agency=AGENCY, kind="person", format="jsonl", filename="police.jsonl",
        options={"encoding": "utf-8"},
        description="Nominal records from the police records management system: people "
                    "who have been victims, witnesses, suspects or subjects of concern.",
        columns=sealed.columns(view_columns(
            ("nominal_id", c.record_id), ("name", c.name_given_first),
            ("date_of_birth", dob_iso), ("sex", c.sex_letter), ("pnc_id", c.ident),
            ("address", c.full_address), ("postcode", c.postcode), ("phone", c.phone),
            ("sensitivity", sealed.sensitivity("sealed", "standard")))),
        fields={"full_name": "name",
                "date_of_birth": {"column": "date_of_birth", "format": "%Y-%m-%d"},
                "sex": "sex", "address": "address", "postcode": "postcode", "phone": "phone",
                "identifiers": {"pnc_id": "pnc_id"}, "sensitivity": "sensitivity"},
        required=("name",),
    )
    return [PersonJob(nominals, PROFILE, entries=entries, duplicate=c.duplicate_with(ids)),
            ActivityJob(_markers_feed(), lambda refs, rng: _markers(county, refs, rng))]


def _markers_feed() -> Feed:
    return Feed(
        name="police_flags", agency=AGENCY, kind="flag", format="jsonl",
        filename="police_flags.jsonl", options={"encoding": "utf-8"}, person_source="police",
        description="Warning markers on police nominal records; most are criminal offence "
                    "data, shown only to officers and safeguarding partners.",
        columns=event_columns(
            ("marker_id", lambda e: e.rid), ("nominal_id", lambda e: e.person),
            ("marker", lambda e: e.code), ("description", lambda e: e.description),
            ("sensitivity", lambda e: e.sensitivity), ("raised", lambda e: d_iso(e.start)),
            ("review", lambda e: d_iso(e.end))),
        fields={"person": "nominal_id", "flag": "marker", "description": "description",
                "sensitivity": "sensitivity",
                "raised_on": {"column": "raised", "format": "%Y-%m-%d"},
                "expires_on": {"column": "review", "format": "%Y-%m-%d"}},
        required=("nominal_id",),
    )


def _markers(county: County, refs: Sequence[Ref], rng: random.Random) -> Iterator[Event]:
    table = [(code, text, level) for code, text, level, weight in _MARKERS
             for _ in range(weight)]
    today, n = county.today, 0
    for rid, pid in refs:
        person = county.pop.people[pid]
        found = []
        old = today - person.dob > 75 * YEAR
        if person.cond & (DEMENTIA | LEARNING_DISABILITY) or (old and rng.random() < 0.3):
            found.append(_VULNERABLE)
        elif rng.random() < 0.3:
            found.append(table[int(rng.random() * len(table))])
        for code, text, level in found:
            n += 1
            e = Event(f"MK{n:07d}", rid)
            e.code, e.description, e.sensitivity = code, text, level
            raised = working_day(rng, today, 3 * 365)
            e.start, e.end = date.fromordinal(raised), date.fromordinal(raised + 730)
            yield e
