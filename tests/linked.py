"""A small linked county for tests that need the review queue and a trained model: generated
and trained once per module (training is what takes time), loaded and linked per test on each
backend (as tests/link/test_run.py does)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from joinedup.link import engine as scoring
from joinedup.link.features import features_table, person_records
from joinedup.link.run import _save_model, link
from joinedup.sources.ingest import ingest
from joinedup.sources.manifest import load_manifest
from joinedup.store import database
from joinedup.synth import generate_county

PEOPLE, SEED = 400, 7


def trained_county(outdir: Path) -> dict[str, Any]:
    """Write the county into ``outdir`` and return a model trained on it."""
    generate_county(outdir, people=PEOPLE, seed=SEED)
    with database.open_store(f"sqlite:///{outdir / 'train.db'}") as engine:
        load(engine, outdir)
        with engine.connect() as connection:
            return scoring.train(features_table(person_records(connection)))


def load(engine: Engine, outdir: Path) -> None:
    for entry in load_manifest(outdir / "manifest.yaml"):
        ingest(definition=entry.definition, path=entry.data, engine=engine, operator="tester")


def link_county(engine: Engine, outdir: Path, model: dict[str, Any]) -> Engine:
    """Load the county into ``engine``, give it ``model`` and run a batch link."""
    load(engine, outdir)
    with engine.begin() as connection:
        _save_model(connection, model, 0, "tester", datetime.now(UTC).replace(tzinfo=None))
    link(engine, operator="tester")
    return engine
