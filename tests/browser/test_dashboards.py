"""The analyst's journey through the evidence dashboards, in a real browser against the linked
synthetic county with its sensors: every dashboard's page checked (one h1, a main, labelled
inputs, no sideways scrolling, nothing fetched from elsewhere, an SVG per chart, no script)
and shot for docs/analyst.md, and a chart's CSV download equal to the figures under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_kit import check_page, cli, download_table, shoot

from joinedup.accounts.passwords import DEMO_PASSWORD
from joinedup.dashboards import DASHBOARDS
from joinedup.govern.vocabulary import Purpose
from joinedup.web.templating import PURPOSE_WORDS

pytestmark = pytest.mark.xdist_group("browser")



@pytest.fixture(scope="module")
def with_sensors(county: tuple[str, Path], server: str) -> str:
    """The county's sensors registered and their readings (late ones too) ingested, as the
    demo does, so the demand page has traffic and library use beside it."""
    url, keys = county
    root = Path(url.removeprefix("sqlite:///")).parent / "county"
    files = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))["sensors"]
    cli(url, "sensors", "register", str(root / files["registry"]), key_dir=keys)
    cli(url, "sensors", "ingest", *(str(root / f) for f in (*files["readings"], files["late"])),
        key_dir=keys)
    return server


@pytest.fixture
def analyst(browser: Any, with_sensors: str) -> Iterator[tuple[Any, str]]:
    """A page signed in as the demo analyst for analytics, and the server's address; no
    request it makes may leave the server."""
    context = browser.new_context(viewport={"width": 1200, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page.goto(with_sensors + "/login")
    page.get_by_label("Username").fill("demo.analyst")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label(PURPOSE_WORDS[Purpose.ANALYTICS]).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/$"))
    yield page, with_sensors
    assert all(u.startswith(with_sensors + "/") for u in requests), requests
    context.close()


def test_the_analyst_opens_every_dashboard_from_the_start_page(analyst: Any) -> None:
    page, origin = analyst
    for name, kind in DASHBOARDS.items():
        page.goto(origin + "/")
        page.get_by_role("link", name=kind.title).click()
        page.wait_for_url(re.compile(f"/dashboards/{name}$"))
        check_page(page, scripts=False)
        assert page.locator("h1").inner_text() == kind.title
        charts = page.locator("section.dashboard-chart")
        assert charts.count() == len(kind.charts)
        assert page.locator("section.dashboard-chart svg[role=img]").count() == len(kind.charts)
        shoot(page, f"dashboard-{name}")


def test_the_demand_page_shows_the_sensors_beside_the_contacts(analyst: Any) -> None:
    page, origin = analyst
    page.goto(origin + "/dashboards/demand")
    check_page(page, scripts=False)

    traffic = page.locator("section#traffic svg g.series")
    library = page.locator("section#library svg g.series")
    assert traffic.count() >= 1, "no traffic counters with readings in the county's wards"
    assert library.count() >= 1, "no library footfall counters with readings"


def test_a_charts_csv_download_is_the_figures_under_it(analyst: Any, tmp_path: Path) -> None:
    page, origin = analyst
    page.goto(origin + "/dashboards/duplication")
    got = download_table(page, "section#within-source", "Download these figures (CSV)",
                         tmp_path)

    assert got.name == "duplication-within-source.csv"
    assert got.rows[0] == ["source", "records", "persons", "duplicates",
                           "persons in other sources"]
    assert got.rows[1:] == got.shown
