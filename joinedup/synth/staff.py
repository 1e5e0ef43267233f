"""Practitioners: each agency's teams, named staff in roles, with work emails and phones.

Work emails follow ``firstname.lastname@<agency domain>``, and every domain is under an example
name (``norfolk.example.gov.uk``), never a real organisation's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from joinedup.synth.feeds import Practitioner
from joinedup.synth.population import Namer
from joinedup.synth.text import ascii_fold


class Staff:
    """The practitioners of one agency, by team."""

    def __init__(self, rng: random.Random, *, domain: str, phone_prefix: str,
                 teams: Sequence[str], roles: Sequence[tuple[str, int]], per_team: int) -> None:
        self._rng = rng
        namer = Namer()
        role_table = [role for role, weight in roles[1:] or roles for _ in range(weight)]
        used: dict[str, int] = {}
        self.teams: dict[str, list[Practitioner]] = {}
        for team in teams:
            members = []
            for k in range(per_team):
                sex = "F" if rng.random() < 0.7 else "M"
                year = 1962 + int(rng.random() * 38)
                origin = namer.pick(rng, namer.origins)
                given = namer.given_name(rng, sex, year, origin, born_here=True)
                family = namer.surname(rng, origin)
                local = ".".join(
                    "".join(c for c in ascii_fold(part).lower() if c.isalnum())
                    for part in (given, family))
                used[local] = used.get(local, 0) + 1
                if used[local] > 1:
                    local += str(used[local])
                # The first of a team is its manager or senior; the rest by the role mix.
                role = roles[0][0] if k == 0 else role_table[int(rng.random() * len(role_table))]
                phone = f"{phone_prefix} {rng.randrange(100_000, 1_000_000)}"
                members.append(Practitioner(given, family, role, team, f"{local}@{domain}",
                                            phone))
            self.teams[team] = members

    def pick(self, team: str) -> Practitioner:
        members = self.teams[team]
        return members[int(self._rng.random() * len(members))]


def per_team(cases: int, teams: int, caseload: int) -> int:
    """Staff per team for ``cases`` cases shared by ``teams`` teams at ``caseload`` each."""
    return max(3, cases // max(1, teams) // caseload + 1)
