"""Who could lead: one practitioner a family deals with, so they get fewer visits from the same
trusted person instead of many from strangers (the "team around the family" idea).

The rule, deterministic, first difference decides:

1. the key worker of an open **statutory** involvement (child protection, looked-after
   children, a child in need, an adult safeguarding enquiry, youth justice, mental health act
   work): that work cannot be handed over, so the others coordinate around it;
2. then the most contacts with this person **and their household** in the last 90 days: the
   person the family already sees most;
3. then the longest-standing: the earliest start of an open involvement they key-work;
4. then by name (and id), so the same data always gives the same suggestion.

It is a suggestion for practitioners to agree on, never an allocation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

STATUTORY_SERVICES = ("child protection", "looked after", "children in need", "child in need",
                      "safeguarding", "youth justice", "youth offending", "mental health act",
                      "section 117", "deprivation of liberty")
"""Words in a service name that make an involvement statutory (case-insensitive)."""
RECENT_DAYS = 90


def statutory(service: str | None) -> bool:
    name = (service or "").lower()
    return any(word in name for word in STATUTORY_SERVICES)


@dataclass(frozen=True)
class InvolvedPractitioner:
    """Someone involved with the person, and how to reach them."""

    practitioner_id: int
    name: str
    role: str | None
    team: str | None
    agency: str
    email: str | None
    phone: str | None
    services: tuple[str, ...]
    key_worker: bool
    """Key worker of an open involvement of the person."""
    statutory: tuple[str, ...]
    """Services of the open statutory involvements they key-work."""
    open_since: date | None
    """The earliest start of an open involvement they key-work."""
    last_contact_at: datetime | None
    contacts_90_days: int
    """Contacts with the person in the last 90 days."""
    household_contacts_90_days: int
    """Contacts with the rest of the household in the last 90 days."""
    basis: str


@dataclass(frozen=True)
class LeadSuggestion:
    practitioner: InvolvedPractitioner
    reason: str


def _recent(p: InvolvedPractitioner) -> int:
    return p.contacts_90_days + p.household_contacts_90_days


def _order(p: InvolvedPractitioner) -> tuple[bool, int, date, str, int]:
    return (not p.statutory, -_recent(p), p.open_since or date.max, p.name.lower(),
            p.practitioner_id)


def _contacts(p: InvolvedPractitioner) -> str:
    n = _recent(p)
    return f"{n} contact{'s' if n != 1 else ''}"


def _because(top: InvolvedPractitioner, next_: InvolvedPractitioner | None) -> str:
    who = f"{top.name} ({top.agency})"
    if next_ is None:
        return f"{who} is the only practitioner involved."
    if top.statutory and not next_.statutory:
        return (f"{who} is the key worker of an open statutory involvement "
                f"({', '.join(top.statutory)}); statutory work cannot be handed over, so the "
                "others can coordinate through them.")
    among = "Among the key workers of open statutory involvements, " if top.statutory else ""
    if _recent(top) != _recent(next_):
        text = (f"{who} has had the most contacts with this person and their household in "
                f"the last {RECENT_DAYS} days ({_contacts(top)}; next {next_.name} with "
                f"{_recent(next_)}): the family already sees them most.")
    elif top.open_since != next_.open_since and top.open_since is not None:
        text = (f"{who} has been involved longest (key worker since "
                f"{top.open_since.isoformat()}), with as many recent contacts "
                f"({_recent(top)}) as {next_.name}.")
    else:
        text = (f"{who} and {next_.name} are level on statutory work, recent contacts and "
                "time involved; the suggestion goes by name.")
    return among + text


def suggest_lead(practitioners: Sequence[InvolvedPractitioner]) -> LeadSuggestion | None:
    """The suggested lead by the rule above, with the reason in words; None if nobody is
    involved."""
    ranked = sorted(practitioners, key=_order)
    if not ranked:
        return None
    return LeadSuggestion(ranked[0], _because(ranked[0], ranked[1] if len(ranked) > 1
                                              else None))
