"""``joinedup places ...``, ``joinedup emergency vulnerable`` and ``joinedup verify-export``
as a planner and a responder run them."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from places_world import placed_world, write_zone
from sqlalchemy import Engine, select
from typer.testing import CliRunner
from world import EMERGENCY_PLANNING, World

from joinedup.cli import app
from joinedup.places.export import COLUMNS
from joinedup.store.schema import audit_event


def run(world: World, tmp_path: Path, *args: str) -> Any:
    url = world.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(app, list(args), env={
        "JOINEDUP_DATABASE_URL": url, "JOINEDUP_OPERATOR": "ep.wood",
        "JOINEDUP_ORGANISATION": EMERGENCY_PLANNING, "JOINEDUP_KEY_DIR": str(tmp_path / "keys"),
        "COLUMNS": "200"})


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return placed_world(engine, tmp_path)[0]


def test_the_planner_exports_a_signed_list_a_responder_can_verify(world: World,
                                                                   tmp_path: Path) -> None:
    zone = write_zone(tmp_path / "zone.geojson")
    out = tmp_path / "out.csv"
    result = run(world, tmp_path, "emergency", "vulnerable", "--area", str(zone),
                 "--buffer", "50", "--purpose", "emergency_response", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "1 households, 1 people needing help" in result.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS
    [mary] = rows
    assert (mary["residence_uprn"], mary["person_family_name"], mary["person_age"],
            mary["risk_indicators"]) == ("1001", "O'Brien", "86",
                                         "mobility;cognitive_impairment;over_85")
    assert "DEMENTIA" not in out.read_text(encoding="utf-8")  # needs, not diagnoses
    verified = run(world, tmp_path, "verify-export", str(out), "--key",
                   str(tmp_path / "keys" / "hub-signing.pub"))
    assert verified.exit_code == 0, verified.output
    assert "signature valid" in verified.output

    out.write_text(out.read_text(encoding="utf-8").replace("O'Brien", "Smith"),
                   encoding="utf-8")
    tampered = run(world, tmp_path, "verify-export", str(out))
    assert tampered.exit_code == 1
    assert "does not verify" in tampered.output


def test_a_geojson_export_has_a_point_per_household(world: World, tmp_path: Path) -> None:
    out = tmp_path / "out.geojson"
    result = run(world, tmp_path, "emergency", "vulnerable", "--area",
                 str(write_zone(tmp_path / "zone.geojson")), "-o", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    [feature] = document["features"]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["people"][0]["person_given_name"] == "Mary"


def test_refused_without_an_emergency_role_and_nothing_written(world: World,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = run(world, tmp_path, "emergency", "vulnerable", "--area",
                 str(write_zone(tmp_path / "zone.geojson")), "--role", "analyst",
                 "-o", str(out))
    assert result.exit_code == 1
    assert "may not act for the purpose emergency_response" in result.output
    assert not out.exists() and not (tmp_path / "out.csv.sig").exists()
    with world.engine.connect() as c:
        last = c.execute(select(audit_event).order_by(audit_event.c.seq.desc())).first()
    assert last is not None and (last.action, last.decision) == ("list_vulnerable", "deny")


@pytest.mark.parametrize(("content", "message"), [
    ('{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]',
     "is not JSON: Expecting ',' delimiter at line 1"),
    ('{"type": "Point", "coordinates": [623000, 308500]}', "Point"),
    ('{"type": "FeatureCollection", "features": []}', "no"),
])
def test_bad_areas_exit_2_naming_the_file(world: World, tmp_path: Path, content: str,
                                          message: str) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run(world, tmp_path, "emergency", "vulnerable", "--area", str(bad),
                 "--crs", "EPSG:27700", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "bad.geojson" in result.output and message in result.output
    assert not out.exists()


def test_stored_areas_and_the_places_report(world: World, tmp_path: Path) -> None:
    zone = write_zone(tmp_path / "zone.geojson")
    loaded = run(world, tmp_path, "places", "load-areas", str(zone), "--kind", "flood_zone",
                 "--name", "Flood Zone 3")
    assert loaded.exit_code == 0, loaded.output
    listed = run(world, tmp_path, "places", "areas")
    assert "Flood Zone 3" in listed.output and "12.00" in listed.output  # 4 km x 3 km
    out = tmp_path / "out.csv"
    by_name = run(world, tmp_path, "emergency", "vulnerable", "--area-name", "Flood Zone 3",
                  "-o", str(out))
    assert by_name.exit_code == 0, by_name.output
    assert "1 households" in by_name.output
    unknown = run(world, tmp_path, "emergency", "vulnerable", "--area-name", "Atlantis",
                  "-o", str(out))
    assert unknown.exit_code == 2 and "no stored area called 'Atlantis'" in unknown.output
    status = run(world, tmp_path, "places", "status")
    assert status.exit_code == 0
    assert "asc_clients" in status.output and "100.0%" in status.output


def test_the_export_holds_exactly_the_fields_the_guide_documents() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "emergency-planner.md").read_text("utf-8")
    table = guide.split("| column | what |")[1].split("\n\n")[0]
    documented = {name for row in table.splitlines()[2:]
                  for name in re.findall(r"`([a-z_0-9]+)`", row.split("|")[1])}
    assert documented == set(COLUMNS)
