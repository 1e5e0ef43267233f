"""Which level of each comparison a pair of records reached, read from the model itself.

The model JSON holds every level's SQL condition, so evaluating them here over chosen pairs
gives exactly the levels the engine used, for safeguards and explanations, without asking the
engine to carry every level of every scored pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa


def _case(levels: list[dict[str, Any]]) -> str:
    whens = [f"WHEN {level['sql_condition']} THEN {i}" for i, level in enumerate(levels)
             if level["sql_condition"].strip().upper() != "ELSE"]
    return f"CASE {' '.join(whens)} ELSE {len(levels) - 1} END"


def _side(column: str, side: str) -> str:
    return f'{side}."{column}" AS "{column}_{side}"'


def level_labels(model: Mapping[str, Any], features: pa.Table, left: np.ndarray,
                 right: np.ndarray) -> dict[str, np.ndarray]:
    """For each comparison, the label of the level each pair (left[i], right[i]) reached."""
    connection = duckdb.connect()
    connection.register("features", features)
    connection.register("pairs", pa.table({"i": np.arange(len(left)), "a": left, "b": right}))
    columns = [c for c in features.column_names if c != "unique_id"]
    sides = ", ".join(_side(c, s) for c in columns for s in ("l", "r"))
    comparisons = model["comparisons"]
    cases = ", ".join(f'{_case(c["comparison_levels"])} AS "{c["output_column_name"]}"'
                      for c in comparisons)
    result = connection.sql(f"""
        WITH joined AS (
            SELECT p.i, {sides} FROM pairs p
            JOIN features l ON l.unique_id = p.a JOIN features r ON r.unique_id = p.b)
        SELECT i, {cases} FROM joined ORDER BY i""").to_arrow_table()
    connection.close()
    if result.num_rows != len(left):
        raise ValueError("a pair refers to a record that is not in the features table")
    labels: dict[str, np.ndarray] = {}
    for comparison in comparisons:
        names = np.array([level.get("label_for_charts", "") for level in
                          comparison["comparison_levels"]], dtype=object)
        name = comparison["output_column_name"]
        labels[name] = names[result.column(name).to_numpy()]
    return labels
