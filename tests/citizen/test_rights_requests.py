"""Rights requests: made in the portal, tracked against one calendar month on the DPO's queue,
processed (a pack delivered, a correction applied) or refused, reminders raised once each."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from citizen_world import add_citizen
from portal_world import Portal
from sqlalchemy import select
from world import ASC, DPO, NOW, POLICE_OFFICER, SOCIAL_WORKER

from joinedup.citizen import Citizen
from joinedup.citizen.accounts import citizen_of
from joinedup.errors import AccessDenied, BadInput, NotFound, NotTheirs
from joinedup.govern import requests
from joinedup.govern.decide import decide
from joinedup.govern.objections import objections_of, record_objection
from joinedup.govern.rectify import effective_records
from joinedup.govern.sar import deadline
from joinedup.govern.session import governed
from joinedup.store.schema import audit_event, dpo_alert


@pytest.fixture(scope="module")
def people(portal: Portal) -> dict[str, Citizen]:
    """Mary (1), Tom (4) and John (2), each with an account."""
    found = {}
    for name, record in (("mary", "T1"), ("tom", "G4"), ("john", "A2")):
        account = add_citizen(portal.engine, portal.world.records[record],
                              email=f"{name}.r@example.org")
        with portal.engine.connect() as c:
            citizen = citizen_of(c, account.id)
        assert citizen is not None
        found[name] = citizen
    return found


def _last(portal: Portal, action: str) -> tuple[str, str, str]:
    with portal.engine.connect() as c:
        row = c.execute(select(audit_event.c.actor, audit_event.c.decision,
                               audit_event.c.reason)
                        .where(audit_event.c.action == action)
                        .order_by(audit_event.c.seq.desc()).limit(1)).one()
    return row.actor, row.decision, row.reason


def test_a_subject_access_request_is_queued_then_built_and_delivered(
        portal: Portal, people: dict[str, Citizen]) -> None:
    mary = people["mary"]
    with governed(portal.engine) as c:  # a police safeguarding read: withheld from her pack
        police = decide(c, portal.world.register, POLICE_OFFICER, "safeguarding", 1, now=NOW)
        seen = decide(c, portal.world.register, SOCIAL_WORKER, "direct_care", 1, now=NOW)
        made = requests.submit(c, mary.actor, "subject_access", {}, now=NOW)
    assert made.status == "received" and made.due_on == deadline(NOW.date())
    assert made.due_on == date(2026, 12, 22)
    with governed(portal.engine) as c:
        assert made.id in {r.id for r in requests.queue(c, DPO, now=NOW)}
        with pytest.raises(NotFound):
            requests.own_pack(c, mary.actor, made.id, "html", now=NOW)  # not built yet
        done = requests.process(c, portal.world.register, DPO, made.id, now=NOW)
    assert done.status == "completed" and done.has_pack and "delivered" in (done.outcome or "")
    with governed(portal.engine) as c:
        pack = json.loads(requests.own_pack(c, mary.actor, made.id, "json", now=NOW))
        html = requests.own_pack(c, mary.actor, made.id, "html", now=NOW)
        notes = requests.dpo_notes(c, DPO, made.id, now=NOW)
    trail = {e["seq"] for e in pack["audit_trail"]}
    assert seen.seq in trail and police.seq not in trail
    assert police.seq in notes["withheld_accesses"]
    assert {r["agency"] for r in pack["records"]} >= {ASC}
    assert "<html" in html.lower() and "O&#39;Brien" in html
    assert _last(portal, "download_pack")[1] == "done"
    with governed(portal.engine) as c, pytest.raises(BadInput, match="already completed"):
        requests.process(c, portal.world.register, DPO, made.id, now=NOW)


def test_someone_elses_request_or_pack_is_not_found_and_audited(
        portal: Portal, people: dict[str, Citizen]) -> None:
    with governed(portal.engine) as c:
        marys = requests.submit(c, people["mary"].actor, "subject_access", {}, now=NOW)
    tom = people["tom"]
    for attempt in (lambda c: requests.own_request(c, tom.actor, marys.id, now=NOW),
                    lambda c: requests.own_pack(c, tom.actor, marys.id, "html", now=NOW),
                    lambda c: requests.own_request(c, tom.actor, 999_999, now=NOW)):
        with pytest.raises(NotTheirs), governed(portal.engine) as c:
            attempt(c)
        assert _last(portal, "read_request")[:2] == (tom.actor.user, "deny")
    with portal.engine.connect() as c:
        assert marys.id not in {r.id for r in requests.requests_of(c, tom.actor)}


def test_a_correction_is_reviewed_then_applied_to_each_record_that_differs(
        portal: Portal, people: dict[str, Citizen]) -> None:
    john = people["john"]
    with governed(portal.engine) as c:
        made = requests.submit(c, john.actor, "correction", {
            "field": "phone", "value": "01362 123456", "agency": ASC,
            "reason": "I have had this number since 2020"}, now=NOW)
        assert made.details["value"] == "01362123456"  # standardised as ingestion would
        done = requests.process(c, portal.world.register, DPO, made.id, now=NOW)
        record = portal.world.records["A2"]
        assert effective_records(c, [record])[record]["phone"] == "01362123456"
    assert done.status == "completed" and ASC in (done.outcome or "")
    assert _last(portal, "rectify")[1] == "done"


def test_a_correction_can_be_refused_with_a_reason(portal: Portal,
                                                   people: dict[str, Citizen]) -> None:
    with governed(portal.engine) as c:
        made = requests.submit(c, people["tom"].actor, "correction", {
            "field": "family_name", "value": "Baxter", "reason": "typo"}, now=NOW)
        with pytest.raises(BadInput, match="reason"):
            requests.refuse(c, DPO, made.id, "  ", now=NOW)
        refused = requests.refuse(c, DPO, made.id, "Our records show Baker on your "
                                  "birth certificate", now=NOW)
    assert refused.status == "refused" and "birth certificate" in (refused.outcome or "")


def test_bad_requests_are_refused_with_every_problem(portal: Portal,
                                                     people: dict[str, Citizen]) -> None:
    actor = people["tom"].actor
    with pytest.raises(BadInput) as bad, governed(portal.engine) as c:
        requests.submit(c, actor, "correction", {"field": "postcode", "value": "nowhere",
                                                 "agency": ASC}, now=NOW)
    for what in ("postcode", "holds no records about you", "say what is wrong"):
        assert what in bad.value.message
    with pytest.raises(BadInput, match="one of"), governed(portal.engine) as c:
        requests.submit(c, actor, "erasure", {}, now=NOW)
    with pytest.raises(BadInput, match="name the organisation"), governed(portal.engine) as c:
        requests.submit(c, actor, "objection", {"objection": "agency"}, now=NOW)


def test_a_citizen_records_their_own_objection_at_once(portal: Portal,
                                                       people: dict[str, Citizen]) -> None:
    with governed(portal.engine) as c:
        made = requests.submit(c, people["tom"].actor, "objection",
                               {"objection": "research"}, now=NOW)
        assert [o.kind for o in objections_of(c, 4)] == ["research"]
    assert made.status == "completed" and "objection #" in (made.outcome or "")


def test_a_citizen_cannot_record_an_objection_for_anyone_else(
        portal: Portal, people: dict[str, Citizen]) -> None:
    with pytest.raises(AccessDenied), governed(portal.engine) as c:
        record_objection(c, people["tom"].actor, 1, "research", now=NOW)
    assert _last(portal, "record_objection")[:2] == (people["tom"].actor.user, "deny")
    with portal.engine.connect() as c:
        assert objections_of(c, 1) == []


def test_the_queue_is_the_dpos_only(portal: Portal) -> None:
    for attempt in (lambda c: requests.queue(c, SOCIAL_WORKER, now=NOW),
                    lambda c: requests.process(c, portal.world.register, SOCIAL_WORKER, 1,
                                               now=NOW)):
        with pytest.raises(AccessDenied), governed(portal.engine) as c:
            attempt(c)
    assert _last(portal, "process_request")[:2] == (SOCIAL_WORKER.user, "deny")
    with pytest.raises(BadInput, match="status"), governed(portal.engine) as c:
        requests.queue(c, DPO, status="lost", now=NOW)


def test_reminders_are_raised_once_each_before_and_after_the_deadline(
        portal: Portal, people: dict[str, Citizen]) -> None:
    received = datetime(2027, 1, 31, 9, 0)  # due 28 February 2027 (no 31 February)
    with governed(portal.engine) as c:
        made = requests.submit(c, people["john"].actor, "subject_access", {}, now=received)
    assert made.due_on == date(2027, 3, 1)  # 28 February 2027 is a Sunday: the Monday

    def remind(now: datetime) -> list[requests.Reminder]:
        with governed(portal.engine) as c:
            return [r for r in requests.remind(c, DPO, within_days=7, now=now)
                    if r.request_id == made.id]

    assert remind(datetime(2027, 2, 10)) == []  # not yet due within 7 days
    [soon] = remind(datetime(2027, 2, 24))
    assert soon.stage == "due_soon"
    assert remind(datetime(2027, 2, 25)) == []  # once
    [late] = remind(datetime(2027, 3, 2))
    assert late.stage == "overdue"
    assert remind(datetime(2027, 3, 9)) == []
    with portal.engine.connect() as c:
        alerts = dict(c.execute(select(dpo_alert.c.id, dpo_alert.c.summary).where(
            dpo_alert.c.id.in_([soon.alert_id, late.alert_id]))).all())
        assert requests.get_request(c, DPO, made.id, now=received).overdue(date(2027, 3, 2))
    assert "overdue by 1 days" in alerts[late.alert_id]
    assert f"#{made.id}" in alerts[soon.alert_id]
    with pytest.raises(BadInput), governed(portal.engine) as c:
        requests.remind(c, DPO, within_days=-1, now=received + timedelta(days=1))
