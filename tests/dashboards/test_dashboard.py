"""Every dashboard figure against the county of ``dashboards_world`` counted by hand, on both
backends: who is counted (agreements, sealed records, objections), suppression, dates, and
the gate with its audit."""

from __future__ import annotations

from datetime import date

import pytest
from dashboards_world import EATON, FIRE, MILE_CROSS, figures, view
from sqlalchemy import Engine, func, select
from world import ADVISOR, ANALYST, ASC, DPO, HEALTH, SOCIAL_WORKER

from joinedup.dashboards import DASHBOARDS
from joinedup.errors import AccessDenied, BadInput, NotFound
from joinedup.store.schema import audit_event, audit_subject

NK = "Not known"


def test_duplicates_within_each_source_leave_out_sealed_records_objectors_and_withheld_sources(
        world: Engine) -> None:
    board = view(world, "duplication")

    # asc_clients counts A1, A1b, A2, A5, A6, A12: not A8 or A11 (objectors), nor A9 (sealed)
    assert figures(board, "within-source") == [
        ("asc_carers", None, None, 0, None),
        ("asc_clients", 6, 5, None, 3),
        ("community_health", 5, 5, 0, 4),
        ("fire_safety", 2, 2, 0, 2),
        ("police", 5, 4, None, 2),
    ]
    assert board.withheld == ("libraries",)
    assert board.agreements == ("DSA-BI/v1",)
    assert "libraries" not in board.sources and "asc_contacts" in board.sources


def test_duplicates_across_sources_and_their_cost(world: Engine) -> None:
    board = view(world, "duplication", cost_per_duplicate=12.5)

    # P3, P5, P9, P10, P12 in one source; P4 in two; P2, P6 in three; P1 in four
    assert figures(board, "across-sources") == [
        ("1 source", 5, 0), ("2 sources", None, None), ("3 sources", 2, 4),
        ("4+ sources", None, 3)]
    assert figures(board, "cost") == [
        ("within sources", 2, 25.0), ("across sources", 8, 100.0), ("all", 10, 125.0)]


def test_persons_and_households_known_to_several_agencies_by_ward(world: Engine) -> None:
    board = view(world, "overlap")

    # Mile Cross: P1 (4 agencies), P2 (2), P3 (1); Eaton: P4 (2), P5 (1), P6 (3), P12 (1);
    # no ward or no home: P9 (1), P10 (1)
    assert figures(board, "persons") == [
        ("1 agency", 5), ("2 agencies", 2), ("3 agencies", None), ("4+ agencies", None)]
    assert figures(board, "persons-by-ward") == [
        (EATON, 2, None, None, 0),
        (MILE_CROSS, None, None, 0, None),
        (NK, 2, 0, 0, 0),
    ]
    # 1001 (P1, P2): 4 agencies; 1002 (P3): 1; 1004 (P4, P5) and 1005 (P6, P12): 3; 1006: 1
    assert figures(board, "households") == [
        ("1 agency", 2), ("2 agencies", 0), ("3 agencies", 2), ("4+ agencies", None)]
    assert figures(board, "households-by-ward") == [
        (EATON, 0, 0, 2, 0),
        (MILE_CROSS, None, 0, 0, None),
        (NK, None, 0, 0, 0),
    ]


def test_households_visited_by_two_agencies_in_a_fortnight_and_the_visits_to_combine(
        world: Engine) -> None:
    board = view(world, "visits")

    # 1001 in the first fortnight: ASC twice (K1 and K2 the same visit, then K3), health,
    # fire: 4 visits, 2 combinable. 1004: health and ASC once each: 1 combinable. 1005 in
    # the second: ASC (K6, K7 one visit) and health. K4 is a phone call, K8 sealed, K9 the
    # objector's, E3 a lone visit, E5 to a person with no home.
    assert figures(board, "fortnights") == [
        ("2026-03-09", 2, 6, 3), ("2026-03-23", None, None, None)]
    assert figures(board, "county") == [("All wards", 3, 3, 8, 4)]
    assert figures(board, "wards") == [
        (EATON, 2, 2, 4, 2), (MILE_CROSS, None, None, None, None)]
    assert figures(board, "pairs") == [
        (ASC, HEALTH, 3, 3), (ASC, FIRE, None, None), (HEALTH, FIRE, None, None)]
    assert any("home visit" in note for note in board.notes)


def test_visits_within_dates_and_the_fortnights_between_them_all_shown(world: Engine) -> None:
    first = view(world, "visits", until=date(2026, 3, 22))
    later = view(world, "visits", since=date(2026, 3, 23), until=date(2026, 4, 19))

    assert figures(first, "fortnights") == [("2026-03-09", 2, 6, 3)]
    assert figures(later, "fortnights") == [
        ("2026-03-23", None, None, None), ("2026-04-06", 0, 0, 0)]


def test_small_counts_are_held_back_at_the_threshold_and_so_is_what_is_made_of_them(
        world: Engine) -> None:
    board = view(world, "duplication", threshold=5, cost_per_duplicate=10)

    assert figures(board, "within-source")[1] == ("asc_clients", 6, 5, None, None)
    assert figures(board, "cost") == [
        ("within sources", None, None), ("across sources", 8, 80.0), ("all", 10, 100.0)]
    table = board.table("cost")
    assert table.csv().splitlines()[1] == "within sources,<5,<5"
    assert board.threshold == 5


def test_an_event_count_is_held_back_when_too_few_are_behind_it(world: Engine) -> None:
    board = view(world, "visits", threshold=3)

    # the first fortnight's 6 visits and 3 combinable are of only 2 households
    assert figures(board, "fortnights")[0] == ("2026-03-09", None, None, None)
    assert figures(board, "county") == [("All wards", 3, 3, 8, 4)]


def test_a_withdrawn_objection_counts_again_and_another_agency_named_does_not_stop_it(
        world: Engine) -> None:
    rows = dict((r[0], r[1:]) for r in figures(view(world, "overlap"), "persons-by-ward"))

    assert rows[EATON][0] == 2  # P5 (withdrawn) and P12 (objected to the police only)


def _since(engine: Engine) -> int:
    """The seq the next audit event will have."""
    with engine.connect() as c:
        return int(c.execute(select(func.max(audit_event.c.seq))).scalar() or 0) + 1


def test_anyone_but_an_analyst_for_analytics_is_refused_and_the_refusal_audited(
        world: Engine) -> None:
    first = _since(world)
    for actor, purpose in ((SOCIAL_WORKER, "direct_care"), (DPO, "audit"),
                           (ADVISOR, "analytics"), (ANALYST, "direct_care")):
        with pytest.raises(AccessDenied):
            view(world, "overlap", actor=actor, purpose=purpose)

    with world.connect() as c:
        refused = c.execute(select(audit_event.c.actor, audit_event.c.purpose,
                                   audit_event.c.action, audit_event.c.decision,
                                   audit_event.c.reason)
                            .where(audit_event.c.seq >= first)
                            .order_by(audit_event.c.seq)).all()
    assert [(r.actor, r.purpose, r.action, r.decision) for r in refused] == [
        ("sw.jones", "direct_care", "view_dashboard", "deny"),
        ("dpo.reed", "audit", "view_dashboard", "deny"),
        ("cc.ahmed", "analytics", "view_dashboard", "deny"),
        ("bi.kaur", "direct_care", "view_dashboard", "deny")]
    assert "may not act for the purpose analytics" in refused[2].reason


def test_each_view_and_download_is_audited_with_its_sources_and_agreement(
        world: Engine) -> None:
    first = _since(world)
    view(world, "visits")
    view(world, "visits", download="pairs")

    with world.connect() as c:
        events = c.execute(select(audit_event.c.action, audit_event.c.decision,
                                  audit_event.c.agreements, audit_event.c.fields,
                                  audit_event.c.reason, audit_subject.c.detail,
                                  audit_subject.c.person_id)
                           .join(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                           .where(audit_event.c.seq >= first)
                           .order_by(audit_event.c.seq)).all()
    assert [(e.action, e.decision, e.detail, e.person_id) for e in events] == [
        ("view_dashboard", "allow", "visits", None),
        ("download_dashboard", "allow", "visits/pairs", None)]
    assert events[0].agreements == "DSA-BI/v1"
    assert "aggregate:police" in events[0].fields.split(",")
    assert "withheld (no agreement): libraries" in events[0].reason
    assert "counts below 2 suppressed" in events[0].reason


def test_no_dashboard_returns_anything_about_a_single_person(world: Engine) -> None:
    """Every value is a count or a sum of money, every label a source, ward, agency, band or
    date: no person id or name (the records are named "Person<ref>")."""
    for name in DASHBOARDS:
        for table in view(world, name).tables:
            for row in table.rows:
                assert all(v is None or isinstance(v, int | float) for v in row.values)
                assert not any("Person" in label for label in row.labels), row


def test_unknown_dashboards_and_charts_are_named_in_the_error(world: Engine) -> None:
    with pytest.raises(NotFound, match="no dashboard 'costs'; the dashboards are duplication"):
        view(world, "costs")
    with pytest.raises(BadInput, match="no chart 'wards'; its charts are within-source, "):
        view(world, "duplication", download="wards")


def test_dates_the_wrong_way_round_are_bad_input(world: Engine) -> None:
    with pytest.raises(BadInput, match="from 2026-04-01 is after to 2026-03-01"):
        view(world, "visits", since=date(2026, 4, 1), until=date(2026, 3, 1))
