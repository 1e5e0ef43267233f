"""The data engineer's pages: loads and the review queue for ``data_quality`` (the DPO may look
for ``audit``), every read audited, every refusal audited before it is raised, decisions only
by a data engineer, and a sealed record's contact details withheld even here."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from factories import NHS_FAILING_CHECK, PEOPLE, ingest_file, person_definition, write_people_csv
from sqlalchemy import Connection, Engine, select, update
from world import ADMIN, ANALYST, DPO, IG, SOCIAL_WORKER

from joinedup.errors import AccessDenied, BadInput, NotFound
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Purpose, Role
from joinedup.link.review import record_key
from joinedup.store import schema
from joinedup.views import engineering as views

NOW = datetime(2026, 11, 22, 10, 0)
ENGINEER = Actor("de.lee", IG, Role.DATA_ENGINEER)
QUALITY = Purpose.DATA_QUALITY


def events(engine: Engine, action: str | None = None) -> list[dict[str, Any]]:
    e = schema.audit_event.c
    query = (select(e.seq, e.actor, e.role, e.purpose, e.action, e.decision, e.reason,
                    e.request_id, schema.audit_subject.c.person_id,
                    schema.audit_subject.c.detail)
             .outerjoin(schema.audit_subject, schema.audit_subject.c.seq == e.seq)
             .order_by(e.seq))
    if action is not None:
        query = query.where(e.action == action)
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(query)]


def load_with_problems(engine: Engine, tmp_path: Path) -> int:
    """A load with one warning (an NHS number failing its check) and one quarantined row."""
    rows = [[*PEOPLE[0][:5], NHS_FAILING_CHECK, *PEOPLE[0][6:]],
            ["", "No", "Id", "", "", "", "", "", "", "", ""], PEOPLE[1]]
    return ingest_file(engine, person_definition(tmp_path),
                       write_people_csv(tmp_path / "people.csv", rows)).load.id


def test_a_data_engineer_reads_the_loads_and_every_read_is_audited(
        engine: Engine, tmp_path: Path) -> None:
    load_id = load_with_problems(engine, tmp_path)
    with governed(engine) as c:
        [row] = views.loads_overview(c, ENGINEER, QUALITY, now=NOW)
        view = views.load_view(c, ENGINEER, QUALITY, load_id, now=NOW)
    assert (row.id, row.source, row.quarantined, row.warnings) == (load_id, "asc_clients", 1, 1)
    assert view.load == row and not view.truncated
    [quarantined] = view.quarantine
    assert (quarantined.row_no, quarantined.reason) == (3, "no record id")
    [warning] = view.warnings
    assert (warning.record_id, warning.value) == ("P1", NHS_FAILING_CHECK)
    listed, read = events(engine, "read_loads"), events(engine, "read_load")
    assert [(e["actor"], e["role"], e["purpose"], e["decision"], e["reason"]) for e in listed] \
        == [("de.lee", "data_engineer", "data_quality", "allow", "1 loads listed")]
    assert [(e["decision"], e["detail"]) for e in read] == [("allow", f"load {load_id}")]
    assert "1 quarantined rows and 1 warnings" in read[0]["reason"]


def test_a_load_view_says_when_it_shows_only_the_first_rows(engine: Engine,
                                                             tmp_path: Path) -> None:
    rows = [["", "No", "Id", "", "", "", "", "", "", "", ""]] * 3 + [PEOPLE[0]]
    load_id = ingest_file(engine, person_definition(tmp_path),
                          write_people_csv(tmp_path / "people.csv", rows)).load.id
    with governed(engine) as c:
        view = views.load_view(c, ENGINEER, QUALITY, load_id, now=NOW, limit=2)
    assert len(view.quarantine) == 2 and view.load.quarantined == 3 and view.truncated


def test_the_dpo_may_look_for_audit(engine: Engine, tmp_path: Path) -> None:
    load_with_problems(engine, tmp_path)
    with governed(engine) as c:
        assert len(views.loads_overview(c, DPO, Purpose.AUDIT, now=NOW)) == 1
        assert views.review_queue(c, DPO, Purpose.AUDIT, now=NOW) == ()
    assert [(e["role"], e["purpose"]) for e in events(engine) if e["decision"] == "allow"] == \
        [("dpo", "audit")] * 2


Call = Callable[[Connection, Actor, str], object]
CALLS: dict[str, tuple[str, Call]] = {
    "loads": ("read_loads", lambda c, a, p: views.loads_overview(c, a, p, now=NOW)),
    "load": ("read_load", lambda c, a, p: views.load_view(c, a, p, 1, now=NOW)),
    "queue": ("read_reviews", lambda c, a, p: views.review_queue(c, a, p, now=NOW)),
    "pair": ("read_review", lambda c, a, p: views.review_detail(c, a, p, 1, now=NOW)),
    "decide": ("decide_review", lambda c, a, p: views.decide_review(
        c, a, p, 1, accept=True, reason="same person", now=NOW)),
}
REFUSED = [
    (SOCIAL_WORKER, Purpose.SAFEGUARDING, "not safeguarding"),
    (SOCIAL_WORKER, Purpose.DATA_QUALITY, "the role social_worker may not act for the "
                                          "purpose data_quality"),
    (ANALYST, Purpose.ANALYTICS, "not analytics"),
    (ADMIN, Purpose.DATA_QUALITY, "the role admin may not act"),
    (ENGINEER, Purpose.AUDIT, "the role data_engineer may not act for the purpose audit"),
    (DPO, Purpose.DATA_QUALITY, "the role dpo may not act for the purpose data_quality"),
    (ENGINEER, "tidying", "unknown purpose 'tidying'"),
]


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize(("actor", "purpose", "why"), REFUSED,
                         ids=[f"{a.role}-{p}" for a, p, _ in REFUSED])
def test_anyone_else_is_refused_and_the_refusal_is_audited(
        engine: Engine, call: str, actor: Actor, purpose: str, why: str) -> None:
    action, run = CALLS[call]
    with pytest.raises(AccessDenied, match=why), governed(engine) as c:
        run(c, actor, purpose)
    [refusal] = events(engine)
    assert (refusal["actor"], refusal["purpose"], refusal["action"], refusal["decision"]) == (
        actor.user, str(purpose), action, "deny")
    assert why in refusal["reason"]


def test_only_a_data_engineer_decides_not_the_dpo(engine: Engine) -> None:
    with pytest.raises(AccessDenied, match="used for the purpose data_quality, not audit"), \
            governed(engine) as c:
        views.decide_review(c, DPO, Purpose.AUDIT, 1, accept=False, reason="x", now=NOW)
    assert [e["decision"] for e in events(engine, "decide_review")] == ["deny"]


def test_unknown_ids_are_not_found(engine: Engine) -> None:
    for run, message in (
            (lambda c: views.load_view(c, ENGINEER, QUALITY, 41, now=NOW), "no load with id 41"),
            (lambda c: views.review_detail(c, ENGINEER, QUALITY, 42, now=NOW),
             "no review pair 42"),
            (lambda c: views.decide_review(c, ENGINEER, QUALITY, 43, accept=True, reason="x",
                                           now=NOW), "no review pair 43")):
        with pytest.raises(NotFound, match=message) as raised, governed(engine) as c:
            run(c)
        assert raised.value.http_status == 404
    assert events(engine) == []  # nothing was read, and the transaction rolled back


# -- the review queue, on a linked county -------------------------------------------------------

def test_the_queue_labels_each_pair_and_a_pair_shows_side_by_side(linked: Engine) -> None:
    with governed(linked) as c:
        queue = views.review_queue(c, ENGINEER, QUALITY, now=NOW, limit=5)
        first = queue[0]
        detail = views.review_detail(c, ENGINEER, QUALITY, first.id, now=NOW)
        left, right = (c.execute(select(schema.source_record.table).where(
            schema.source_record.table.c.id == record_key(c, ref))).mappings().one()
            for ref in (first.left, first.right))
    assert len(queue) == 5 and all(q.status == "open" for q in queue)
    assert [q.match_weight for q in queue] == sorted((q.match_weight for q in queue),
                                                     reverse=True)
    assert first.left.split(":")[0] and first.left_name == \
        f"{left['given_name']} {left['family_name']}"
    assert (detail.left, detail.right, detail.status) == (first.left, first.right, "open")
    fields = {f.field: f for f in detail.fields}
    assert [f.label for f in detail.fields][:3] == ["Given name", "Middle names", "Family name"]
    given = fields["given_name"]
    assert (given.left, given.right) == (left["given_name"], right["given_name"])
    assert given.same == (left["given_name"].casefold() == right["given_name"].casefold()
                          if left["given_name"] and right["given_name"] else None)
    dob = fields["date_of_birth"]
    if left["date_of_birth"] and right["date_of_birth"]:
        assert dob.left == left["date_of_birth"].isoformat()
        assert dob.same == (left["date_of_birth"] == right["date_of_birth"])
    assert all(f.same is None for f in detail.fields if f.left is None or f.right is None)
    assert not any(f.withheld for f in detail.fields)
    e = detail.explanation
    assert (e.left, e.right) == (first.left, first.right)
    assert math.isclose(e.prior + sum(p.weight for p in e.parts), e.match_weight,
                        abs_tol=1e-9)
    assert math.isclose(e.match_weight, first.match_weight, abs_tol=1e-3)
    assert (detail.threshold, detail.review_from, detail.override_id) == (6.0, 2.0, None)

    [listed] = events(linked, "read_reviews")
    assert (listed["decision"], listed["reason"]) == ("allow", "5 pairs listed")
    reads = events(linked, "read_review")
    with linked.connect() as c:
        persons = set(c.execute(select(schema.person_link.c.person_id).where(
            schema.person_link.c.source_record_id.in_(
                [record_key(c, first.left), record_key(c, first.right)]))).scalars())
    assert {r["person_id"] for r in reads} == persons  # in each person's history
    assert len({r["request_id"] for r in reads}) == 1
    assert all(r["detail"] == f"review pair {first.id}: {first.left} and {first.right}"
               for r in reads)


def test_a_decision_makes_an_override_and_the_pair_leaves_the_queue(linked: Engine) -> None:
    with governed(linked) as c:
        accept, reject = views.review_queue(c, ENGINEER, QUALITY, now=NOW, limit=2)
        joined = views.decide_review(c, ENGINEER, QUALITY, accept.id, accept=True,
                                     reason="same NHS number on the GP letter", now=NOW)
        apart = views.decide_review(c, ENGINEER, QUALITY, reject.id, accept=False,
                                    reason="mother and daughter", now=NOW)
    with governed(linked) as c:
        still = {q.id for q in views.review_queue(c, ENGINEER, QUALITY, now=NOW, limit=500)}
        accepted = views.review_queue(c, ENGINEER, QUALITY, now=NOW, status="accepted")
        detail = views.review_detail(c, ENGINEER, QUALITY, accept.id, now=NOW)
        overrides = {r.id: r for r in c.execute(select(schema.link_override))}
    assert {accept.id, reject.id}.isdisjoint(still)
    assert [q.id for q in accepted] == [accept.id]
    assert (detail.status, detail.override_id) == ("accepted", joined)
    assert (overrides[joined].kind, overrides[joined].decided_by, overrides[joined].reason,
            overrides[joined].decided_at) == ("must_link", "de.lee",
                                              "same NHS number on the GP letter", NOW)
    assert overrides[apart].kind == "cannot_link"
    assert [(e["decision"], e["reason"]) for e in events(linked, "decide_review")] == [
        ("allow", f"review pair {accept.id}: accepted (override {joined})"),
        ("allow", f"review pair {reject.id}: rejected (override {apart})")]
    assert [e["actor"] for e in events(linked, "override")] == ["de.lee", "de.lee"]
    with pytest.raises(BadInput, match="already decided"), governed(linked) as c:
        views.decide_review(c, ENGINEER, QUALITY, accept.id, accept=False,
                            reason="changed my mind", now=NOW)
    with pytest.raises(BadInput, match="reason"), governed(linked) as c:
        views.decide_review(c, ENGINEER, QUALITY, max(still), accept=True, reason=" ",
                            now=NOW)


def test_a_sealed_records_contact_details_are_withheld(linked: Engine) -> None:
    with governed(linked) as c:
        [pair] = views.review_queue(c, ENGINEER, QUALITY, now=NOW, limit=1)
        table = schema.source_record.table
        c.execute(update(table).where(table.c.id == record_key(c, pair.left))
                  .values(sensitivity="sealed"))
    with governed(linked) as c:
        detail = views.review_detail(c, ENGINEER, QUALITY, pair.id, now=NOW)
    assert (detail.left_sealed, detail.right_sealed) == (True, False)
    fields = {f.field: f for f in detail.fields}
    for name in ("address", "postcode", "uprn", "phone", "email"):
        assert fields[name].left is None and fields[name].withheld
    assert fields["given_name"].left and not fields["given_name"].withheld
    residence = next(p for p in detail.explanation.parts if p.comparison == "residence")
    assert residence.left in ("", views.WITHHELD_TEXT) and views.WITHHELD_TEXT not in \
        residence.right
    assert views.WITHHELD_TEXT not in next(p.left for p in detail.explanation.parts
                                           if p.comparison == "given")
