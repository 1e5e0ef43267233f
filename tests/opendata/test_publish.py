"""Publishing from the store, on SQLite and PostgreSQL: every dataset counted from what the
analytics agreement gives the analyst, objectors left out, every table through the check,
one audit event per publication, and a refused release writes nothing."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from opendata_world import (
    ANALYST,
    CLIENTS,
    DPO,
    NOW,
    OBJECTOR,
    POLICE_ONLY,
    build_world,
    clients,
    counted_clients,
    expected_by_ward,
)
from sqlalchemy import Engine, delete, func, select
from world import SOCIAL_WORKER

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern.objections import withdraw_objection
from joinedup.govern.session import governed
from joinedup.opendata import releases
from joinedup.opendata.check import DisclosureRefused
from joinedup.opendata.disclosure import TOTAL, Rule
from joinedup.opendata.publish import PUBLISH, Options, prepare, publish, write
from joinedup.opendata.tables import Table
from joinedup.store.schema import (
    area,
    audit_event,
    objection,
    opendata_dataset,
    opendata_release,
    opendata_table,
    opendata_truth,
)

ASC = "adult-social-care-by-age"


def truth(engine: Engine, release_id: int, dataset: str, table: str
          ) -> dict[tuple[str, str], int]:
    """The true counts a release kept (private) for one table, by (row, column)."""
    with engine.connect() as c:
        text = c.execute(
            select(opendata_truth.c.counts)
            .join(opendata_table, opendata_table.c.id == opendata_truth.c.table_id)
            .join(opendata_dataset, opendata_dataset.c.id == opendata_table.c.dataset_id)
            .where(opendata_dataset.c.release_id == release_id,
                   opendata_dataset.c.name == dataset, opendata_table.c.key == table)
        ).scalar_one()
    return {(row, column): value for _g, row, column, value in json.loads(text)}


def run(engine: Engine, options: Options | None = None, **kwargs: Any) -> Any:
    with governed(engine) as c:
        return publish(c, ANALYST, options or Options(), now=NOW, **kwargs)


@pytest.fixture(scope="module")
def released(county: Engine) -> Any:
    return run(county)


def test_every_dataset_is_published_with_its_tables(county: Engine, released: Any) -> None:
    with county.connect() as c:
        release = releases.load(c, released.release_id)
    assert release is not None
    assert [d.name for d in release.datasets] == [
        "adult-social-care-by-age", "households-known-to-agencies", "library-visits",
        "traffic-counts"]
    asc = release.dataset(ASC)
    assert asc is not None and [t.key for t in asc.tables] == ["by-ward", "by-parish"]
    ward = asc.table("by-ward")
    assert ward is not None
    assert [labels[0] for labels, _v in ward.rows] == ["East", "North", "South", "Not known",
                                                      TOTAL]
    assert ward.measures == ("Under 65", "65 to 74", "75 to 84", "85 and over", "Not known",
                             TOTAL)
    assert release.released_by == ANALYST.user and release.rule["threshold"] == 10


def test_the_true_counts_are_the_county_s_without_the_objector(county: Engine,
                                                                released: Any) -> None:
    counts = truth(county, released.release_id, ASC, "by-ward")
    expected = expected_by_ward()
    for (ward, band), n in expected.items():
        assert counts[ward, band] == n
    assert counts["East", TOTAL] == CLIENTS["East"] - 1
    assert counts[TOTAL, TOTAL] == len(counted_clients()) == len(clients()) - 1
    parishes = truth(county, released.release_id, ASC, "by-parish")
    assert parishes["Riverside", TOTAL] == CLIENTS["North"] + CLIENTS["South"]
    assert parishes["Eastham", TOTAL] == CLIENTS["East"] - 1
    assert OBJECTOR.ward == "East"


def test_published_counts_follow_the_rule(county: Engine, released: Any) -> None:
    rule = Rule()
    with county.connect() as c:
        release = releases.load(c, released.release_id)
    assert release is not None
    for dataset in release.datasets[:2]:
        for table in dataset.tables:
            counts = truth(county, released.release_id, dataset.name, table.key)
            for (row,), values in table.rows:
                for column, value in zip(table.measures, values, strict=True):
                    true = counts[row, column]
                    if rule.small(true):
                        assert value is None, (dataset.name, table.key, row, column)
                    if value is not None:
                        assert value == rule.rounded(true)
    asc = release.dataset(ASC)
    assert asc is not None
    assert "suppressed" in asc.disclosure and "rounded to the nearest 5" in asc.disclosure


def test_households_count_each_home_once_by_its_agencies(county: Engine,
                                                         released: Any) -> None:
    counts = truth(county, released.release_id, "households-known-to-agencies", "by-ward")
    homes: dict[str, set[str]] = {}
    for c in counted_clients():
        if c.ward:
            homes.setdefault(c.uprn, set()).update({"asc", *(["police"] if c.police else [])})
    north = Counter(len(a) for u, a in homes.items() if u.startswith("1"))
    assert counts["North", "1 agency"] == north[1] + len(POLICE_ONLY)
    assert counts["North", "2 agencies"] == north[2]
    assert counts["Not known", TOTAL] == 0  # persons with no home are in no household


def test_sensor_tables_count_no_one(county: Engine, released: Any) -> None:
    with county.connect() as c:
        release = releases.load(c, released.release_id)
    assert release is not None
    library = release.dataset("library-visits")
    traffic = release.dataset("traffic-counts")
    assert library is not None and traffic is not None
    assert library.tables[0].rows == ((("2026-03", "South"), (12,)), (("2026-04", "South"), (3,)))
    # one reading a quarter-hour: a mean of 40 a reading is 3,840 on an average day
    assert traffic.tables[0].rows[0] == (("2026-03", "North"), (3840,))
    assert not library.tables[0].person_derived and library.disclosure.startswith("none")


def test_one_audit_event_records_what_was_published(county: Engine, released: Any) -> None:
    with county.connect() as c:
        event = c.execute(select(audit_event).where(audit_event.c.seq == released.audit_seq)
                          ).one()
    assert (event.actor, event.role, event.purpose, event.action, event.decision) == (
        ANALYST.user, "analyst", "analytics", PUBLISH, "allow")
    assert "adult-social-care-by-age (by-ward: 5 rows" in event.reason
    assert "asc_clients" in event.reason and "DSA-OPEN/v1" in event.agreements


def test_only_an_analyst_for_analytics_may_publish_and_a_refusal_is_audited(
        county: Engine) -> None:
    with county.connect() as c:
        before = c.execute(select(func.count()).select_from(opendata_release)).scalar_one()
    with pytest.raises(AccessDenied), governed(county) as c:
        publish(c, SOCIAL_WORKER, Options(), now=NOW)
    with county.connect() as c:
        refused = c.execute(select(audit_event.c.actor, audit_event.c.decision)
                            .where(audit_event.c.action == PUBLISH)
                            .order_by(audit_event.c.seq.desc()).limit(1)).one()
        after = c.execute(select(func.count()).select_from(opendata_release)).scalar_one()
    assert refused == (SOCIAL_WORKER.user, "deny")
    assert after == before


def test_a_table_that_breaks_the_rules_refuses_the_whole_release(county: Engine) -> None:
    """Made honestly, then one suppressed count shown: the check names it, and nothing of
    the release (not even the tables that were fine) is written."""
    with county.connect() as c:
        before = releases.latest_id(c)
    with pytest.raises(DisclosureRefused) as refused, governed(county) as c:
        prepared, scope = prepare(c, ANALYST, Options(), now=NOW)
        asc = prepared[0]
        ward = asc.dataset.tables[0]
        rows = tuple(((row,), (*values[:-1], 99)) if row == "North" else ((row,), values)
                     for (row,), values in ward.rows)
        shown = Table(ward.key, ward.title, ward.description, ward.labels, ward.measures,
                      rows, person_derived=True)
        tampered = replace(asc, dataset=replace(asc.dataset,
                                                tables=(shown, *asc.dataset.tables[1:])))
        write(c, ANALYST, [tampered, *prepared[1:]], scope, Options(), now=NOW)
    [problem] = refused.value.problems
    assert (problem.dataset, problem.table, problem.row, problem.column) == (
        ASC, "by-ward", "North", TOTAL)
    assert "not the true count rounded" in problem.what
    assert "nothing was published" in refused.value.message
    assert refused.value.exit_code == 2
    with county.connect() as c:
        assert releases.latest_id(c) == before


def test_a_dry_run_writes_nothing_but_its_audit_event(county: Engine) -> None:
    with county.connect() as c:
        before = releases.latest_id(c)
    outcome = run(county, dry_run=True)
    assert outcome.release_id is None and outcome.datasets
    with county.connect() as c:
        assert releases.latest_id(c) == before
        action = c.execute(select(audit_event.c.action)
                           .where(audit_event.c.seq == outcome.audit_seq)).scalar_one()
    assert action == "check_opendata"


def test_the_nhs_rule_and_a_topic_threshold_apply(county: Engine) -> None:
    options = Options(Rule.nhs(), {"multi-agency": 3})
    outcome = run(county, options, dry_run=True)
    asc, homes = outcome.datasets[0], outcome.datasets[1]
    assert "counts of 1 to 7 suppressed" in asc.disclosure
    assert "counts of 1 to 2 suppressed" in homes.disclosure


def test_differential_privacy_records_epsilon_in_the_release(county: Engine) -> None:
    pytest.importorskip("opendp")
    outcome = run(county, Options(epsilon=1.0))
    with county.connect() as c:
        release = releases.load(c, outcome.release_id)
    assert release is not None
    asc = release.dataset(ASC)
    assert asc is not None
    assert asc.epsilon == pytest.approx(2.0)  # a person is in the ward and the parish table
    assert all(t.epsilon == pytest.approx(1.0) for t in asc.tables)
    assert "differential privacy" in asc.disclosure
    assert release.rule["epsilon"] == 1.0


def test_without_ward_areas_publishing_says_how_to_load_them(tmp_path: Path,
                                                             engine: Engine) -> None:
    build_world(engine, tmp_path, objection=False)
    with engine.begin() as c:
        c.execute(delete(area))
    with pytest.raises(BadInput, match="places load-areas"):
        run(engine)


EXACT = Options(Rule(rounding=1))


def exact_then_withdrawn(engine: Engine, directory: Path) -> Any:
    """The county published exactly; then the objector withdraws, so East gains one."""
    build_world(engine, directory)
    first = run(engine, EXACT)
    with engine.begin() as c:
        objection_id = c.execute(select(objection.c.id)).scalar_one()
        withdraw_objection(c, DPO, objection_id, now=NOW)
    return first


def exact_by_ward(engine: Engine, release_id: int) -> dict[tuple[str], tuple[Any, ...]]:
    """The adult social care table by ward as a release published it (exactly), by row."""
    with engine.connect() as c:
        release = releases.load(c, release_id)
    asc = release.dataset(ASC) if release else None
    ward = asc.table("by-ward") if asc else None
    assert asc is not None and asc.exact and ward is not None
    return dict(((row,), values) for (row,), values in ward.rows)


def test_a_withdrawn_objection_counts_the_person_again_and_moves_are_suppressed(
        tmp_path: Path, engine: Engine) -> None:
    """Exact counts (no rounding): the objector withdraws, East's counts move by one, and a
    count that moved by one since the last exact release is not shown."""
    first = exact_then_withdrawn(engine, tmp_path)
    second = run(engine, EXACT)
    before = truth(engine, first.release_id, ASC, "by-ward")
    after = truth(engine, second.release_id, ASC, "by-ward")
    assert after["East", TOTAL] == before["East", TOTAL] + 1 == CLIENTS["East"]
    assert after["East", OBJECTOR.band] == before["East", OBJECTOR.band] + 1
    shown = exact_by_ward(engine, second.release_id)
    assert shown[("East",)][-1] is None
    assert shown[(TOTAL,)][-1] is None


def test_a_rounded_release_between_two_exact_ones_does_not_hide_a_move(
        tmp_path: Path, engine: Engine) -> None:
    """Exact, then rounded, then exact: the objector withdraws after the first, so the county
    total moved by one since it; the rounded release in between shows nothing exactly, and
    the third is still checked against the first, so that total is not shown exactly."""
    first = exact_then_withdrawn(engine, tmp_path)
    rounded = run(engine)
    with engine.connect() as c:
        previous = releases.previous_counts(c)[ASC]
    before = truth(engine, first.release_id, ASC, "by-ward")
    assert before[TOTAL, TOTAL] == len(counted_clients())
    assert previous["ward", TOTAL, TOTAL] == frozenset({before[TOTAL, TOTAL]})
    assert previous["ward", "North", TOTAL] == frozenset({CLIENTS["North"]})
    assert truth(engine, rounded.release_id, ASC, "by-ward")[TOTAL, TOTAL] == len(clients())
    third = run(engine, EXACT)
    shown = exact_by_ward(engine, third.release_id)
    assert shown[(TOTAL,)][-1] is None  # less the first release's total: the objector
    assert shown[("North",)][-1] == CLIENTS["North"]  # unchanged since the first: shown
