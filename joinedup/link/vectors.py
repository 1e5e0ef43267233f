"""Which level of each comparison a pair of records reached, read from the model itself.

The model JSON holds every level's SQL condition, so evaluating them here gives exactly the
levels the engine scores with: for training (counts of agreement patterns), safeguards and
explanations. Levels are numbered by their position in the comparison's list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from joinedup.link import duck


def _case(levels: list[dict[str, Any]]) -> str:
    whens = [f"WHEN {level['sql_condition']} THEN {i}" for i, level in enumerate(levels)
             if level["sql_condition"].strip().upper() != "ELSE"]
    return f"CASE {' '.join(whens)} ELSE {len(levels) - 1} END"


class Comparer:
    """The features in an in-memory DuckDB, ready to put pairs of records through the
    model's comparisons. ``pairs`` arguments are a SQL FROM clause that names the two records
    of each pair ``l`` and ``r`` (and may read the table ``features``)."""

    def __init__(self, model: Mapping[str, Any], features: pa.Table) -> None:
        self.comparisons = [c["output_column_name"] for c in model["comparisons"]]
        self._labels = {c["output_column_name"]: np.array(
            [level.get("label_for_charts", "") for level in c["comparison_levels"]],
            dtype=object) for c in model["comparisons"]}
        self.connection = duck.connect()
        self.load(features)
        columns = [c for c in features.column_names if c != "unique_id"]
        self._sides = ", ".join(f'{s}."{c}" AS "{c}_{s}"' for c in columns for s in "lr")
        self._cases = ", ".join(f'{_case(c["comparison_levels"])} AS "{c["output_column_name"]}"'
                                for c in model["comparisons"])

    def load(self, features: pa.Table) -> None:
        """Compare these features from now on (same columns as before)."""
        self.connection.register("features", features)

    def labels(self, levels: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Level numbers (from ``levels``) as the levels' labels."""
        return {name: self._labels[name][found] for name, found in levels.items()}

    def _levels_sql(self, pairs: str, numbered: bool = False) -> str:
        i = "i, " if numbered else ""
        return f"""
            WITH joined AS (SELECT {"p." if numbered else ""}{i}{self._sides} FROM {pairs})
            SELECT {i}{self._cases} FROM joined"""

    def patterns(self, pairs: str) -> tuple[np.ndarray, np.ndarray]:
        """Each distinct agreement pattern (a row of level numbers, one per comparison) among
        ``pairs``, and how many pairs show it."""
        names = ", ".join(f'"{c}"' for c in self.comparisons)
        result = self.connection.sql(f"""
            SELECT {names}, count(*) AS n FROM ({self._levels_sql(pairs)})
            GROUP BY ALL ORDER BY ALL""").fetchnumpy()
        levels = np.column_stack([result[c] for c in self.comparisons]) if len(result["n"]) \
            else np.zeros((0, len(self.comparisons)), dtype=np.int64)
        return levels.astype(np.int64), np.asarray(result["n"], dtype=np.float64)

    def levels(self, left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
        """The level number of each comparison for each pair (left[i], right[i])."""
        self.connection.register("given_pairs", pa.table(
            {"i": np.arange(len(left)), "a": left, "b": right}))
        # execute(), not sql(): for a handful of pairs (a record linked as it loads) the
        # relation API's own overhead is most of the time.
        result = self.connection.execute(self._levels_sql(
            "given_pairs p JOIN features l ON l.unique_id = p.a "
            "JOIN features r ON r.unique_id = p.b", numbered=True) + " ORDER BY i").fetchnumpy()
        self.connection.unregister("given_pairs")
        if len(result["i"]) != len(left):
            raise ValueError("a pair refers to a record that is not in the features table")
        return {c: np.asarray(result[c], dtype=np.int64) for c in self.comparisons}

    def close(self) -> None:
        self.connection.close()


def level_labels(model: Mapping[str, Any], features: pa.Table, left: np.ndarray,
                 right: np.ndarray) -> dict[str, np.ndarray]:
    """For each comparison, the label of the level each pair (left[i], right[i]) reached."""
    comparer = Comparer(model, features)
    try:
        return comparer.labels(comparer.levels(left, right))
    finally:
        comparer.close()
