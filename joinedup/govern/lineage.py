"""Which person ids a person has been known by, so what cites an old id (an audit event, a
case note) can be found from the id the person has now.

Linkage records every id that moves in ``person_event`` (old id -> new id). A *merge* retires
the old id whole, so everything that ever cited it is about this person. A *split* may leave
the old id alive, worn by someone else afterwards: what cited it counts only up to the link
run that split it, or a subject access pack would show a stranger's audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from joinedup.govern import audit
from joinedup.store.schema import link_run, person_event

MERGE = "merge"


@dataclass(frozen=True)
class Lineage:
    """A person id and every earlier id that flowed into it."""

    person_id: int
    until: dict[int, str | None] = field(default_factory=dict)
    """Id -> the audit timestamp after which it no longer meant this person (None: always)."""
    split_from: frozenset[int] = frozenset()
    """Earlier ids reached through a split: what cited them may also concern someone else."""

    @property
    def ids(self) -> list[int]:
        return sorted(self.until)

    def covers(self, person_id: int | None, at: str) -> bool:
        """Whether an event at ``at`` (an audit timestamp) citing ``person_id`` is about
        this person."""
        if person_id is None or person_id not in self.until:
            return False
        limit = self.until[person_id]
        return limit is None or at <= limit


def lineage(connection: Connection, person_id: int) -> Lineage:
    """Follow ``person_event`` from ``person_id`` back through every merge and split, in one
    recursive query (the edges are few; ids are never reused, so it ends)."""
    pe = person_event.c
    start = (select(pe.old_person_id, pe.new_person_id, pe.kind, pe.run_id)
             .where(pe.new_person_id == person_id).cte("earlier", recursive=True))
    step = (select(pe.old_person_id, pe.new_person_id, pe.kind, pe.run_id)
            .join(start, pe.new_person_id == start.c.old_person_id))
    edges = start.union(step)
    rows = connection.execute(
        select(edges.c.old_person_id, edges.c.new_person_id, edges.c.kind,
               link_run.c.finished_at)
        .join(link_run, link_run.c.id == edges.c.run_id)).all()
    return _walk(person_id, rows)


def _walk(person_id: int, edges: Iterable[Any]) -> Lineage:
    """Each id's cutoff: along a path, the earliest split on it (merges cut nothing); over
    paths, the latest, since any one path makes the id this person's up to then."""
    edges = list(edges)
    infinity = "~"  # sorts after every audit timestamp
    until: dict[int, str] = {person_id: infinity}
    split: set[int] = set()
    changed = True
    while changed:
        changed = False
        for old, new, kind, finished in edges:
            if new not in until or old == person_id:
                continue
            limit = until[new] if kind == MERGE else min(until[new], audit.timestamp(finished))
            if (kind != MERGE or new in split) and old not in split:
                split.add(old)
                changed = True
            if limit > until.get(old, ""):
                until[old] = limit
                changed = True
    return Lineage(person_id, {p: None if u == infinity else u for p, u in until.items()},
                   frozenset(split))
