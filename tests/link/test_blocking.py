"""The key index finds exactly the pairs the batch SQL finds, and joinedup's scorer gives
Splink's weights: together, what makes linking as records load agree with a batch run."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from joinedup.link import engine as scoring
from joinedup.link.blocking import Rule, keys, keys_sql, rules_for, same
from joinedup.link.features import features_table, person_records, record_features
from joinedup.link.scorer import Scorer
from joinedup.link.vectors import Comparer
from joinedup.sources.ingest import ingest
from joinedup.sources.manifest import load_manifest
from joinedup.store.database import open_store
from joinedup.synth import generate_county


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Any]:
    outdir = tmp_path_factory.mktemp("county")
    generate_county(outdir, people=600, seed=3)
    with open_store(f"sqlite:///{outdir / 'hub.db'}") as engine:
        for entry in load_manifest(outdir / "manifest.yaml"):
            ingest(definition=entry.definition, path=entry.data, engine=engine,
                   operator="tester")
        with engine.connect() as connection:
            rows = person_records(connection)
    return [record_features(r) for r in rows], features_table(rows)


def test_keys_find_the_pairs_the_sql_finds(county: tuple[list[dict[str, Any]], Any]) -> None:
    records, features = county
    rules = rules_for(scoring.identifiers_of(features))
    connection = duckdb.connect()
    connection.register("f", features)
    union = " UNION ".join(f"SELECT l.unique_id, r.unique_id FROM f l JOIN f r ON ({sql}) "
                           "AND l.unique_id < r.unique_id" for rule in rules
                           for sql in rule.sql())
    by_sql = set(connection.sql(union).fetchall())
    filed: dict[str, set[int]] = collections.defaultdict(set)
    for record in records:
        for key in keys(record, rules)[0]:
            filed[key].add(record["unique_id"])
    by_keys = set()
    for record in records:
        for key in keys(record, rules)[1]:
            for other in filed[key] - {record["unique_id"]}:
                by_keys.add((min(record["unique_id"], other), max(record["unique_id"], other)))
    assert len(by_sql) > 500
    assert by_keys == by_sql


def test_a_rule_across_two_features_holds_both_ways() -> None:
    swap = Rule((("dob", 0), ("given", 1)), (("dob", 0), ("family", 1)))
    assert swap.sql() == ["l.dob = r.dob AND substr(l.given, 1, 1) = substr(r.family, 1, 1)",
                          "l.dob = r.dob AND substr(l.family, 1, 1) = substr(r.given, 1, 1)"]
    a = {"dob": "1970-01-01", "given": "SMITH", "family": "JOHN"}
    b = {"dob": "1970-01-01", "given": "JOHN", "family": "SMITH"}
    assert set(keys(a, [swap])[1]) & set(keys(b, [swap])[0])
    assert set(keys(b, [swap])[1]) & set(keys(a, [swap])[0])
    assert Rule.from_json(swap.as_json()) == swap
    assert keys({"dob": None, "given": "X", "family": "Y"}, [same("dob")]) == ([], [])


def test_the_scorer_gives_splinks_weights(county: tuple[list[dict[str, Any]], Any]) -> None:
    _, features = county
    model = scoring.train(features)
    predicted = scoring.score(features, model, min_weight=-40)
    left = predicted.column("unique_id_l").to_numpy()
    right = predicted.column("unique_id_r").to_numpy()
    comparer = Comparer(model, features)
    levels = comparer.levels(left, right)
    comparer.close()
    scorer = Scorer(model)
    ids = features.column("unique_id").to_numpy()
    index = {int(v): i for i, v in enumerate(ids)}
    tf = {}
    for column in scorer.tf_columns:
        values = features.column(column).to_pylist()
        counts = collections.Counter(v for v in values if v is not None)
        total = sum(counts.values())
        share = np.array([counts[v] / total if v is not None else np.nan for v in values])
        tf[column] = (share[[index[int(x)] for x in left]],
                      share[[index[int(x)] for x in right]])
    assert scorer.tf_columns >= {"given", "family"}
    mine = scorer.weights(levels, tf)
    assert len(mine) > 500
    np.testing.assert_allclose(mine, predicted.column("match_weight").to_numpy(), atol=1e-9)


def test_no_features_no_keys(tmp_path: Path) -> None:
    assert keys({}, rules_for([])) == ([], [])


def test_the_database_files_records_under_the_same_keys(
        county: tuple[list[dict[str, Any]], Any]) -> None:
    records, features = county
    rules = rules_for(scoring.identifiers_of(features))
    connection = duckdb.connect()
    connection.register("features", features)
    by_sql = set(connection.sql(keys_sql(rules, "features")).fetchall())
    by_python = {(key, r["unique_id"]) for r in records for key in keys(r, rules)[0]}
    assert len(by_python) > 5 * len(records)
    assert by_sql == by_python
