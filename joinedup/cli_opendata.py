"""``joinedup opendata publish|check|list``: open data with disclosure control.

``publish`` rebuilds every dataset from the current store, as an analyst of the open data
organisation (``JOINEDUP_OPENDATA_ORGANISATION``) acting for analytics, and writes it as a
new release; a table that breaks the disclosure rules refuses the whole release (exit 2,
naming the dataset, table, row and column) and nothing is written. ``check`` does the same
and writes nothing but its audit event. ``list`` shows the releases, and what one published.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from joinedup.cli_base import DbOption, acting_as, out, settings_for, store, utcnow
from joinedup.errors import NotFound
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Role
from joinedup.opendata import releases
from joinedup.opendata.publish import Options, Outcome, publish
from joinedup.opendata.tables import Dataset

EpsilonOption = Annotated[float | None, typer.Option(
    help="Release person-derived counts with differential privacy (OpenDP) at this epsilon "
    "a table, instead of suppression and rounding.", min=0.001)]
OrganisationOption = Annotated[str | None, typer.Option(
    help="The analysts' organisation (default: $JOINEDUP_OPENDATA_ORGANISATION).")]


def _datasets(datasets: tuple[Dataset, ...], title: str) -> None:
    table = Table(title=title)
    for column in ("dataset", "table", "rows", "suppressed", "disclosure control"):
        table.add_column(column, justify="right" if column in ("rows", "suppressed")
                         else "left")
    for d in datasets:
        for t in d.tables:
            table.add_row(escape(d.name), escape(t.key), f"{len(t.rows):,}",
                          f"{t.suppressed():,}" if t.person_derived else "-",
                          escape(d.disclosure))
    out.print(table)


def _run(epsilon: float | None, organisation: str | None, db: str | None, *,
         dry_run: bool) -> Outcome:
    settings = settings_for(db)
    actor = acting_as(settings, Role.ANALYST, organisation or settings.opendata_organisation)
    options = Options.from_settings(settings, epsilon=epsilon)
    with store(db) as engine, governed(engine) as connection:
        outcome = publish(connection, actor, options, now=utcnow(), dry_run=dry_run)
    verb = "checked" if dry_run else f"release {outcome.release_id}"
    _datasets(outcome.datasets, f"Open data {verb}")
    if outcome.scope.withheld:
        out.print(f"not counted, as no agreement shares them for analytics: "
                  f"{escape(', '.join(outcome.scope.withheld))}", highlight=False)
    return outcome


def publish_command(epsilon: EpsilonOption = None, organisation: OrganisationOption = None,
                    db: DbOption = None) -> None:
    """Rebuild and publish every open dataset.

    Disclosure-controlled; refused whole, every problem named, if any table breaks the rules.
    """
    outcome = _run(epsilon, organisation, db, dry_run=False)
    out.print(f"published release {outcome.release_id} ({len(outcome.datasets)} datasets; "
              f"audit event {outcome.audit_seq})", highlight=False)


def check_command(epsilon: EpsilonOption = None, organisation: OrganisationOption = None,
                  db: DbOption = None) -> None:
    """Build and check every open dataset; publish nothing."""
    _run(epsilon, organisation, db, dry_run=True)
    out.print("the publication check passed; nothing was published", highlight=False)


def list_command(release: Annotated[int | None, typer.Option(
        help="Show what this release published (default: the latest).")] = None,
                 db: DbOption = None) -> None:
    """The releases, and the datasets and tables of one."""
    with store(db) as engine, engine.connect() as connection:
        summaries = releases.listing(connection)
        shown = releases.load(connection, release)
    if release is not None and shown is None:
        raise NotFound(f"no open data release {release}; there are "
                       f"{', '.join(str(s.id) for s in summaries) or 'none yet'}")
    table = Table(title="Open data releases")
    for column in ("release", "released at", "by", "datasets"):
        table.add_column(column)
    for s in summaries:
        table.add_row(str(s.id), f"{s.released_at:%Y-%m-%d %H:%M}", escape(s.released_by),
                      str(s.datasets))
    out.print(table)
    if shown is not None:
        _datasets(shown.datasets, f"Release {shown.id}")
