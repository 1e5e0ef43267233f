"""``publish``: every dataset rebuilt from the current store, put through disclosure control,
checked, and written as one release, or refused whole.

Publishing is an analyst's work: the CLI's operator acts in the ``analyst`` role for the
open data organisation (``JOINEDUP_OPENDATA_ORGANISATION``, Business Intelligence) and for
``analytics``, so the figures are counted from exactly what the analytics agreements share
with that role (``dashboards.scope``), leaving out sealed records and everyone who objected
to planning and research. The gate refuses, audited, anyone else. One audit event records
each publication: which datasets and tables, from which sources, under which agreements and
which rule; a check (``dry_run``) is audited too, since it counts persons as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from joinedup.dashboards.scope import Scope, analytics_scope, counted, gate
from joinedup.govern import audit
from joinedup.govern.register import register
from joinedup.govern.vocabulary import Actor, Purpose
from joinedup.opendata import releases
from joinedup.opendata.check import DisclosureRefused, Problem, check_counts
from joinedup.opendata.datasets import DATASETS, Context
from joinedup.opendata.disclosure import Rule
from joinedup.opendata.geography import geographies
from joinedup.opendata.protect import protect
from joinedup.opendata.tables import Counts, Dataset, Table
from joinedup.settings import Settings

PUBLISH, CHECK = "publish_opendata", "check_opendata"


@dataclass(frozen=True)
class Options:
    rule: Rule = field(default_factory=Rule)
    thresholds: Mapping[str, int] = field(default_factory=dict)
    """A threshold by topic, instead of the rule's."""
    epsilon: float | None = None
    """Release person-derived counts with differential privacy, at this epsilon a table."""

    @classmethod
    def from_settings(cls, settings: Settings, *, epsilon: float | None = None) -> Options:
        return cls(Rule.named(settings.opendata_rule, settings.opendata_threshold,
                              settings.opendata_rounding),
                   dict(settings.opendata_thresholds), epsilon)

    def rule_for(self, topic: str) -> Rule:
        if topic in self.thresholds:
            return Rule(self.thresholds[topic], self.rule.rounding, self.rule.name)
        return self.rule


@dataclass(frozen=True)
class Prepared:
    """A dataset ready to publish, with the counts and rule its tables are checked against."""

    dataset: Dataset
    counts: Counts | None
    rule: Rule


@dataclass(frozen=True)
class Outcome:
    datasets: tuple[Dataset, ...]
    scope: Scope
    audit_seq: int
    release_id: int | None
    """None for a check, which writes nothing but its audit event."""


def prepare(connection: Connection, actor: Actor, options: Options, *, now: datetime,
            action: str = PUBLISH) -> tuple[list[Prepared], Scope]:
    """Every dataset from the current store, disclosure-controlled (an exact one against the
    true counts of every earlier exact release); refuses (audited) anyone who may not count
    persons for analytics."""
    gate(connection, actor, Purpose.ANALYTICS, action, "opendata", now=now)
    scope = analytics_scope(connection, register(connection).in_force(now.date()), actor)
    places = geographies(connection)
    context = Context(connection, counted(scope, actor), places, now.date())
    previous = releases.previous_counts(connection)
    spatial = places[0].bbox()
    prepared = []
    for d in DATASETS.values():
        built = d.build(context)
        rule = options.rule_for(d.topic)
        tables, truth, epsilon = built.tables, {}, None
        if built.counts is not None:
            protected = protect(built.counts, rule, title=d.title, description=d.description,
                                previous=previous.get(d.name), epsilon=options.epsilon)
            tables, truth, epsilon = protected.tables, protected.truth, protected.epsilon
        disclosure = ("none: no person is counted" if built.counts is None else
                      f"differential privacy (OpenDP discrete Laplace), epsilon {epsilon:g}"
                      if epsilon is not None else rule.describe())
        dataset = Dataset(d.name, d.title, d.description, d.topic, d.keywords, d.periodicity,
                          built.temporal, spatial, d.notes, built.sources, disclosure,
                          tables, epsilon, truth,
                          exact=built.counts is not None and epsilon is None and rule.exact)
        prepared.append(Prepared(dataset, built.counts, rule))
    return prepared, scope


def problems(connection: Connection, prepared: Sequence[Prepared]) -> list[Problem]:
    """The publication check of every person-derived table, against every earlier exact
    release too (``releases.previous_counts``)."""
    previous = releases.previous_counts(connection)
    found = []
    for p in prepared:
        if p.counts is not None:
            found += check_counts(p.dataset.name, p.counts, p.dataset.tables, p.rule,
                                  previous=previous.get(p.dataset.name))
    return found


def _rule(options: Options) -> dict[str, Any]:
    return {"name": options.rule.name, "threshold": options.rule.threshold,
            "rounding": options.rule.rounding, "thresholds": dict(options.thresholds),
            "epsilon": options.epsilon}


def _reason(verb: str, datasets: Sequence[Dataset], scope: Scope) -> str:
    """What was published, table by table, and what it was counted from."""
    described = "; ".join(f"{d.name} ({', '.join(_about(t) for t in d.tables)})"
                          for d in datasets)
    sources = ", ".join(scope.sources) or "no source"
    withheld = f"; withheld (no agreement): {', '.join(scope.withheld)}" if scope.withheld else ""
    return f"{verb} open data {described}; counted from {sources}{withheld}"


def _about(table: Table) -> str:
    return f"{table.key}: {len(table.rows)} rows, {table.suppressed()} suppressed"


def write(connection: Connection, actor: Actor, prepared: Sequence[Prepared], scope: Scope,
          options: Options, *, now: datetime, dry_run: bool = False) -> Outcome:
    """Check ``prepared`` and, unless a table breaks the rules (refused whole: nothing
    written), record and write the release."""
    found = problems(connection, prepared)
    if found:
        raise DisclosureRefused(found)
    datasets = tuple(p.dataset for p in prepared)
    action = CHECK if dry_run else PUBLISH
    [seq] = audit.append(connection, [audit.Event(
        actor, Purpose.ANALYTICS, action, "allow",
        _reason("checked" if dry_run else "published", datasets, scope),
        fields=tuple(f"aggregate:{s}" for s in scope.sources), agreements=scope.agreements,
        detail="opendata")], now=now)
    release_id = None if dry_run else releases.save(
        connection, datasets, actor=actor, rule=_rule(options), audit_seq=seq, now=now)
    return Outcome(tuple(replace(d, truth={}) for d in datasets), scope, seq, release_id)


def publish(connection: Connection, actor: Actor, options: Options, *, now: datetime,
            dry_run: bool = False) -> Outcome:
    """Rebuild, protect, check and (unless ``dry_run``) publish every dataset, in the
    caller's ``governed`` transaction."""
    prepared, scope = prepare(connection, actor, options, now=now,
                              action=CHECK if dry_run else PUBLISH)
    return write(connection, actor, prepared, scope, options, now=now, dry_run=dry_run)
