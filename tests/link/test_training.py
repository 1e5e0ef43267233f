"""Training: the model learns what agreement means on a synthetic county, the same data gives
the same model, no level is certain, and only personal identifiers count as personal."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from joinedup.link import engine as scoring
from joinedup.link.features import features_table, person_records
from joinedup.link.training import M_FLOOR, U_FLOOR
from joinedup.sources.ingest import ingest
from joinedup.sources.manifest import load_manifest
from joinedup.store.database import open_store
from joinedup.synth import generate_county


@pytest.fixture(scope="module")
def county_features(tmp_path_factory: pytest.TempPathFactory) -> Any:
    outdir = tmp_path_factory.mktemp("county")
    generate_county(outdir, people=1000, seed=11)
    with open_store(f"sqlite:///{outdir / 'hub.db'}") as engine:
        for entry in load_manifest(outdir / "manifest.yaml"):
            ingest(definition=entry.definition, path=entry.data, engine=engine,
                   operator="tester")
        with engine.connect() as connection:
            return features_table(person_records(connection))


def levels(model: dict[str, Any], comparison: str) -> dict[str, dict[str, float]]:
    [spec] = [c for c in model["comparisons"] if c["output_column_name"] == comparison]
    return {level["label_for_charts"]: level for level in spec["comparison_levels"]
            if not level.get("is_null_level")}


def bits(level: dict[str, float]) -> float:
    return math.log2(level["m_probability"] / level["u_probability"])


def test_agreement_is_evidence_and_disagreement_against(county_features: Any) -> None:
    model = scoring.train(county_features)
    for comparison in ("given", "family", "dob"):
        found = levels(model, comparison)
        assert bits(found["same"]) > 5, comparison
        assert bits(found["different"]) < -1, comparison
    assert bits(levels(model, "given")["nickname"]) > 3
    assert bits(levels(model, "residence")["same UPRN"]) > 5
    prior = model["probability_two_random_records_match"]
    records = county_features.num_rows
    assert 0.2 < prior * records * (records - 1) / 2 / records < 1.5  # true pairs per record


def test_no_level_is_certain_and_probabilities_are_proportions(county_features: Any) -> None:
    model = scoring.train(county_features)
    for comparison in model["comparisons"]:
        open_levels = [lv for lv in comparison["comparison_levels"]
                       if not lv.get("is_null_level")]
        assert min(lv["m_probability"] for lv in open_levels) >= M_FLOOR
        assert min(lv["u_probability"] for lv in open_levels) >= U_FLOOR
        assert sum(lv["u_probability"] for lv in open_levels) == pytest.approx(1, abs=0.02)
        assert sum(lv["m_probability"] for lv in open_levels) == pytest.approx(1, abs=0.02)


def test_the_same_data_gives_the_same_model(county_features: Any) -> None:
    first, second = scoring.train(county_features), scoring.train(county_features)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_a_household_account_is_compared_but_not_personal(county_features: Any) -> None:
    model = scoring.train(county_features)
    compared = [c["output_column_name"] for c in model["comparisons"]]
    assert "id_council_tax_account" in compared
    assert model[scoring.JOINEDUP_KEY]["personal_identifiers"] == []


def _record(i: int, *, dob: date, ident: str) -> dict[str, Any]:
    return {"id": i, "source": "s", "record_id": str(i), "given_name": f"N{i}",
            "family_name": "X", "date_of_birth": dob, "identifiers": json.dumps({"ref": ident})}


def test_an_identifier_shared_by_one_person_is_personal(tmp_path: Path) -> None:
    # Ten people, each with two records sharing a reference and a date of birth...
    same = [_record(i * 2 + k, dob=date(1950 + i, 1, 1), ident=f"R{i}")
            for i in range(10) for k in range(2)]
    # ...and ten couples sharing an account but born years apart.
    shared = [_record(100 + i * 2 + k, dob=date(1950 + k * 20, 1, 1), ident=f"A{i}")
              for i in range(10) for k in range(2)]
    assert scoring.personal_identifiers(features_table(same), ["id_ref"]) == ["id_ref"]
    assert scoring.personal_identifiers(features_table(shared), ["id_ref"]) == []
