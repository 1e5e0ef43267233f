"""Adult Social Care: clients (mostly older people), contacts, involvements and alerts.

An old case-management system: CSV in cp1252 with Windows line ends, names as
``SURNAME, Given Middle``, dates ``dd/mm/yyyy``, NHS numbers spaced as typed. "Record
Sensitivity" is "Standard", or "Sealed" for the 1% of clients who are women (18-64) in a
refuge, whose address is the refuge's. Everyone with an open safeguarding enquiry is a client
(the enquiry is Adult Social Care's) and has a ``SAFEGUARDING_ADULT`` alert.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from joinedup.synth.agencies import common as c
from joinedup.synth.agencies.markers import Marker, has, lives_alone, marker_events
from joinedup.synth.context import County
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
from joinedup.synth.formats import d_dmy, dob_dmy_slash, dt_dmy_hm, working_day, working_moment
from joinedup.synth.places_data import TEAM_AREAS
from joinedup.synth.population import (
    DEMENTIA,
    ELECTRICITY,
    HEARING,
    LEARNING_DISABILITY,
    MOBILITY,
    OXYGEN,
    SAFEGUARDING,
)
from joinedup.synth.records import Profile
from joinedup.synth.staff import Staff, per_team

AGENCY = "Adult Social Care"
SERVICE = "Adult Social Care"
_CSV = {"delimiter": ",", "encoding": "cp1252"}
_CHANNELS = ("phone",) * 5 + ("visit",) * 3 + ("letter",) + ("email",)
_NOTES = ("Review of care and support plan", "Welfare call", "Carer's assessment",
          "Financial assessment", "Occupational therapy assessment", "Safeguarding enquiry",
          "Hospital discharge planning", "Equipment delivered", "Care provider concern",
          "Annual review")
_SERVICES = ("Home Care", "Reablement", "Day Services", "Residential Care", "Direct Payments",
             "Assessment and Care Management", "Occupational Therapy")
_ROLES = (("Team Manager", 1), ("Social Worker", 5), ("Care Manager", 3),
          ("Occupational Therapist", 2), ("Community Care Practitioner", 2))
_ALERTS = (
    Marker("MOBILITY", "Limited mobility: needs help to leave the home", "standard",
           has(MOBILITY)),
    Marker("OXYGEN_DEPENDENT", "Home oxygen in use", "special_category", has(OXYGEN)),
    Marker("ELECTRICITY_DEPENDENT", "Relies on powered medical equipment", "standard",
           has(ELECTRICITY)),
    Marker("DEMENTIA", "Diagnosis of dementia", "special_category", has(DEMENTIA)),
    Marker("HEARING_IMPAIRED", "Deaf or hard of hearing", "standard", has(HEARING)),
    Marker("LEARNING_DISABILITY", "Has a learning disability", "special_category",
           has(LEARNING_DISABILITY)),
    Marker("LIVES_ALONE", "Lives alone", "standard", lives_alone),
    Marker("SAFEGUARDING_ADULT", "Open safeguarding enquiry", "special_category",
           has(SAFEGUARDING)),
)

PROFILE = Profile(given_typo=0.02, family_typo=0.02, nickname=0.05, maiden=0.10, curly=0.6,
                  middle=0.8, dob_missing=0.005, dob_swap=0.01, dob_year=0.005, nhs_missing=0.2,
                  nhs_mistype=0.01, stale=0.15, phone="landline", phone_missing=0.15,
                  bad=0.003, abbreviate=0.1, duplicates=0.02)
CHANCE = c.by_band(0, 0, 0, 0, 0.01, 0.01, 0.013, 0.024, 0.055, 0.15, 0.38, vulnerable=3.0)
IN_REFUGE = 0.01  # of the clients: women in a refuge, their records sealed


def jobs(county: County) -> list[Job]:
    ids = c.IdSequence(county.rng("ids:asc"), start=1_000_000, width=7)
    sealed = c.Sealed(county)

    def entries(rng: random.Random) -> list[Entry]:
        pids = c.choose_people(county, rng, CHANCE)
        known = set(pids)
        pids += [p.pid for p in county.pop.people if p.cond & SAFEGUARDING and p.pid not in known]
        sealed.house_in_refuges(pids, IN_REFUGE)
        return c.numbered(pids, ids)

    clients = Feed(
        name="asc_clients", agency=AGENCY, kind="person", format="csv",
        filename="asc_clients.csv", options=_CSV,
        description="Adult Social Care client records from the case management system: "
                    "people who have asked for or receive care and support.",
        columns=sealed.columns(view_columns(
            ("Client Ref", c.record_id), ("Client Name", c.name_surname_first),
            ("Date of Birth", dob_dmy_slash), ("Gender", c.sex_letter), ("NHS No", c.nhs_spaced),
            ("Address Line 1", c.street), ("Address Line 2", c.locality), ("Town", c.town),
            ("Postcode", c.postcode), ("Telephone", c.phone),
            ("Record Sensitivity", sealed.sensitivity("Sealed", "Standard")))),
        fields={"full_name": "Client Name",
                "date_of_birth": {"column": "Date of Birth", "format": "%d/%m/%Y"},
                "sex": "Gender", "nhs_number": "NHS No",
                "address": ["Address Line 1", "Address Line 2", "Town"],
                "postcode": "Postcode", "phone": "Telephone",
                "sensitivity": "Record Sensitivity"},
        required=("Client Name",),
    )
    person_job = PersonJob(
        clients, PROFILE,
        entries=entries,
        duplicate=c.duplicate_with(ids))
    activity = _Activity(county)
    return [person_job,
            ActivityJob(_contacts_feed(), activity.contacts),
            ActivityJob(_involvements_feed(), activity.involvements),
            ActivityJob(_flags_feed(), activity.flags)]


def _contacts_feed() -> Feed:
    return Feed(
        name="asc_contacts", agency=AGENCY, kind="contact", format="csv",
        filename="asc_contacts.csv", options=_CSV, person_source="asc_clients",
        description="Contacts with Adult Social Care clients: calls, visits and letters, "
                    "with the worker who made them.",
        columns=event_columns(
            ("Contact ID", lambda e: e.rid), ("Client Ref", lambda e: e.person),
            ("Contact Date", lambda e: dt_dmy_hm(e.when)), ("Contact Type", lambda e: e.extra),
            ("Worker", worker_field("name")),
            ("Team", lambda e: e.team), ("Notes", lambda e: e.description)),
        fields={"person": "Client Ref",
                "occurred_at": {"column": "Contact Date", "format": "%d/%m/%Y %H:%M"},
                "service": {"value": SERVICE}, "channel": "Contact Type",
                "practitioner": "Worker", "team": "Team", "summary": "Notes"},
        required=("Client Ref",),
    )


def _involvements_feed() -> Feed:
    return Feed(
        name="asc_involvements", agency=AGENCY, kind="involvement", format="csv",
        filename="asc_involvements.csv", options=_CSV, person_source="asc_clients",
        description="Adult Social Care services a client receives or received, with the "
                    "team and key worker responsible.",
        columns=event_columns(
            ("Involvement ID", lambda e: e.rid), ("Client Ref", lambda e: e.person),
            ("Service", lambda e: e.service), ("Team", lambda e: e.team),
            ("Key Worker", worker_field("name")),
            ("Worker Role", worker_field("role")),
            ("Worker Email", worker_field("email")),
            ("Worker Phone", worker_field("phone")),
            ("Primary Support Reason", lambda e: e.reason),
            ("Start Date", lambda e: d_dmy(e.start)), ("End Date", lambda e: d_dmy(e.end))),
        fields={"person": "Client Ref", "service": "Service", "team": "Team",
                "key_worker": "Key Worker", "key_worker_role": "Worker Role",
                "key_worker_email": "Worker Email", "key_worker_phone": "Worker Phone",
                "reason": "Primary Support Reason",
                "started_on": {"column": "Start Date", "format": "%d/%m/%Y"},
                "ended_on": {"column": "End Date", "format": "%d/%m/%Y"}},
        required=("Client Ref",),
    )


def _flags_feed() -> Feed:
    return Feed(
        name="asc_flags", agency=AGENCY, kind="flag", format="csv", filename="asc_flags.csv",
        options=_CSV, person_source="asc_clients",
        description="Alerts on Adult Social Care client records: needs and risks a visitor "
                    "or emergency planner must know about.",
        columns=event_columns(
            ("Alert ID", lambda e: e.rid), ("Client Ref", lambda e: e.person),
            ("Alert Code", lambda e: e.code), ("Alert Description", lambda e: e.description),
            ("Sensitivity", lambda e: e.sensitivity), ("Raised Date", lambda e: d_dmy(e.start)),
            ("Review Date", lambda e: d_dmy(e.end))),
        fields={"person": "Client Ref", "flag": "Alert Code", "description": "Alert Description",
                "sensitivity": "Sensitivity",
                "raised_on": {"column": "Raised Date", "format": "%d/%m/%Y"},
                "expires_on": {"column": "Review Date", "format": "%d/%m/%Y"}},
        required=("Client Ref",),
    )


class _Activity:
    """Contacts, involvements and alerts for the clients actually written."""

    def __init__(self, county: County) -> None:
        self.county = county
        self._staff: Staff | None = None

    def staff(self, refs: Sequence[Ref]) -> Staff:
        if self._staff is None:
            teams = [f"{area} Locality Team" for area in TEAM_AREAS.values()]
            self._staff = Staff(self.county.rng("staff:asc"),
                                domain="norfolk.example.gov.uk", phone_prefix="01603",
                                teams=teams, roles=_ROLES,
                                per_team=per_team(len(refs), len(teams), 30))
        return self._staff

    def _team(self, pid: int) -> str:
        return f"{c.area_of(self.county, self.county.pop.people[pid])} Locality Team"

    def contacts(self, refs: Sequence[Ref], rng: random.Random) -> Iterator[Event]:
        staff, today = self.staff(refs), self.county.today
        for n, (rid, pid, _) in enumerate(c.each_ref_events(refs, rng, 3.5)):
            e = Event(f"C{n + 1:08d}", rid)
            e.when = working_moment(rng, today, 3 * 365)
            e.team = self._team(pid)
            e.worker = staff.pick(e.team)
            e.extra = _CHANNELS[int(rng.random() * len(_CHANNELS))]
            e.description = _NOTES[int(rng.random() * len(_NOTES))]
            yield e

    def involvements(self, refs: Sequence[Ref], rng: random.Random) -> Iterator[Event]:
        staff, today, people = self.staff(refs), self.county.today, self.county.pop.people
        for n, (rid, pid, _) in enumerate(c.each_ref_events(refs, rng, 1.4)):
            person = people[pid]
            e = Event(f"INV{n + 1:07d}", rid)
            e.service = _SERVICES[int(rng.random() * len(_SERVICES))]
            e.team = self._team(pid)
            e.worker = staff.pick(e.team)
            e.reason = ("Memory and cognition support" if person.cond & DEMENTIA
                        else "Learning disability support"
                        if person.cond & LEARNING_DISABILITY
                        else "Physical support" if rng.random() < 0.8
                        else "Support with social isolation")
            start = working_day(rng, today, 3 * 365)
            e.start = date.fromordinal(start)
            if rng.random() < 0.45:
                e.end = e.start + timedelta(days=14 + int(rng.random() * (today - start)))
                if e.end.toordinal() >= today:
                    e.end = None
            yield e

    def flags(self, refs: Sequence[Ref], rng: random.Random) -> Iterator[Event]:
        return marker_events(self.county, refs, rng, _ALERTS, prefix="AL", valid_days=365)
