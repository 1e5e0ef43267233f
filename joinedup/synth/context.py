"""The county being generated: its seed, reference date, people and properties."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from joinedup.synth.geography import Properties
from joinedup.synth.population import Person, Population

YEAR = 365.2425


def reference_date(seed: int) -> date:
    """"Today" in the synthetic county: fixed by the seed, never the real date, so that the same
    seed gives the same files on any day. Somewhere from April 2024 to April 2025."""
    return date(2024, 4, 1) + timedelta(days=(seed * 7919) % 366)


def stream(seed: int, name: str) -> random.Random:
    """An independent random stream per named purpose (seeding with a string is stable across
    runs and platforms), so adding a feed never changes the others."""
    return random.Random(f"joinedup-synth:{seed}:{name}")


@dataclass
class County:
    seed: int
    reference: date
    pop: Population
    props: Properties
    nicknames: dict[str, list[str]]
    keys: list[int] = field(default_factory=list)  # per person, see agencies.common

    def rng(self, name: str) -> random.Random:
        return stream(self.seed, name)

    @property
    def today(self) -> int:
        return self.reference.toordinal()

    def age(self, person: Person) -> float:
        return (self.reference.toordinal() - person.dob) / YEAR
