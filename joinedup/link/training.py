"""Fitting the Fellegi-Sunter model: the prior, u by random sampling, m by EM.

The maths is Splink's (and Fellegi and Sunter's); joinedup runs it itself on agreement
pattern counts, because every pass is then one DuckDB query plus a few milliseconds of numpy:
Splink 5 samples the random pairs once per comparison, and its EM stops with an error when a
rare level's m underflows (measured on a 1,000-person county). Scoring stays Splink's.

- **prior** (``probability_two_random_records_match``): pairs found by deterministic rules,
  divided by all pairs and by the share of true pairs those rules are assumed to find.
- **u** (how often a level occurs between different people): level frequencies among random
  pairs, a fixed-seed sample, so the same data gives the same model.
- **m** (how often a level occurs for one person): EM over the pairs of a blocking pass,
  leaving out the comparisons the pass blocks on (they agree by construction); a comparison
  trained in several passes takes the mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from joinedup.link.vectors import Comparer

M_FLOOR, U_FLOOR = 1e-3, 1e-7
"""No level is certain: log2(0) would let one clerical slip (a sex recorded differently)
veto any match, and an unseen level among random pairs would make it infinitely strong."""
EM_ITERATIONS, EM_TOLERANCE = 50, 1e-5


def _blocked(rule: str) -> str:
    return f"features l JOIN features r ON ({rule}) AND l.unique_id < r.unique_id"


def _null_levels(model: dict[str, Any]) -> list[np.ndarray]:
    return [np.array([bool(level.get("is_null_level")) for level in c["comparison_levels"]])
            for c in model["comparisons"]]


def estimate_prior(comparer: Comparer, rules: Sequence[str], recall: float,
                   records: int) -> float:
    union = " UNION ".join(f"SELECT l.unique_id, r.unique_id FROM {_blocked(rule)}"
                           for rule in rules)
    [(found,)] = comparer.connection.sql(f"SELECT count(*) FROM ({union})").fetchall()
    pairs = records * (records - 1) / 2
    return float(min(max(found / recall / pairs, 1 / pairs), 0.5))


def estimate_u(comparer: Comparer, model: dict[str, Any], max_pairs: int, seed: int) -> None:
    """Set every level's u from a sample of random pairs: the records a seeded hash puts
    first, so the sample (unlike DuckDB's parallel reservoir) never depends on threads."""
    side = max(2, math.ceil(math.sqrt(2 * max_pairs)))
    comparer.connection.sql(f"""CREATE OR REPLACE TEMP TABLE u_sample AS SELECT * FROM
        features ORDER BY hash(unique_id + {seed}), unique_id LIMIT {side}""")
    levels, counts = comparer.patterns("u_sample l JOIN u_sample r ON l.unique_id < r.unique_id")
    for j, (comparison, null) in enumerate(zip(model["comparisons"], _null_levels(model),
                                               strict=True)):
        seen = np.bincount(levels[:, j], weights=counts, minlength=len(null))
        seen[null] = 0
        total = seen.sum()
        for i, level in enumerate(comparison["comparison_levels"]):
            if not null[i]:
                u = seen[i] / total if total else 1 / (len(null) - null.sum())
                level["u_probability"] = max(float(u), U_FLOOR)


def _initial_m(null: np.ndarray) -> np.ndarray:
    """Most of a person's pairs agree at the most specific level: 0.9, 0.05, ... down the
    levels (Splink starts the same way), the 'different' level last."""
    m = np.zeros(len(null))
    open_levels = np.flatnonzero(~null)
    m[open_levels] = 0.5 ** (np.arange(len(open_levels)) * 2 + 1)
    normalised: np.ndarray = m / m.sum()
    return normalised


def _m_and_u(model: dict[str, Any], key: str) -> list[np.ndarray]:
    return [np.array([level.get(key, np.nan) for level in c["comparison_levels"]], dtype=float)
            for c in model["comparisons"]]


def expectation_maximisation(comparer: Comparer, model: dict[str, Any], rule: str,
                             fixed: Sequence[str]) -> dict[str, np.ndarray]:
    """m for every comparison not in ``fixed``, from EM over the pairs ``rule`` blocks."""
    levels, counts = comparer.patterns(_blocked(rule))
    names = [c["output_column_name"] for c in model["comparisons"]]
    train = [j for j, name in enumerate(names) if name not in fixed]
    nulls, u = _null_levels(model), _m_and_u(model, "u_probability")
    m = [_initial_m(null) for null in nulls]
    lam = 0.5
    if not len(counts):
        return {}
    for _ in range(EM_ITERATIONS):
        log_m = np.zeros(len(counts))
        log_u = np.zeros(len(counts))
        for j in train:
            level = levels[:, j]
            open_ = ~nulls[j][level]
            log_m[open_] += np.log(np.maximum(m[j][level[open_]], M_FLOOR / 10))
            log_u[open_] += np.log(np.maximum(u[j][level[open_]], U_FLOOR))
        odds = np.exp(np.clip(np.log(lam / (1 - lam)) + log_m - log_u, -700, 700))
        match = counts * odds / (1 + odds)
        change = 0.0
        for j in train:
            null = nulls[j]
            weights = np.bincount(levels[:, j], weights=match, minlength=len(null))
            weights[null] = 0
            new = weights / weights.sum() if weights.sum() else m[j]
            change = max(change, float(np.abs(new - m[j]).max()))
            m[j] = new
        new_lam = float(np.clip(match.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        change, lam = max(change, abs(new_lam - lam)), new_lam
        if change < EM_TOLERANCE:
            break
    return {names[j]: m[j] for j in train}


def set_m(model: dict[str, Any], estimates: Sequence[dict[str, np.ndarray]]) -> None:
    """Each level's m as the mean over the passes that trained it, floored."""
    for comparison, null in zip(model["comparisons"], _null_levels(model), strict=True):
        found = [e[comparison["output_column_name"]] for e in estimates
                 if comparison["output_column_name"] in e]
        mean = np.mean(found, axis=0) if found else _initial_m(null)
        for i, level in enumerate(comparison["comparison_levels"]):
            if not null[i]:
                level["m_probability"] = max(float(mean[i]), M_FLOOR)
