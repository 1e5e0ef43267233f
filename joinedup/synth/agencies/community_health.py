"""Norfolk Community Health and Care NHS Trust: patients and community visits, as FHIR R4,
and the alerts on its patients' records.

One Bundle holds both Patients and Encounters; two source definitions read it, one for each.
The FHIR interface has no alerts, so they come as a CSV report from the clinical system
(UTF-8, ISO dates), in the trust's own words: "Home oxygen", "Housebound", "Bedbound",
"Lives alone"... (``_ALERTS``, with how often a real need is noted). An alert stays on the
record until it is taken off: none has an end date.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta

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
from joinedup.synth.formats import d_iso, dob_iso, dt_fhir, working_moment
from joinedup.synth.places_data import TEAM_AREAS
from joinedup.synth.population import (
    BEDBOUND,
    DEMENTIA,
    ELECTRICITY,
    FRAIL,
    HEARING,
    LEARNING_DISABILITY,
    MOBILITY,
    OXYGEN,
)
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
_HEALTH = "special category"
_ALERTS = (
    Marker("Home oxygen", "Home oxygen therapy", _HEALTH, has(OXYGEN), recorded=0.95),
    Marker("Medical equipment", "Depends on powered medical equipment at home", _HEALTH,
           has(ELECTRICITY, unless=OXYGEN), recorded=0.75),
    Marker("Bedbound", "Bedbound: two-person handling", _HEALTH, has(BEDBOUND),
           recorded=0.9),
    Marker("Housebound", "Housebound: seen at home", _HEALTH, has(MOBILITY, unless=BEDBOUND),
           recorded=0.75),
    Marker("Dementia", "Dementia diagnosis", _HEALTH, has(DEMENTIA), recorded=0.8),
    Marker("Learning disability", "On the learning disability register", _HEALTH,
           has(LEARNING_DISABILITY), recorded=0.8),
    Marker("Hearing impaired", "Hearing impaired: face the patient, speak clearly", _HEALTH,
           has(HEARING), recorded=0.5),
    Marker("Lives alone", "Lives alone", "standard", lives_alone, recorded=0.6),
)

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
            ActivityJob(_encounters_feed(), visits.encounters),
            ActivityJob(_alerts_feed(), lambda refs, rng: marker_events(
                county, refs, rng, _ALERTS, prefix="ALR", valid_days=None))]


def _alerts_feed() -> Feed:
    return Feed(
        name="community_health_alerts", agency=AGENCY, kind="flag", format="csv",
        filename="community_health_alerts.csv", options={"delimiter": ",", "encoding": "utf-8"},
        person_source="community_health",
        description="Alerts on community health patients' records (a report from the "
                    "clinical system): needs a visiting nurse or a responder must know about.",
        columns=event_columns(
            ("Alert ID", lambda e: e.rid), ("Patient ID", lambda e: e.person),
            ("Alert", lambda e: e.code), ("Alert Detail", lambda e: e.description),
            ("Confidentiality", lambda e: e.sensitivity),
            ("Start Date", lambda e: d_iso(e.start)), ("End Date", lambda e: d_iso(e.end))),
        fields={"person": "Patient ID", "flag": "Alert", "description": "Alert Detail",
                "sensitivity": "Confidentiality",
                "raised_on": {"column": "Start Date", "format": "%Y-%m-%d"},
                "expires_on": {"column": "End Date", "format": "%Y-%m-%d"}},
        required=("Patient ID",),
    )


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
