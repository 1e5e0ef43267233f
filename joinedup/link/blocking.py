"""Blocking: which pairs of records are worth scoring, as rules and as index keys.

A rule says two records are a candidate pair when some of their features agree exactly
(``dob`` and the first letter of ``family``). The same rule gives the SQL a batch run joins
on, and the keys a record is filed under in the store (``link_key``), so a record arriving
later finds exactly the candidates a batch run would pair it with. A rule may compare
different features on the two sides (a given name against a family name, for names written
the other way round); it then holds in both directions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Part = tuple[str, int]
"""A feature and how many leading characters of it count (0: all of it)."""


@dataclass(frozen=True)
class Rule:
    left: tuple[Part, ...]
    right: tuple[Part, ...]

    @property
    def symmetric(self) -> bool:
        return self.left == self.right

    def sql(self) -> list[str]:
        """The join condition(s) over records ``l`` and ``r``: one, or one per direction."""
        def condition(mine: tuple[Part, ...], theirs: tuple[Part, ...]) -> str:
            return " AND ".join(f"{_expr('l', a)} = {_expr('r', b)}"
                                for a, b in zip(mine, theirs, strict=True))
        if self.symmetric:
            return [condition(self.left, self.right)]
        return [condition(self.left, self.right), condition(self.right, self.left)]

    def as_json(self) -> list[list[list[Any]]]:
        return [[list(p) for p in self.left], [list(p) for p in self.right]]

    @classmethod
    def from_json(cls, raw: Sequence[Sequence[Sequence[Any]]]) -> Rule:
        left, right = raw
        return cls(tuple((str(c), int(n)) for c, n in left),
                   tuple((str(c), int(n)) for c, n in right))


def _expr(side: str, part: Part) -> str:
    column, length = part
    return f"{side}.{column}" if not length else f"substr({side}.{column}, 1, {length})"


def same(*parts: str | Part) -> Rule:
    found = tuple((p, 0) if isinstance(p, str) else p for p in parts)
    return Rule(found, found)


_INITIAL = ("given_formal", 1)
RULES = (
    same("nhs"),
    same("given_formal", "family"),
    same("dob", ("family", 1)),
    same("dob", _INITIAL),
    Rule((("dob", 0), _INITIAL), (("dob", 0), ("family", 1))),
    same("dob", "house"),
    same("family", ("dob", 4)),
    same("postcode", _INITIAL),
    same("uprn", _INITIAL),
    same("address", _INITIAL),
    same("phone"),
    same("email"),
)
"""Pairs are scored only if one rule puts them together (99.25-99.5% of true pairs in the
synthetic county; see docs/linkage.md). Every named identifier adds an exact rule."""


def rules_for(identifiers: Sequence[str]) -> list[Rule]:
    return [*RULES, *(same(c) for c in identifiers)]


def _values(record: Mapping[str, Any], parts: tuple[Part, ...]) -> str | None:
    values = []
    for column, length in parts:
        value = record.get(column)
        if value is None:
            return None  # SQL's NULL = NULL is never true
        values.append(str(value)[:length] if length else str(value))
    return "|".join(values)


def keys_sql(rules: Sequence[Rule], table: str) -> str:
    """SQL giving ``key, unique_id`` for every record of ``table``: the keys ``keys`` files
    each record under, computed by the database for a whole batch run."""
    def value(parts: tuple[Part, ...]) -> str:
        return " || '|' || ".join(
            f"substr(CAST({c} AS VARCHAR), 1, {n})" if n else f"CAST({c} AS VARCHAR)"
            for c, n in parts)
    selects = []
    for index, rule in enumerate(rules):
        sides = [("=", rule.left)] if rule.symmetric else [("<", rule.left), (">", rule.right)]
        for mark, parts in sides:
            known = " AND ".join(f"{c} IS NOT NULL" for c, _ in parts)
            selects.append(f"SELECT '{index}{mark}|' || {value(parts)} AS key, unique_id "
                           f"FROM {table} WHERE {known}")
    return " UNION ALL ".join(selects)


def keys(record: Mapping[str, Any], rules: Sequence[Rule]) -> tuple[list[str], list[str]]:
    """The keys ``record`` is filed under, and the keys whose records are its candidates."""
    own: list[str] = []
    wanted: list[str] = []
    for index, rule in enumerate(rules):
        left, right = _values(record, rule.left), _values(record, rule.right)
        if rule.symmetric:
            if left is not None:
                own.append(f"{index}=|{left}")
                wanted.append(f"{index}=|{left}")
            continue
        if left is not None:
            own.append(f"{index}<|{left}")
            wanted.append(f"{index}>|{left}")
        if right is not None:
            own.append(f"{index}>|{right}")
            wanted.append(f"{index}<|{right}")
    return own, wanted
