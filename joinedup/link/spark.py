"""Scoring on Spark, for a linkage that outgrows one machine: the same model, through
Splink's Spark backend (``pip install 'joinedup[spark]'``, Java 17).

The model's SQL is written for DuckDB; two functions have other names in Spark (Splink's
Scala UDFs and Spark's own) and are renamed here. Everything else (training, safeguards,
clustering, ids) is the same code as a DuckDB run. Jaro-Winkler in Splink's Scala UDF differs
from DuckDB's in rare cases (CARL against CLAIRE: 0.78 against 0.81), so a level can differ
for a pair far from any threshold; the tests check that the persons come out the same.
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import tempfile
from functools import cache
from typing import Any

import pyarrow as pa

from joinedup.errors import LinkError
from joinedup.link.engine import JOINEDUP_KEY

_RENAMES = {"jaro_winkler_similarity(": "jaro_winkler(", "list_has_any(": "arrays_overlap("}


def for_spark(model: dict[str, Any]) -> dict[str, Any]:
    """The model with its SQL in Spark's dialect."""
    spark_model = copy.deepcopy(model)
    for comparison in spark_model["comparisons"]:
        for level in comparison["comparison_levels"]:
            sql = level["sql_condition"]
            for duckdb_name, spark_name in _RENAMES.items():
                sql = sql.replace(duckdb_name, spark_name)
            level["sql_condition"] = sql
    spark_model["sql_dialect"] = "spark"
    for rule in spark_model["blocking_rules_to_generate_predictions"]:
        rule["sql_dialect"] = "spark"
    return spark_model


@cache
def session() -> Any:
    """A local Spark session (``local[*]``, or ``JOINEDUP_SPARK_MASTER``) with Splink's
    similarity functions; one per process, as Spark allows."""
    try:
        from pyspark.sql import SparkSession
        from splink.internals.spark.jar_location import similarity_jar_location
    except ImportError as exc:
        raise LinkError("the Spark engine needs pyspark: pip install 'joinedup[spark]'") from exc
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise LinkError("the Spark engine needs Java 17 (java on the PATH or JAVA_HOME)")
    logging.getLogger("py4j").setLevel(logging.ERROR)
    spark = (SparkSession.builder
             .master(os.environ.get("JOINEDUP_SPARK_MASTER", "local[*]"))
             .appName("joinedup link")
             .config("spark.jars", similarity_jar_location())
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "8")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="joinedup-spark-"))
    return spark


def score(features: pa.Table, model: dict[str, Any], min_weight: float) -> pa.Table:
    """As ``engine.score``, on Spark."""
    from splink import Linker
    from splink.backends.spark import SparkAPI

    spark = session()
    frame = spark.createDataFrame(features.to_pandas())
    settings = {k: v for k, v in for_spark(model).items() if k != JOINEDUP_KEY}
    api: Any = SparkAPI  # Splink's Spark backend has no type hints
    linker = Linker(api(spark_session=spark).register(frame), settings,
                    log_level=logging.ERROR)
    try:
        predictions: Any = linker.inference.predict(threshold_match_weight=min_weight)
    except Exception as exc:  # Spark reports SQL it cannot run as its own exceptions
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LinkError(f"Spark could not score with model: {first[:300]} (a model trained "
                        "by an older joinedup may need joinedup link --retrain)") from exc
    table: pa.Table = pa.Table.from_pandas(
        predictions.as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_weight"]],
        preserve_index=False)
    return table
