"""The DPO's pages: agreements in force and the audit log's state, DPO-only, every look and
every refusal audited, and a tampered event caught by the full verification."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select, text
from world import ANALYST, DPO, NURSE, SOCIAL_WORKER, build

from joinedup.errors import AccessDenied
from joinedup.govern import audit, verification
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Purpose
from joinedup.store import schema
from joinedup.views import oversight

NOW = datetime(2026, 11, 22, 10, 0)


def events(engine: Engine, action: str) -> list[dict[str, Any]]:
    e = schema.audit_event.c
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(
            select(e.seq, e.actor, e.purpose, e.decision, e.reason)
            .where(e.action == action).order_by(e.seq))]


def last_seq(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(schema.audit_event.c.seq)
                             .order_by(schema.audit_event.c.seq.desc()).limit(1)).scalar_one())


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


def test_the_dpo_sees_each_agreement_in_force(engine: Engine, tmp_path: Path) -> None:
    build(engine, tmp_path)
    with governed(engine) as c:
        found = {a.code: a for a in oversight.agreements_in_force(c, DPO, now=NOW)}
    assert sorted(found) == ["DSA-ANALYTICS", "DSA-CARE", "DSA-CONTACT", "DSA-EMERGENCY",
                             "DSA-SAFE"]
    care = found["DSA-CARE"]
    assert (care.version, care.title, care.purposes) == (
        1, "Health and social care: direct care", ("direct_care",))
    assert care.parties == ("Adult Social Care", "Norfolk Community Health and Care NHS Trust")
    assert (care.valid_from, care.valid_to) == (date(2024, 4, 1), date(2028, 3, 31))
    assert care.days_left == (date(2028, 3, 31) - NOW.date()).days and not care.ending_soon
    assert (care.article_6, care.article_9, care.article_10) == (
        "6(1)(e) public task", "9(2)(h) health or social care", None)
    assert care.relationship_required and not found["DSA-EMERGENCY"].relationship_required
    assert found["DSA-ANALYTICS"].pseudonymised
    assert care.shares == (
        "contact_details, contacts, flags.special_category, flags.standard, identity, "
        "involvements of asc_clients, asc_contacts, asc_flags, asc_involvements, "
        "community_health to Norfolk Community Health and Care NHS Trust (community_nurse); "
        "Adult Social Care (social_worker)",)
    assert found["DSA-SAFE"].shares[2].endswith("sealed records included")
    [read] = events(engine, "read_agreements")
    assert (read["actor"], read["purpose"], read["decision"], read["reason"]) == (
        "dpo.reed", "audit", "allow", "5 agreements in force listed")


def test_an_agreement_past_its_end_is_not_in_force_and_one_ending_soon_says_so(
        engine: Engine, tmp_path: Path) -> None:
    build(engine, tmp_path)
    with governed(engine) as c:
        soon = oversight.agreements_in_force(c, DPO, now=datetime(2028, 3, 1, 9, 0))
        after = oversight.agreements_in_force(c, DPO, now=datetime(2028, 4, 1, 9, 0))
    assert all(a.ending_soon and a.days_left == 30 for a in soon) and len(soon) == 5
    assert after == ()


def write_events(engine: Engine, n: int) -> None:
    with governed(engine) as c:
        audit.append(c, [audit.Event(NURSE, "direct_care", "read_person", "allow",
                                     f"reason {i}", person_id=100 + i) for i in range(n)],
                     now=NOW)


def test_chain_status_counts_events_since_the_latest_checkpoint(engine: Engine,
                                                                key_dir: Path) -> None:
    with governed(engine) as c:
        empty = oversight.chain_status(c, DPO, key_dir=key_dir, now=NOW)
    assert (empty.events, empty.checkpoints, empty.latest, empty.since_checkpoint,
            empty.verification) == (0, 0, None, 0, None)
    write_events(engine, 6)
    with governed(engine) as c:
        cp = verification.sign_checkpoint(c, key_dir, now=NOW)
    write_events(engine, 3)
    with governed(engine) as c:
        status = oversight.chain_status(c, DPO, key_dir=key_dir, now=NOW)
    assert cp.tree_size == 7  # the six events and the first look
    assert (status.events, status.checkpoints, status.since_checkpoint) == (10, 1, 3)
    assert status.latest == oversight.CheckpointSummary(7, cp.root_hash, cp.signed_at,
                                                        cp.key_id)
    assert status.verification is None
    reads = events(engine, "read_chain")
    assert [(r["decision"], r["reason"]) for r in reads] == [
        ("allow", "audit log of 0 events"), ("allow", "audit log of 10 events")]


def test_a_full_verification_passes_then_names_a_tampered_event(engine: Engine,
                                                                key_dir: Path) -> None:
    write_events(engine, 8)
    with governed(engine) as c:
        verification.sign_checkpoint(c, key_dir, now=NOW)
        status = oversight.chain_status(c, DPO, key_dir=key_dir, now=NOW, verify=True)
    checked = status.verification
    assert checked is not None and checked.ok and checked.problem is None
    assert (checked.events, checked.checkpoints, checked.bad_seq) == (8, 1, None)
    assert checked.seconds >= 0 and len(checked.root_hash) == 64
    assert events(engine, "read_chain")[-1]["reason"] == "audit log of 8 events; verified"

    tamper(engine, "UPDATE audit_event SET purpose = 'safeguarding' WHERE seq = 3")
    with governed(engine) as c:
        status = oversight.chain_status(c, DPO, key_dir=key_dir, now=NOW, verify=True)
    checked = status.verification
    assert checked is not None and not checked.ok
    assert checked.bad_seq == 3 and "3" in (checked.problem or "")
    assert events(engine, "read_chain")[-1]["reason"] == \
        "audit log of 9 events; FAILS verification at event 3"


def tamper(engine: Engine, statement: str) -> None:
    """What a database administrator could do (as tests/govern/test_audit.py does)."""
    with engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
            c.execute(text(statement))
            c.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        else:
            c.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            c.execute(text(statement))


Call = Callable[[Connection, Actor], object]
CALLS: dict[str, tuple[str, Call]] = {
    "agreements": ("read_agreements",
                   lambda c, a: oversight.agreements_in_force(c, a, now=NOW)),
    "chain": ("read_chain", lambda c, a: oversight.chain_status(
        c, a, key_dir=Path("/nonexistent/keys"), now=NOW, verify=True)),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("actor", [SOCIAL_WORKER, ANALYST], ids=lambda a: str(a.role))
def test_anyone_but_the_dpo_is_refused_and_the_refusal_is_audited(
        engine: Engine, call: str, actor: Actor) -> None:
    action, run = CALLS[call]
    with pytest.raises(AccessDenied, match=f"the role {actor.role} may not act for the "
                                           "purpose audit"), governed(engine) as c:
        run(c, actor)
    [refusal] = events(engine, action)
    assert (refusal["actor"], refusal["purpose"], refusal["decision"]) == (
        actor.user, str(Purpose.AUDIT), "deny")
    assert last_seq(engine) == refusal["seq"]  # nothing else was done, no key was made


def test_days_left_counts_to_the_last_day_in_force(engine: Engine, tmp_path: Path) -> None:
    build(engine, tmp_path)
    last_day = datetime(2028, 3, 31, 23, 0)
    with governed(engine) as c:
        found = oversight.agreements_in_force(c, DPO, now=last_day)
        later = oversight.agreements_in_force(c, DPO, now=last_day + timedelta(hours=2))
    assert {a.days_left for a in found} == {0} and later == ()
