"""Finding a person: fuzzy, with the same standardisation and the same comparisons as linkage,
and governed like any other read.

1. the query is checked and standardised (``views.query``);
2. candidates come from the blocking-key index, and from the postcode and NHS number directly
   (indexed lookups only), then are weighed with the last link model (``views.matching``);
   sealed records the actor could never see are left out before anything is ranked;
3. records are grouped by person, persons ranked by their best record, the top ``limit``
   decided together (``decide_many``, action ``search``: one audit event each, one request
   id, the standardised terms in the erasable details);
4. a hit shows only identity (name, date of birth, postcode), chosen by the golden-record rule
   from the records its decision grants, and is re-scored on those records alone: a person
   whose match was on a record the actor may not see is left out, as is a person whose every
   record is sealed (exactly as an unknown id). Persons refused outright are counted in
   ``withheld``, so nobody mistakes a partial list for the whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern import audit
from joinedup.govern.decide import decide_many, purpose_refusal, sealed_visible
from joinedup.govern.facts import DEFAULT_POLICY, Policy
from joinedup.govern.register import Register
from joinedup.govern.vocabulary import IDENTITY_GROUPS, SEALED, Actor, Group
from joinedup.views import matching
from joinedup.views.golden import chosen_value
from joinedup.views.query import SearchQuery, standardise
from joinedup.views.records import granted, held

ACTION = "search"
MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchHit:
    """One person found: identity only, never contacts or flags."""

    person_id: int
    score: float
    """Bits of evidence that this is the person sought (see ``views.matching``)."""
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    postcode: str | None
    agencies: tuple[str, ...]
    """Agencies whose records of the person the actor may see."""
    matched: tuple[str, ...]
    """How the best record compared, field by field: ``given name: nickname``."""


@dataclass(frozen=True)
class SearchResult:
    hits: tuple[SearchHit, ...]
    request_id: str
    withheld: int
    """Persons who matched but whom policy does not let the actor see."""


def _refuse(connection: Connection, actor: Actor, purpose: str | None, reason: str,
            request: str, now: datetime) -> AccessDenied:
    audit.append(connection, [audit.Event(actor, purpose or "", ACTION, "deny", reason,
                                          request_id=request)], now=now)
    return AccessDenied(reason)


def search_persons(connection: Connection, register: Register, actor: Actor,
                   purpose: str | None, query: SearchQuery, *, limit: int = 20,
                   now: datetime, policy: Policy = DEFAULT_POLICY) -> SearchResult:
    """The persons best matching ``query``, as far as the actor may see them, inside the
    caller's ``governed`` transaction. ``BadInput`` names the field at fault; a role or
    purpose that can see nobody is refused (audited) with ``AccessDenied``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit: between 1 and {MAX_LIMIT}, got {limit}")
    sought = standardise(query, today=now.date())
    request = audit.new_request_id()
    refused = purpose_refusal(actor, purpose)
    if refused is not None:
        raise _refuse(connection, actor, purpose, refused, request, now)
    scoring = matching.scoring(connection)
    queries = matching.query_features(sought)
    sealed_ok = sealed_visible(actor, purpose, register.in_force(now.date()))
    rows = [r for r in matching.candidates(connection, sought, queries, scoring.rules)
            if r["sensitivity"] != SEALED or sealed_ok is None or r["source"] in sealed_ok]
    by_person: dict[int, list[matching.Scored]] = defaultdict(list)
    for scored in matching.score(connection, scoring, queries, rows):
        by_person[scored.person_id].append(scored)
    ranked = sorted(by_person, key=lambda p: (-max(s.score for s in by_person[p]), p))[:limit]
    if not ranked:
        audit.append(connection, [audit.Event(actor, purpose or "", ACTION, "done",
                                              "no person matched", detail=sought.describe(),
                                              request_id=request)], now=now)
        return SearchResult((), request, 0)
    decisions = decide_many(connection, register, actor, purpose, ranked, IDENTITY_GROUPS,
                            policy=policy, now=now, action=ACTION, request_id=request,
                            detail=sought.describe())
    records = held(connection, sorted({r for d in decisions if d.allowed for r in d.records}))
    hits = []
    withheld = 0
    for d in decisions:
        if not d.allowed:
            withheld += d.reason != f"no person with id {d.person_id}"
            continue
        seen = [s for s in by_person[d.person_id] if s.record_id in d.records]
        if not seen:
            continue  # matched only on a record this actor may not see
        best = max(seen, key=lambda s: (s.score, -s.record_id))
        mine = [h for h in records if h.id in d.records]
        named = granted(mine, d, Group.IDENTITY)
        born = chosen_value("date_of_birth", named)
        hits.append(SearchHit(
            d.person_id, round(best.score, 2), chosen_value("given_name", named),
            chosen_value("family_name", named), date.fromisoformat(born) if born else None,
            chosen_value("postcode", granted(mine, d, Group.CONTACT_DETAILS)),
            tuple(sorted({h.agency for h in mine})), best.matched))
    hits.sort(key=lambda h: (-h.score, h.person_id))
    return SearchResult(tuple(hits), request, withheld)
