"""The public open data API, catalogue and pages, in-process over ASGI, on SQLite and
PostgreSQL: no login, only what was published, filters and paging, DCAT that parses and
downloads that download, and the rate limit."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opendata_world import ANALYST, NOW
from sqlalchemy import Engine, delete

from joinedup.govern.session import governed
from joinedup.opendata.dcat import OGL
from joinedup.opendata.publish import Options, publish
from joinedup.server.app import create_app
from joinedup.server.hub import Hub
from joinedup.settings import Settings
from joinedup.store.schema import residence

ASC = "/api/opendata/datasets/adult-social-care-by-age"


def client_for(engine: Engine, **settings: Any) -> TestClient:
    url = engine.url.render_as_string(hide_password=False)
    configured = Settings(database_url=url, **settings)
    app = create_app(configured, clock=lambda: NOW)
    app.state.hub = Hub.create(configured, engine, lambda: NOW)
    return TestClient(app, base_url="http://testserver")


@pytest.fixture(scope="module")
def client(county: Engine) -> Iterator[TestClient]:
    with governed(county) as c:
        publish(c, ANALYST, Options(), now=NOW)
    with client_for(county, opendata_burst=10_000) as opened:
        yield opened


def test_the_datasets_are_listed_without_signing_in(client: TestClient) -> None:
    answer = client.get("/api/opendata/datasets")
    assert answer.status_code == 200, answer.text
    names = [d["name"] for d in answer.json()]
    assert names == ["adult-social-care-by-age", "households-known-to-agencies",
                     "library-visits", "traffic-counts"]
    asc = answer.json()[0]
    assert [t["key"] for t in asc["tables"]] == ["by-ward", "by-parish"]
    assert asc["tables"][0]["csv"] == f"{ASC}/by-ward.csv"


def test_rows_are_filtered_and_paged_with_totals_and_next_links(client: TestClient) -> None:
    first = client.get(f"{ASC}/by-ward", params={"limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["total"], body["offset"], body["limit"]) == (5, 0, 2)
    assert [r["ward"] for r in body["rows"]] == ["East", "North"]
    second = client.get(body["next"])
    assert [r["ward"] for r in second.json()["rows"]] == ["South", "Not known"]
    last = client.get(second.json()["next"]).json()
    assert [r["ward"] for r in last["rows"]] == ["Total"] and last["next"] is None
    north = client.get(f"{ASC}/by-ward", params={"filter": "ward:North"}).json()
    assert north["total"] == 1 and north["rows"][0]["ward"] == "North"
    assert client.get(f"{ASC}/by-ward", params={"filter": ["ward:North", "ward:East"]}
                      ).json()["total"] == 0


def test_a_bad_filter_or_page_is_refused_with_what_to_do(client: TestClient) -> None:
    answer = client.get(f"{ASC}/by-ward", params={"filter": "colour:red"})
    assert answer.status_code == 400
    assert "its columns are ward, Under 65" in answer.json()["error"]["message"]
    assert client.get(f"{ASC}/by-ward", params={"filter": "ward"}).status_code == 400
    assert client.get(f"{ASC}/by-ward", params={"limit": 0}).status_code == 422
    missing = client.get("/api/opendata/datasets/nothing")
    assert missing.status_code == 404
    assert "the datasets are adult-social-care-by-age" in missing.json()["error"]["message"]
    assert client.get(f"{ASC}/by-ward-and-more.csv").status_code == 404


def test_csv_and_json_downloads_are_the_same_published_figures(client: TestClient) -> None:
    as_csv = client.get(f"{ASC}/by-ward.csv")
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    as_json = client.get(f"{ASC}/by-ward.json").json()
    assert rows[0] == list(as_json[0])
    for line, record in zip(rows[1:], as_json, strict=True):
        assert line == ["[c]" if v is None else str(v) for v in record.values()]
    assert any("[c]" in line for line in rows)


def test_the_catalogue_is_dcat_json_ld_whose_downloads_download(client: TestClient) -> None:
    answer = client.get("/opendata/catalog.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/ld+json")
    document = json.loads(answer.text)
    assert document["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert document["@type"] == "Catalog"
    assert len(document["dataset"]) == 4
    for dataset in document["dataset"]:
        for key in ("title", "description", "license", "publisher", "issued", "modified",
                    "accrualPeriodicity", "spatial", "temporal", "distribution"):
            assert dataset.get(key), (dataset["identifier"], key)
        assert dataset["license"] == OGL
        assert dataset["spatial"]["bbox"].startswith("POLYGON((")
        kinds = {d["mediaType"] for d in dataset["distribution"]}
        assert kinds == {"text/csv", "application/json"}
        for distribution in dataset["distribution"]:
            download = client.get(distribution["downloadURL"])
            assert download.status_code == 200, distribution["downloadURL"]
            assert download.headers["content-type"].startswith(distribution["mediaType"])
    asc = document["dataset"][0]
    assert "suppressed" in asc["disclosureControl"]
    assert asc["temporal"] == {"@type": "PeriodOfTime", "startDate": "2026-11-22",
                               "endDate": "2026-11-22"}


def test_the_api_serves_what_was_published_not_the_store_now(county: Engine,
                                                              client: TestClient) -> None:
    """Nothing is counted on a public request: with every home gone from the store, the
    published figures are still there, unchanged."""
    before = client.get(f"{ASC}/by-ward.json").json()
    with county.begin() as c:
        homes = c.execute(residence.select()).all()
        c.execute(delete(residence))
    try:
        assert client.get(f"{ASC}/by-ward.json").json() == before
    finally:
        with county.begin() as c:
            c.execute(residence.insert(), [dict(r._mapping) for r in homes])


def test_the_pages_show_the_catalogue_and_a_dataset(client: TestClient) -> None:
    page = client.get("/opendata")
    assert page.status_code == 200
    assert "People supported by adult social care, by age" in page.text
    assert 'href="/opendata/catalog.json"' in page.text
    dataset = client.get("/opendata/adult-social-care-by-age")
    assert dataset.status_code == 200
    assert "Open Government Licence v3.0" in dataset.text
    assert "<svg" in dataset.text and f"{ASC}/by-ward.csv" in dataset.text
    assert "[c]" in dataset.text
    assert client.get("/opendata/nothing").status_code == 404


def test_before_anything_is_published_the_catalogue_is_empty(engine: Engine) -> None:
    with client_for(engine) as empty:
        assert empty.get("/api/opendata/datasets").json() == []
        assert empty.get("/opendata/catalog.json").json()["dataset"] == []
        assert empty.get(f"{ASC}/by-ward").status_code == 404
        assert "Nothing has been published yet" in empty.get("/opendata").text


def test_a_client_over_its_rate_is_told_when_to_come_back(engine: Engine) -> None:
    with client_for(engine, opendata_burst=3, opendata_rate_per_minute=6) as limited:
        answers = [limited.get("/api/opendata/datasets") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert refused.json()["error"]["code"] == "too_many_requests"
        assert 1 <= int(refused.headers["Retry-After"]) <= 10
        catalog = limited.get("/opendata/catalog.json")
        assert catalog.status_code == 429 and "Retry-After" in catalog.headers
        page = limited.get("/opendata")
        assert page.status_code == 429 and "Too many requests" in page.text
