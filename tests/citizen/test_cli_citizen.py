"""``joinedup citizens``, ``joinedup requests`` and ``joinedup exemptions`` as the DPO's office
runs them, asserted through the Python API."""

from __future__ import annotations

from datetime import datetime

import pytest
from citizen_world import add_citizen
from portal_world import Portal
from world import NOW, cli

from joinedup.citizen.accounts import actor_of
from joinedup.govern import requests
from joinedup.govern.exemptions import list_exemptions
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role


def _text(result: object) -> str:
    return " ".join(str(getattr(result, "output", "")).replace("│", " ").split())


@pytest.fixture(scope="module")
def tom(portal: Portal) -> Actor:
    return actor_of(add_citizen(portal.engine, portal.world.records["G4"],
                                email="tom.cli@example.org").id)


def test_citizens_demo_prints_details_that_verify(portal: Portal) -> None:
    result = cli(portal.world, "citizens", "demo")
    assert result.exit_code == 0, result.output
    assert ("council tax account number 61000001, postcode NR2 4AB, date of birth "
            "01/02/1940") in _text(result)


def test_citizens_list(portal: Portal, tom: Actor) -> None:
    result = cli(portal.world, "citizens", "list")
    assert result.exit_code == 0 and "tom.cli@example.org" in _text(result)
    assert "Tom Baker" in _text(result)


def test_requests_list_show_process_refuse(portal: Portal, tom: Actor) -> None:
    with governed(portal.engine) as c:
        copy = requests.submit(c, tom, "subject_access", {}, now=NOW)
        fix = requests.submit(c, tom, "correction", {"field": "given_name", "value": "Thomas",
                                                     "reason": "my full name"}, now=NOW)
    listed = _text(cli(portal.world, "requests", "list"))
    assert f"{copy.id} subject_access 4" in listed and "days left" in listed
    shown = cli(portal.world, "requests", "show", str(fix.id))
    assert shown.exit_code == 0 and "my full name" in _text(shown)
    done = cli(portal.world, "requests", "process", str(copy.id))
    assert done.exit_code == 0 and "delivered in the portal" in _text(done)
    refused = cli(portal.world, "requests", "refuse", str(fix.id), "--reason", "not wrong")
    assert refused.exit_code == 0
    with portal.engine.connect() as c:
        assert requests.requests_of(c, tom)[0].status == "refused"
        assert requests.requests_of(c, tom)[1].has_pack
    again = cli(portal.world, "requests", "process", str(copy.id))
    assert again.exit_code == 2 and "already completed" in again.output
    assert cli(portal.world, "requests", "show", "999999").exit_code == 2
    assert cli(portal.world, "requests", "list", "--status", "lost").exit_code == 2


def test_requests_remind(portal: Portal, tom: Actor) -> None:
    with governed(portal.engine) as c:
        old = requests.submit(c, tom, "subject_access", {}, now=datetime(2020, 1, 6))
    first = cli(portal.world, "requests", "remind", "--within", "7")
    assert first.exit_code == 0 and f"request #{old.id} is overdue" in _text(first)
    second = cli(portal.world, "requests", "remind")
    assert f"request #{old.id}" not in _text(second)


def test_exemptions_add_list_withdraw(portal: Portal) -> None:
    added = cli(portal.world, "exemptions", "add", "3", "--ground", "crime", "--reason",
                "operation Heron", "--organisation", "Norfolk Constabulary", "--from",
                "2026-01-01")
    assert added.exit_code == 0, added.output
    listed = _text(cli(portal.world, "exemptions", "list"))
    assert "Norfolk Constabulary" in listed and "operation Heron" in listed
    exemption_id = added.output.split()[1]
    assert cli(portal.world, "exemptions", "withdraw", exemption_id).exit_code == 0
    with portal.engine.connect() as c:
        [(person, withdrawn)] = [(p, e) for p, e in list_exemptions(
            c, Actor("dpo.t", "IG", Role.DPO), now=NOW) if str(e.id) == exemption_id]
    assert person == 3 and withdrawn.withdrawn_at is not None
    bad = cli(portal.world, "exemptions", "add", "3", "--ground", "nosy", "--reason", "x",
              "--until", "yesterday")
    assert bad.exit_code == 2 and "--until" in bad.output
