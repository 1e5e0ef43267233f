"""Flags an agency records about a need it sees: each agency in its own words, but only for
a need the person really has (their ``cond``, their household), so the truth can check them.

An agency writes a need down as often as its staff would (``recorded``): a fire crew nearly
always notes oxygen in the home, a district nurse notes a patient lives alone less often.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from joinedup.synth.context import County
from joinedup.synth.feeds import Event, Ref
from joinedup.synth.formats import working_day
from joinedup.synth.population import Person

Applies = Callable[[County, Person], bool]


@dataclass(frozen=True)
class Marker:
    code: str
    description: str
    sensitivity: str  # as the agency spells it; the hub reads any case and spacing
    applies: Applies
    recorded: float = 1.0  # the chance a real need is written down


def has(condition: int, *, unless: int = 0) -> Applies:
    """The person has ``condition`` and none of ``unless`` (a more precise marker)."""
    return lambda county, person: bool(person.cond & condition) and not person.cond & unless


def lives_alone(county: County, person: Person) -> bool:
    return county.pop.lives_alone(person)


def marker_events(county: County, refs: Sequence[Ref], rng: random.Random,
                  markers: Sequence[Marker], *, prefix: str,
                  valid_days: int | None) -> Iterator[Event]:
    """A flag per record per marker that applies and was recorded, raised in the last three
    years; reviewed every ``valid_days`` since (its date the next review, after today: a
    condition that still applies was kept at each review), or never reviewed (``None``)."""
    today, n = county.today, 0
    for rid, pid in refs:
        person = county.pop.people[pid]
        for marker in markers:
            if not marker.applies(county, person):
                continue
            if marker.recorded < 1.0 and rng.random() >= marker.recorded:
                continue
            n += 1
            e = Event(f"{prefix}{n:07d}", rid)
            e.code, e.description = marker.code, marker.description
            e.sensitivity = marker.sensitivity
            raised = working_day(rng, today, 3 * 365)
            e.start = date.fromordinal(raised)
            e.end = (None if valid_days is None else date.fromordinal(
                raised + valid_days * ((today - raised) // valid_days + 1)))
            yield e
