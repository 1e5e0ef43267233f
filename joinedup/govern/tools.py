"""Who may use the hub's own staff tools (the DPO's reports, the data engineer's pages): a role
acting for one of the purposes the tool serves, and no one else.

These tools read personal data without going through ``decide`` (a quarantined row, a review
pair, the audit log itself), so the gate is the role and purpose alone, and both faces of it
are audited: a refusal is appended before it is raised (``governed`` commits it), and every
use is recorded in the same transaction as the read it allows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection

from joinedup.errors import AccessDenied
from joinedup.govern import audit
from joinedup.govern.vocabulary import ROLE_PURPOSES, Actor, Purpose


def refusal(actor: Actor, purpose: str, purposes: Collection[Purpose]) -> str | None:
    """Why ``actor`` may not use a tool serving ``purposes`` for ``purpose``; None if they may.
    Pure, so the rule is tested without a store."""
    try:
        why = Purpose(purpose)
    except ValueError:
        known = ", ".join(p.value for p in Purpose)
        return f"unknown purpose {purpose!r}; expected one of {known}"
    if why not in ROLE_PURPOSES[actor.role]:
        return f"the role {actor.role} may not act for the purpose {why}"
    if why not in purposes:
        served = " or ".join(sorted(p.value for p in purposes))
        return f"this is used for the purpose {served}, not {why}"
    return None


def require(connection: Connection, actor: Actor, purpose: str, action: str, *,
            purposes: Collection[Purpose], now: datetime, person_id: int | None = None,
            detail: str | None = None) -> None:
    """Refuse, audited, anyone who may not use a tool serving ``purposes`` for ``purpose``."""
    reason = refusal(actor, purpose, purposes)
    if reason is None:
        return
    audit.append(connection, [audit.Event(actor, purpose, action, "deny", reason,
                                          person_id=person_id, detail=detail)], now=now)
    raise AccessDenied(reason)


def record(connection: Connection, actor: Actor, purpose: str, action: str, reason: str, *,
           now: datetime, person_id: int | None = None, detail: str | None = None,
           request_id: str | None = None) -> int:
    """Append the ``allow`` event of one use; returns its seq. Events of one request (a page
    about two persons) share ``request_id``."""
    event = audit.Event(actor, purpose, action, "allow", reason, person_id=person_id,
                        detail=detail, request_id=request_id or audit.new_request_id())
    [seq] = audit.append(connection, [event], now=now)
    return seq
