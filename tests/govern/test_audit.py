"""The audit log is tamper-evident: every edit, deletion, reordering, insertion and rewrite is
caught and named, proofs verify against signed checkpoints, and forged ones do not."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from joinedup.govern import audit, checkpoints, keys, merkle, verification
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role
from joinedup.store.schema import audit_event

NURSE = Actor("nurse.a", "Norfolk Community Health and Care NHS Trust", Role.COMMUNITY_NURSE,
              "Norwich Community Nursing")
NOW = datetime(2026, 11, 22, 9, 30)


def write_events(engine: Engine, n: int, *, start: int = 0) -> None:
    with governed(engine) as c:
        audit.append(c, [audit.Event(NURSE, "direct_care", "read_person",
                                     "allow" if i % 3 else "deny", f"reason {start + i}",
                                     ("community_health:identity",), ("DSA-1/v1",),
                                     person_id=100 + (start + i) % 7,
                                     detail="searched: smith" if i % 2 else None)
                         for i in range(n)], now=NOW)


def verify(engine: Engine, key_dir: Path) -> verification.Verification:
    with engine.connect() as c:
        return verification.verify(c, keys.public_key_pem(key_dir))


def checkpoint(engine: Engine, key_dir: Path) -> checkpoints.Checkpoint:
    with governed(engine) as c:
        return verification.sign_checkpoint(c, key_dir, now=NOW)


def tamper(engine: Engine, *statements: str, params: dict[str, Any] | None = None) -> None:
    """What a database administrator could do: switch the append-only triggers off, then
    change rows directly."""
    with engine.begin() as c:
        _triggers(c, enable=False)
        for statement in statements:
            c.execute(text(statement), params or {})
        _triggers(c, enable=True)


def _triggers(c: Connection, *, enable: bool) -> None:
    if c.dialect.name == "postgresql":
        verb = "ENABLE" if enable else "DISABLE"
        for table in ("audit_event", "audit_subject", "audit_checkpoint"):
            c.execute(text(f"ALTER TABLE {table} {verb} TRIGGER USER"))
        return
    if enable:
        return  # dropped for good on SQLite: the point is the log is caught, not the trigger
    for name in ("audit_event_no_update", "audit_event_no_delete", "audit_subject_no_update",
                 "audit_checkpoint_no_update", "audit_checkpoint_no_delete"):
        c.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


def test_an_untouched_log_verifies_and_its_root_is_the_merkle_root(engine: Engine,
                                                                   key_dir: Path) -> None:
    write_events(engine, 10)

    result = verify(engine, key_dir)

    assert result.ok, result.problem
    with engine.connect() as c:
        leaves = checkpoints.leaf_hashes(c, 10)
    assert (result.events, result.root_hash) == (10, merkle.root(leaves).hex())


def test_events_are_numbered_on_from_the_last(engine: Engine, key_dir: Path) -> None:
    write_events(engine, 3)
    write_events(engine, 2, start=3)

    with engine.connect() as c:
        seqs = c.execute(text("SELECT seq FROM audit_event ORDER BY seq")).scalars().all()
    assert seqs == [1, 2, 3, 4, 5]
    assert verify(engine, key_dir).ok


def test_a_long_list_of_events_is_written_in_bulk_and_verifies(engine: Engine,
                                                                key_dir: Path) -> None:
    """From ``COPY_FROM`` events PostgreSQL is sent COPY: the same rows, the same leaves."""
    write_events(engine, 3)
    write_events(engine, audit.COPY_FROM + 7, start=3)

    result = verify(engine, key_dir)

    assert result.ok, result.problem
    assert result.events == audit.COPY_FROM + 10
    with engine.connect() as c:
        subjects = c.execute(text("SELECT count(*), count(detail) FROM audit_subject")).one()
        last = c.execute(text("SELECT reason, agreements, fields FROM audit_event "
                              "WHERE seq = :seq"), {"seq": audit.COPY_FROM + 10}).one()
    assert tuple(subjects) == (audit.COPY_FROM + 10, 1 + (audit.COPY_FROM + 7) // 2)
    assert tuple(last) == (f"reason {audit.COPY_FROM + 9}", "DSA-1/v1",
                           "community_health:identity")


def test_one_event_about_each_of_many_persons_is_what_append_would_write(
        engine: Engine, key_dir: Path) -> None:
    persons = list(range(1, audit.COPY_FROM + 3))
    listed = audit.Event(NURSE, "emergency_response", "list_vulnerable", "allow", "listed",
                         ("asc_clients:identity",), ("DSA-3/v2",), request_id="r1")
    with governed(engine) as c:
        seqs = audit.append_each(c, listed, persons, now=NOW)
        audit.append(c, [audit.Event(NURSE, "emergency_response", "list_vulnerable", "allow",
                                     "listed", ("asc_clients:identity",), ("DSA-3/v2",),
                                     person_id=p, request_id="r1") for p in (7, 8)], now=NOW)

    assert seqs == persons  # in order, one each
    assert verify(engine, key_dir).ok
    with engine.connect() as c:
        rows = c.execute(text("SELECT e.reason, e.request_id, s.person_id FROM audit_event e "
                              "JOIN audit_subject s ON s.seq = e.seq ORDER BY e.seq")).all()
    assert [r.person_id for r in rows] == [*persons, 7, 8]
    assert {(r.reason, r.request_id) for r in rows} == {("listed", "r1")}


def test_a_bulk_write_that_fails_raises_and_leaves_nothing(engine: Engine) -> None:
    with engine.begin() as c:
        if c.dialect.name == "sqlite":
            c.execute(text("CREATE TRIGGER audit_full BEFORE INSERT ON audit_subject "
                           "BEGIN SELECT RAISE(ABORT, 'no space left for the audit'); END"))
        else:
            c.execute(text("CREATE FUNCTION audit_full() RETURNS trigger LANGUAGE plpgsql AS "
                           "$$ BEGIN RAISE EXCEPTION 'no space left for the audit'; END $$"))
            c.execute(text("CREATE TRIGGER audit_full BEFORE INSERT ON audit_subject "
                           "FOR EACH ROW EXECUTE FUNCTION audit_full()"))

    with pytest.raises(DBAPIError, match="no space left for the audit"):
        write_events(engine, audit.COPY_FROM)

    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 0


def test_an_edited_event_is_named(engine: Engine, key_dir: Path) -> None:
    write_events(engine, 8)

    tamper(engine, "UPDATE audit_event SET purpose = 'safeguarding' WHERE seq = 3")

    result = verify(engine, key_dir)
    assert (result.ok, result.bad_seq) == (False, 3)
    assert "event 3 was altered" in (result.problem or "")


def test_a_deleted_event_is_named(engine: Engine, key_dir: Path) -> None:
    write_events(engine, 8)

    tamper(engine, "DELETE FROM audit_subject WHERE seq = 5",
           "DELETE FROM audit_event WHERE seq = 5")

    result = verify(engine, key_dir)
    assert (result.bad_seq, result.problem) == (5, "event 5 is missing (deleted)")


def test_reordered_events_are_named(engine: Engine, key_dir: Path) -> None:
    write_events(engine, 8)
    with engine.connect() as c:
        rows = {r.seq: dict(r._mapping) for r in c.execute(
            text("SELECT * FROM audit_event WHERE seq IN (2, 7)"))}
    columns = [c for c in rows[2] if c != "seq"]
    assignments = ", ".join(f"{c} = :{c}" for c in columns)

    # Swap events 2 and 7 whole, their stored hashes included.
    with engine.begin() as c:
        _triggers(c, enable=False)
        for seq, other in ((2, 7), (7, 2)):
            c.execute(text(f"UPDATE audit_event SET {assignments} WHERE seq = :seq"),
                      {**{k: rows[other][k] for k in columns}, "seq": seq})
        _triggers(c, enable=True)

    result = verify(engine, key_dir)
    assert result.bad_seq == 2 and "altered" in (result.problem or "")


def _renumber_and_insert(engine: Engine, at: int, *, rehash: bool) -> None:
    """Make room at ``at`` by renumbering the events after it, then insert a forged event
    there; with ``rehash`` the forger also recomputes every stored leaf hash."""
    with engine.connect() as c:
        rows = [dict(r._mapping) for r in c.execute(
            text("SELECT * FROM audit_event ORDER BY seq"))]
        subjects = [dict(r._mapping) for r in c.execute(text("SELECT * FROM audit_subject"))]
    forged = dict(rows[0], reason="a forged permission", subject_commitment=None)
    rows = [*rows[:at - 1], forged, *rows[at - 1:]]
    for seq, row in enumerate(rows, start=1):
        if row["seq"] >= at and row is not forged:
            for s in subjects:
                if s["seq"] == row["seq"]:
                    s["new_seq"] = seq
        row["seq"] = seq
        if rehash or row is forged:
            row["leaf_hash"] = merkle.leaf_hash(
                audit.leaf_bytes([row[c] for c in audit.LEAF_COLUMNS])).hex()
    for s in subjects:
        s["seq"] = s.pop("new_seq", s["seq"])
    with engine.begin() as c:
        _triggers(c, enable=False)
        c.execute(text("DELETE FROM audit_subject"))
        c.execute(text("DELETE FROM audit_event"))
        c.execute(audit_event.insert(), rows)
        c.execute(text("INSERT INTO audit_subject (seq, person_id, detail, salt) "
                       "VALUES (:seq, :person_id, :detail, :salt)"), subjects)
        _triggers(c, enable=True)


def test_an_inserted_event_is_named(engine: Engine, key_dir: Path) -> None:
    write_events(engine, 8)

    _renumber_and_insert(engine, 4, rehash=False)

    result = verify(engine, key_dir)
    assert result.bad_seq == 5 and "altered" in (result.problem or "")


def test_a_rewritten_log_with_fresh_hashes_fails_its_signed_checkpoint(
        engine: Engine, key_dir: Path) -> None:
    write_events(engine, 8)
    checkpoint(engine, key_dir)

    _renumber_and_insert(engine, 4, rehash=True)

    result = verify(engine, key_dir)
    assert not result.ok
    assert "no longer match the checkpoint" in (result.problem or "")


def test_events_cut_from_the_end_are_caught_by_a_checkpoint(engine: Engine,
                                                            key_dir: Path) -> None:
    write_events(engine, 8)
    checkpoint(engine, key_dir)

    tamper(engine, "DELETE FROM audit_subject WHERE seq >= 7",
           "DELETE FROM audit_event WHERE seq >= 7")

    result = verify(engine, key_dir)
    assert result.bad_seq == 7 and "were deleted" in (result.problem or "")


def test_changed_personal_details_are_caught(engine: Engine, key_dir: Path) -> None:
    write_events(engine, 6)

    tamper(engine, "UPDATE audit_subject SET person_id = 999 WHERE seq = 2")

    result = verify(engine, key_dir)
    assert result.bad_seq == 2 and "personal details were altered" in (result.problem or "")


def test_personal_details_removed_without_an_erasure_are_caught(engine: Engine,
                                                                key_dir: Path) -> None:
    write_events(engine, 6)

    tamper(engine, "DELETE FROM audit_subject WHERE seq = 4")

    result = verify(engine, key_dir)
    assert result.bad_seq == 4 and "without a recorded erasure" in (result.problem or "")


def test_a_checkpoint_signed_with_another_key_is_refused(engine: Engine, key_dir: Path,
                                                         tmp_path: Path) -> None:
    write_events(engine, 4)
    checkpoint(engine, tmp_path / "someone-elses-keys")

    result = verify(engine, key_dir)
    assert "bad signature" in (result.problem or "")


def test_the_database_refuses_update_and_delete_of_audit_events(engine: Engine) -> None:
    write_events(engine, 2)

    for statement in ("UPDATE audit_event SET reason = 'x' WHERE seq = 1",
                      "DELETE FROM audit_event WHERE seq = 2",
                      "UPDATE audit_subject SET detail = 'x'"):
        with pytest.raises((DBAPIError, IntegrityError), match=r"append-only|never changed"), \
                engine.begin() as c:
            c.execute(text(statement))

    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 2


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_application_role_may_only_insert_and_select_audit_events(engine: Engine) -> None:
    write_events(engine, 1)

    with engine.connect() as c:
        c.execute(text("SET ROLE joinedup_app"))
        assert c.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 1
        with pytest.raises(DBAPIError, match="permission denied"):
            c.execute(text("UPDATE audit_event SET reason = 'x'"))
        c.rollback()
        c.execute(text("SET ROLE joinedup_app"))
        with pytest.raises(DBAPIError, match="permission denied"):
            c.execute(text("DELETE FROM audit_event"))
        c.rollback()
        c.execute(text("SET ROLE joinedup_app"))
        with pytest.raises(DBAPIError, match="permission denied"):
            c.execute(text("TRUNCATE audit_event CASCADE"))


def test_an_inclusion_proof_verifies_against_the_signed_checkpoint(engine: Engine,
                                                                   key_dir: Path) -> None:
    write_events(engine, 13)
    cp = checkpoint(engine, key_dir).as_dict()

    with engine.connect() as c:
        proofs = [checkpoints.inclusion(c, seq, 13) for seq in range(1, 14)]

    public = keys.public_key_pem(key_dir)
    assert [checkpoints.check_inclusion(p, cp, public) for p in proofs] == [None] * 13


def _forgeries(proof: dict[str, Any]) -> list[dict[str, Any]]:
    """Ways a malicious hub might try to pass off an event the log never held."""
    path = proof["proof"]
    flipped = path[0][:-1] + ("0" if path[0][-1] != "0" else "1")
    event = dict(proof["event"], decision="allow" if proof["event"]["decision"] == "deny"
                 else "deny")
    return [
        dict(proof, event=event),
        dict(proof, proof=[flipped, *path[1:]]),
        dict(proof, proof=path[:-1]),
        dict(proof, proof=[*path, path[0]]),
        dict(proof, proof=list(reversed(path))),
        dict(proof, seq=proof["seq"] + 1),
        dict(proof, tree_size=proof["tree_size"] + 1),
        dict(proof, proof=["zz"]),
        dict(proof, proof=None),
        {"kind": "inclusion"},
    ]


def test_forged_inclusion_proofs_are_rejected(engine: Engine, key_dir: Path) -> None:
    write_events(engine, 11)
    cp = checkpoint(engine, key_dir).as_dict()
    with engine.connect() as c:
        proof = checkpoints.inclusion(c, 6, 11)
    public = keys.public_key_pem(key_dir)

    results = [checkpoints.check_inclusion(f, cp, public) for f in _forgeries(proof)]

    assert all(results), results
    forged_root = dict(cp, root_hash="00" * 32)
    assert "signature" in (checkpoints.check_inclusion(proof, forged_root, public) or "")


def test_consistency_between_two_checkpoints(engine: Engine, key_dir: Path) -> None:
    write_events(engine, 5)
    old = checkpoint(engine, key_dir).as_dict()
    write_events(engine, 9, start=5)
    new = checkpoint(engine, key_dir).as_dict()
    public = keys.public_key_pem(key_dir)

    with engine.connect() as c:
        proof = checkpoints.consistency(c, 5, 14)

    assert checkpoints.check_consistency(proof, old, new, public) is None
    assert checkpoints.check_consistency(proof, new, old, public)
    bad = dict(proof, proof=[("00" * 32), *proof["proof"][1:]])
    assert checkpoints.check_consistency(bad, old, new, public)
    json.dumps(proof)  # a partner receives it as JSON


@pytest.mark.parametrize("workers", [1, 2])
def test_verification_in_chunks_gives_the_same_root_and_finds_the_same_event(
        engine: Engine, key_dir: Path, workers: int) -> None:
    write_events(engine, 23)
    checkpoint(engine, key_dir)  # size 23, inside the last chunk of 4
    write_events(engine, 6, start=23)
    with engine.connect() as c:
        expected = merkle.root(checkpoints.leaf_hashes(c, 29)).hex()

    with engine.connect() as c:
        whole = verification.verify(c, keys.public_key_pem(key_dir), workers=workers,
                                    chunk_bits=2)
    tamper(engine, "UPDATE audit_event SET reason = 'x' WHERE seq IN (14, 27)")
    with engine.connect() as c:
        broken = verification.verify(c, keys.public_key_pem(key_dir), workers=workers,
                                     chunk_bits=2)

    assert (whole.ok, whole.events, whole.checkpoints, whole.root_hash) == (True, 29, 1,
                                                                            expected)
    assert broken.bad_seq == 14


def test_a_merge_names_the_person_ids_only_in_erasable_details() -> None:
    event = audit.person_moved("tester", 3, "merge", 12, 7, 4)

    assert (event.person_id, event.detail) == (12, "person 12 -> person 7")
    assert "12" not in event.reason and "7" not in event.reason.replace("link run 3", "")
