"""The words every access decision is made in: who (actor, role), why (purpose) and what
(field groups, sensitivities).

They are fixed here rather than configured, because agreements, audit events and a DPO's
reports all have to mean the same thing by "analyst" or "safeguarding" for years.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from joinedup.sources.definition import SENSITIVITIES


class Role(StrEnum):
    CALL_CENTRE_ADVISOR = "call_centre_advisor"
    SOCIAL_WORKER = "social_worker"
    COMMUNITY_NURSE = "community_nurse"
    POLICE_OFFICER = "police_officer"
    FIRE_OFFICER = "fire_officer"
    EMERGENCY_PLANNER = "emergency_planner"
    ANALYST = "analyst"
    DATA_ENGINEER = "data_engineer"
    DPO = "dpo"
    ADMIN = "admin"
    SENSOR_FEED = "sensor_feed"
    CITIZEN = "citizen"


class Purpose(StrEnum):
    DIRECT_CARE = "direct_care"
    SAFEGUARDING = "safeguarding"
    CUSTOMER_SERVICE = "customer_service"
    EMERGENCY_RESPONSE = "emergency_response"
    ANALYTICS = "analytics"
    DATA_QUALITY = "data_quality"
    SUBJECT_ACCESS = "subject_access"
    AUDIT = "audit"


ROLE_PURPOSES: dict[Role, frozenset[Purpose]] = {
    Role.CALL_CENTRE_ADVISOR: frozenset({Purpose.CUSTOMER_SERVICE}),
    Role.SOCIAL_WORKER: frozenset({Purpose.DIRECT_CARE, Purpose.SAFEGUARDING}),
    Role.COMMUNITY_NURSE: frozenset({Purpose.DIRECT_CARE, Purpose.SAFEGUARDING}),
    Role.POLICE_OFFICER: frozenset({Purpose.SAFEGUARDING, Purpose.EMERGENCY_RESPONSE}),
    Role.FIRE_OFFICER: frozenset({Purpose.SAFEGUARDING, Purpose.EMERGENCY_RESPONSE}),
    Role.EMERGENCY_PLANNER: frozenset({Purpose.EMERGENCY_RESPONSE}),
    Role.ANALYST: frozenset({Purpose.ANALYTICS}),
    Role.DATA_ENGINEER: frozenset({Purpose.DATA_QUALITY}),
    Role.DPO: frozenset({Purpose.SUBJECT_ACCESS, Purpose.AUDIT}),
    Role.ADMIN: frozenset(),
    Role.SENSOR_FEED: frozenset(),
    Role.CITIZEN: frozenset(),
}
"""The purposes each role may act for at all; agreements narrow this further, never widen it.
An admin runs the hub (users, agreements, loads) and reads no person's data; a sensor feed is
a machine posting readings (``POST /api/sensors/readings``) and reads nothing personal; a
citizen, signed in to the citizen portal, sees only their own data through ``joinedup.citizen``,
never through an access decision about a person id (which would let them name anyone's)."""

STAFF_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.CITIZEN)
"""The roles a staff account (``app_user``) or an identity provider's claim may carry: a citizen
signs in to the citizen portal only, never as staff."""

STATUTORY_PURPOSES = frozenset({Purpose.SUBJECT_ACCESS})
"""Purposes the law itself grants (UK GDPR Art. 15), so no sharing agreement is needed."""

RESEARCH_PURPOSES = frozenset({Purpose.ANALYTICS})
"""Purposes a national-data-opt-out style objection ("not for planning or research") stops."""


class Group(StrEnum):
    """What a decision grants, per source: the unit agreements are written in."""

    IDENTITY = "identity"
    CONTACT_DETAILS = "contact_details"
    CONTACTS = "contacts"
    INVOLVEMENTS = "involvements"
    FLAGS_STANDARD = "flags.standard"
    FLAGS_SPECIAL_CATEGORY = "flags.special_category"
    FLAGS_CRIMINAL_OFFENCE = "flags.criminal_offence"


IDENTITY_GROUPS = frozenset({Group.IDENTITY, Group.CONTACT_DETAILS})
DETAIL_GROUPS = frozenset(Group) - IDENTITY_GROUPS
"""Detail needs a legitimate relationship (or break-glass); identity alone does not."""

GROUP_FIELDS: dict[Group, tuple[str, ...]] = {
    Group.IDENTITY: ("given_name", "middle_names", "family_name", "date_of_birth", "sex",
                     "nhs_number", "identifiers"),
    Group.CONTACT_DETAILS: ("address", "postcode", "uprn", "phone", "email"),
}
"""The person-record columns each identity group shows."""

KIND_GROUPS: dict[str, frozenset[Group]] = {
    "person": IDENTITY_GROUPS,
    "contact": frozenset({Group.CONTACTS}),
    "involvement": frozenset({Group.INVOLVEMENTS}),
    "flag": frozenset({Group.FLAGS_STANDARD, Group.FLAGS_SPECIAL_CATEGORY,
                       Group.FLAGS_CRIMINAL_OFFENCE}),
}
"""The groups a source of each kind can hold: a grant never names more (minimisation)."""

SPECIAL_CATEGORY_GROUPS = frozenset({Group.FLAGS_SPECIAL_CATEGORY})
CRIMINAL_OFFENCE_GROUPS = frozenset({Group.FLAGS_CRIMINAL_OFFENCE})


def flag_group(sensitivity: str) -> Group | None:
    """The group a flag of this sensitivity belongs to; sealed flags belong to none."""
    return {"standard": Group.FLAGS_STANDARD,
            "special_category": Group.FLAGS_SPECIAL_CATEGORY,
            "criminal_offence": Group.FLAGS_CRIMINAL_OFFENCE}.get(sensitivity)


SEALED = "sealed"
assert SEALED in SENSITIVITIES


@dataclass(frozen=True)
class Actor:
    """Who is asking: a named user in an organisation, acting in one role, maybe in a team
    (a practitioner's team is what a legitimate relationship is with)."""

    user: str
    organisation: str
    role: Role
    team: str | None = None
