import json
from conftest import ENGINEER, Served
from world import ADVISOR, DPO, NURSE, OTHER_SOCIAL_WORKER, SOCIAL_WORKER

def show(title, r):
    print(f"\n##### {title} -> {r.status_code}")
    try:
        print(json.dumps(r.json(), indent=2)[:6000])
    except Exception:
        print(r.text[:500])

def test_print(served: Served) -> None:
    c = served.client
    show("POST /auth/token", c.post("/auth/token", data={"username": SOCIAL_WORKER.user, "password": "correct horse battery staple"}))
    show("token wrong", c.post("/auth/token", data={"username": SOCIAL_WORKER.user, "password": "x"}))
    sw = served.headers(SOCIAL_WORKER, "direct_care")
    show("GET /api/me", c.get("/api/me", headers=sw))
    show("no token", c.get("/api/persons/1"))
    adv = served.headers(ADVISOR, "customer_service")
    show("search", c.get("/api/persons", params={"name": "Mary O'Brien"}, headers=adv))
    show("search no purpose", c.get("/api/persons", params={"name": "Mary O'Brien"}, headers=served.headers(ADVISOR)))
    show("person 1 advisor", c.get("/api/persons/1", headers=adv))
    show("person 1 sw", c.get("/api/persons/1", headers=sw))
    show("person 999", c.get("/api/persons/999", headers=sw))
    show("person bad", c.get("/api/persons/abc", headers=sw))
    show("involved", c.get("/api/persons/1/involved", headers=sw))
    show("caseload", c.get("/api/caseload", headers=sw))
    show("contact", r := c.post("/api/persons/1/contacts", json={"channel": "phone"}, headers=adv))
    show("end", c.post(f"/api/contacts/{r.json()['id']}/end", headers=adv))
    show("end again", c.post(f"/api/contacts/{r.json()['id']}/end", headers=adv))
    osw = served.headers(OTHER_SOCIAL_WORKER, "safeguarding")
    show("bg short", c.post("/api/persons/1/break-glass", json={"reason": "short"}, headers=osw))
    show("bg", c.post("/api/persons/1/break-glass", json={"reason": "Neighbour reports she has not been seen for three days"}, headers=osw))
    eng = served.headers(ENGINEER, "data_quality")
    show("loads", c.get("/api/loads", params={"limit": 2}, headers=eng))
    show("load 1", c.get("/api/loads/1", headers=eng))
    show("load 999", c.get("/api/loads/999", headers=eng))
    show("reviews", c.get("/api/reviews", headers=eng))
    show("review 1", c.get("/api/reviews/1", headers=eng))
    show("decision 1", c.post("/api/reviews/1/decision", json={"accept": True, "reason": "same NHS number"}, headers=eng))
    dpo = served.headers(DPO, "audit")
    show("audit events", c.get("/api/audit/events", params={"person_id": 1, "limit": 3}, headers=dpo))
    show("alerts", r2 := c.get("/api/alerts", headers=dpo))
    show("agreements", c.get("/api/agreements", headers=dpo))
    show("status", c.get("/api/audit/status", params={"verify": True}, headers=dpo))
    show("close", c.post(f"/api/alerts/{r2.json()[0]['id']}/close", json={"outcome": "no_concern", "note": "Checked with the team manager"}, headers=dpo))
    show("audit sw denied", c.get("/api/audit/events", headers=sw))
    show("openapi paths", c.get("/openapi.json"))
