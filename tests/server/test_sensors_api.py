"""Sensors over HTTP: the batch endpoint for sensor feeds, and the NGSI-LD read API, against
the shapes of ETSI GS CIM 009 (ids, Property/GeoProperty, temporal arrays, ProblemDetails).

Nothing here reads person data, so the hub is served once per module and backend (building
the governed world for every test would cost seconds each), and every test starts from the
same three sensors and readings (``fed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from server_world import ENGINEER, PASSWORD, add_account, served_app
from sqlalchemy import Engine, delete
from world import ANALYST, NOW, PLANNER

from joinedup.accounts import passwords
from joinedup.govern.vocabulary import Actor, Role
from joinedup.places.crs import to_wgs84
from joinedup.sensors import (
    KINDS,
    RawReading,
    SensorSpec,
    batches,
    ingest,
    ingest_transaction,
    latest,
    ngsi,
    register,
)
from joinedup.store.schema import (
    sensor,
    sensor_batch,
    sensor_correction,
    sensor_latest,
    sensor_problem,
    sensor_reading,
)

TRAFFIC = SensorSpec("TRAFFIC-A11-001", "traffic_count", "vehicles", "A11 at Cringleford",
                     619_500, 305_800, "Cringleford", 900)
LIBRARY = SensorSpec("LIB-NORWICH", "library_footfall", "people",
                     "Norwich Millennium Library footfall", 622_900, 308_400, "Mancroft", 3600)
AIR = SensorSpec("NO2-NORWICH-01", "air_quality_no2", "ug/m3", "Castle Meadow", 623_200,
                 308_300, None, 3600)
TRAFFIC_ID = "urn:ngsi-ld:TrafficFlowObserved:TRAFFIC-A11-001"
LIBRARY_ID = "urn:ngsi-ld:CrowdFlowObserved:LIB-NORWICH"
AIR_ID = "urn:ngsi-ld:AirQualityObserved:NO2-NORWICH-01"
DAY = datetime(2026, 11, 20)
TEMPORAL = f"/ngsi-ld/v1/temporal/entities/{AIR_ID}"
NOT_FOUND = "https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound"
BAD_REQUEST = "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"


@dataclass
class SensorHub:
    engine: Engine
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, actor: Actor) -> dict[str, str]:
        if actor.user not in self.tokens:
            answer = self.client.post("/auth/token", data={"username": actor.user,
                                                           "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            self.tokens[actor.user] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[actor.user]}"}


@pytest.fixture(scope="module")
def store(module_store: tuple[Engine, Path]) -> tuple[Engine, Path]:
    """A migrated store of each backend for the module (the root conftest's), and a
    directory beside it."""
    return module_store


@pytest.fixture(scope="module")
def hub(store: tuple[Engine, Path]) -> SensorHub:
    """The app on the module's store, with accounts (hashed cheaply) for the callers here."""
    engine, where = store
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: cheap)
        for actor in (ENGINEER, PLANNER, ANALYST):
            add_account(engine, actor)
    client, _ = served_app(engine, where)
    return SensorHub(engine, client)


def traffic_readings() -> list[tuple[datetime, float]]:
    """Six hours of 15-minute counts, 1 to 24, a silence, then two hours of 100 to 107."""
    early = [(DAY + timedelta(days=1, minutes=15 * i), float(i + 1)) for i in range(24)]
    late = [(DAY + timedelta(days=1, hours=22, minutes=15 * i), float(100 + i))
            for i in range(8)]
    return early + late


def air_readings() -> list[tuple[datetime, float]]:
    """Two days of hourly NO2: 10 at midnight rising by 1 an hour, 33 at 23:00."""
    return [(DAY + timedelta(hours=h), 10.0 + h % 24) for h in range(48)]


@pytest.fixture
def fed(hub: SensorHub) -> SensorHub:
    """The hub with only three sensors and their readings, in one batch."""
    with hub.engine.begin() as c:
        for table in (sensor_correction, sensor_problem, sensor_batch, sensor_latest,
                      sensor_reading, sensor):
            c.execute(delete(table))
        register(c, [TRAFFIC, LIBRARY, AIR], now=NOW)
    raw = [RawReading(TRAFFIC.code, t, v, None, "t") for t, v in traffic_readings()]
    raw += [RawReading(AIR.code, t, v, None, "a") for t, v in air_readings()]
    raw += [RawReading(LIBRARY.code, DAY + timedelta(days=1, hours=9 + i), 5.0 + i, None, "l")
            for i in range(8)]
    with ingest_transaction(hub.engine) as c:
        assert ingest(c, raw, source="test", received_by="tests", now=NOW).rejected == 0
    return hub


def get(served: SensorHub, path: str, **params: Any) -> Any:
    answer = served.client.get(path, params=params, headers=served.headers(PLANNER))
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- the batch endpoint ----------------------------------------------------------------------

BATCH = [
    {"sensor": TRAFFIC.code, "observed_at": "2026-11-22T08:00:00Z", "value": 40,
     "unit": "vehicles"},
    {"sensor": TRAFFIC.code, "observed_at": "2026-11-22T08:15:00+00:00", "value": "41"},
    {"sensor": AIR.code, "observed_at": "2026-11-22T09:00:00", "value": 28.5},
    {"sensor": "TRAFFIC-A11-999", "observed_at": "2026-11-22T08:00:00Z", "value": 3},
    {"sensor": TRAFFIC.code, "observed_at": "2026-11-22T08:30:00Z", "value": "lots"},
    {"sensor": AIR.code, "observed_at": "2026-11-22T08:00:00Z", "value": 15, "unit": "ppb"},
]


def test_a_data_engineer_posts_a_batch_and_the_same_again_changes_nothing(fed: SensorHub
                                                                          ) -> None:
    headers = fed.headers(ENGINEER)
    first = fed.client.post("/api/sensors/readings", json=BATCH, headers=headers,
                            params={"source": "a11-counters"})
    assert first.status_code == 200, first.text
    report = first.json()
    assert {k: report[k] for k in ("read", "accepted", "duplicates", "rejected")} == {
        "read": 6, "accepted": 3, "duplicates": 0, "rejected": 3}
    assert [(p["index"], p["where"], p["sensor"]) for p in report["problems"]] == [
        (3, "readings[3]", "TRAFFIC-A11-999"), (4, "readings[4]", TRAFFIC.code),
        (5, "readings[5]", AIR.code)]
    assert "unknown sensor" in report["problems"][0]["what"]
    assert report["problems"][1]["value"] == "lots"
    again = fed.client.post("/api/sensors/readings", json=BATCH, headers=headers).json()
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 3, 3)
    with fed.engine.connect() as c:
        newest = {r.code: (r.observed_at, r.value) for r in latest(c)}
        recorded = batches(c, limit=2)
    assert newest[TRAFFIC.code] == (datetime(2026, 11, 22, 8, 15), 41.0)
    assert newest[AIR.code] == (datetime(2026, 11, 22, 9), 28.5)
    assert [(b.source, b.received_by) for b in recorded] == [
        ("api", ENGINEER.user), ("a11-counters", ENGINEER.user)]


def test_an_ndjson_batch_names_the_lines_of_its_problems(fed: SensorHub) -> None:
    body = "\n".join([
        '{"sensor": "LIB-NORWICH", "observed_at": "2026-11-22T09:00:00Z", "value": 7}', "",
        '{"sensor": "LIB-NORWICH", "observed_at": "2026-11-22T10:00:00Z", "value": -2}'])
    answer = fed.client.post("/api/sensors/readings", content=body, headers={
        **fed.headers(ENGINEER), "Content-Type": "application/x-ndjson"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["read"], report["accepted"], report["rejected"]) == (2, 1, 1)
    [problem] = report["problems"]
    assert (problem["index"], problem["where"]) == (1, "line 3")
    assert "negative" in problem["what"]


@pytest.mark.parametrize(("body", "message"), [
    ("{}", "expected a JSON array of readings"),
    ('[{"sensor": "LIB-NORWICH", "observed_at": "2026-11-22T09:00:00Z", "value": 1}, 7]',
     "readings[1] is not a reading"),
    ("[]", "the batch holds no readings"),
    ("not json", "the body is not JSON"),
])
def test_a_body_that_is_not_readings_is_refused_whole(fed: SensorHub, body: str,
                                                      message: str) -> None:
    answer = fed.client.post("/api/sensors/readings", content=body, headers={
        **fed.headers(ENGINEER), "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]
    with fed.engine.connect() as c:
        assert [b.source for b in batches(c)] == ["test"]  # the fixture's only


def test_only_a_feed_may_post_readings(fed: SensorHub) -> None:
    refused = fed.client.post("/api/sensors/readings", json=BATCH,
                              headers=fed.headers(ANALYST))
    assert refused.status_code == 403
    assert "sensor_feed" in refused.json()["error"]["message"]
    unsigned = fed.client.post("/api/sensors/readings", json=BATCH)
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "authentication_failed"
    with fed.engine.connect() as c:
        assert len(batches(c)) == 1


@pytest.mark.skipif("sensor_feed" not in {r.value for r in Role},
                    reason="Role.SENSOR_FEED is proposed for govern.vocabulary (issue 7)")
def test_a_sensor_feed_posts_readings_and_reads_no_one(fed: SensorHub) -> None:
    feed = Actor("feed.a11", "Norfolk County Council Highways", Role("sensor_feed"))
    add_account(fed.engine, feed)  # hashed cheaply by the conftest's cheap_hashes
    posted = fed.client.post("/api/sensors/readings", json=BATCH[:3],
                             headers=fed.headers(feed))
    assert posted.status_code == 200 and posted.json()["accepted"] == 3
    assert fed.client.get("/api/persons/1", headers={
        **fed.headers(feed), "X-Purpose": "direct_care"}).status_code == 403
    assert fed.client.get(f"/ngsi-ld/v1/entities/{AIR_ID}",
                          headers=fed.headers(feed)).status_code == 200


# -- NGSI-LD ---------------------------------------------------------------------------------

def test_every_kind_of_sensor_is_an_ngsi_ld_type() -> None:
    assert set(ngsi.MODELS) == set(KINDS)


def test_entities_of_a_type_in_the_ngsi_ld_shape(fed: SensorHub) -> None:
    answer = fed.client.get("/ngsi-ld/v1/entities", params={"type": "TrafficFlowObserved"},
                            headers=fed.headers(PLANNER))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["link"] == (
        '<https://smartdatamodels.org/context.jsonld>; '
        'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"')
    lon, lat = to_wgs84([TRAFFIC.easting], [TRAFFIC.northing])
    assert answer.json() == [{
        "id": TRAFFIC_ID, "type": "TrafficFlowObserved",
        "name": {"type": "Property", "value": "A11 at Cringleford"},
        "location": {"type": "GeoProperty", "value": {
            "type": "Point", "coordinates": [round(float(lon[0]), 6), round(float(lat[0]), 6)]}},
        "areaServed": {"type": "Property", "value": "Cringleford"},
        "intensity": {"type": "Property", "value": 107, "observedAt": "2026-11-21T23:45:00Z"},
    }]
    assert 1.2 < lon[0] < 1.3 and 52.6 < lat[0] < 52.62


def test_json_ld_carries_its_context_in_the_body(fed: SensorHub) -> None:
    answer = fed.client.get("/ngsi-ld/v1/entities", params={
        "type": "CrowdFlowObserved,AirQualityObserved"}, headers={
        **fed.headers(PLANNER), "Accept": "application/ld+json"})
    assert answer.headers["content-type"] == "application/ld+json"
    assert "link" not in answer.headers
    found = answer.json()
    assert [e["id"] for e in found] == [LIBRARY_ID, AIR_ID]  # by code
    assert all(e["@context"] == ["https://smartdatamodels.org/context.jsonld",
                                 "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8"
                                 ".jsonld"] for e in found)
    assert found[0]["peopleCount"] == {"type": "Property", "value": 12, "unitCode": "IE",
                                       "observedAt": "2026-11-21T16:00:00Z"}
    assert "areaServed" not in found[1]  # the monitor has no ward


def test_one_entity_normalized_and_simplified(fed: SensorHub) -> None:
    entity = get(fed, f"/ngsi-ld/v1/entities/{AIR_ID}")
    assert entity["no2"] == {"type": "Property", "value": 33.0, "unitCode": "GQ",
                             "observedAt": "2026-11-21T23:00:00Z"}
    simple = get(fed, f"/ngsi-ld/v1/entities/{AIR_ID}", options="keyValues")
    assert simple == {"id": AIR_ID, "type": "AirQualityObserved", "name": "Castle Meadow",
                      "location": entity["location"]["value"], "no2": 33.0}
    assert get(fed, f"/ngsi-ld/v1/entities/{AIR_ID}", format="simplified") == simple
    assert get(fed, f"/ngsi-ld/v1/entities/{AIR_ID}", attrs="no2") == {
        "id": AIR_ID, "type": "AirQualityObserved", "no2": entity["no2"]}


def test_paging_counting_and_picking_attributes(fed: SensorHub) -> None:
    every = "TrafficFlowObserved,CrowdFlowObserved,AirQualityObserved"
    answer = fed.client.get("/ngsi-ld/v1/entities", params={
        "type": every, "limit": 1, "offset": 1, "count": "true"}, headers=fed.headers(PLANNER))
    assert answer.headers["ngsild-results-count"] == "3"
    assert [e["id"] for e in answer.json()] == [AIR_ID]
    assert [e["id"] for e in get(fed, "/ngsi-ld/v1/entities", attrs="peopleCount")] == [
        LIBRARY_ID]
    assert [e["id"] for e in get(fed, "/ngsi-ld/v1/entities",
                                 idPattern="urn:ngsi-ld:.*:LIB-.*")] == [LIBRARY_ID]
    assert [e["id"] for e in get(fed, "/ngsi-ld/v1/entities", id=f"{AIR_ID},{TRAFFIC_ID}")
            ] == [AIR_ID, TRAFFIC_ID]
    assert get(fed, "/ngsi-ld/v1/entities", type="ParkingSpot") == []


@pytest.mark.parametrize(("path", "params", "status", "kind", "detail"), [
    (f"/ngsi-ld/v1/entities/{AIR_ID}X", {}, 404, NOT_FOUND, "no entity"),
    ("/ngsi-ld/v1/entities/urn:ngsi-ld:TrafficFlowObserved:NO2-NORWICH-01", {}, 404,
     NOT_FOUND, "no entity"),
    ("/ngsi-ld/v1/entities/TRAFFIC-A11-001", {}, 400, BAD_REQUEST, "not an entity id"),
    ("/ngsi-ld/v1/entities", {}, 400, BAD_REQUEST, "say which entities"),
    ("/ngsi-ld/v1/entities", {"type": "AirQualityObserved", "q": "no2>40"}, 400, BAD_REQUEST,
     "q: not a parameter the hub answers"),
    ("/ngsi-ld/v1/entities", {"type": "AirQualityObserved", "limit": 0}, 400, BAD_REQUEST,
     "limit"),
    ("/ngsi-ld/v1/entities", {"type": "AirQualityObserved", "options": "sysAttrs"}, 400,
     BAD_REQUEST, "sysAttrs"),
    ("/ngsi-ld/v1/entities", {"idPattern": "urn:("}, 400, BAD_REQUEST,
     "not a regular expression"),
    (TEMPORAL, {"timerel": "between", "timeAt": "2026-11-20T00:00:00Z"}, 400, BAD_REQUEST,
     "needs endTimeAt"),
    (TEMPORAL, {"timeAt": "2026-11-20T00:00:00Z"}, 400, BAD_REQUEST, "needs timerel"),
    (TEMPORAL, {"timerel": "after", "timeAt": "yesterday"}, 400, BAD_REQUEST,
     "is not a date and time"),
    (TEMPORAL, {"options": "aggregatedValues"}, 400, BAD_REQUEST, "needs aggrMethods"),
    (TEMPORAL, {"options": "aggregatedValues", "aggrMethods": "stddev"}, 400, BAD_REQUEST,
     "aggrMethods stddev"),
    (TEMPORAL, {"options": "aggregatedValues", "aggrMethods": "avg",
                "aggrPeriodDuration": "PT15M"}, 400, BAD_REQUEST, "PT15M"),
    (TEMPORAL, {"timeproperty": "modifiedAt"}, 400, BAD_REQUEST, "observedAt only"),
    (TEMPORAL, {"lastN": 0}, 400, BAD_REQUEST, "lastN"),
])
def test_errors_are_ngsi_ld_problem_details(fed: SensorHub, path: str, params: dict[str, Any],
                                            status: int, kind: str, detail: str) -> None:
    answer = fed.client.get(path, params=params, headers=fed.headers(PLANNER))
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["type"] == kind and body["status"] == status and body["title"]
    assert detail in body["detail"]


def test_signing_in_is_needed_and_said_as_a_problem(fed: SensorHub) -> None:
    answer = fed.client.get("/ngsi-ld/v1/entities", params={"type": "AirQualityObserved"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json() == {"type": "about:blank", "title": "Unauthorized", "status": 401,
                             "detail": "sign in first: send Authorization: Bearer TOKEN, a "
                                       "token from POST /auth/token"}


def test_the_temporal_representation_between_two_times(fed: SensorHub) -> None:
    window = {"timerel": "between", "timeAt": "2026-11-21T20:00:00Z",
              "endTimeAt": "2026-11-21T23:00:00Z"}
    found = get(fed, TEMPORAL, **window)
    assert found == {"id": AIR_ID, "type": "AirQualityObserved", "no2": [
        {"type": "Property", "value": v, "unitCode": "GQ", "observedAt": f"2026-11-21T{h}:00:00Z"}
        for h, v in ((20, 30.0), (21, 31.0), (22, 32.0))]}
    simple = get(fed, TEMPORAL, options="temporalValues", **window)
    assert simple["no2"] == {"type": "Property", "values": [
        [30.0, "2026-11-21T20:00:00Z"], [31.0, "2026-11-21T21:00:00Z"],
        [32.0, "2026-11-21T22:00:00Z"]]}
    before = get(fed, TEMPORAL, timerel="before", timeAt="2026-11-20T02:00:00Z",
                 format="temporalValues")
    assert [v for v, _ in before["no2"]["values"]] == [10.0, 11.0]
    after = get(fed, TEMPORAL, timerel="after", timeAt="2026-11-21T22:00:00+00:00",
                options="temporalValues")
    assert [v for v, _ in after["no2"]["values"]] == [32.0, 33.0]
    assert get(fed, TEMPORAL, attrs="pm10") == {"id": AIR_ID, "type": "AirQualityObserved"}


def test_the_last_n_readings_reach_back_over_a_silence(fed: SensorHub) -> None:
    found = get(fed, f"/ngsi-ld/v1/temporal/entities/{TRAFFIC_ID}", lastN=10,
                options="temporalValues")
    values = found["intensity"]["values"]
    assert [v for v, _ in values] == [23, 24, *range(100, 108)]
    assert values[0][1] == "2026-11-21T05:30:00Z"
    last_three = get(fed, TEMPORAL, lastN=3, timerel="before", timeAt="2026-11-21T00:00:00Z")
    assert [i["value"] for i in last_three["no2"]] == [31.0, 32.0, 33.0]


def test_aggregated_values_by_day_and_over_the_whole_range(fed: SensorHub) -> None:
    daily = get(fed, TEMPORAL, options="aggregatedValues",
                aggrMethods="totalCount,sum,avg,min,max", aggrPeriodDuration="P1D")
    days = [("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"),
            ("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")]
    expected = {"totalCount": 24, "sum": sum(range(10, 34)), "avg": 21.5, "min": 10.0,
                "max": 33.0}
    assert daily == {"id": AIR_ID, "type": "AirQualityObserved", "no2": {
        "type": "Property", **{m: [[v, *day] for day in days] for m, v in expected.items()}}}
    whole = get(fed, TEMPORAL, options="aggregatedValues", aggrMethods="max,totalCount",
                timerel="between", timeAt="2026-11-20T12:00:00Z",
                endTimeAt="2026-11-21T06:00:00Z")
    assert whole["no2"] == {"type": "Property",
                            "max": [[33.0, "2026-11-20T12:00:00Z", "2026-11-21T06:00:00Z"]],
                            "totalCount": [[18, "2026-11-20T12:00:00Z",
                                            "2026-11-21T06:00:00Z"]]}
    hourly = get(fed, TEMPORAL, options="aggregatedValues", aggrMethods="avg",
                 aggrPeriodDuration="PT1H", lastN=2)
    assert hourly["no2"]["avg"] == [[32.0, "2026-11-21T22:00:00Z", "2026-11-21T23:00:00Z"],
                                    [33.0, "2026-11-21T23:00:00Z", "2026-11-22T00:00:00Z"]]


def test_a_long_answer_is_partial_and_says_its_range(fed: SensorHub,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ngsi, "MAX_INSTANCES", 5)
    answer = fed.client.get(TEMPORAL, headers=fed.headers(PLANNER))
    assert answer.status_code == 206
    assert answer.headers["content-range"] == \
        "date-time 2026-11-20T00:00:00Z-2026-11-20T04:00:00Z/5"
    assert len(answer.json()["no2"]) == 5
