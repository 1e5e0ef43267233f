"""Who accessed a signed-in citizen's data, when and for what purpose, from the audit log.

The events are those about any id the citizen's person has had, while it was theirs
(``govern.lineage``), as a subject access pack finds them: staff reads allowed and actions done
(a correction, a break-glass), not refusals (nothing was seen), nor the hub's own processing
(loads, linkage), nor the citizen's own visits to the portal. Accesses an exemption covers
(``govern.exemptions``) are withheld from the citizen and the withholding is audited for the
DPO; the citizen's own event says only how many were shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from joinedup.citizen import PURPOSE, Citizen
from joinedup.govern import audit
from joinedup.govern.exemptions import exemptions_of, record_withheld
from joinedup.govern.lineage import lineage
from joinedup.govern.sar import WORDS
from joinedup.govern.vocabulary import Role
from joinedup.store.schema import audit_event, audit_subject

SHOWN_DECISIONS = ("allow", "done")
NOT_ACCESSES = frozenset({audit.OPERATIONS})
PURPOSE_WORDS = {
    "direct_care": "caring for or supporting you", "safeguarding": "protecting someone from harm",
    "customer_service": "helping you when you contacted the council",
    "emergency_response": "an emergency (such as a flood)",
    "analytics": "planning services (without your name)",
    "data_quality": "keeping records accurate", "subject_access": "your rights (a request "
    "for your data, a correction or an objection)", "audit": "checking that access was proper",
}
"""What each purpose means, in words a citizen reads."""
ACTION_WORDS = {**WORDS, "process_request": "Answered your request",
                "subject_access_pack": "Made a copy of your data",
                "record_objection": "Recorded your objection",
                "refuse_request": "Refused your request"}
ROLE_WORDS = {"dpo": "data protection officer", "call_centre_advisor": "contact centre advisor"}


@dataclass(frozen=True)
class Access:
    seq: int
    at: str
    organisation: str
    role: str
    """The staff role, in plain words."""
    purpose: str
    action: str
    """In plain words (``govern.sar.WORDS``)."""
    fields: tuple[str, ...]

    @property
    def when(self) -> str:
        return f"{self.at[8:10]}/{self.at[5:7]}/{self.at[:4]} {self.at[11:16]}"

    @property
    def why(self) -> str:
        return PURPOSE_WORDS.get(self.purpose, self.purpose.replace("_", " "))


def _events(connection: Connection, person_id: int) -> tuple[list[Any], list[int]]:
    known = lineage(connection, person_id)
    e, s = audit_event.c, audit_subject.c
    rows = connection.execute(
        select(e.seq, e.at, e.organisation, e.role, e.purpose, e.action, e.fields,
               s.person_id)
        .join(audit_subject, s.seq == e.seq)
        .where(s.person_id.in_(known.ids), e.decision.in_(SHOWN_DECISIONS),
               e.role != Role.CITIZEN.value, e.purpose.not_in(list(NOT_ACCESSES)))
        .order_by(e.seq.desc())).all()
    return [r for r in rows if known.covers(r.person_id, r.at)], known.ids


def accesses(connection: Connection, citizen: Citizen, *, now: datetime) -> list[Access]:
    """The accesses the citizen may be shown, newest first (audited; the withheld ones in an
    event of their own, without the citizen's person id)."""
    rows, ids = _events(connection, citizen.person_id)
    rules = exemptions_of(connection, ids)
    shown: list[Access] = []
    withheld: list[int] = []
    grounds: list[str] = []
    for r in rows:
        ground = rules.ground(organisation=r.organisation, role=r.role, purpose=r.purpose,
                              at=r.at)
        if ground is not None:
            withheld.append(int(r.seq))
            grounds.append(ground)
            continue
        shown.append(Access(int(r.seq), r.at, r.organisation,
                            ROLE_WORDS.get(r.role, r.role.replace("_", " ")), r.purpose,
                            ACTION_WORDS.get(r.action, r.action.replace("_", " ").capitalize()),
                            tuple(f for f in r.fields.split(",") if f)))
    record_withheld(connection, citizen.actor, where="the portal's list of accesses",
                    seqs=sorted(withheld), grounds=grounds, now=now)
    audit.append(connection, [audit.Event(
        citizen.actor, PURPOSE, "citizen_accesses", "done",
        f"saw who accessed their data ({len(shown)} accesses)",
        person_id=citizen.person_id)], now=now)
    return shown
