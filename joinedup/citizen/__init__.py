"""The citizen portal's core: a citizen's own view of what the hub holds about them, and the
rights they exercise from it (a copy, a correction, an objection, a change of details told
once).

A signed-in citizen is a ``Citizen``: an account verified against a record the hub holds, so
everything they see is found through that record's person, never through a person id they
could type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from joinedup.govern.vocabulary import Actor, Purpose, Role

PURPOSE = Purpose.SUBJECT_ACCESS
"""What a citizen's own requests are recorded under in the audit trail: their statutory rights."""
ORGANISATION = "citizen"


@dataclass(frozen=True)
class Citizen:
    """A signed-in citizen: their account, and the person the hub knows them as now (found
    through the record the account was verified against, so re-linking carries it along)."""

    account_id: int
    person_id: int
    display_name: str
    csrf_token: str = field(default="", repr=False, compare=False)
    """The token every form of this citizen's session must echo (``check_citizen_csrf``)."""

    @property
    def actor(self) -> Actor:
        """Who the audit trail says acted: the citizen themselves, by account."""
        return Actor(f"citizen:{self.account_id}", ORGANISATION, Role.CITIZEN)
