"""The staff journeys, driven in a real browser against a real server on a linked synthetic
county: the call-centre advisor, a practitioner without (and with) a relationship, the DPO
reviewing the break-glass that practitioner used, the data engineer's loads and linkage
review, and the keyboard. Each journey is one browser context, checks every page it visits
(an h1, ``<main id="main">``, every input labelled), records every request the browser makes
(none may leave the server), and saves the screenshots docs/practitioner.md shows.

The people driven through come from the store, chosen the way a tester would pick them: a
caller known to several services the contact centre may see, a client of the social worker's
own agency who is not on their caseload, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from browser_kit import SCREENSHOTS, check_page, expect, shoot
from sqlalchemy import Connection, create_engine, func, or_, select

from joinedup.accounts.passwords import DEMO_PASSWORD
from joinedup.accounts.users import get_user
from joinedup.govern.agreements import parse_agreement
from joinedup.govern.vocabulary import Group, Purpose, Role
from joinedup.store.schema import (
    agency,
    contact,
    involvement,
    person_link,
    practitioner,
    referral,
    source,
    source_record,
)
from joinedup.web.templating import PURPOSE_WORDS

pytestmark = pytest.mark.xdist_group("browser")

AGREEMENTS = Path(__file__).parents[2] / "joinedup" / "synth" / "agreements"
CONTACT_CENTRE = AGREEMENTS / "dsa-nfk-004-customer-service.yaml"
CALLER_SOURCES = ("council_tax", "asc_clients", "libraries")
"""A caller has one of these records: the council's own services."""
FOCUS_YELLOW = "rgb(255, 221, 0)"
BREAK_GLASS_REASON = "Neighbour reports a fall and no answer at the door; checking for risks."

SR, CON, INV = source_record.table, contact.table, involvement.table


# --- the store: who to drive through the journeys ---------------------------------------------

@dataclass(frozen=True)
class Caller:
    person_id: int
    given_name: str
    family_name: str
    date_of_birth: date
    agencies: frozenset[str]
    """Agencies whose contacts with the caller the contact-centre agreement shares."""
    services: tuple[str, ...]


def _today() -> date:
    return datetime.now(UTC).date()


def _standard() -> Any:
    return or_(SR.c.sensitivity.is_(None), SR.c.sensitivity == "standard")


def advisor_contact_sources() -> frozenset[str]:
    """The contact sources DSA-NFK-004 shares with call-centre advisors."""
    dsa = parse_agreement(CONTACT_CENTRE.read_text(), path=str(CONTACT_CENTRE))
    return frozenset(s for share in dsa.shares if Group.CONTACTS in share.groups
                     and any(Role.CALL_CENTRE_ADVISOR in r.roles for r in share.recipients)
                     for s in share.sources)


def find_caller(c: Connection) -> Caller:
    """A person with a council tax, adult social care or library record and contacts from at
    least two agencies the contact centre may see: the busiest such person."""
    shared = advisor_contact_sources()
    contacts = (select(person_link.c.person_id, agency.c.name.label("agency"), CON.c.service)
                .join(SR, SR.c.id == CON.c.person_record_id)
                .join(person_link, person_link.c.source_record_id == SR.c.id)
                .join(source, source.c.id == CON.c.source_id)
                .join(agency, agency.c.id == source.c.agency_id)
                .where(source.c.name.in_(shared), _standard())).subquery()
    callers = (select(person_link.c.person_id)
               .join(SR, SR.c.id == person_link.c.source_record_id)
               .join(source, source.c.id == SR.c.source_id)
               .where(source.c.name.in_(CALLER_SOURCES), SR.c.date_of_birth.is_not(None),
                      _standard()))
    row = c.execute(select(contacts.c.person_id)
                    .where(contacts.c.person_id.in_(callers))
                    .group_by(contacts.c.person_id)
                    .having(func.count(func.distinct(contacts.c.agency)) >= 2)
                    .order_by(func.count().desc(), contacts.c.person_id).limit(1)).first()
    assert row is not None, "the synthetic county has no caller known to two agencies"
    person_id = int(row.person_id)
    who = c.execute(select(SR.c.given_name, SR.c.family_name, SR.c.date_of_birth)
                    .join(person_link, person_link.c.source_record_id == SR.c.id)
                    .join(source, source.c.id == SR.c.source_id)
                    .where(person_link.c.person_id == person_id,
                           source.c.name.in_(CALLER_SOURCES), SR.c.date_of_birth.is_not(None))
                    .order_by(SR.c.id).limit(1)).one()
    seen = c.execute(select(contacts.c.agency, contacts.c.service)
                     .where(contacts.c.person_id == person_id)).all()
    return Caller(person_id, who.given_name, who.family_name, who.date_of_birth,
                  frozenset(r.agency for r in seen),
                  tuple(sorted({r.service for r in seen if r.service})))


def find_stranger(c: Connection, organisation: str, team: str | None, avoid: int) -> int:
    """A client of the practitioner's own agency, with contacts, whom neither they nor their
    team has ever been involved with or referred: detail needs break-glass."""
    ours = (select(person_link.c.person_id)
            .join(SR, SR.c.id == person_link.c.source_record_id)
            .join(source, source.c.id == SR.c.source_id)
            .join(agency, agency.c.id == source.c.agency_id)
            .where(agency.c.name == organisation, source.c.kind == "person", _standard()))
    related = (select(person_link.c.person_id)
               .join(INV, INV.c.person_record_id == person_link.c.source_record_id)
               .where(func.lower(INV.c.team) == (team or "").lower())
               .union(select(person_link.c.person_id)
                      .join(referral, referral.c.source_record_id
                            == person_link.c.source_record_id)))
    busy = (select(person_link.c.person_id, func.count(CON.c.id).label("n"))
            .join(CON, CON.c.person_record_id == person_link.c.source_record_id)
            .group_by(person_link.c.person_id)).subquery()
    row = c.execute(select(busy.c.person_id)
                    .where(busy.c.person_id.in_(ours), busy.c.person_id.not_in(related),
                           busy.c.person_id != avoid)
                    .order_by(busy.c.n.desc(), busy.c.person_id).limit(1)).first()
    assert row is not None, f"no client of {organisation} outside the team {team}"
    return int(row.person_id)


def has_caseload(c: Connection, username: str) -> bool:
    """Whether the demo practitioner key-works (by email, else by team) an open involvement."""
    user = get_user(c, username)
    assert user is not None, f"no demo login {username}"
    today = _today()
    query = (select(func.count()).select_from(INV)
             .where(or_(INV.c.ended_on.is_(None), INV.c.ended_on >= today),
                    or_(INV.c.started_on.is_(None), INV.c.started_on <= today)))
    if user.email:
        query = query.join(practitioner, practitioner.c.id == INV.c.key_worker_id).where(
            func.lower(practitioner.c.email) == user.email.lower())
    else:
        query = query.where(func.lower(INV.c.team) == (user.team or "").lower())
    return bool(c.execute(query).scalar_one())


@dataclass(frozen=True)
class Cast:
    caller: Caller
    stranger: int
    """Not on the demo social worker's caseload."""
    social_worker_has_cases: bool


@pytest.fixture(scope="module")
def cast(county: tuple[str, Path]) -> Iterator[Cast]:
    engine = create_engine(county[0])
    try:
        with engine.connect() as c:
            caller = find_caller(c)
            worker = get_user(c, "demo.social_worker")
            assert worker is not None
            yield Cast(caller, find_stranger(c, worker.organisation, worker.team,
                                             caller.person_id),
                       has_caseload(c, "demo.social_worker"))
    finally:
        engine.dispose()


# --- the browser ----------------------------------------------------------------------------



SECTION = """heading => {
  const h = [...document.querySelectorAll('main h2')].find(e => e.textContent.trim() === heading);
  if (!h) return null;
  let last = h;
  for (let e = h.nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling) last = e;
  const top = h.getBoundingClientRect().top, bottom = last.getBoundingClientRect().bottom;
  const main = document.querySelector('main').getBoundingClientRect();
  return {x: main.left, y: top + window.scrollY - 16, width: main.width,
          height: bottom - top + 32};
}"""
"""The box, in page coordinates, from an h2 to the end of its section."""


@dataclass
class Journey:
    """One member of staff's browser context, and every request it made."""

    page: Any
    origin: str
    requests: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        response = self.page.goto(self.origin + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        self.check()

    def check(self) -> None:
        check_page(self.page)

    def shoot(self, name: str) -> None:
        self.check()
        shoot(self.page, name)

    def shoot_section(self, name: str, heading: str) -> None:
        """Save the section under the h2 ``heading`` (down to the next h2), for the docs."""
        self.check()
        box = self.page.evaluate(SECTION, heading)
        assert box is not None, f"no section {heading!r}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, clip=box)

    def sign_in(self, username: str, purpose: Purpose, *, shots: str | None = None) -> None:
        page = self.page
        self.go("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        if shots:
            self.shoot(f"{shots}-login")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/purpose"))
        expect(page.locator("h1")).to_have_text("Why are you using joinedup today?")
        self.check()
        page.get_by_label(PURPOSE_WORDS[purpose]).check()
        if shots:
            self.shoot(f"{shots}-purpose")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".purpose-bar")).to_contain_text(
            f"Purpose of this session: {purpose.value.replace('_', ' ')}")
        self.check()

    def assert_local(self) -> None:
        assert self.requests, "no requests were recorded"
        away = [u for u in self.requests if not u.startswith(self.origin + "/")]
        assert away == [], f"requests left {self.origin}: {away}"


@pytest.fixture
def journeys(browser: Any, server: str) -> Iterator[Any]:
    """Open a journey: a fresh browser context per member of staff."""
    opened: list[Any] = []

    @contextmanager
    def journey() -> Iterator[Journey]:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        opened.append(context)
        context.set_default_timeout(10_000)
        trip = Journey(context.new_page(), server)
        context.on("request", lambda r: trip.requests.append(r.url))
        yield trip
        trip.assert_local()

    yield journey
    for context in opened:
        context.close()


def timeline_times(page: Any) -> list[str]:
    return page.eval_on_selector_all("ol.timeline time", "ts => ts.map(t => t.dateTime)")


def timeline_services(page: Any) -> list[str]:
    return page.eval_on_selector_all("ol.timeline li > strong",
                                     "ss => ss.map(s => s.textContent.trim())")


# --- the journeys ---------------------------------------------------------------------------

def test_advisor_finds_a_caller_and_sees_their_contacts_once_the_contact_starts(
        journeys: Any, cast: Cast) -> None:
    caller = cast.caller
    with journeys() as advisor:
        page = advisor.page
        advisor.sign_in("demo.advisor", Purpose.CUSTOMER_SERVICE, shots="advisor")

        advisor.go("/search")
        page.get_by_label("Name", exact=True).fill(f"{caller.given_name} {caller.family_name}")
        page.get_by_label("Date of birth").fill(caller.date_of_birth.strftime("%d/%m/%Y"))
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#results")).to_contain_text("found")
        hit = page.locator(f'main table a[href="/persons/{caller.person_id}"]')
        expect(hit).to_have_count(1)
        expect(hit).to_have_text(f"{caller.given_name} {caller.family_name}")
        expect(hit.locator("xpath=ancestor::tr")).to_contain_text(
            caller.date_of_birth.strftime("%d/%m/%Y"))
        advisor.shoot("advisor-search")

        hit.click()
        expect(page.locator("h1")).to_have_text(f"{caller.given_name} {caller.family_name}")
        notice = page.locator(".notice[role=status]")
        expect(notice).to_contain_text("Only identity and contact details are shown")
        expect(page.locator("#timeline")).to_have_count(0)
        golden = page.locator("table", has=page.locator("caption", has_text="which agencies"))
        expect(golden.locator("tr", has=page.locator("th:text-is('Given name')"))).to_contain_text(
            caller.given_name)
        expect(page.get_by_role("heading", name="Flags")).to_have_count(0)
        advisor.shoot("advisor-identity-only")

        page.get_by_label("This person is contacting the council now, by").select_option(
            "phone")
        page.get_by_role("button", name="Start the contact").click()
        expect(page.locator("#timeline")).to_have_text("Contacts with every service")
        expect(page.get_by_role("button", name="Start the contact")).to_have_count(0)
        expect(page.locator(".basis").first).to_contain_text("live contact")
        times = timeline_times(page)
        assert len(times) >= 2
        assert times == sorted(times, reverse=True), "the timeline is not newest first"
        shown = page.locator("ol.timeline").inner_text()
        for name in caller.agencies:
            assert f"({name})" in shown, f"no contact from {name} on the timeline"
        advisor.shoot("advisor-timeline")

        # Filter to one service: only its contacts remain, still newest first.
        services = page.eval_on_selector_all("#service option", "os => os.map(o => o.value)")
        assert set(caller.services) <= set(services)
        chosen = min(caller.services, key=timeline_services(page).count)
        page.get_by_label("Service").select_option(chosen)
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(r"service="))
        expect(page.locator("p.hint", has_text="newest first")).to_contain_text(
            f"with {chosen}")
        advisor.check()
        assert set(timeline_services(page)) == {chosen}
        filtered = timeline_times(page)
        assert 0 < len(filtered) < len(times)
        assert filtered == sorted(filtered, reverse=True)
        advisor.shoot("advisor-timeline-filtered")


def test_practitioner_breaks_glass_and_the_dpo_reviews_it(journeys: Any, cast: Cast) -> None:
    """Order-dependent, so one test: the DPO reviews the break-glass just used."""
    with journeys() as worker:
        page = worker.page
        worker.sign_in("demo.social_worker", Purpose.DIRECT_CARE)

        worker.go("/caseload")
        rows = page.locator("main table tbody tr")
        if cast.social_worker_has_cases:
            assert rows.count() >= 1, "the demo social worker has cases but none are listed"
            expect(rows.first.locator(".basis")).to_contain_text("open involvement")
        else:
            expect(page.locator("main")).to_contain_text("Nobody is on your caseload.")
        worker.shoot("practitioner-caseload")

        # A person from the caseload: detail, and the team around them.
        if cast.social_worker_has_cases:
            key_worker = rows.first.locator("td").nth(4).inner_text().strip()
            rows.first.locator("a").click()
            expect(page.locator(".notice[role=status]")).to_have_count(0)
            expect(page.locator("#timeline")).to_be_visible()
            involved = page.get_by_role("heading", name="Who else is involved")
            expect(involved).to_be_visible()
            team = page.locator("h2:text-is('Who else is involved') + .notice + table tbody tr,"
                                "h2:text-is('Who else is involved') + table tbody tr")
            names = [t.strip() for t in team.locator("td:first-child strong").all_inner_texts()]
            if key_worker:
                assert key_worker in names, f"the key worker {key_worker} is not involved"
            lead = page.locator(".notice.ok", has_text="Suggested lead practitioner")
            if names:
                # suggest_lead names somebody whenever anybody is involved.
                expect(lead).to_have_count(1)
                suggested = lead.locator("strong").inner_text()
                assert any(suggested.endswith(n) for n in names), (suggested, names)
            else:
                expect(lead).to_have_count(0)
            worker.shoot_section("practitioner-involved", "Who else is involved")

        # Someone who is not on the caseload: identity only, with the break-glass offer.
        worker.go(f"/persons/{cast.stranger}")
        notice = page.locator(".notice[role=status]")
        expect(notice).to_contain_text("you have no legitimate relationship")
        expect(notice).to_contain_text("break glass")
        expect(page.locator("#timeline")).to_have_count(0)
        expect(page.get_by_role("heading", name="Involvements")).to_have_count(0)
        expect(page.locator("p.basis").first).to_contain_text("identity only")
        form = page.locator("details", has_text="Break glass")
        expect(form).not_to_have_attribute("open", "")
        worker.shoot("practitioner-refused")

        form.locator("summary").click()
        reason = page.get_by_label("Why do you need detail now?")
        expect(reason).to_be_visible()
        reason.fill(BREAK_GLASS_REASON)
        reason.blur()
        worker.shoot("practitioner-break-glass-form")

        page.get_by_role("button", name="Break glass").click()
        expect(page).to_have_url(re.compile(rf"/persons/{cast.stranger}$"))
        warning = page.locator(".notice.warning")
        expect(warning).to_contain_text("Break-glass access.")
        expect(warning).to_contain_text("the Data Protection Officer will review it")
        expect(page.locator("#timeline")).to_be_visible()
        expect(page.locator("p.basis").first).to_contain_text("break-glass #")
        assert len(timeline_times(page)) >= 1
        worker.check()
        worker.shoot("practitioner-after-break-glass")

    with journeys() as dpo:
        page = dpo.page
        dpo.sign_in("demo.dpo", Purpose.AUDIT)
        dpo.go("/dpo")
        alert = page.locator(".panel", has_text=BREAK_GLASS_REASON)
        expect(alert).to_have_count(1)
        expect(alert.locator("h3")).to_contain_text("break glass")
        expect(alert).to_contain_text(f"demo.social_worker (social_worker, Adult Social Care) "
                                      f"broke glass on person {cast.stranger} for direct_care")
        expect(alert).to_contain_text(f"Reason given: {BREAK_GLASS_REASON}")
        expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
        title = alert.locator("h3").inner_text()
        alert.get_by_label("No concern: the access was justified").check()
        alert.get_by_label("Note").fill("Spoke to the team manager: a welfare check, justified.")
        alert.get_by_label("Note").blur()
        dpo.shoot("dpo-overview")
        alert.get_by_role("button", name=re.compile(r"^Close alert")).click()
        expect(page).to_have_url(re.compile(r"/dpo$"))
        expect(page.locator(".panel", has_text=BREAK_GLASS_REASON)).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text(title + "\n")
        dpo.check()

        dpo.go("/dpo/audit")
        page.get_by_label("User").fill("demo.social_worker")
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"user=demo.social_worker"))
        dpo.check()
        glass = page.locator("main table tbody tr", has=page.locator("td:text-is('break_glass')"))
        expect(glass).to_have_count(1)
        expect(glass).to_contain_text(BREAK_GLASS_REASON)
        expect(glass).to_contain_text("allow")
        expect(glass.locator("td").nth(6)).to_have_text(str(cast.stranger))
        reads = page.locator("main table tbody tr", has=page.locator("td:text-is('read_person')"))
        assert reads.count() >= 2, "the social worker's reads are not in the audit"
        dpo.shoot("dpo-audit")


def test_data_engineer_checks_loads_and_decides_a_pair(journeys: Any) -> None:
    with journeys() as engineer:
        page = engineer.page
        engineer.sign_in("demo.data_engineer", Purpose.DATA_QUALITY)

        engineer.go("/loads")
        loads = page.locator("main table tbody tr")
        assert loads.count() >= 10
        expect(loads.first.locator(".tag")).to_have_text("complete")
        expect(loads.first.locator(".tag")).to_have_class(re.compile(r"\bgreen\b"))
        engineer.shoot("engineer-loads")

        quarantined = loads.filter(has=page.locator("td.num strong"))
        if quarantined.count():
            quarantined.first.locator("a").click()
            expect(page.locator("h1")).to_contain_text("Load #")
            rows = page.locator("h2:text-is('Quarantined rows') + table tbody tr")
            assert rows.count() >= 1, "a load with quarantined rows lists none"
            engineer.check()
            engineer.shoot("engineer-load")

        engineer.go("/reviews")
        pairs = page.get_by_role("link", name=re.compile(r"^Review pair \d+$"))
        assert pairs.count() >= 1, "the linkage left nothing to review"
        weights = [float(w) for w in page.locator("main table tbody td.num").all_inner_texts()]
        assert weights == sorted(weights, reverse=True), "not most likely first"
        engineer.shoot("engineer-reviews")

        first = pairs.first
        name = first.inner_text()
        pair_id = name.rsplit(" ", 1)[1]
        first.click()
        expect(page.locator("h1")).to_have_text("Are these the same person?")
        side = page.locator("table", has=page.locator("caption",
                                                      has_text="The two records side by side"))
        expect(side.locator("thead th")).to_have_count(4)
        assert side.locator("tbody tr").count() >= 3
        expect(page.locator(".chart svg")).to_be_visible()
        assert page.locator(".chart svg").bounding_box()["height"] > 50
        engineer.check()
        engineer.shoot("engineer-review-pair")

        page.get_by_label("Why? (recorded with your decision)").fill(
            "Same name, date of birth and address; the surname was mistyped.")
        page.get_by_role("button", name="Same person: accept").click()
        expect(page).to_have_url(re.compile(rf"/reviews\?decided={pair_id}$"))
        expect(page.locator(".notice.ok")).to_contain_text(f"Decision recorded for pair {pair_id}")
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
        engineer.check()


def test_keyboard_and_structure_of_the_sign_in_page(journeys: Any) -> None:
    with journeys() as visitor:
        page = visitor.page
        visitor.go("/login")
        expect(page.locator("#username")).to_be_focused()  # autofocus
        # From the header down: the site name, the public open data link, then the form in
        # order; and back up to the skip link, the first thing on every page.
        page.mouse.click(1, 1)
        focused = ("(e => [e.id || e.type || e.textContent.trim(),"
                   " getComputedStyle(e).backgroundColor])(document.activeElement)")
        order = []
        for _ in range(5):
            page.keyboard.press("Tab")
            order.append(tuple(page.evaluate(focused)))
        assert [name for name, _ in order] == ["joinedup", "Open data", "username",
                                               "password", "submit"], order
        assert {colour for _, colour in order} == {FOCUS_YELLOW}, order
        for _ in range(5):
            page.keyboard.press("Shift+Tab")
        skip = page.get_by_role("link", name="Skip to main content")
        expect(skip).to_be_focused()
        assert skip.bounding_box()["x"] >= 0, "the skip link stays off-screen when focused"

        for target in ("#username", "#password", "button[type=submit]"):
            page.focus(target)
            colour = page.eval_on_selector(target, "e => getComputedStyle(e).backgroundColor")
            assert colour == FOCUS_YELLOW, f"{target} focused is {colour}, not the focus yellow"
        page.locator("#username").blur()
        colour = page.eval_on_selector("#username", "e => getComputedStyle(e).backgroundColor")
        assert colour != FOCUS_YELLOW
        expect(page.locator("label[for=username]")).to_have_text("Username")
        expect(page.locator("label[for=password]")).to_have_text("Password")

        # Wrong password: an error summary, announced, and still a labelled form.
        page.get_by_label("Username").fill("demo.analyst")
        page.get_by_label("Password").fill("not the password")
        page.keyboard.press("Enter")
        expect(page.locator(".error-summary[role=alert]")).to_be_visible()
        visitor.check()


def test_planner_lists_the_vulnerable_people_in_a_flood_zone(journeys: Any, tmp_path: Path
                                                             ) -> None:
    with journeys() as planner:
        page = planner.page
        planner.sign_in("demo.planner", Purpose.EMERGENCY_RESPONSE)
        planner.go("/")
        page.get_by_role("link", name="Vulnerable people in an area").click()
        expect(page.locator("h1")).to_have_text("Vulnerable people in an area")
        planner.check()
        page.get_by_label("A stored area").select_option(value="flood_zone/Flood Zone 2")
        page.get_by_label("Widen by (metres)").fill("100")
        page.get_by_role("button", name="Find vulnerable people").click()
        heading = page.locator("h2#found")
        expect(heading).to_contain_text("people needing help in Flood Zone 2")
        households = page.locator(".map-and-list tbody tr")
        assert households.count() >= 1, "no one in need inside the synthetic flood zone"
        marks = page.locator(".map svg g.households use")
        assert marks.count() == households.count()
        assert page.locator(".map svg").bounding_box()["width"] > 300
        planner.shoot("emergency")

        with page.expect_download() as waiting:
            page.get_by_role("button", name="Download the signed list (CSV)").click()
        saved = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(saved)
        assert saved.name.startswith("vulnerable-flood-zone-2-") and saved.suffix == ".zip"
