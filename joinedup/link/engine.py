"""The model behind three calls: ``train``, ``score`` and ``explain``.

``train`` fits a Fellegi-Sunter model (``joinedup.link.training``) and returns it as Splink's
JSON settings, which joinedup stores as a versioned artefact; ``score`` and ``explain`` hand
that JSON to Splink on DuckDB, so scoring, term-frequency adjustments and the arithmetic of an
explanation are Splink's. Clustering, stable ids, overrides and review are joinedup's own
(``joinedup.link.run``), because they need the store and the people who decide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from joinedup.errors import LinkError
from joinedup.link import duck, training
from joinedup.link.blocking import Rule, rules_for
from joinedup.link.comparisons import all_comparisons
from joinedup.link.features import IDENTIFIER_PREFIX
from joinedup.link.vectors import Comparer

ENGINE = "splink-duckdb"
U_SAMPLE_PAIRS = 1_000_000
SEED = 20261122
Progress = Callable[[str], None]
JOINEDUP_KEY = "joinedup"
"""What joinedup adds to Splink's model JSON (stripped before Splink reads it)."""
PERSONAL_MIN_PAIRS, PERSONAL_DOB_AGREEMENT = 5, 0.8

_EM_PASSES = (
    ("l.dob = r.dob", ("dob",)),
    ("l.given = r.given AND l.family = r.family", ("given", "family")),
)
"""Never an address pass: pairs sharing an address are mostly members of one household, and
EM would learn to recognise households instead of people."""
_SAME_NAME = "l.given_formal = r.given_formal AND l.family = r.family"
_DETERMINISTIC = (
    "l.nhs = r.nhs",
    f"{_SAME_NAME} AND l.dob = r.dob",
    f"{_SAME_NAME} AND l.postcode = r.postcode",
    f"{_SAME_NAME} AND l.email = r.email",
)
_DETERMINISTIC_RECALL = 0.9
"""Share of true pairs the rules above find: the prior (how likely two records match before
any comparison) follows from the pairs they find, so an underestimate here makes every weight
too low."""


def _settings(identifiers: Sequence[str]) -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": all_comparisons(identifiers),
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": sql, "sql_dialect": "duckdb"}
            for rule in rules_for(identifiers) for sql in rule.sql()],
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
        "sql_dialect": "duckdb",
    }


def _linker(features: pa.Table, settings: dict[str, Any] | str) -> Any:
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    connection = duck.connect()
    db_api = DuckDBAPI(connection)
    frame = db_api.register(features, dataset_display_name="records")
    if isinstance(settings, dict):
        settings = {k: v for k, v in settings.items() if k != JOINEDUP_KEY}
    return Linker(frame, settings, log_level=logging.ERROR)


def identifiers_of(features: pa.Table) -> list[str]:
    """Named identifiers that some two records share: one that is unique to every record (a
    case reference) can never be evidence, and its parameters could not be learned."""
    shared = []
    for name in features.column_names:
        if name.startswith(IDENTIFIER_PREFIX):
            counts = pc.value_counts(features.column(name).drop_null())
            if len(counts) and pc.max(counts.field("counts")).as_py() > 1:
                shared.append(name)
    return shared


def train(features: pa.Table, progress: Progress = lambda _: None) -> dict[str, Any]:
    """A model fitted to ``features``, as Splink's JSON settings with trained parameters
    (``joinedup.link.training`` explains how)."""
    if features.num_rows < 2:
        raise LinkError("there is nothing to link yet: load at least two person records")
    identifiers = identifiers_of(features)
    model = _settings(identifiers)
    comparer = Comparer(model, features)
    try:
        progress("estimating how often two records match")
        model["probability_two_random_records_match"] = training.estimate_prior(
            comparer, _DETERMINISTIC, _DETERMINISTIC_RECALL, features.num_rows)
        progress("estimating u probabilities from random pairs")
        training.estimate_u(comparer, model, U_SAMPLE_PAIRS, SEED)
        estimates = []
        for rule, fixed in _EM_PASSES:
            progress(f"EM training on pairs with {rule}")
            estimates.append(training.expectation_maximisation(comparer, model, rule, fixed))
        training.set_m(model, estimates)
    finally:
        comparer.close()
    progress("finding which identifiers belong to one person")
    model[JOINEDUP_KEY] = {
        "personal_identifiers": personal_identifiers(features, identifiers),
        "blocking": [rule.as_json() for rule in rules_for(identifiers)]}
    return model


def model_rules(model: dict[str, Any]) -> list[Rule]:
    """The blocking rules a model was trained with, as rules (for the key index)."""
    return [Rule.from_json(raw) for raw in model[JOINEDUP_KEY]["blocking"]]


def personal_identifiers(features: pa.Table, identifiers: Sequence[str]) -> list[str]:
    """Identifiers that belong to one person, not to a household: records sharing a value
    nearly always share a date of birth (within a year: a typo, not a generation). A council
    tax account (shared by a couple) fails; a patient or PNC number passes. Safeguards accept
    only personal ones as evidence."""
    connection = duck.connect()
    connection.register("features", features)
    personal = []
    for column in identifiers:
        agree, pairs = connection.sql(f"""
            WITH known AS (SELECT unique_id, "{column}" AS v, dob FROM features
                           WHERE "{column}" IS NOT NULL AND dob IS NOT NULL),
                 few AS (SELECT v FROM known GROUP BY v HAVING count(*) <= 20)
            SELECT avg(CASE WHEN abs(date_diff('day', CAST(a.dob AS DATE),
                                               CAST(b.dob AS DATE))) <= 366
                       THEN 1 ELSE 0 END), count(*)
            FROM known a JOIN known b USING (v) JOIN few USING (v)
            WHERE a.unique_id < b.unique_id""").fetchall()[0]
        if pairs >= PERSONAL_MIN_PAIRS and agree >= PERSONAL_DOB_AGREEMENT:
            personal.append(column)
    connection.close()
    return personal


BACKENDS = ("duckdb", "spark")


def score(features: pa.Table, model: dict[str, Any], min_weight: float,
          backend: str = "duckdb") -> pa.Table:
    """Every blocked pair with match weight >= ``min_weight``: ``unique_id_l``,
    ``unique_id_r`` and ``match_weight``, scored by Splink on DuckDB or on Spark."""
    if backend not in BACKENDS:
        raise LinkError(f"no engine {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "spark":
        from joinedup.link import spark

        return spark.score(features, model, min_weight)
    settings = dict(model, retain_intermediate_calculation_columns=False,
                    retain_matching_columns=False)
    linker = _linker(features, settings)  # Splink logs each step; joinedup shows its own
    predictions = linker.inference.predict(threshold_match_weight=min_weight)
    table: pa.Table = predictions.as_pyarrow_table()
    return table


def explain(features: pa.Table, model: dict[str, Any], left: int, right: int
            ) -> dict[str, Any]:
    """Splink's own arithmetic for one pair: each comparison's match weight (``mw_*``), its
    term-frequency adjustment (``mw_tf_adj_*``) and the total, over the whole ``features``
    table so term frequencies are the ones a batch run uses."""
    a, b = sorted((left, right))
    settings = dict(model, retain_intermediate_calculation_columns=True,
                    retain_matching_columns=True, blocking_rules_to_generate_predictions=[
                        {"blocking_rule": f"l.unique_id = {int(a)} AND r.unique_id = {int(b)}",
                         "sql_dialect": "duckdb"}])
    rows = _linker(features, settings).inference.predict().as_record_list()
    if not rows:
        raise LinkError(f"records {left} and {right} are not both person records")
    found: dict[str, Any] = rows[0]
    return found
