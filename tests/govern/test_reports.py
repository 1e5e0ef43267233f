"""The DPO's tools: audit search that follows merges, break-glass review, unusual access against
role peers, the alert queue; only for the DPO, and every look audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import typer
import world
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result
from world import DPO, IG, NOW, OTHER_SOCIAL_WORKER, SOCIAL_WORKER, World

from joinedup.cli_base import App
from joinedup.cli_dpo import (
    alerts_close_command,
    alerts_list_command,
    audit_break_glass_command,
    audit_search_command,
    audit_unusual_command,
)
from joinedup.errors import AccessDenied
from joinedup.govern import audit, relationships, reports
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Role
from joinedup.store import schema
from joinedup.store.schema import audit_event, audit_subject, dpo_alert

MONTH_AGO = NOW - timedelta(days=30)


@pytest.fixture
def w(engine: Engine, tmp_path: Path) -> World:
    return world.build(engine, tmp_path)


def read(engine: Engine, actor: Actor, persons: range | list[int], *,
         now: datetime = NOW, purpose: str = "direct_care") -> None:
    """Audit events as ``decide`` writes them for reads of these persons."""
    with governed(engine) as c:
        audit.append(c, [audit.Event(actor, purpose, "read_person", "allow", "test read",
                                     person_id=p) for p in persons], now=now)


def events(w: World, action: str) -> list[dict[str, object]]:
    with w.engine.connect() as c:
        rows = c.execute(select(audit_event, audit_subject.c.person_id, audit_subject.c.detail)
                         .outerjoin(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                         .where(audit_event.c.action == action).order_by(audit_event.c.seq))
        return [dict(r._mapping) for r in rows]


def merge(w: World, old: int, new: int) -> None:
    """Linkage retired ``old`` into ``new`` (as a link run records it)."""
    with w.engine.begin() as c:
        run = c.execute(select(schema.link_run.c.id)).scalar_one()
        c.execute(schema.person.insert().values(id=old, created_run_id=run,
                                                retired_run_id=run))
        c.execute(schema.person_event.insert().values(run_id=run, kind="merge",
                                                      old_person_id=old, new_person_id=new,
                                                      records=1))


# -- audit search ------------------------------------------------------------------------------

def test_search_by_person_finds_reads_about_ids_merged_into_them(w: World) -> None:
    merge(w, 10, 1)
    merge(w, 20, 10)  # merged twice over: 20 -> 10 -> 1
    read(w.engine, SOCIAL_WORKER, [10, 20, 1, 2])

    with governed(w.engine) as c:
        rows = reports.search_audit(c, DPO, person_id=1, now=NOW)

    assert sorted(r.person_id for r in rows if r.person_id is not None) == [1, 10, 20]
    assert all(r.action == "read_person" and r.actor == SOCIAL_WORKER.user for r in rows)


def test_search_filters_combine_and_newest_come_first(w: World) -> None:
    read(w.engine, SOCIAL_WORKER, [1], now=NOW - timedelta(days=10))
    read(w.engine, SOCIAL_WORKER, [2], now=NOW)
    read(w.engine, OTHER_SOCIAL_WORKER, [3], now=NOW)

    with governed(w.engine) as c:
        mine = reports.search_audit(c, DPO, user=SOCIAL_WORKER.user, now=NOW)
        recent = reports.search_audit(c, DPO, user=SOCIAL_WORKER.user,
                                      since=NOW - timedelta(days=1), now=NOW)
        before = reports.search_audit(c, DPO, until=NOW - timedelta(days=1), now=NOW)
        one = reports.search_audit(c, DPO, action="read_person", limit=1, now=NOW)

    assert [r.person_id for r in mine] == [2, 1]
    assert [r.person_id for r in recent] == [2]
    assert [r.person_id for r in before] == [1]
    assert len(one) == 1


def test_the_search_is_itself_audited(w: World) -> None:
    read(w.engine, SOCIAL_WORKER, [1])

    with governed(w.engine) as c:
        found = reports.search_audit(c, DPO, person_id=1, action="read_person", now=NOW)

    [event] = events(w, "audit_search")
    assert (event["actor"], event["purpose"], event["decision"], event["person_id"]) == (
        DPO.user, "audit", "allow", 1)
    assert "person=1" in str(event["detail"]) and "action=read_person" in str(event["detail"])
    assert "1 events found" in str(event["reason"]) and len(found) == 1


def test_a_search_by_anyone_but_the_dpo_is_refused_and_audited(w: World) -> None:
    with pytest.raises(AccessDenied, match="audit"), governed(w.engine) as c:
        reports.search_audit(c, SOCIAL_WORKER, person_id=1, now=NOW)

    [event] = events(w, "audit_search")
    assert (event["actor"], event["decision"], event["person_id"]) == (
        SOCIAL_WORKER.user, "deny", 1)


@pytest.mark.parametrize("tool", ["break_glass_report", "unusual_access", "alerts"])
def test_every_report_is_for_the_dpo_only(w: World, tool: str) -> None:
    with pytest.raises(AccessDenied), governed(w.engine) as c:
        if tool == "unusual_access":
            reports.unusual_access(c, SOCIAL_WORKER, since=MONTH_AGO, now=NOW)
        else:
            getattr(reports, tool)(c, SOCIAL_WORKER, now=NOW)

    with w.engine.connect() as c:
        decision = c.execute(select(audit_event.c.decision)
                             .where(audit_event.c.actor == SOCIAL_WORKER.user)).scalar_one()
    assert decision == "deny"


# -- break-glass -------------------------------------------------------------------------------

def test_the_break_glass_report_lists_each_use_with_its_alert(w: World) -> None:
    with governed(w.engine) as c:
        glass = relationships.open_break_glass(c, OTHER_SOCIAL_WORKER, "safeguarding", 1,
                                               "Neighbour reports a fall, no answer", now=NOW)

    with governed(w.engine) as c:
        [use] = reports.break_glass_report(c, DPO, now=NOW)
    assert (use.id, use.user, use.role, use.organisation, use.purpose, use.person_id) == (
        glass.id, OTHER_SOCIAL_WORKER.user, "social_worker", world.ASC, "safeguarding", 1)
    assert (use.reason, use.started_at, use.expires_at) == (
        "Neighbour reports a fall, no answer", NOW, glass.expires_at)
    assert (use.alert_id, use.alert_status, use.outcome) == (glass.alert_id, "open", None)

    with governed(w.engine) as c:
        relationships.close_alert(c, DPO, glass.alert_id, "no_concern", "Duty log confirms",
                                  now=NOW)
        [closed] = reports.break_glass_report(c, DPO, now=NOW)
        later = reports.break_glass_report(c, DPO, since=NOW + timedelta(days=1), now=NOW)
    assert (closed.alert_status, closed.outcome, closed.note) == (
        "closed", "no_concern", "Duty log confirms")
    assert later == []


# -- unusual access ------------------------------------------------------------------------------

PEERS = [Actor(f"sw.peer{i}", world.ASC, Role.SOCIAL_WORKER, world.ASC_TEAM) for i in range(4)]
BUSY = Actor("sw.busy", world.ASC, Role.SOCIAL_WORKER, world.ASC_TEAM)


def busy_week(engine: Engine, *, now: datetime = NOW) -> None:
    for i, peer in enumerate(PEERS):
        read(engine, peer, range(100 + i, 104 + i + i % 2), now=now)  # 4 or 5 persons each
        read(engine, peer, [100 + i], now=now)  # the same person twice counts once
    read(engine, BUSY, range(1000, 1060), now=now)
    # A different role is compared with its own peers, not with social workers.
    read(engine, world.ADVISOR, range(2000, 2030), now=now, purpose="customer_service")


def test_an_actor_reading_far_more_persons_than_their_peers_is_flagged(w: World) -> None:
    busy_week(w.engine)
    read(w.engine, SOCIAL_WORKER, range(5000, 5100), now=NOW - timedelta(days=40))  # too old

    with governed(w.engine) as c:
        flagged = reports.unusual_access(c, DPO, since=MONTH_AGO, now=NOW)

    [hit] = flagged
    assert (hit.user, hit.role, hit.organisation, hit.persons) == (
        BUSY.user, "social_worker", world.ASC, 60)
    assert hit.role_median == 5 and hit.ratio == 12 and hit.alert_id is None
    with w.engine.connect() as c:
        assert c.execute(select(dpo_alert)).all() == []
    [event] = events(w, "audit_unusual")
    assert event["decision"] == "allow" and "1 actors flagged" in str(event["reason"])


def test_the_minimum_keeps_small_numbers_quiet(w: World) -> None:
    read(w.engine, BUSY, range(1000, 1015))
    read(w.engine, PEERS[0], [1])
    read(w.engine, PEERS[1], [1])

    with governed(w.engine) as c:
        assert reports.unusual_access(c, DPO, since=MONTH_AGO, now=NOW) == []
        assert [f.user for f in reports.unusual_access(c, DPO, since=MONTH_AGO, minimum=10,
                                                       now=NOW)] == [BUSY.user]


def test_alerts_are_raised_once_per_flagged_actor(w: World) -> None:
    busy_week(w.engine)

    with governed(w.engine) as c:
        [first] = reports.unusual_access(c, DPO, since=MONTH_AGO, raise_alerts=True, now=NOW)
        [again] = reports.unusual_access(c, DPO, since=MONTH_AGO, raise_alerts=True, now=NOW)
        queue = reports.alerts(c, DPO, now=NOW)

    assert first.alert_id is not None and again.alert_id == first.alert_id
    [alert] = queue
    assert (alert.id, alert.kind, alert.status) == (first.alert_id, "unusual_access", "open")
    assert alert.summary.startswith(f"{BUSY.user} (social_worker, {world.ASC}) read 60 persons")
    assert len(events(w, "raise_alert")) == 1

    with governed(w.engine) as c:
        relationships.close_alert(c, DPO, alert.id, "flagged", "Spoke to manager", now=NOW)
        [third] = reports.unusual_access(c, DPO, since=MONTH_AGO, raise_alerts=True, now=NOW)
        assert [a.id for a in reports.alerts(c, DPO, status=None, now=NOW)] == [
            alert.id, third.alert_id]
    assert third.alert_id != alert.id


# -- command line ------------------------------------------------------------------------------

def cli() -> typer.Typer:
    app = App()
    audit_app, alerts_app = App(), App()
    audit_app.command("search")(audit_search_command)
    audit_app.command("break-glass")(audit_break_glass_command)
    audit_app.command("unusual")(audit_unusual_command)
    alerts_app.command("list")(alerts_list_command)
    alerts_app.command("close")(alerts_close_command)
    app.add_typer(audit_app, name="audit")
    app.add_typer(alerts_app, name="alerts")
    return app


def run(w: World, *args: str) -> Result:
    url = w.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(cli(), [*args, "--db", url],
                              env={"JOINEDUP_OPERATOR": DPO.user, "JOINEDUP_ORGANISATION": IG})


def test_the_dpo_commands(w: World) -> None:
    today = datetime.now()
    merge(w, 10, 1)
    read(w.engine, SOCIAL_WORKER, [10, 2], now=today)
    busy_week(w.engine, now=today)
    with governed(w.engine) as c:
        glass = relationships.open_break_glass(c, OTHER_SOCIAL_WORKER, "safeguarding", 1,
                                               "Neighbour reports a fall, no answer",
                                               now=today)

    search = run(w, "audit", "search", "--person", "1", "--since", f"{today:%Y-%m-%d}",
                 "--until", f"{today:%Y-%m-%d}")
    glass_list = run(w, "audit", "break-glass")
    unusual = run(w, "audit", "unusual", "--days", "7", "--alert")
    queue = run(w, "alerts", "list")
    close = run(w, "alerts", "close", str(glass.alert_id), "--outcome", "no_concern",
                "--note", "Duty log confirms")
    closed = run(w, "alerts", "list", "--status", "closed")

    for result in (search, glass_list, unusual, queue, close, closed):
        assert result.exit_code == 0, result.output
    assert "sw.jones" in search.stdout and "read_person" in search.stdout
    assert "Neighbour reports a fall" in glass_list.stdout
    assert "sw.busy" in unusual.stdout and "sw.peer" not in unusual.stdout
    assert "unusual_access" in queue.stdout and "break_glass" in queue.stdout
    assert "no_concern" in closed.stdout
    with governed(w.engine) as c:
        [hit] = reports.search_audit(c, DPO, action="read_person", person_id=10, now=NOW)
    assert hit.person_id == 10


def test_bad_dates_and_outcomes_are_refused_with_a_clear_message(w: World) -> None:
    bad = run(w, "audit", "search", "--since", "22/11/2026")
    with governed(w.engine) as c:
        glass = relationships.open_break_glass(c, OTHER_SOCIAL_WORKER, "safeguarding", 1,
                                               "Neighbour reports a fall, no answer", now=NOW)
    bad_outcome = run(w, "alerts", "close", str(glass.alert_id), "--outcome", "fine")

    assert bad.exit_code == 2
    assert "--since: expected a date as YYYY-MM-DD, got '22/11/2026'" in bad.output
    assert bad_outcome.exit_code == 2
    assert "no_concern" in bad_outcome.output
