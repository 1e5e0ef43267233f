"""Norfolk Community Health and Care NHS Trust: patients and community visits, as FHIR R4.

One Bundle holds both Patients and Encounters; two source definitions read it, one for each.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta

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
    worker_field,
)
from joinedup.synth.formats import dob_iso, dt_fhir, working_moment
from joinedup.synth.places_data import TEAM_AREAS
from joinedup.synth.population import DEMENTIA, FRAIL, MOBILITY, OXYGEN
from joinedup.synth.records import Profile, View
from joinedup.synth.staff import Staff, per_team

AGENCY = "Norfolk Community Health and Care NHS Trust"
BASE_URL = "https://fhir.nchc.example.nhs.uk"
LOCAL_ID = f"{BASE_URL}/Id/local-patient-number"
_GENDER = {"M": "male", "F": "female"}
_ROLES = (("Community Matron", 1), ("District Nurse", 4), ("Community Staff Nurse", 4),
          ("Health Visitor", 2), ("Physiotherapist", 1), ("Podiatrist", 1))
# (type, reasons) by kind of patient
Visits = tuple[tuple[str, tuple[str, ...]], ...]
_CHILD_VISITS: Visits = (("Health visitor contact", ("New birth visit", "Development review",
                                             "Infant feeding support")),)
_ADULT_VISITS: Visits = (
    ("District nursing visit", ("Wound care", "Medication administration", "Catheter care",
                                "Leg ulcer dressing", "Insulin administration")),
    ("Community matron review", ("Long-term condition review", "Falls assessment",
                                 "Palliative care")),
    ("Physiotherapy", ("Mobility assessment", "Post-operative rehabilitation")),
    ("Podiatry", ("Diabetic foot check", "Nail care")),
)
_CLASSES = ("HH",) * 7 + ("AMB",) * 2 + ("VR",)

PROFILE = Profile(given_typo=0.01, family_typo=0.01, nickname=0.02, maiden=0.10, curly=0.4,
                  middle=0.9, dob_swap=0.003, dob_year=0.002, nhs_missing=0.03,
                  nhs_mistype=0.004, stale=0.2, phone="mobile", phone_missing=0.1, email=0.3,
                  bad=0.002, duplicates=0.01)
CHANCE = c.by_band(0.14, 0.045, 0.045, 0.045, 0.045, 0.07, 0.07, 0.10, 0.23, 0.48, 0.7,
                   vulnerable=1.8)


def _address_line(v: View) -> str:
    return c.street_and_locality(v)


def jobs(county: County) -> list[Job]:
    rng_ids = county.rng("ids:nchc")
    local = c.IdSequence(rng_ids, prefix="NCH", start=4_000_000, width=7, step=3)

    def new_entry(pid: int) -> Entry:
        return Entry(pid, str(uuid.UUID(int=rng_ids.getrandbits(128), version=4)), local.next())

    patients = Feed(
        name="community_health", agency=AGENCY, kind="person", format="fhir",
        filename="community_health.json", base_url=BASE_URL,
        description="Patients of the community health trust (district nursing, health "
                    "visiting, therapies) from its FHIR R4 interface: Patient resources.",
        columns=view_columns(
            ("id", c.record_id), ("nhs_number", c.nhs),
            (f"identifier:{LOCAL_ID}", c.ident),
            ("given", c.given), ("middle", c.middle), ("family", c.family),
            ("gender", lambda v: _GENDER.get(v.sex, "unknown")), ("birthDate", dob_iso),
            ("address_line", _address_line), ("city", c.town), ("district", lambda v: "Norfolk"),
            ("postalCode", c.postcode), ("phone", c.phone), ("email", c.email)),
        fields={"given_name": "given", "middle_names": "middle", "family_name": "family",
                "date_of_birth": {"column": "birthDate", "format": "%Y-%m-%d"},
                "sex": "gender", "nhs_number": "nhs_number",
                "address": ["address_line", "city"], "postcode": "postalCode",
                "phone": "phone", "email": "email",
                "identifiers": {"nchc_patient_number": f"identifier:{LOCAL_ID}"}},
        required=("given", "middle", "family"),
    )
    visits = _Visits(county)
    return [PersonJob(patients, PROFILE,
                      entries=lambda rng: [new_entry(pid)
                                           for pid in c.choose_people(county, rng, CHANCE)],
                      duplicate=lambda entry, rng: new_entry(entry.pid)),
            ActivityJob(_encounters_feed(), visits.encounters)]


def _encounters_feed() -> Feed:
    return Feed(
        name="community_health_encounters", agency=AGENCY, kind="contact", format="fhir",
        filename="community_health.json", base_url=BASE_URL, person_source="community_health",
        description="Community health visits and appointments (FHIR R4 Encounter resources "
                    "in the same Bundle as the Patients), with the nurse or therapist seen.",
        columns=event_columns(
            ("id", lambda e: e.rid), ("subject", lambda e: e.person),
            ("period_start", lambda e: dt_fhir(e.when)),
            ("period_end", lambda e: dt_fhir(e.when + timedelta(minutes=int(e.extra))
                                             if e.when else None)),
            ("class", lambda e: e.code), ("type", lambda e: e.service),
            ("serviceProvider", lambda e: AGENCY),
            ("participant", worker_field("name")),
            ("reason", lambda e: e.reason)),
        fields={"person": "subject",
                "occurred_at": {"column": "period_start", "format": "%Y-%m-%dT%H:%M:%S%z"},
                "service": "type", "channel": "class", "practitioner": "participant",
                "summary": "reason"},
        required=("subject",),
    )


class _Visits:
    def __init__(self, county: County) -> None:
        self.county = county

    def encounters(self, refs: Sequence[Ref], rng: random.Random) -> Iterator[Event]:
        county, today = self.county, self.county.today
        teams = [f"{area} Community Team" for area in TEAM_AREAS.values()]
        staff = Staff(county.rng("staff:nchc"), domain="nchc.example.nhs.uk",
                      phone_prefix="01603", teams=teams, roles=_ROLES,
                      per_team=per_team(len(refs), len(teams), 60))
        for n, (rid, pid, _) in enumerate(c.each_ref_events(refs, rng, 2.2)):
            person = county.pop.people[pid]
            young = today - person.dob < 5 * YEAR
            kinds = _CHILD_VISITS if young else _ADULT_VISITS
            if person.cond & (OXYGEN | FRAIL | DEMENTIA | MOBILITY) and rng.random() < 0.6:
                kinds = _ADULT_VISITS[:2]
            kind, reasons = kinds[int(rng.random() * len(kinds))]
            e = Event(f"enc-{n + 1:08d}", rid)
            e.when = working_moment(rng, today, 3 * 365)
            e.extra = str(15 + 5 * int(rng.random() * 10))  # minutes
            e.code = _CLASSES[int(rng.random() * len(_CLASSES))]
            e.service, e.reason = kind, reasons[int(rng.random() * len(reasons))]
            e.worker = staff.pick(f"{c.area_of(county, person)} Community Team")
            yield e
