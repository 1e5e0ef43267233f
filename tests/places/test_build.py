"""Rebuilding places: properties located, records matched by UPRN or address, homes chosen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from places_world import placed_world
from sqlalchemy import Engine, select
from world import NOW

from joinedup.places import grid
from joinedup.places.build import build, latest
from joinedup.store.schema import place, record_place, residence, source_record


def test_records_without_a_uprn_are_matched_by_address_and_postcode(engine: Engine,
                                                                    tmp_path: Path) -> None:
    world, report = placed_world(engine, tmp_path)
    rates = {m.source: (m.records, m.by_uprn, m.by_address) for m in report.matches}
    # "12 High St" (police) and "12 High Street, Norwich" both find UPRN 1001; the refuge
    # and the adopted child's home are matched too (sealing is applied when homes are chosen)
    assert rates == {"asc_clients": (3, 0, 3), "police": (2, 0, 2),
                     "community_health": (2, 0, 2), "childrens_services": (1, 0, 1)}
    with engine.connect() as c:
        at = dict(c.execute(select(source_record.table.c.record_id, record_place.c.uprn)
                            .join(record_place,
                                  record_place.c.source_record_id == source_record.table.c.id)
                            ).all())
    assert at == {"A1": "1001", "N1": "1001", "C1": "1001", "A2": "1002", "A3": "1003",
                  "N2": "1004", "C2": "1007", "S1": "1005"}
    assert world.records["A1"]


def test_homes_leave_out_sealed_records(engine: Engine, tmp_path: Path) -> None:
    _world, report = placed_world(engine, tmp_path)
    with engine.connect() as c:
        homes = dict(c.execute(select(residence.c.person_id, residence.c.uprn)).all())
        flagged = set(c.execute(select(residence.c.person_id).where(residence.c.flagged))
                      .scalars())
    # person 3 (Aisha) lives where the police have her, never at the refuge; person 5 (the
    # adopted child) is known only through a sealed record, so is placed nowhere
    assert homes == {1: "1001", 2: "1002", 3: "1004", 4: "1007"}
    assert flagged == {1}  # MOBILITY and DEMENTIA; WEAPONS alone would not count
    assert report.residents == 4


def test_properties_carry_their_grid_cell_and_the_build_is_logged(engine: Engine,
                                                                 tmp_path: Path) -> None:
    _world, report = placed_world(engine, tmp_path)
    with engine.connect() as c:
        rows = c.execute(select(place.c.uprn, place.c.easting, place.c.northing, place.c.cell)
                         ).all()
        logged = latest(c)
    assert len(rows) == report.places == 7
    for _uprn, east, north, cell in rows:
        assert cell == int(grid.cell_of(np.array([east]), np.array([north]))[0])
    assert logged is not None and logged.build_id == report.build_id
    assert {m.source: m.rate for m in logged.matches}["police"] == 1.0


def test_a_rebuild_replaces_everything(engine: Engine, tmp_path: Path) -> None:
    placed_world(engine, tmp_path)
    with engine.begin() as c:
        again = build(c, now=NOW)
        counts = [len(c.execute(select(t)).all()) for t in (place, record_place, residence)]
    assert counts == [7, 8, 4]
    assert again.build_id == 2
