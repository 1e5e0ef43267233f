"""Service demand by ward and month, beside the sensors' traffic and library counts, against
``dashboards_world`` counted by hand, on both backends."""

from __future__ import annotations

from datetime import date

from dashboards_world import EATON, FIRE, MILE_CROSS, figures, view
from sqlalchemy import Engine

NK = "Not known"
DN, HC, REAB = "District nursing", "Home Care", "Reablement"


def test_contacts_each_month_by_service_across_the_county(world: Engine) -> None:
    board = view(world, "demand")

    # March: Home Care K1-K4, K6, K7 (4 persons); Reablement K5; District nursing E1-E5 (4
    # persons); Fire V1 (no service: its agency). April: Fire V2. K8 is sealed, K9 the
    # objector's.
    assert figures(board, "services") == [
        ("2026-03", DN, 5), ("2026-04", DN, 0),
        ("2026-03", HC, 6), ("2026-04", HC, 0),
        ("2026-03", FIRE, None), ("2026-04", FIRE, None),
        ("2026-03", REAB, None), ("2026-04", REAB, 0)]
    assert [m.name for m in board.table("wards").measures] == [DN, HC, FIRE, REAB]
    assert figures(board, "wards") == [
        (EATON, 3, 2, 0, None),
        (MILE_CROSS, None, 4, None, 0),  # Fire's 2 contacts are one person's
        (NK, None, 0, 0, 0)]


def test_traffic_and_library_use_by_ward_over_the_same_months(world: Engine) -> None:
    board = view(world, "demand")

    # a 15-minute counter's mean reading times 96 readings a day; the library's, hourly, 24
    assert figures(board, "traffic") == [
        ("2026-03", EATON, 75 * 96), ("2026-04", EATON, 30 * 96),
        ("2026-03", MILE_CROSS, 20 * 96), ("2026-03", NK, 5 * 96)]
    assert figures(board, "library") == [
        ("2026-03", MILE_CROSS, 7 * 24), ("2026-04", MILE_CROSS, 3 * 24)]


def test_one_ward_and_a_later_start_narrow_contacts_and_sensors_alike(world: Engine) -> None:
    eaton = view(world, "demand", ward=EATON)
    april = view(world, "demand", since=date(2026, 4, 1))

    assert figures(eaton, "services") == [
        ("2026-03", DN, 3), ("2026-03", HC, 2), ("2026-03", REAB, None)]
    assert figures(eaton, "traffic") == [("2026-03", EATON, 75 * 96)]
    assert figures(eaton, "library") == []
    assert figures(april, "services") == [("2026-04", FIRE, None)]
    assert figures(april, "traffic") == [("2026-04", EATON, 30 * 96)]
    assert figures(april, "library") == [("2026-04", MILE_CROSS, 3 * 24)]


def test_a_month_of_contacts_fewer_persons_are_behind_than_the_threshold_is_held_back(
        world: Engine) -> None:
    board = view(world, "demand", threshold=5)

    assert ("2026-03", HC, None) in figures(board, "services")  # 6 contacts, 4 persons
    assert ("2026-03", EATON, 75 * 96) in figures(board, "traffic")  # sensors count no one
