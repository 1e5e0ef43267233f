"""A citizen's journey through the portal in a real browser against the linked synthetic
county: they register with the demo citizen's council tax details (``joinedup citizens
demo``), see who holds records about them, ask for a copy of their data; the DPO builds it
from the work queue; the citizen sees who accessed their data and downloads the pack. Every
page is checked (one h1, a main, labelled inputs, no sideways scrolling, nothing fetched from
elsewhere) and shot for docs/citizen.md."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import cli, expect
from test_journeys import Journey

from joinedup.govern.vocabulary import Purpose

pytestmark = pytest.mark.xdist_group("browser")
DEMO = re.compile(r"account number (\S+), postcode (.+?), date of birth (\S+)")


@pytest.fixture
def trips(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser context per person, downloads allowed."""
    opened: list[Any] = []

    def trip() -> Journey:
        context = browser.new_context(viewport={"width": 1200, "height": 900},
                                      accept_downloads=True)
        context.set_default_timeout(10_000)
        opened.append(context)
        journey = Journey(context.new_page(), server)
        context.on("request", lambda r: journey.requests.append(r.url))
        return journey

    yield trip
    for context in opened:
        context.close()


def test_a_citizen_registers_asks_for_their_data_and_downloads_it(
        county: tuple[str, Path], trips: Any, tmp_path: Path) -> None:
    url, keys = county
    found = DEMO.search(" ".join(cli(url, "citizens", "demo", key_dir=keys).output.split()))
    assert found, "joinedup citizens demo printed no details"
    account, postcode, born = found.groups()

    citizen = trips()
    citizen.go("/citizen")  # not signed in: sent to sign in
    expect(citizen.page.locator("h1")).to_have_text("Sign in to see your data")
    citizen.page.get_by_role("link", name="Create one").click()
    page = citizen.page
    page.get_by_label("Council tax account number or NHS number").fill(account)
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_label("Date of birth").fill("01/01/1900")  # wrong: not said which
    page.get_by_label("Email address").fill("demo.citizen@example.org")
    page.get_by_label("Choose a password").fill("a long demo passphrase 1")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".error-message")).to_contain_text("could not match those details")
    citizen.check()
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Choose a password").fill("a long demo passphrase 1")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("h1")).to_contain_text("Your data, ")
    citizen.check()

    page.get_by_role("link", name="Records held", exact=True).click()
    expect(page.locator("h1")).to_have_text("Records held about you")
    expect(page.locator("tbody tr").first).to_be_visible()
    assert "Norfolk district councils (council tax)" in page.locator("table").inner_text()
    citizen.shoot("citizen-records")

    page.get_by_role("link", name="Your requests", exact=True).click()
    page.get_by_role("button", name="Ask for a copy").click()
    expect(page.locator("h1")).to_contain_text("a copy of your data")
    expect(page.locator("main")).to_contain_text("with the data protection officer")
    request_url = page.url
    request_id = request_url.rsplit("/", 1)[1]
    page.get_by_role("link", name="All your requests").click()
    citizen.shoot("citizen-requests")

    dpo = trips()
    dpo.sign_in("demo.dpo", Purpose.SUBJECT_ACCESS)
    dpo.page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Rights requests").click()
    expect(dpo.page.locator("h1")).to_have_text("Rights requests")
    row = dpo.page.locator("tr", has_text=f"#{request_id} subject access")
    expect(row).to_contain_text("days left")
    dpo.shoot("dpo-requests")
    row.get_by_role("button", name="Build and deliver the pack").click()
    expect(dpo.page.locator("main")).to_contain_text("DPO notes")
    expect(dpo.page.locator("main")).to_contain_text("completed by demo.dpo")
    dpo.check()

    citizen.go(request_url.removeprefix(citizen.origin))
    expect(page.locator("main")).to_contain_text("Your copy is ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as data (JSON)").click()
    saved = tmp_path / "pack.json"
    download.value.save_as(saved)
    pack = json.loads(saved.read_text(encoding="utf-8"))
    assert pack["records"] and pack["summary"]["agencies"]

    page.get_by_role("link", name="Who accessed", exact=True).click()
    expect(page.locator("h1")).to_have_text("Who accessed your data")
    expect(page.locator("tbody")).to_contain_text("Your subject access request")
    citizen.shoot("citizen-accesses")
    citizen.assert_local()
    dpo.assert_local()
