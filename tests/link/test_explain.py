"""``explain_records`` (two records and the stored term counts) gives ``explain_pair``'s
figures (Splink over the whole store) right after a batch run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from factories import ingest_file, person_definition, write_people_csv
from sqlalchemy import Engine
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.errors import BadInput, LinkError
from joinedup.link.explain import explain_pair, explain_records
from joinedup.link.review import list_reviews, record_key


def test_two_records_explain_as_the_whole_store_does(linked: Engine) -> None:
    with linked.connect() as connection:
        items = list_reviews(connection, limit=6)
    assert len(items) >= 3
    for item in items:
        for left, right in ((item.left, item.right), (item.right, item.left)):
            a, b = (f"{r['source']}:{r['record_id']}" for r in (left, right))
            reference = explain_pair(linked, a, b)
            with linked.connect() as connection:
                fast = explain_records(connection, record_key(connection, a),
                                       record_key(connection, b))
            assert (fast.left, fast.right) == (a, b)
            assert math.isclose(fast.prior, reference.prior, abs_tol=1e-12)
            assert [(p.comparison, p.level, p.left, p.right) for p in fast.parts] == \
                [(p.comparison, p.level, p.left, p.right) for p in reference.parts]
            for mine, theirs in zip(fast.parts, reference.parts, strict=True):
                assert math.isclose(mine.weight, theirs.weight, abs_tol=1e-9), mine.comparison
            assert math.isclose(fast.match_weight, reference.match_weight, abs_tol=1e-9)
            assert math.isclose(fast.prior + sum(p.weight for p in fast.parts),
                                fast.match_weight, abs_tol=1e-9)
            assert math.isclose(fast.match_weight, item.match_weight, abs_tol=1e-3)


def test_explaining_needs_a_model_and_two_real_records(engine: Engine, linked: Engine) -> None:
    with linked.connect() as connection:
        [item] = list_reviews(connection, limit=1)
        with pytest.raises(BadInput, match="two different records"):
            explain_records(connection, item.left["id"], item.left["id"])
        with pytest.raises(BadInput, match="no current person record with id 999999"):
            explain_records(connection, item.left["id"], 999999)


def test_no_model_no_explanation(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(LinkError, match="no model"):
        explain_records(connection, 1, 2)


def test_a_value_no_count_knows_yet_is_not_infinitely_rare(linked: Engine,
                                                           tmp_path: Path) -> None:
    """Records loaded since the last run are not counted in ``link_term`` yet."""
    rows = [[f"L{i}", "Zebedee", "Thrower", "01/02/1970", "M", "", "9 Late Lane", "Diss",
             "IP22 4AB", "", ""] for i in (1, 2)]
    ingest_file(linked, person_definition(tmp_path, name="late", agency="Late Agency"),
                write_people_csv(tmp_path / "late.csv", rows))
    with linked.connect() as connection:
        e = explain_records(connection, record_key(connection, "late:L1"),
                            record_key(connection, "late:L2"))
    given = next(p for p in e.parts if p.comparison == "given")
    assert given.level == "same" and math.isfinite(given.weight) and given.weight > 0
    assert math.isfinite(e.match_weight)


def test_the_explain_command_prints_each_part_and_the_total(linked: Engine) -> None:
    with linked.connect() as connection:
        [item] = list_reviews(connection, limit=1)
    a, b = (f"{r['source']}:{r['record_id']}" for r in (item.left, item.right))
    url = linked.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["explain", a, b],
                                env={"JOINEDUP_DATABASE_URL": url, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "prior" in result.output and "residence" in result.output
    assert f"{item.match_weight:+.2f}" in result.output
