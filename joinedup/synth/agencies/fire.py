"""Norfolk Fire and Rescue Service: home fire safety visits and the occupants seen.

Visits go mostly to older and vulnerable households. The export is a European-style CSV
(";" delimiter) in UTF-8 with a byte-order mark, dates ``dd-mm-yyyy``.

At a visit the crew records risk markers for each occupant, in the service's own words, for
the crews who may one day have to get them out: "Oxygen in use", "Bedbound", "Reduced
mobility", "Hard of hearing", "Lives alone", "Hoarding"... (``_MARKERS``, with how often a
real need is noted). Each is due for review at the next visit, three years on, so every marker
is current on the reference date.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

from joinedup.synth.agencies import common as c
from joinedup.synth.agencies.markers import Marker, has, lives_alone, marker_events
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
    worker_field,
)
from joinedup.synth.formats import d_dmy_dash, dob_dmy_dash, dt_dmy_dash_hm, working_moment
from joinedup.synth.places_data import SETTLEMENTS
from joinedup.synth.population import (
    BEDBOUND,
    DEMENTIA,
    ELECTRICITY,
    HEARING,
    HOARDING,
    MOBILITY,
    OXYGEN,
    SINGLE_OLD,
    SMOKER,
)
from joinedup.synth.records import Profile
from joinedup.synth.staff import Staff

AGENCY = "Norfolk Fire and Rescue Service"
_CSV = {"delimiter": ";", "encoding": "utf-8-sig"}
_ROLES = (("Watch Manager", 1), ("Community Safety Advisor", 3), ("Firefighter", 2))
_OUTCOMES = ("Smoke alarms fitted", "Smoke alarms tested; advice given",
             "Escape plan agreed", "Electrical safety advice given")

_HEALTH, _PLAIN = "Special Category", "Standard"
_MARKERS = (
    Marker("Oxygen in use", "Home oxygen: cylinders or a concentrator in the property",
           _HEALTH, has(OXYGEN), recorded=0.95),
    Marker("Powered medical equipment", "Relies on electrically powered medical equipment",
           _HEALTH, has(ELECTRICITY, unless=OXYGEN), recorded=0.8),
    Marker("Bedbound", "Confined to bed: will need carrying out", _HEALTH, has(BEDBOUND),
           recorded=0.9),
    Marker("Reduced mobility", "Slow to leave the property unaided", _HEALTH,
           has(MOBILITY, unless=BEDBOUND), recorded=0.85),
    Marker("Hard of hearing", "May not hear a smoke alarm: vibrating pad fitted", _HEALTH,
           has(HEARING), recorded=0.85),
    Marker("Dementia", "Memory loss: may not respond to an alarm", _HEALTH, has(DEMENTIA),
           recorded=0.7),
    Marker("Lives alone", "No one else in the property", _PLAIN, lives_alone, recorded=0.9),
    Marker("Hoarding", "Excess combustible material; exits obstructed", _PLAIN,
           has(HOARDING), recorded=0.8),
    Marker("Smoker", "Smokes indoors", _PLAIN, has(SMOKER), recorded=0.6),
)
_MARKER_REVIEW_DAYS = 3 * 366  # three years and a day or two: due after the reference date

PROFILE = Profile(given_typo=0.05, family_typo=0.04, nickname=0.15, maiden=0.2, curly=0.3,
                  middle=0.0, dob_missing=0.10, dob_swap=0.02, dob_year=0.01, phone="landline",
                  phone_missing=0.1, bad=0.004, abbreviate=0.3, duplicates=0.02)


def _household_chance(county: County, hh: int) -> float:
    pop = county.pop
    household = pop.households[hh]
    members = pop.members(household)
    chance = 0.015
    if any(county.today - p.dob > 75 * YEAR for p in members):
        chance = 0.1
    if household.kind == SINGLE_OLD:
        chance += 0.04
    if any(p.cond & c.VULNERABLE for p in members):
        chance += 0.12
    if any(p.cond & SMOKER for p in members):
        chance *= 1.5
    return chance


def jobs(county: County) -> list[Job]:
    visits = c.IdSequence(county.rng("ids:fire"), prefix="HFS", start=100_000, width=6)

    def entries(rng: random.Random) -> list[Entry]:
        pop, today = county.pop, county.today
        chosen = [hh for hh in range(len(pop.households))
                  if rng.random() < _household_chance(county, hh)]
        rng.shuffle(chosen)
        result: list[Entry] = []
        for hh in chosen:
            visit = visits.next()
            adults = [p for p in pop.members(pop.households[hh]) if today - p.dob >= 18 * YEAR]
            result.extend(Entry(p.pid, f"{visit}-{k + 1}") for k, p in enumerate(adults))
        return result

    occupants = Feed(
        name="fire_home_safety", agency=AGENCY, kind="person", format="csv",
        filename="fire_home_safety.csv", options=_CSV,
        description="Occupants recorded at Safe and Well (home fire safety) visits.",
        columns=view_columns(
            ("OccupantRef", c.record_id), ("VisitUPRN", c.uprn), ("Forename", c.given),
            ("Surname", c.family), ("DOB", dob_dmy_dash), ("Gender", c.sex_word),
            ("AddressLine", c.street_and_locality), ("Town", c.town), ("Postcode", c.postcode),
            ("ContactNumber", c.phone)),
        fields={"given_name": "Forename", "family_name": "Surname",
                "date_of_birth": {"column": "DOB", "format": "%d-%m-%Y"}, "sex": "Gender",
                "uprn": "VisitUPRN", "address": ["AddressLine", "Town"], "postcode": "Postcode",
                "phone": "ContactNumber"},
        required=("Forename", "Surname"),
    )
    return [PersonJob(occupants, PROFILE, entries=entries,
                      duplicate=lambda entry, rng: Entry(entry.pid, f"{visits.next()}-1")),
            ActivityJob(_visits_feed(), lambda refs, rng: _visits(county, refs, rng)),
            ActivityJob(_markers_feed(), lambda refs, rng: marker_events(
                county, refs, rng, _MARKERS, prefix="RM", valid_days=_MARKER_REVIEW_DAYS))]


def _visits_feed() -> Feed:
    return Feed(
        name="fire_visits", agency=AGENCY, kind="contact", format="csv",
        filename="fire_visits.csv", options=_CSV, person_source="fire_home_safety",
        description="Home fire safety visits: when, by whom, from which station, and what "
                    "was done, one row per occupant seen.",
        columns=event_columns(
            ("VisitOccupantRef", lambda e: e.rid), ("OccupantRef", lambda e: e.person),
            ("VisitDate", lambda e: dt_dmy_dash_hm(e.when)),
            ("Officer", worker_field("name")),
            ("Station", lambda e: e.team), ("Outcome", lambda e: e.description)),
        fields={"person": "OccupantRef",
                "occurred_at": {"column": "VisitDate", "format": "%d-%m-%Y %H:%M"},
                "service": {"value": AGENCY}, "channel": {"value": "home visit"},
                "practitioner": "Officer", "team": "Station", "summary": "Outcome"},
        required=("OccupantRef",),
    )


def _markers_feed() -> Feed:
    return Feed(
        name="fire_risk_markers", agency=AGENCY, kind="flag", format="csv",
        filename="fire_risk_markers.csv", options=_CSV, person_source="fire_home_safety",
        description="Risk markers recorded for occupants at Safe and Well visits: what a crew "
                    "sent to a fire or an evacuation at the address needs to know.",
        columns=event_columns(
            ("MarkerRef", lambda e: e.rid), ("OccupantRef", lambda e: e.person),
            ("RiskMarker", lambda e: e.code), ("MarkerDetail", lambda e: e.description),
            ("Confidentiality", lambda e: e.sensitivity),
            ("DateRecorded", lambda e: d_dmy_dash(e.start)),
            ("ReviewDue", lambda e: d_dmy_dash(e.end))),
        fields={"person": "OccupantRef", "flag": "RiskMarker", "description": "MarkerDetail",
                "sensitivity": "Confidentiality",
                "raised_on": {"column": "DateRecorded", "format": "%d-%m-%Y"},
                "expires_on": {"column": "ReviewDue", "format": "%d-%m-%Y"}},
        required=("OccupantRef",),
    )


def _station(county: County, pid: int) -> str:
    prop = county.pop.households[county.pop.people[pid].hh].prop
    return f"{SETTLEMENTS[county.props.settlement[prop]].post_town} Fire Station"


def _outcome(cond: int, rng: random.Random) -> str:
    if cond & OXYGEN:
        return "Home oxygen in use: fire safety advice given, referred to supplier"
    if cond & HEARING:
        return "Sensory smoke alarm fitted (hearing impaired)"
    if cond & SMOKER and rng.random() < 0.6:
        return "Fire retardant bedding supplied (smoker)"
    return _OUTCOMES[int(rng.random() * len(_OUTCOMES))]


def _visits(county: County, refs: Sequence[Ref], rng: random.Random) -> Iterator[Event]:
    people, today = county.pop.people, county.today
    by_visit: dict[str, list[Ref]] = {}
    for ref in refs:
        by_visit.setdefault(ref.rid.rpartition("-")[0], []).append(ref)
    stations = sorted({f"{s.post_town} Fire Station" for s in SETTLEMENTS})
    staff = Staff(county.rng("staff:fire"), domain="norfolkfire.example.gov.uk",
                  phone_prefix="01603", teams=stations, roles=_ROLES, per_team=4)
    n = 0
    for occupants in by_visit.values():
        station = _station(county, occupants[0].pid)
        for _ in range(2 if rng.random() < 0.15 else 1):
            when = working_moment(rng, today, 3 * 365, start_hour=9, hours=8)
            officer = staff.pick(station)
            for rid, pid in occupants:
                n += 1
                e = Event(f"V{n:07d}", rid)
                e.when, e.worker, e.team = when, officer, station
                e.description = _outcome(people[pid].cond, rng)
                yield e
