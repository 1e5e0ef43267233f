"""Why two records do or do not match: each comparison's share of the match weight.

The figures are the engine's own (the same prior, levels and term frequencies as a batch
run), so the parts always add up to the total; the web UI draws them as a waterfall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine

from joinedup.errors import LinkError
from joinedup.link import engine as scoring
from joinedup.link.features import all_features
from joinedup.link.review import record_key
from joinedup.link.run import latest_model, model_identifiers
from joinedup.link.vectors import level_labels

_SHOWN = {"residence": ("address", "postcode", "uprn")}


@dataclass(frozen=True)
class Part:
    comparison: str
    level: str
    left: str
    right: str
    weight: float  # bits, term-frequency adjustment included


@dataclass(frozen=True)
class Explanation:
    left: str
    right: str
    prior: float
    parts: list[Part]
    match_weight: float

    @property
    def match_probability(self) -> float:
        return 1 / (1 + 2 ** -self.match_weight)


def explain_pair(engine: Engine, left: str, right: str) -> Explanation:
    """Explain ``left`` against ``right`` (``SOURCE:RECORD_ID``) with the current model."""
    with engine.connect() as connection:
        a, b = record_key(connection, left), record_key(connection, right)
        stored = latest_model(connection)
        if stored is None:
            raise LinkError("there is no model yet: run joinedup link first")
        model = stored[1]
        features = all_features(connection, model_identifiers(model))
    result = scoring.explain(features, model, a, b)
    levels = level_labels(model, features, np.array([min(a, b)]), np.array([max(a, b)]))
    flip = a > b
    parts = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        shown = _SHOWN.get(name, (name,))
        values = [", ".join(str(result.get(f"{c}_{side}") or "") for c in shown).strip(", ")
                  for side in ("l", "r")]
        if flip:
            values.reverse()
        weight = result[f"mw_{name}"] + (result.get(f"mw_tf_adj_{name}") or 0.0)
        parts.append(Part(name, str(levels[name][0]), values[0], values[1], weight))
    lam = model["probability_two_random_records_match"]
    return Explanation(left, right, math.log2(lam / (1 - lam)), parts,
                       float(result["match_weight"]))
