"""The vulnerable-people list: who is on it, what of them, under which policy, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from places_world import placed_world, zone_geojson
from sqlalchemy import Engine, select
from world import ADVISOR, NOW, PLANNER, POLICE_OFFICER, World

from joinedup.errors import AccessDenied
from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role
from joinedup.places.areas import Area, parse_area
from joinedup.places.needs import Need
from joinedup.places.vulnerable import VulnerableList, vulnerable
from joinedup.store.schema import audit_event, audit_subject

FIRE = Actor("ff.cole", "Norfolk Fire and Rescue Service", Role.FIRE_OFFICER)


def _zone(hole: tuple[float, float, float, float] | None = None) -> Area:
    return parse_area(json.dumps(zone_geojson(hole)), where="zone.geojson",
                      name="Central Norwich FZ3")


def _list(engine: Engine, actor: Actor, purpose: str | None = "emergency_response",
          area: Area | None = None) -> VulnerableList:
    with governed(engine) as c:
        return vulnerable(c, register(c), actor, purpose, area or _zone(), now=NOW)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return placed_world(engine, tmp_path)[0]


def test_the_planner_sees_mary_with_her_needs_from_the_agencies_that_share_them(
        world: World) -> None:
    found = _list(world.engine, PLANNER)
    [home] = found.households
    assert (home.uprn, home.address, home.postcode) == ("1001", "12 High Street, Norwich",
                                                        "NR2 4AB")
    [mary] = home.residents
    assert (mary.given_name, mary.family_name, mary.age, mary.phone) == (
        "Mary", "O'Brien", 86, "01603123456")
    assert mary.needs == (Need.MOBILITY, Need.COGNITIVE, Need.OVER_85)
    assert "Adult Social Care" in mary.sources
    assert "Norfolk Constabulary" not in mary.sources  # no agreement gives the planner police data
    assert "police" in found.withheld and "police_flags" in found.withheld
    assert home.people_known == 1
    assert 52.6 < home.latitude < 52.65 and 1.28 < home.longitude < 1.31


def test_sealed_records_place_no_one_even_inside_the_area(world: World) -> None:
    found = _list(world.engine, PLANNER)
    assert {h.uprn for h in found.households} == {"1001"}  # not the refuge (1003) nor 1005


def test_a_hole_in_the_zone_leaves_out_the_household_inside_it(world: World) -> None:
    found = _list(world.engine, PLANNER, area=_zone(hole=(622_900, 308_400, 623_100, 308_600)))
    assert found.households == ()


def test_a_household_exactly_on_the_boundary_is_inside(world: World) -> None:
    edge = {"type": "Polygon", "coordinates": [[[623_000, 308_500], [624_000, 308_500],
                                                [624_000, 309_500], [623_000, 309_500],
                                                [623_000, 308_500]]]}
    area = parse_area(json.dumps(edge), where="edge.geojson", crs="EPSG:27700")
    assert [h.uprn for h in _list(world.engine, PLANNER, area=area).households] == ["1001"]


def test_a_police_officer_sees_only_what_their_own_force_holds(world: World) -> None:
    found = _list(world.engine, POLICE_OFFICER)
    [home] = found.households
    [mary] = home.residents
    assert mary.needs == (Need.OVER_85,)  # WEAPONS is no need; ASC's flags are not shared
    assert mary.sources == ("Norfolk Constabulary",)
    assert mary.phone is None  # the police record has none; ASC's is not theirs to see


@pytest.mark.parametrize(("actor", "purpose", "why"), [
    (ADVISOR, "emergency_response", "may not act for the purpose emergency_response"),
    (PLANNER, None, "a purpose is required"),
    (POLICE_OFFICER, "safeguarding", "listed only for emergency_response"),
    (FIRE, "emergency_response", "no sharing agreement in force"),
])
def test_refused_and_audited(world: World, actor: Actor, purpose: str | None, why: str) -> None:
    with pytest.raises(AccessDenied, match=why):
        _list(world.engine, actor, purpose)
    with world.engine.connect() as c:
        last = c.execute(select(audit_event).order_by(audit_event.c.seq.desc())).first()
    assert last is not None
    assert (last.actor, last.action, last.decision) == (actor.user, "list_vulnerable", "deny")


def test_every_person_listed_is_audited_under_one_request(world: World) -> None:
    found = _list(world.engine, PLANNER)
    with world.engine.connect() as c:
        rows = c.execute(select(audit_event.c.seq, audit_event.c.request_id,
                                audit_event.c.reason, audit_event.c.agreements,
                                audit_subject.c.person_id)
                         .outerjoin(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                         .where(audit_event.c.request_id == found.request_id)
                         .order_by(audit_event.c.seq)).all()
    assert [r.person_id for r in rows] == [1, None]
    assert rows[-1].seq == found.seq
    assert rows[-1].reason.startswith("1 households, 1 people needing help in area Central "
                                      "Norwich FZ3")
    assert rows[0].agreements == "DSA-EMERGENCY/v1"
