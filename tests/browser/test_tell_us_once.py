"""Tell us once in a real browser against the linked synthetic county: a resident reports a
new address in the citizen portal, the council's data engineer (the demo login) sees it beside
the old one and accepts it for Adult Social Care, and the resident sees each organisation's
answer. Every page is checked as the staff journeys are, and shot for docs/tell-us-once.md."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import test_citizen
from browser_kit import expect
from citizen_world import add_citizen
from sqlalchemy import create_engine, select

from joinedup.govern.vocabulary import Purpose
from joinedup.store.schema import agency, person_link, source, source_record

pytestmark = pytest.mark.xdist_group("browser")
EMAIL = "tell.us.once@example.org"
PASSWORD = "a long demo passphrase 2"
NEW_ADDRESS = "7 Castle Meadow, Norwich"
ASC = "Adult Social Care"
SR = source_record.table
trips = test_citizen.trips
"""The fixture: a fresh browser context per person."""


def resident(url: str) -> list[str]:
    """Open the portal account of an Adult Social Care client known to the most agencies and
    without a council tax record (the demo citizen of test_citizen has one); the agencies
    the portal names to them (not those holding them only in sealed records)."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(select(person_link.c.person_id, SR.c.id, SR.c.sensitivity,
                                    source.c.name, agency.c.name.label("agency"))
                             .join(SR, SR.c.id == person_link.c.source_record_id)
                             .join(source, source.c.id == SR.c.source_id)
                             .join(agency, agency.c.id == source.c.agency_id)).all()
        held: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            held[row.person_id].append(row)
        person = min((p for p, rs in held.items()
                      if "council_tax" not in {r.name for r in rs}
                      and any(r.name == "asc_clients" and r.sensitivity != "sealed"
                              for r in rs)),
                     key=lambda p: (-len({r.agency for r in held[p]}), p))
        record = min(r.id for r in held[person] if r.name == "asc_clients")
        add_citizen(engine, record, email=EMAIL, password=PASSWORD)
    finally:
        engine.dispose()
    return sorted({r.agency for r in held[person] if r.sensitivity != "sealed"})


def test_a_resident_tells_us_once_and_the_engineer_accepts(
        county: tuple[str, Path], trips: Any) -> None:
    url, _ = county
    agencies = resident(url)
    assert ASC in agencies and len(agencies) >= 2

    citizen = trips()
    citizen.go("/citizen/signin")
    page = citizen.page
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Tell us about a change").first.click()
    expect(page.locator("h1")).to_have_text("Tell us about a change")
    for name in agencies:
        expect(page.locator(".notice")).to_contain_text(name)
    page.get_by_label("My address").check()
    page.get_by_label("New address (for a new address)").fill(NEW_ADDRESS)
    page.get_by_label("New postcode").fill("nr1 3dh")
    citizen.shoot("citizen-change")
    page.get_by_role("button", name="Send my change").click()
    expect(page.locator("h1")).to_have_text("Your new address")
    expect(page.locator("main")).to_contain_text(f"{NEW_ADDRESS}, NR1 3DH")
    assert page.locator("tbody tr").count() == len(agencies)
    change_url = page.url
    assert re.search(r"/citizen/changes/\d+$", change_url)

    engineer = trips()
    engineer.sign_in("demo.data_engineer", Purpose.DATA_QUALITY)
    engineer.page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Change notifications").click()
    staff = engineer.page
    expect(staff.locator("h1")).to_have_text("Change notifications")
    panel = staff.locator("section.panel", has_text=f"new address for {ASC}")
    expect(panel).to_have_count(1)
    expect(panel.locator("table")).to_contain_text(NEW_ADDRESS)
    engineer.check()
    engineer.shoot("engineer-changes")
    panel.get_by_role("button", name="Accept: we will update our system").click()
    expect(staff.locator(".notice.ok")).to_contain_text("Decision recorded")
    expect(staff.locator("section.panel", has_text=f"new address for {ASC}")).to_have_count(0)
    engineer.check()

    citizen.page.goto(change_url)
    row = page.locator("tbody tr", has_text=ASC)
    expect(row).to_contain_text("accepted")
    others = page.locator("tbody tr", has_text="being checked")
    expect(others).to_have_count(len(agencies) - 1)  # partners decide for themselves
    citizen.shoot("citizen-change-status")
    citizen.assert_local()
    engineer.assert_local()
