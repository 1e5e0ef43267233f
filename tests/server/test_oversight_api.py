"""The DPO's and the data engineer's API: who may use it, and that each use is audited."""

from __future__ import annotations

from server_world import ENGINEER, Served
from sqlalchemy import select
from world import DPO, OTHER_SOCIAL_WORKER, SOCIAL_WORKER

from joinedup.store.schema import audit_event


def _last(served: Served, action: str) -> str:
    with served.hub.engine.connect() as c:
        return str(c.execute(select(audit_event.c.decision).where(
            audit_event.c.action == action).order_by(audit_event.c.seq.desc())).scalar())


def test_the_dpo_reviews_a_break_glass_and_closes_it_once(served: Served) -> None:
    worker = served.headers(OTHER_SOCIAL_WORKER, "safeguarding")
    opened = served.client.post("/api/persons/1/break-glass", headers=worker, json={
        "reason": "Neighbour reports Mary fell and is not answering the door"})
    alert_id = opened.json()["alert_id"]
    dpo = served.headers(DPO, "audit")
    [alert] = served.client.get("/api/alerts", headers=dpo).json()
    assert alert["id"] == alert_id and alert["kind"] == "break_glass"
    uses = served.client.get("/api/audit/events", headers=dpo,
                             params={"user": OTHER_SOCIAL_WORKER.user, "action": "break_glass",
                                     "decision": "allow"}).json()
    assert [u["person_id"] for u in uses] == [1]
    body = {"outcome": "no_concern", "note": "Duty log confirms the visit"}
    assert served.client.post(f"/api/alerts/{alert_id}/close", headers=dpo,
                              json=body).status_code == 204
    again = served.client.post(f"/api/alerts/{alert_id}/close", headers=dpo, json=body)
    assert again.status_code == 400
    assert again.json()["error"]["message"] == f"alert {alert_id} is already closed"
    assert served.client.get("/api/alerts", headers=dpo).json() == []


def test_only_the_dpo_reads_the_audit_and_a_refusal_is_audited(served: Served) -> None:
    worker = served.headers(SOCIAL_WORKER, "direct_care")
    for path in ("/api/alerts", "/api/audit/events", "/api/agreements", "/api/audit/status"):
        answer = served.client.get(path, headers=worker)
        assert answer.status_code == 403, path
        assert answer.json()["error"]["code"] == "access_denied"
    assert _last(served, "audit_alerts") == "deny"


def test_agreements_in_force_and_the_logs_status(served: Served) -> None:
    dpo = served.headers(DPO, "audit")
    codes = {a["code"] for a in served.client.get("/api/agreements", headers=dpo).json()}
    assert codes == {"DSA-CARE", "DSA-SAFE", "DSA-EMERGENCY", "DSA-CONTACT", "DSA-ANALYTICS"}
    status = served.client.get("/api/audit/status", headers=dpo).json()
    assert status["events"] > 0 and status["verification"] is None


def test_the_data_engineer_reads_loads_and_others_may_not(served: Served) -> None:
    engineer = served.headers(ENGINEER, "data_quality")
    loads = served.client.get("/api/loads", headers=engineer).json()
    assert {load["source"] for load in loads} >= {"asc_clients", "police", "asc_flags"}
    one = served.client.get(f"/api/loads/{loads[0]['id']}", headers=engineer)
    assert one.status_code == 200 and one.json()["load"]["id"] == loads[0]["id"]
    missing = served.client.get("/api/loads/999999", headers=engineer)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    refused = served.client.get("/api/loads", headers=served.headers(SOCIAL_WORKER,
                                                                     "direct_care"))
    assert refused.status_code == 403
    assert _last(served, "read_loads") == "deny"
