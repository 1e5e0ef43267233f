"""The register of loaded sharing agreements: every version ever loaded stays in the table
``agreement`` verbatim; the newest version of each code is the one that counts, between its
dates.

Agreements only move forward: a changed text needs a new version, and an older version than
the newest is refused, so what the hub enforced on any day can always be shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Connection, select

from joinedup.errors import AgreementError, GovernError, Problem
from joinedup.govern import audit
from joinedup.govern.agreements import Agreement, parse_agreement
from joinedup.store.schema import agreement as agreement_table
from joinedup.store.schema import source as source_table

LOAD_COMMAND = "`joinedup agreements load DIR`"


@dataclass(frozen=True)
class LoadResult:
    loaded: tuple[Agreement, ...]
    """The versions this load inserted, in the order given: what an audit event of the load
    records."""
    unchanged: int

    @property
    def new(self) -> int:
        return len(self.loaded)

    @property
    def codes(self) -> tuple[str, ...]:
        """``DSA-NFK-001/v2`` for each version loaded, as decisions cite them."""
        return tuple(f"{a.code}/v{a.version}" for a in self.loaded)


def load_agreements(connection: Connection, agreements: Sequence[Agreement], *, operator: str,
                    now: datetime) -> LoadResult:
    """Insert the versions not yet loaded, in the caller's transaction; all or nothing.

    Raises AgreementError, naming every offending file, for a version loaded before with a
    different text (bump the version) or older than the newest loaded.
    """
    codes = sorted({a.code for a in agreements})
    t = agreement_table
    stored = {(r.code, r.version): r.sha256 for r in connection.execute(
        select(t.c.code, t.c.version, t.c.sha256).where(t.c.code.in_(codes)))} if codes else {}
    newest: dict[str, int] = {}
    for code, version in stored:
        newest[code] = max(newest.get(code, 0), version)
    problems: list[tuple[str, Problem]] = []
    new: dict[tuple[str, int], Agreement] = {}
    unchanged = 0
    for a in agreements:
        key, top = (a.code, a.version), newest.get(a.code, 0)
        if a.version < top:
            problems.append((a.path, Problem(
                f"{a.code} version {a.version} is older than version {top}, already loaded; "
                f"to go back to it, load its text as version {top + 1}", "version")))
        elif key in stored and stored[key] != a.sha256:
            problems.append((a.path, Problem(
                f"{a.code} version {a.version} is already loaded with a different text; bump "
                f"the version to {top + 1} to load the change (the old text stays on record)",
                "version")))
        elif key in new and new[key].sha256 != a.sha256:
            problems.append((a.path, Problem(f"{a.code} version {a.version} is also in "
                                             f"{new[key].path} with a different text",
                                             "version")))
        elif key in stored or key in new:
            unchanged += 1
        else:
            new[key] = a
    if problems:
        raise AgreementError(problems)
    if new:
        connection.execute(t.insert(), [
            {"code": a.code, "version": a.version, "title": a.title,
             "valid_from": a.valid_from, "valid_to": a.valid_to, "sha256": a.sha256,
             "document": a.text, "loaded_at": now, "loaded_by": operator}
            for a in new.values()])
    if new:
        audit.append(connection, [audit.operation(
            operator, "load_agreements", "agreements loaded: " + ", ".join(
                f"{a.code}/v{a.version}" for a in new.values()))], now=now)
    return LoadResult(tuple(new.values()), unchanged)


class Register:
    """The newest version of every agreement, indexed by source. Cheap to query, so build it
    once (``register``) and reuse it: it is read on every access decision.

    A renewal may be loaded before it starts: until then the newest earlier version stays in
    force, so a council need not wait for the first day of an agreement to load it."""

    def __init__(self, agreements: Iterable[Agreement],
                 older: dict[tuple[str, int], str] | None = None) -> None:
        self.agreements = tuple(sorted(agreements, key=lambda a: a.code))
        by_source: dict[str, list[Agreement]] = {}
        for a in self.agreements:
            for name in a.sources:
                by_source.setdefault(name, []).append(a)
        self._by_source = by_source
        self._versions: dict[tuple[str, int], Agreement | str] = dict(older or {})
        self._versions.update(((a.code, a.version), a) for a in self.agreements)

    def in_force(self, day: date) -> list[Agreement]:
        found = []
        for newest in self.agreements:
            current: Agreement | None = newest
            while current is not None and current.valid_from > day:
                current = self._earlier(current)
            if current is not None and current.in_force(day):
                found.append(current)
        return found

    def _earlier(self, agreement: Agreement) -> Agreement | None:
        versions = [v for c, v in self._versions if c == agreement.code and v < agreement.version]
        return self.version(agreement.code, max(versions)) if versions else None

    def for_source(self, source: str) -> list[Agreement]:
        """Every agreement naming ``source`` in any share, in force or not."""
        return list(self._by_source.get(source, ()))

    def version(self, code: str, version: int) -> Agreement | None:
        """Any version ever loaded (an audit event cites the one it was decided under);
        superseded ones are parsed only when asked for."""
        found = self._versions.get((code, version))
        if isinstance(found, str):
            found = self._versions[code, version] = _parsed(code, version, found)
        return found


def register(connection: Connection) -> Register:
    """The register as loaded now."""
    t = agreement_table
    rows = connection.execute(select(t.c.code, t.c.version, t.c.document)
                              .order_by(t.c.code, t.c.version.desc())).all()
    newest: list[Agreement] = []
    older: dict[tuple[str, int], str] = {}
    for i, r in enumerate(rows):
        if i == 0 or rows[i - 1].code != r.code:
            newest.append(_parsed(r.code, r.version, r.document))
        else:
            older[r.code, r.version] = r.document
    return Register(newest, older)


@dataclass(frozen=True)
class Loaded:
    """One version as loaded, for ``joinedup agreements list --all``."""

    agreement: Agreement
    loaded_at: datetime
    loaded_by: str
    current: bool
    """The newest version of its code, the one that counts."""


def history(connection: Connection) -> list[Loaded]:
    """Every version ever loaded, by code, newest version first."""
    t = agreement_table
    rows = connection.execute(select(t.c.code, t.c.version, t.c.document, t.c.loaded_at,
                                     t.c.loaded_by).order_by(t.c.code, t.c.version.desc()))
    found: list[Loaded] = []
    for r in rows:
        current = not found or found[-1].agreement.code != r.code
        found.append(Loaded(_parsed(r.code, r.version, r.document), r.loaded_at, r.loaded_by,
                            current))
    return found


def known_sources(connection: Connection) -> set[str]:
    """Names of the sources the store has loaded (to warn of a misspelt one in an agreement)."""
    return set(connection.execute(select(source_table.c.name)).scalars())


def check_source_may_load(connection: Connection, source: str, day: date) -> None:
    """Refuse to load a source whose agreements have all lapsed (or not yet begun).

    An agency may hold its own data without any agreement, so a source no agreement names
    always loads; but once agreements name it, loading it into the hub (where it is shared)
    needs one of them in force on ``day``.
    """
    current = register(connection)
    named = current.for_source(source)
    if not named or any(source in a.sources for a in current.in_force(day)):
        return
    lapsed = ", ".join(
        f"{a.code} (version {a.version}) "
        + (f"expired on {a.valid_to}" if a.valid_to < day else f"starts on {a.valid_from}")
        for a in named)
    noun = "agreement" if len(named) == 1 else "agreements"
    raise GovernError(f"source {source!r} may not be loaded: its sharing {noun} {lapsed}; "
                      f"load a renewed agreement with {LOAD_COMMAND} first")


@lru_cache(maxsize=512)
def _parsed(code: str, version: int, document: str) -> Agreement:
    """A stored agreement parsed back (once per text: an Agreement is immutable, so rebuilding
    the register costs one query); one this joinedup no longer accepts (its vocabulary
    changed) fails closed rather than being half-enforced."""
    try:
        return parse_agreement(document, path=f"loaded agreement {code} version {version}")
    except AgreementError as exc:
        raise GovernError(f"the loaded agreement {code} version {version} no longer validates: "
                          f"{'; '.join(str(p) for _, p in exc.problems)}; load a corrected "
                          f"version with {LOAD_COMMAND}") from exc
