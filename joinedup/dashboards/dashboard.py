"""``dashboard``: the one way to a dashboard's figures, for the web page, its CSV downloads
and the API alike: gate, scope, count, audit, in the caller's ``governed`` transaction.

A refusal is audited before it is raised; a view (or a download) is audited after the
figures are made, with the sources and agreements they were counted under, so the DPO can
see which aggregates left the hub, when, for whom and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from joinedup.dashboards import demand, duplication, overlap, visits
from joinedup.dashboards.figures import Dashboard, Table
from joinedup.dashboards.options import Options
from joinedup.dashboards.scope import Counted, analytics_scope, counted, gate, record
from joinedup.errors import BadInput, NotFound
from joinedup.govern.register import register
from joinedup.govern.vocabulary import Actor

VIEW, DOWNLOAD = "view_dashboard", "download_dashboard"


@dataclass(frozen=True)
class Kind:
    """One dashboard: its name in addresses, title, what it answers, and its charts."""

    name: str
    title: str
    question: str
    charts: tuple[str, ...]
    notes: tuple[str, ...]
    tables: Callable[[Connection, Counted, Options], tuple[Table, ...]]
    asks: frozenset[str] = frozenset()
    """What the analyst may narrow it by: ``dates`` (``Options.since``/``until``), ``ward``."""


DASHBOARDS = {kind.name: kind for kind in (
    Kind("duplication", duplication.TITLE,
         "How many records are the same person, within each source and across sources, "
         "and what do they cost?", ("within-source", "across-sources", "cost"),
         duplication.NOTES, duplication.tables),
    Kind("overlap", overlap.TITLE,
         "How many persons and households are known to two, three, four or more agencies, "
         "ward by ward?", ("persons", "persons-by-ward", "households", "households-by-ward"),
         overlap.NOTES, overlap.tables),
    Kind("visits", visits.TITLE,
         "Which households did two or more agencies visit in the same fortnight, and how "
         "many visits could have been combined?", ("county", "fortnights", "wards", "pairs"),
         visits.NOTES, visits.tables, frozenset({"dates"})),
    Kind("demand", demand.TITLE,
         "How many contacts does each service have, ward by ward and month by month, beside "
         "traffic and library use from the sensors?", ("services", "wards", "traffic",
                                                       "library"),
         demand.NOTES, demand.tables, frozenset({"dates", "ward"})),
)}


def kind_of(name: str) -> Kind:
    try:
        return DASHBOARDS[name]
    except KeyError:
        raise NotFound(f"no dashboard {name!r}; the dashboards are "
                       f"{', '.join(DASHBOARDS)}") from None


def dashboard(connection: Connection, actor: Actor, purpose: str | None, name: str, *,
              options: Options, now: datetime, download: str | None = None) -> Dashboard:
    """The dashboard ``name`` as ``actor`` may see it; ``download`` names the one chart whose
    CSV is being taken, audited as a download."""
    kind = kind_of(name)
    action, detail = (VIEW, name) if download is None else (DOWNLOAD, f"{name}/{download}")
    purpose = gate(connection, actor, purpose, action, detail, now=now)
    if download is not None and download not in kind.charts:
        raise BadInput(f"the {name} dashboard has no chart {download!r}; its charts are "
                       f"{', '.join(kind.charts)}")
    scope = analytics_scope(connection, register(connection).in_force(now.date()), actor)
    tables = kind.tables(connection, counted(scope, actor), options)
    assert tuple(t.key for t in tables) == kind.charts, name
    record(connection, actor, purpose, action, detail, scope,
           options.disclosure.threshold, now=now)
    return Dashboard(kind.name, kind.title, tables, scope.sources, scope.withheld,
                     scope.agreements, options.disclosure.threshold, kind.notes, now)
