"""Emergency cards: a list made from them is the list made live, and whatever a card cannot
vouch for (a correction, a load or link run since the rebuild, no card at all) is read live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from places_world import load_properties, placed_world, zone_geojson
from sqlalchemy import Engine, delete, select
from world import DPO, NOW, PLANNER, POLICE_OFFICER, World

from joinedup.govern.rectify import rectify
from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor
from joinedup.places import cards
from joinedup.places.areas import Area, parse_area
from joinedup.places.build import build
from joinedup.places.vulnerable import VulnerableList, vulnerable
from joinedup.store.schema import emergency_card

COUNTY = (560_000, 300_000, 630_000, 345_000)
"""A box round every property of the world, inside and outside the flood zone."""


def _area(box: tuple[float, float, float, float] | None = None) -> Area:
    document = zone_geojson()
    if box is not None:
        w, s, e, n = box
        document["features"][0]["geometry"]["coordinates"] = [
            [[w, s], [e, s], [e, n], [w, n], [w, s]]]
    return parse_area(json.dumps(document), where="zone.geojson", name="zone")


def _list(engine: Engine, actor: Actor = PLANNER, area: Area | None = None) -> VulnerableList:
    with governed(engine) as c:
        return vulnerable(c, register(c), actor, "emergency_response", area or _area(),
                          now=NOW)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return placed_world(engine, tmp_path)[0]


@pytest.mark.parametrize("actor", [PLANNER, POLICE_OFFICER])
def test_a_list_from_cards_is_the_list_read_live(world: World, actor: Actor) -> None:
    carded = _list(world.engine, actor, _area(COUNTY))
    assert carded.people >= 1 and carded.from_cards == carded.people
    with world.engine.begin() as c:
        c.execute(delete(emergency_card))
    live = _list(world.engine, actor, _area(COUNTY))
    assert live.from_cards == 0
    assert live.households == carded.households


def test_cards_are_kept_for_those_who_may_need_help_only(world: World) -> None:
    with world.engine.connect() as c:
        persons = set(c.execute(select(emergency_card.c.person_id)).scalars())
    assert 1 in persons  # Mary: 86, with ASC's flags
    assert 2 not in persons  # John Smith: 76, no flag
    with world.engine.begin() as c:
        build(c, now=NOW.replace(year=NOW.year + 10))  # John is 85 within a year of this
        assert 2 in set(c.execute(select(emergency_card.c.person_id)).scalars())


def test_a_correction_made_after_the_rebuild_is_listed_at_once(world: World) -> None:
    with governed(world.engine) as c:
        rectify(c, DPO, 1, record_id=world.records["A1"], field="phone",
                value="01603 999888", reason="the number she gave us", now=NOW)
    found = _list(world.engine)
    [home] = found.households
    [mary] = home.residents
    assert mary.phone == "01603999888"
    assert found.from_cards == 0  # her card predates the correction: read live


def test_after_a_load_cards_wait_for_the_rebuild(world: World, tmp_path: Path) -> None:
    before = _list(world.engine)
    load_properties(world.engine, tmp_path,
                    [["1008", "2 New Road", "Norwich", "NR2 4AC", 610_000, 330_000]])
    after_load = _list(world.engine)
    assert after_load.from_cards == 0
    assert after_load.households == before.households
    with world.engine.connect() as c:
        held, current = cards.state(c)
    assert held >= 1 and not current  # what `joinedup places status` reports
    with world.engine.begin() as c:
        build(c, now=NOW)
        assert cards.state(c)[1]
    assert _list(world.engine).from_cards == before.people


def test_a_person_without_a_card_is_read_live(world: World) -> None:
    with world.engine.begin() as c:
        c.execute(delete(emergency_card).where(emergency_card.c.person_id == 1))
    found = _list(world.engine)
    assert found.from_cards == 0
    assert [r.given_name for h in found.households for r in h.residents] == ["Mary"]
