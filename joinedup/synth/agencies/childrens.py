"""Children's Services: children known to social care and early help, and their episodes.

The child list is an Excel export (real date cells, "Male"/"Female", the unique pupil number
for school-age children); the episodes come from the case system as CSV. 1.5% of the children
are adopted: their records are sealed ("Sealed" under "Access Restriction", else blank).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from joinedup.synth.agencies import common as c
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
from joinedup.synth.formats import d_iso, dob_cell, working_day
from joinedup.synth.places_data import TEAM_AREAS
from joinedup.synth.population import LEARNING_DISABILITY, MOBILITY
from joinedup.synth.records import Profile
from joinedup.synth.staff import Staff, per_team

AGENCY = "Children's Services"
NORFOLK_LA = "926"
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_SERVICES = (("Early Help", "Early Help assessment", 5),
             ("Children in Need", "Child in Need plan", 3),
             ("Child Protection", "Child Protection plan", 1),
             ("Looked After Children", "Looked after by the local authority", 1))
_DISABILITY = ("Children with Disabilities", "Disabled child: short breaks")
_ROLES = (("Team Manager", 1), ("Social Worker", 4), ("Family Support Worker", 3),
          ("Early Help Practitioner", 3))

PROFILE = Profile(given_typo=0.015, family_typo=0.015, nickname=0.03, hyphen=0.4, curly=0.2,
                  middle=0.0, dob_swap=0.005, dob_year=0.003, stale=0.1, phone_missing=1.0,
                  bad=0.003, duplicates=0.015)
CHANCE = c.by_band(0.07, 0.10, 0.13, 0.11, 0, 0, 0, 0, 0, 0, 0, vulnerable=3.0)
ADOPTED = 0.015  # of the children: adopted, their records sealed


def upn(la: str, school: int, year: int, serial: int) -> str:
    """A unique pupil number: check letter, LA code, school number, year, serial (13 chars).

    The check letter is the DfE's: digits 2-13 weighted 2-13, summed, modulo 23.
    """
    body = f"{la}{school:04d}{year % 100:02d}{serial:03d}"
    total = sum(int(d) * w for d, w in zip(body, range(2, 14), strict=True))
    return _UPN_LETTERS[total % 23] + body


def jobs(county: County) -> list[Job]:
    ids = c.IdSequence(county.rng("ids:cs"), prefix="C", start=300_000, width=6)
    sealed = c.Sealed(county)

    def entries(rng: random.Random) -> list[Entry]:
        result: list[Entry] = []
        serials: dict[tuple[int, int], int] = {}
        for pid in c.choose_people(county, rng, CHANCE):
            person = county.pop.people[pid]
            born = date.fromordinal(person.dob)
            pupil = ""
            if county.today - person.dob > 4 * 365:  # of school age: has a UPN
                school = 2000 + int(rng.random() * 400)
                year = born.year + 4
                serials[school, year] = serials.get((school, year), 0) + 1
                pupil = upn(NORFOLK_LA, school, year, serials[school, year] % 1000)
            result.append(Entry(pid, ids.next(), pupil))
        sealed.seal([e.pid for e in result], rng, ADOPTED)
        return result

    children = Feed(
        name="childrens_services", agency=AGENCY, kind="person", format="xlsx",
        filename="childrens_services.xlsx", options={"sheet": "Children", "header_row": 1},
        description="Children known to Children's Services (early help, children in need, "
                    "child protection, looked after), exported to Excel from the case system.",
        columns=view_columns(
            ("Child ID", c.record_id), ("Forename", c.given), ("Surname", c.family),
            ("Date of Birth", dob_cell), ("Sex", c.sex_word), ("UPN", c.ident),
            ("Address", c.full_address), ("Postcode", c.postcode),
            ("Access Restriction", sealed.sensitivity("Sealed"))),
        fields={"given_name": "Forename", "family_name": "Surname",
                "date_of_birth": "Date of Birth", "sex": "Sex", "address": "Address",
                "postcode": "Postcode", "identifiers": {"upn": "UPN"},
                "sensitivity": "Access Restriction"},
        required=("Forename", "Surname"),
    )
    activity = _Episodes(county)
    return [PersonJob(children, PROFILE, entries=entries, duplicate=c.duplicate_with(ids)),
            ActivityJob(_episodes_feed(), activity.episodes)]


def _episodes_feed() -> Feed:
    return Feed(
        name="cs_involvements", agency=AGENCY, kind="involvement", format="csv",
        filename="cs_involvements.csv", options={"delimiter": ",", "encoding": "utf-8"},
        person_source="childrens_services",
        description="Episodes of Children's Services involvement with a child: the service, "
                    "the team and the allocated worker.",
        columns=event_columns(
            ("Episode ID", lambda e: e.rid), ("Child ID", lambda e: e.person),
            ("Service", lambda e: e.service), ("Team", lambda e: e.team),
            ("Allocated Worker", worker_field("name")),
            ("Worker Role", worker_field("role")),
            ("Worker Email", worker_field("email")),
            ("Worker Phone", worker_field("phone")),
            ("Reason", lambda e: e.reason), ("Start", lambda e: d_iso(e.start)),
            ("End", lambda e: d_iso(e.end))),
        fields={"person": "Child ID", "service": "Service", "team": "Team",
                "key_worker": "Allocated Worker", "key_worker_role": "Worker Role",
                "key_worker_email": "Worker Email", "key_worker_phone": "Worker Phone",
                "reason": "Reason", "started_on": {"column": "Start", "format": "%Y-%m-%d"},
                "ended_on": {"column": "End", "format": "%Y-%m-%d"}},
        required=("Child ID",),
    )


class _Episodes:
    def __init__(self, county: County) -> None:
        self.county = county
        self.services: list[tuple[str, str]] = []
        for service, reason, weight in _SERVICES:
            self.services.extend([(service, reason)] * weight)

    def episodes(self, refs: Sequence[Ref], rng: random.Random) -> Iterator[Event]:
        county, today = self.county, self.county.today
        teams = [f"{area} {service}" for area in TEAM_AREAS.values()
                 for service in dict.fromkeys(s for s, _ in [*self.services, _DISABILITY])]
        staff = Staff(county.rng("staff:cs"), domain="norfolk.example.gov.uk",
                      phone_prefix="01603", teams=teams, roles=_ROLES,
                      per_team=per_team(len(refs), len(teams), 18))
        for n, (rid, pid, _) in enumerate(c.each_ref_events(refs, rng, 1.3)):
            person = county.pop.people[pid]
            if person.cond & (LEARNING_DISABILITY | MOBILITY) and rng.random() < 0.7:
                service, reason = _DISABILITY
            else:
                service, reason = self.services[int(rng.random() * len(self.services))]
            e = Event(f"EP{n + 1:07d}", rid)
            e.service, e.reason = service, reason
            e.team = f"{c.area_of(county, person)} {service}"
            e.worker = staff.pick(e.team)
            start = max(working_day(rng, today, 3 * 365), person.dob)
            e.start = date.fromordinal(start)
            if rng.random() < 0.5:
                end = e.start + timedelta(days=30 + int(rng.random() * 500))
                e.end = end if end.toordinal() < today else None
            yield e
