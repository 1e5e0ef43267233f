"""The emergency API and the planner's page, on the places world (tests/places_world.py)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from places_world import load_properties, zone_geojson
from server_world import Served
from test_signin import csrf
from test_web_people import signed_in
from world import ADVISOR, NOW, PLANNER

from joinedup.govern import signing
from joinedup.places.build import build


@pytest.fixture
def placed(served: Served, tmp_path: Path) -> Served:
    load_properties(served.world.engine, tmp_path)
    with served.world.engine.begin() as c:
        build(c, now=NOW)
    return served


def test_the_api_lists_mary_for_a_planner(placed: Served) -> None:
    answer = placed.client.post("/api/emergency/vulnerable", json={"area": zone_geojson()},
                                headers=placed.headers(PLANNER, "emergency_response"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    [home] = body["households"]
    assert home["uprn"] == "1001"
    assert home["residents"][0]["needs"] == ["mobility", "cognitive_impairment", "over_85"]
    assert body["withheld"] == ["childrens_services", "police", "police_flags"]


def test_the_api_export_is_a_signed_zip_that_verifies(placed: Served, tmp_path: Path) -> None:
    answer = placed.client.post("/api/emergency/vulnerable?format=zip",
                                json={"area": zone_geojson(), "buffer": 10},
                                headers=placed.headers(PLANNER, "emergency_response"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as bundle:
        names = sorted(bundle.namelist())
        bundle.extractall(tmp_path / "got")
    [csv_name] = [n for n in names if n.endswith(".csv")]
    assert names == sorted([csv_name, csv_name + ".sig", csv_name + ".pub"])
    verified = signing.verify_export(tmp_path / "got" / csv_name,
                                     public_key=placed.hub.settings.key_dir / "hub-signing.pub")
    assert verified.ok and "O'Brien" in (tmp_path / "got" / csv_name).read_text("utf-8")


@pytest.mark.parametrize(("purpose", "status"), [(None, 403), ("customer_service", 403)])
def test_the_api_refuses_an_advisor(placed: Served, purpose: str | None, status: int) -> None:
    answer = placed.client.post("/api/emergency/vulnerable", json={"area": zone_geojson()},
                                headers=placed.headers(ADVISOR, purpose))
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == "access_denied"


def test_the_api_names_what_is_wrong_with_an_area(placed: Served) -> None:
    answer = placed.client.post("/api/emergency/vulnerable",
                                json={"area": {"type": "Point", "coordinates": [1, 52]}},
                                headers=placed.headers(PLANNER, "emergency_response"))
    assert answer.status_code == 400
    assert "Point" in answer.json()["error"]["message"]


def test_the_page_draws_the_map_beside_the_list_and_downloads_the_signed_list(
        placed: Served) -> None:
    token = csrf(signed_in(placed.client, PLANNER, "emergency_response"))
    page = placed.client.post(
        "/emergency", data={"csrf_token": token, "buffer": "0"},
        files={"upload": ("zone.geojson", json.dumps(zone_geojson()), "application/geo+json")})
    assert page.status_code == 200, page.text
    assert "1 households, 1 people needing help" in page.text
    assert "<svg" in page.text and "12 High Street, Norwich" in page.text
    assert "Needs help to move" in page.text
    stored = page.text.split('name="area_name" value="')[1].split('"')[0]
    assert stored.startswith("upload/zone.geojson by ep.wood")
    download = placed.client.post("/emergency/download",
                                  data={"csrf_token": token, "area_name": stored, "buffer": "0"})
    assert download.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(download.content)).namelist()[0].endswith(".csv")


def test_the_page_without_a_csrf_token_is_refused(placed: Served) -> None:
    signed_in(placed.client, PLANNER, "emergency_response")
    answer = placed.client.post("/emergency", data={"buffer": "0", "area_name": "x"})
    assert answer.status_code == 403


def test_the_api_answers_with_the_minimum_and_nothing_more(placed: Served) -> None:
    answer = placed.client.post("/api/emergency/vulnerable", json={"area": zone_geojson()},
                                headers=placed.headers(PLANNER, "emergency_response"))
    [home] = answer.json()["households"]
    assert set(home) == {"uprn", "address", "postcode", "easting", "northing", "longitude",
                         "latitude", "people_known", "residents"}
    assert set(home["residents"][0]) == {"person_id", "given_name", "family_name", "age",
                                         "phone", "needs", "sources"}
    assert "DEMENTIA" not in answer.text and "1940-02-01" not in answer.text
