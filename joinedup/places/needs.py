"""What each agency's flag codes mean for getting a person out of their home in an emergency.

Agencies write the same need in their own words (Adult Social Care's ``MOBILITY``, the fire
service's "Reduced mobility", community health's ``HOUSEBOUND``): one table maps them all to
the risk indicators of the gov.uk Vulnerabilities Data Standard (alpha) that a responder acts
on. Codes are compared normalised (upper case, runs of anything but letters and digits made
one ``_``), so "Reduced mobility" and ``REDUCED_MOBILITY`` are the same code. A flag not in
the table says nothing about evacuation (a police ``WEAPONS`` marker) and never lists anyone.

Age is a need too (under 5 or over 85 on the day of the query), from the date of birth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache


class Need(StrEnum):
    """Risk indicators, in the order a responder reads them (most urgent first)."""

    OXYGEN = "oxygen_dependent"
    ELECTRICITY = "electricity_dependent"
    MOBILITY = "mobility"
    COGNITIVE = "cognitive_impairment"
    COMMUNICATION = "communication"
    LIVES_ALONE = "lives_alone"
    UNDER_5 = "under_5"
    OVER_85 = "over_85"
    SAFEGUARDING = "safeguarding"


LABELS: dict[Need, str] = {
    Need.OXYGEN: "Oxygen user",
    Need.ELECTRICITY: "Relies on powered medical equipment",
    Need.MOBILITY: "Needs help to move",
    Need.COGNITIVE: "May not understand a warning (dementia, learning disability)",
    Need.COMMUNICATION: "Deaf, blind or needs help to communicate",
    Need.LIVES_ALONE: "Lives alone",
    Need.UNDER_5: "Child under 5",
    Need.OVER_85: "Aged 85 or over",
    Need.SAFEGUARDING: "Open safeguarding concern",
}

CODES: dict[str, Need] = {
    code: need for need, codes in {
        Need.OXYGEN: ("OXYGEN_DEPENDENT", "OXYGEN_IN_USE", "HOME_OXYGEN", "OXYGEN"),
        Need.ELECTRICITY: ("ELECTRICITY_DEPENDENT", "POWERED_MEDICAL_EQUIPMENT",
                           "MEDICAL_EQUIPMENT", "DIALYSIS_AT_HOME"),
        Need.MOBILITY: ("MOBILITY", "REDUCED_MOBILITY", "LIMITED_MOBILITY", "BEDBOUND",
                        "BED_BOUND", "HOUSEBOUND", "WHEELCHAIR_USER"),
        Need.COGNITIVE: ("DEMENTIA", "LEARNING_DISABILITY", "COGNITIVE_IMPAIRMENT"),
        Need.COMMUNICATION: ("HEARING_IMPAIRED", "DEAF", "HARD_OF_HEARING", "VISUALLY_IMPAIRED",
                             "BLIND", "SIGHT_IMPAIRED", "COMMUNICATION_NEEDS"),
        Need.LIVES_ALONE: ("LIVES_ALONE",),
        Need.SAFEGUARDING: ("SAFEGUARDING_ADULT", "SAFEGUARDING_CHILD", "VULNERABLE_ADULT",
                            "CHILD_PROTECTION_PLAN"),
    }.items() for code in codes
}

_NOT_CODE = re.compile(r"[^A-Z0-9]+")


def normalise(code: str) -> str:
    return _NOT_CODE.sub("_", code.upper()).strip("_")


@lru_cache(maxsize=4096)
def need_of(code: str) -> Need | None:
    """Cached: agencies use a few dozen codes, and a list reads ten thousand flags."""
    return CODES.get(normalise(code))


def evacuation_codes() -> list[str]:
    """Every code that means a need, as stored flags may spell it (for a SQL prefilter the
    exact, normalised match is then made in Python)."""
    return sorted(CODES)


@dataclass(frozen=True)
class AgeBands:
    """The dates of birth that make a person under 5 or over 85 on ``today``."""

    born_after: date
    born_on_or_before: date

    @classmethod
    def on(cls, today: date) -> AgeBands:
        return cls(_years_before(today, 5), _years_before(today, 85))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def age_needs(born: date | None, bands: AgeBands) -> tuple[Need, ...]:
    """Under 5: not yet five today. Over 85: 85 or older today, as the census's "85 and over"
    counts them (the more protective reading of "over 85")."""
    if born is None:
        return ()
    if born > bands.born_after:
        return (Need.UNDER_5,)
    if born <= bands.born_on_or_before:
        return (Need.OVER_85,)
    return ()


def age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
