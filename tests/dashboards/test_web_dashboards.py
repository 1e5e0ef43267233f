"""The dashboards as the analyst meets them, in-process over ASGI on both backends: the pages,
their CSV downloads (the same figures as each chart), the API twin, refusals audited, and
no person data for an analyst anywhere."""

from __future__ import annotations

import csv
import io
import re

import pytest
from dashboards_world import view
from server_world import Served
from sqlalchemy import func, select
from test_signin import csrf, sign_in
from world import ANALYST, SOCIAL_WORKER

from joinedup.dashboards import DASHBOARDS
from joinedup.govern.vocabulary import Actor
from joinedup.store.schema import audit_event


def browse(served: Served, actor: Actor, purpose: str) -> None:
    served.client.cookies.clear()
    sign_in(served.client, actor)
    chosen = served.client.post("/purpose", data={"purpose": purpose,
                                                  "csrf_token": csrf(served.client)},
                                follow_redirects=False)
    assert chosen.status_code == 303, chosen.text


def last_event(served: Served) -> tuple[str, str, str, str]:
    with served.hub.engine.connect() as c:
        seq = c.execute(select(func.max(audit_event.c.seq))).scalar_one()
        row = c.execute(select(audit_event.c.actor, audit_event.c.action,
                               audit_event.c.decision, audit_event.c.purpose)
                        .where(audit_event.c.seq == seq)).one()
    return row.actor, row.action, row.decision, row.purpose


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_analysts_start_page_and_menu_lead_to_every_dashboard(served: Served) -> None:
    browse(served, ANALYST, "analytics")
    home = served.client.get("/")

    assert [f"/dashboards/{name}" for name in DASHBOARDS] == re.findall(
        r'<li><a href="(/dashboards/[a-z]+)"', home.text)
    assert '<a href="/dashboards">Dashboards</a>' in home.text
    index = served.client.get("/dashboards")
    assert index.status_code == 200
    assert all(k.question in index.text for k in DASHBOARDS.values())


@pytest.mark.parametrize("name", DASHBOARDS)
def test_a_dashboard_page_draws_each_chart_with_its_figures_and_its_download(
        served: Served, name: str) -> None:
    browse(served, ANALYST, "analytics")
    page = served.client.get(f"/dashboards/{name}")

    assert page.status_code == 200
    assert last_event(served) == ("bi.kaur", "view_dashboard", "allow", "analytics")
    board = view(served.hub.engine, name, threshold=5)
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(board.tables)
    assert "<script" not in page.text
    for table in board.tables:
        assert f'href="/dashboards/{name}/{table.key}.csv"' in page.text
        for row in table.rows:
            cells = "".join(f"<td>{label}</td>" for label in row.labels) + "".join(
                f'<td class="num">{table.text(v, m)}</td>'.replace("<5", "&lt;5")
                for v, m in zip(row.values, table.measures, strict=True))
            assert cells in page.text, (table.key, row)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_every_csv_download_is_its_charts_figures(served: Served, name: str) -> None:
    browse(served, ANALYST, "analytics")
    board = view(served.hub.engine, name, threshold=5)
    page = served.client.get(f"/dashboards/{name}").text

    for table in board.tables:
        got = served.client.get(f"/dashboards/{name}/{table.key}.csv")
        assert got.status_code == 200
        assert got.headers["content-type"].startswith("text/csv")
        assert got.headers["content-disposition"] == (
            f'attachment; filename="{name}-{table.key}.csv"')
        assert got.text == table.csv()
        assert last_event(served) == ("bi.kaur", "download_dashboard", "allow", "analytics")
        rows = parse(got.text)[1:]
        drawn = [r[len(table.labels) + i] for r in rows for i in table.plotted]
        svg = page[page.index(f'aria-labelledby="{table.key}-title'):]
        svg = svg[:svg.index("</svg>")]
        values = re.findall(r'data-value="([0-9.]+)"', svg)
        assert [float(v) for v in values] == [float(d) for d in drawn if d != "<5"]


def test_dates_narrow_the_page_and_its_downloads_alike(served: Served) -> None:
    browse(served, ANALYST, "analytics")
    page = served.client.get("/dashboards/visits?since=2026-03-23&until=2026-04-19")
    got = served.client.get("/dashboards/visits/fortnights.csv?since=2026-03-23&until=2026-04-19")

    assert 'href="/dashboards/visits/fortnights.csv?since=2026-03-23&amp;until=2026-04-19"' \
        in page.text
    assert parse(got.text)[1:] == [["2026-03-23", "<5", "<5", "<5"], ["2026-04-06", "0", "0", "0"]]
    bad = served.client.get("/dashboards/visits?since=23/03/2026")
    assert bad.status_code == 400
    assert "from: expected a date as YYYY-MM-DD, got &#39;23/03/2026&#39;" in bad.text


def test_unknown_dashboards_and_charts_are_not_found_or_bad_input(served: Served) -> None:
    browse(served, ANALYST, "analytics")

    assert served.client.get("/dashboards/costs").status_code == 404
    assert served.client.get("/dashboards/visits/costs.csv").status_code == 400


def test_without_signing_in_a_dashboard_or_its_download_leads_to_the_sign_in_page(
        served: Served) -> None:
    served.client.cookies.clear()
    for path in ("/dashboards", "/dashboards/overlap", "/dashboards/overlap/persons.csv"):
        answer = served.client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")
    assert served.client.get("/api/dashboards").status_code == 401


def test_a_practitioner_is_refused_a_dashboard_and_the_refusal_audited(served: Served) -> None:
    browse(served, SOCIAL_WORKER, "direct_care")
    page = served.client.get("/dashboards/overlap")
    download = served.client.get("/dashboards/overlap/persons.csv")

    assert page.status_code == 403 and download.status_code == 403
    assert "this is used for the purpose analytics, not direct_care" in page.text
    assert last_event(served) == ("sw.jones", "download_dashboard", "deny", "direct_care")
    assert '<a href="/dashboards">' not in served.client.get("/").text


def test_the_api_gives_the_same_figures_as_json_and_csv(served: Served) -> None:
    headers = served.headers(ANALYST, "analytics")
    listed = served.client.get("/api/dashboards", headers=headers)
    answer = served.client.get("/api/dashboards/visits", headers=headers,
                               params={"until": "2026-03-22"})
    got = served.client.get("/api/dashboards/visits/wards.csv", headers=headers)

    assert [d["name"] for d in listed.json()] == list(DASHBOARDS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    fortnights = next(t for t in body["tables"] if t["key"] == "fortnights")
    assert fortnights["rows"] == [{"labels": ["2026-03-09"], "values": [None, None, None]}]
    assert body["withheld"] == ["libraries"] and body["threshold"] == 5
    assert got.text == view(served.hub.engine, "visits", threshold=5).table("wards").csv()


def test_the_api_refuses_without_the_analytics_purpose_and_audits_it(served: Served) -> None:
    none = served.client.get("/api/dashboards/overlap", headers=served.headers(ANALYST))
    assert none.status_code == 403
    assert none.json()["error"]["message"] == (
        "a purpose is required: dashboards are for analytics")
    assert last_event(served) == ("bi.kaur", "view_dashboard", "deny", "")
    worker = served.client.get("/api/dashboards/overlap",
                               headers=served.headers(SOCIAL_WORKER, "direct_care"))
    assert worker.status_code == 403
    assert last_event(served) == ("sw.jones", "view_dashboard", "deny", "direct_care")


def test_an_analyst_asking_for_a_person_is_refused_and_the_refusal_audited(
        served: Served) -> None:
    headers = served.headers(ANALYST, "analytics")

    for path, action in (("/api/persons/1", "read_person"),
                         ("/api/persons/1/involved", "read_involved")):
        answer = served.client.get(path, headers=headers)
        assert answer.status_code == 403, (path, answer.text)
        assert "no sharing agreement in force" in answer.json()["error"]["message"]
        assert last_event(served) == ("bi.kaur", action, "deny", "analytics")
    found = served.client.get("/api/persons", headers=headers,
                              params={"name": "Pat PersonA1"})
    assert found.status_code == 200
    assert found.json()["hits"] == [] and found.json()["withheld"] > 0
    browse(served, ANALYST, "analytics")
    page = served.client.get("/persons/1")
    assert page.status_code == 403 and "PersonA1" not in page.text
