"""The open data pages in a real browser, signed out, against the linked synthetic county
with its wards, parishes and sensors published as a release: the catalogue and a dataset's
page checked (one h1, a main, nothing wider than the window, nothing fetched from elsewhere, a
chart per table, no script) and shot for docs/open-data.md, and a table's CSV download equal
to the figures on the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_kit import check_page, cli, download_table, shoot

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def published(county: tuple[str, Path], server: str) -> str:
    """Wards, parishes and sensors loaded as the demo loads them, and a release published."""
    url, keys = county
    root = Path(url.removeprefix("sqlite:///")).parent / "county"
    for kind, name in (("ward", "wards"), ("parish", "parishes")):
        cli(url, "places", "load-areas", str(root / "data" / f"{name}.geojson"), "--kind",
            kind, "--name-property", "name", key_dir=keys)
    files = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))["sensors"]
    cli(url, "sensors", "register", str(root / files["registry"]), key_dir=keys)
    cli(url, "sensors", "ingest", *(str(root / f) for f in files["readings"]), key_dir=keys)
    result = cli(url, "opendata", "publish", key_dir=keys)
    assert "published release" in result.output
    return server


@pytest.fixture
def visitor(browser: Any, published: str) -> Iterator[tuple[Any, str]]:
    """A page nobody signed in to; no request it makes may leave the server."""
    context = browser.new_context(viewport={"width": 1200, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    yield page, published
    assert all(u.startswith(published + "/") for u in requests), requests
    context.close()


def test_a_visitor_finds_a_dataset_from_the_catalogue(visitor: Any) -> None:
    page, origin = visitor
    page.goto(origin + "/")
    page.get_by_role("link", name="Open data").click()
    page.wait_for_url(re.compile(r"/opendata$"))
    check_page(page, scripts=False)
    assert page.locator("h1").inner_text() == "Open data"
    assert page.locator("ul.cards li").count() == 4
    shoot(page, "opendata-catalogue")
    page.get_by_role("link", name="People supported by adult social care, by age").click()
    page.wait_for_url(re.compile(r"/opendata/adult-social-care-by-age$"))
    check_page(page, scripts=False)
    assert page.locator("section svg[role=img]").count() == 2
    assert "Open Government Licence v3.0" in page.locator("dl.summary").inner_text()
    page.locator("section#by-ward summary").click()
    assert page.locator("section#by-ward tbody tr").count() > 10
    page.get_by_role("link", name="All open data").click()
    page.get_by_role("link", name="Households known to several agencies").click()
    page.wait_for_url(re.compile(r"/opendata/households-known-to-agencies$"))
    check_page(page, scripts=False)
    assert page.locator("section#by-ward svg rect").count() > 0  # counts big enough to draw
    shoot(page, "opendata-dataset")


def test_a_tables_csv_download_is_the_figures_on_the_page(visitor: Any, tmp_path: Path) -> None:
    page, origin = visitor
    page.goto(origin + "/opendata/adult-social-care-by-age")
    got = download_table(page, "section#by-parish", "Download CSV", tmp_path)
    assert got.name == "adult-social-care-by-age-by-parish.csv"
    assert got.rows[0][0] == "parish" and got.rows[0][-1] == "Total"
    assert got.rows[1:] == got.shown
    assert any("[c]" in row for row in got.shown)
