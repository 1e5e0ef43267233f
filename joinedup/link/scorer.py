"""Match weights for a handful of pairs without Splink: the arithmetic Splink's predict does,
so a record linked as it loads gets the weight a batch run would give it.

weight = log2(prior odds) + sum over comparisons of log2(m / u) at the level reached, plus,
at a level with a term-frequency adjustment, ``w * (log2(u_exact) - log2(max(tf_l, tf_r)))``
where ``u_exact`` is the u of the comparison's exact-match level on that column and ``tf`` a
value's share of the records that have one (Splink's ``_tf_adjustment_sql``). The test suite
checks these weights against Splink's to 1e-9.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

_EXACT = re.compile(r"^\s*(\w+)_l\s*=\s*(\w+)_r\s*$")


@dataclass(frozen=True)
class _Adjustment:
    column: str
    weight: float
    log2_u_exact: float


def _exact_u(levels: list[dict[str, Any]], column: str) -> float | None:
    for level in levels:
        found = _EXACT.match(level["sql_condition"])
        if found and found.group(1) == found.group(2) == column:
            return float(level["u_probability"])
    return None


class Scorer:
    def __init__(self, model: Mapping[str, Any]) -> None:
        lam = model["probability_two_random_records_match"]
        self.prior = math.log2(lam / (1 - lam))
        self.bits: dict[str, np.ndarray] = {}
        self.adjustments: dict[str, list[_Adjustment | None]] = {}
        for comparison in model["comparisons"]:
            name, levels = comparison["output_column_name"], comparison["comparison_levels"]
            self.bits[name] = np.array([
                0.0 if level.get("is_null_level") else
                math.log2(level["m_probability"] / level["u_probability"])
                for level in levels])
            adjustments: list[_Adjustment | None] = []
            for level in levels:
                column = level.get("tf_adjustment_column")
                u_exact = _exact_u(levels, column) if column else None
                adjustments.append(None if column is None or u_exact is None else _Adjustment(
                    column, float(level.get("tf_adjustment_weight", 1.0)),
                    math.log2(u_exact)))
            self.adjustments[name] = adjustments

    @property
    def tf_columns(self) -> set[str]:
        return {a.column for found in self.adjustments.values() for a in found if a}

    def contributions(self, levels: Mapping[str, np.ndarray],
                      tf: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
        """Each comparison's share of the weights (bits, term-frequency adjustment
        included): what an explanation shows, and what ``weights`` adds to the prior."""
        found = {}
        for name, reached in levels.items():
            part = self.bits[name][reached].astype(np.float64)
            for index, adjustment in enumerate(self.adjustments[name]):
                if adjustment is None:
                    continue
                at = reached == index
                left, right = tf[adjustment.column]
                biggest = np.fmax(left[at], right[at])
                known = ~np.isnan(biggest)
                add = np.zeros(at.sum())
                add[known] = adjustment.weight * (adjustment.log2_u_exact -
                                                  np.log2(biggest[known]))
                part[at] += add
            found[name] = part
        return found

    def weights(self, levels: Mapping[str, np.ndarray],
                tf: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Weights of pairs from their level numbers and, per term-frequency column, each
        side's frequency (NaN where the value is missing)."""
        total = np.full(len(next(iter(levels.values()))), self.prior)
        for part in self.contributions(levels, tf).values():
            total += part
        return total
