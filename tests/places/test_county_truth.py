"""The vulnerable list of the synthetic county against its ground truth: everyone listed
truly lives in the flood zone and truly has a need they are listed with.

A county of 1,500 people built, loaded and linked by the real commands once for the module
(the 400 of the shared fixture have too few people in need inside the zone to mean much)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.govern.register import register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role
from joinedup.places.areas import read_area
from joinedup.places.vulnerable import vulnerable
from joinedup.store.schema import person_link, source, source_record

PLANNER = Actor("ep.truth", "Norfolk County Council Emergency Planning", Role.EMERGENCY_PLANNER)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Engine]:
    root = tmp_path_factory.mktemp("truth")
    url = f"sqlite:///{root / 'joinedup.db'}"
    runner = CliRunner()
    for command in (["synth", str(root / "county"), "--people", "1500", "--seed", "7"],
                    ["agreements", "load", str(root / "county" / "agreements"), "--db", url],
                    ["ingest-manifest", str(root / "county" / "manifest.yaml"), "--db", url],
                    ["link", "--db", url]):
        result = runner.invoke(app, command, env={"JOINEDUP_KEY_DIR": str(root / "keys")})
        assert result.exit_code == 0, result.output
    return root / "county", create_engine(url)


def _true_persons(engine: Engine, outdir: Path) -> dict[int, set[str]]:
    with (outdir / "truth.csv").open(encoding="utf-8") as f:
        truth = {(r["source"], r["record_id"]): r["person"] for r in csv.DictReader(f)}
    SR = source_record.table.c
    with engine.connect() as c:
        rows = c.execute(select(source.c.name, SR.record_id, person_link.c.person_id)
                         .join(source, source.c.id == SR.source_id)
                         .join(person_link, person_link.c.source_record_id == SR.id)).all()
    found: dict[int, set[str]] = {}
    for name, record_id, person_id in rows:
        if (name, record_id) in truth:
            found.setdefault(person_id, set()).add(truth[name, record_id])
    return found


def test_everyone_listed_in_flood_zone_2_truly_needs_help_there(
        county: tuple[Path, Engine]) -> None:
    outdir, engine = county
    now = datetime.now()
    with governed(engine) as c:
        found = vulnerable(c, register(c), PLANNER, "emergency_response",
                           read_area(outdir / "data" / "flood_zone_2.geojson"), now=now)
    with (outdir / "vulnerable_truth.csv").open(encoding="utf-8") as f:
        needs = {r["person"]: r for r in csv.DictReader(f)}
    true_persons = _true_persons(engine, outdir)
    listed = [r for h in found.households for r in h.residents]
    right_place = right_need = 0
    for resident in listed:
        truths = [needs[t] for t in true_persons[resident.person_id] if t in needs]
        inside = [t for t in truths if t["flood_zone"] in ("2", "3")]
        right_place += bool(inside)
        right_need += any(t[n] == "1" for t in truths for n in resident.needs)
    print(f"listed {len(listed)}, truly inside {right_place}, truly in need {right_need}")
    assert len(listed) >= 5
    # every listed need is one the person truly has (ages from a mistyped date of birth
    # aside); a few are placed at an address an agency has not updated since they moved
    assert right_need == len(listed)
    assert right_place >= 0.8 * len(listed)
