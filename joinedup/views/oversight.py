"""The DPO's pages: the sharing agreements in force, and the state of the audit log (its size,
its latest signed checkpoint and, on request, a full verification).

Only the DPO, acting for ``audit``, reads them (``reports.require_dpo``); every look is
audited after it is made, so a look never counts itself, and a refusal is audited before it
is raised: call them inside ``governed(engine)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, func, select

from joinedup.govern import keys, verification
from joinedup.govern.agreements import EXPIRY_WARNING_DAYS, Agreement, Share
from joinedup.govern.checkpoints import stored_checkpoints
from joinedup.govern.register import register
from joinedup.govern.reports import record, require_dpo
from joinedup.govern.vocabulary import Actor
from joinedup.store.schema import audit_event


@dataclass(frozen=True)
class AgreementSummary:
    code: str
    version: int
    title: str
    purposes: tuple[str, ...]
    parties: tuple[str, ...]
    valid_from: date
    valid_to: date
    days_left: int
    """Days from today to ``valid_to``, the last day it is in force (0 on that day)."""
    ending_soon: bool
    """Within the warning period (``agreements.EXPIRY_WARNING_DAYS``): renew it now."""
    article_6: str
    article_9: str | None
    article_10: str | None
    dpia: str
    relationship_required: bool
    pseudonymised: bool
    shares: tuple[str, ...]
    """Each share in a line: what, of which sources, to whom."""


@dataclass(frozen=True)
class CheckpointSummary:
    tree_size: int
    root_hash: str
    signed_at: str
    """As signed: UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    key_id: str


@dataclass(frozen=True)
class VerificationSummary:
    ok: bool
    problem: str | None
    bad_seq: int | None
    """The first bad event, where one can be named."""
    events: int
    checkpoints: int
    """Signed checkpoints that verified."""
    redacted: int
    root_hash: str
    seconds: float


@dataclass(frozen=True)
class ChainStatus:
    events: int
    checkpoints: int
    latest: CheckpointSummary | None
    since_checkpoint: int
    """Events appended since the latest checkpoint (all of them if none was signed; negative
    if events it covered were cut from the end, which verification names)."""
    verification: VerificationSummary | None
    """Only when asked for: it reads every event (about a minute for ten million)."""


def share_text(share: Share) -> str:
    """A share in one line: ``identity, contact_details of asc_clients to Org (role)``."""
    recipients = "; ".join(f"{r.organisation} ({', '.join(sorted(r.roles))})"
                           for r in share.recipients)
    sealed = ", sealed records included" if share.sealed else ""
    return (f"{', '.join(sorted(share.groups))} of {', '.join(sorted(share.sources))} to "
            f"{recipients}{sealed}")


def summary(agreement: Agreement, today: date) -> AgreementSummary:
    a = agreement
    days_left = (a.valid_to - today).days
    return AgreementSummary(
        code=a.code, version=a.version, title=a.title, purposes=tuple(sorted(a.purposes)),
        parties=a.parties, valid_from=a.valid_from, valid_to=a.valid_to, days_left=days_left,
        ending_soon=days_left <= EXPIRY_WARNING_DAYS, article_6=a.article_6,
        article_9=a.article_9, article_10=a.article_10, dpia=a.dpia,
        relationship_required=a.relationship_required, pseudonymised=a.pseudonymised,
        shares=tuple(share_text(s) for s in a.shares))


def agreements_in_force(connection: Connection, actor: Actor, *, now: datetime
                        ) -> tuple[AgreementSummary, ...]:
    """The version of each agreement in force today (``now``), by code: the sharing the hub
    allows, as the register enforces it."""
    require_dpo(connection, actor, "read_agreements", now)
    today = now.date()
    found = tuple(summary(a, today) for a in register(connection).in_force(today))
    record(connection, actor, "read_agreements", f"{len(found)} agreements in force listed",
           now)
    return found


def chain_status(connection: Connection, actor: Actor, *, key_dir: Path, now: datetime,
                 verify: bool = False, workers: int | None = None) -> ChainStatus:
    """How big the log is, what was last signed, and, with ``verify``, whether every event
    and checkpoint still checks out against the hub's key in ``key_dir``."""
    require_dpo(connection, actor, "read_chain", now, detail=f"verify={verify}")
    events = int(connection.execute(select(func.max(audit_event.c.seq))).scalar() or 0)
    signed = stored_checkpoints(connection)
    latest = None if not signed else CheckpointSummary(
        signed[-1].tree_size, signed[-1].root_hash, signed[-1].signed_at, signed[-1].key_id)
    checked = None
    if verify:
        clock = time.perf_counter()
        result = verification.verify(connection, keys.public_key_pem(key_dir), workers=workers)
        checked = VerificationSummary(result.ok, result.problem, result.bad_seq, result.events,
                                      result.checkpoints, result.redacted, result.root_hash,
                                      round(time.perf_counter() - clock, 3))
    status = ChainStatus(events, len(signed), latest,
                         events - (latest.tree_size if latest else 0), checked)
    outcome = "" if checked is None else "; verified" if checked.ok else \
        "; FAILS verification" + (f" at event {checked.bad_seq}" if checked.bad_seq else "")
    record(connection, actor, "read_chain", f"audit log of {events} events{outcome}", now,
           detail=f"verify={verify}")
    return status
