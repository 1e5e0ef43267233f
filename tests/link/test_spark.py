"""The same link job on Spark (local mode) gives the same persons as on DuckDB. Skipped with
a message without pyspark or Java, except under CI=true, where that fails the run."""

from __future__ import annotations

import importlib.util
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from factories import IN_CI

from joinedup.errors import LinkError
from joinedup.link.run import link
from joinedup.link.spark import for_spark
from joinedup.sources.ingest import ingest
from joinedup.sources.manifest import load_manifest
from joinedup.store.database import open_store
from joinedup.store.export import export_links
from joinedup.synth import generate_county


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'joinedup[spark]')"
    if shutil.which("java") is None:
        return "Java is not installed"
    return None


@pytest.fixture(scope="module")
def spark_ready() -> None:
    problem = _spark_missing()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: Spark is required)", pytrace=False)
        pytest.skip(f"{problem}; the Spark engine is not tested")


def _persons(url: str) -> set[frozenset[tuple[str, str]]]:
    rows: list[list[str]] = []

    class Rows:
        def writerow(self, row: object) -> None:
            rows.append([str(v) for v in row])  # type: ignore[attr-defined]

    with open_store(url) as engine:
        export_links(engine, Rows())
    groups: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for source, record_id, person_id, _ in rows[1:]:
        groups[person_id].add((source, record_id))
    return {frozenset(g) for g in groups.values()}


def test_spark_gives_the_same_persons_as_duckdb(spark_ready: None, tmp_path: Path) -> None:
    generate_county(tmp_path / "county", people=300, seed=5)
    urls = {backend: f"sqlite:///{tmp_path / backend}.db" for backend in ("duckdb", "spark")}
    for backend, url in urls.items():
        with open_store(url) as engine:
            for entry in load_manifest(tmp_path / "county" / "manifest.yaml"):
                ingest(definition=entry.definition, path=entry.data, engine=engine,
                       operator="tester")
            report = link(engine, operator="tester", backend=backend)
        assert report.persons < report.records  # something was linked
    assert _persons(urls["spark"]) == _persons(urls["duckdb"])


def test_the_model_speaks_sparks_dialect() -> None:
    model = {"comparisons": [{"output_column_name": "given", "comparison_levels": [
        {"sql_condition": "jaro_winkler_similarity(given_l, given_r) >= 0.9 AND "
                          "list_has_any(given_names_l, given_names_r)"}]}],
             "blocking_rules_to_generate_predictions": [{"blocking_rule": "l.a = r.a",
                                                         "sql_dialect": "duckdb"}]}
    spark = for_spark(model)
    level = spark["comparisons"][0]["comparison_levels"][0]["sql_condition"]
    assert level == ("jaro_winkler(given_l, given_r) >= 0.9 AND "
                     "arrays_overlap(given_names_l, given_names_r)")
    assert spark["sql_dialect"] == "spark"
    assert model["comparisons"][0]["comparison_levels"][0]["sql_condition"].startswith("jaro_w")


def test_an_unknown_engine_is_refused() -> None:
    from joinedup.link import engine as scoring
    from joinedup.link.features import table_of

    with pytest.raises(LinkError, match="no engine 'hadoop'"):
        scoring.score(table_of([]), {}, 0, backend="hadoop")
