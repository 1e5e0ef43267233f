"""The golden record: one value per field out of what several agencies hold, and where each
value came from, so a practitioner sees one person without losing sight of disagreement.

The rule, field by field, over the records whose field group the decision grants:

1. a correction the person asked for (rectification) wins, the newest if there are several:
   the law (UK GDPR Art. 16) says the hub must show it instead of the source's value;
2. otherwise the value the most sources agree on;
3. then the value from the newest load (the most recently confirmed);
4. then alphabetical order, so the same data always gives the same answer.

Values agree only if equal as the hub stores them (standardised): "O'Brien" and "OBrien" are
two values, shown side by side, because the difference may matter to someone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from joinedup.govern.vocabulary import GROUP_FIELDS, Group
from joinedup.views.records import VALUE_FIELDS, Held

FIELD_GROUP = {f: g for g in (Group.IDENTITY, Group.CONTACT_DETAILS) for f in GROUP_FIELDS[g]}
RULE = ("a correction the person asked for wins; otherwise the value most sources agree on; "
        "then the one from the newest load; then alphabetical order")


@dataclass(frozen=True)
class HeldValue:
    """One value of a field and who holds it."""

    value: str
    sources: tuple[str, ...]
    agencies: tuple[str, ...]
    records: tuple[str, ...]
    """``source:record id`` of every record holding it."""
    rectified: bool
    """A correction the person asked for, not what the source sent."""
    loaded_at: datetime
    """The newest load of a record holding it."""


@dataclass(frozen=True)
class GoldenField:
    """The value chosen for one field, why, and the other values held elsewhere."""

    field: str
    value: str
    sources: tuple[str, ...]
    agencies: tuple[str, ...]
    rectified: bool
    why: str
    others: tuple[HeldValue, ...]


def _by_value(field: str, records: Sequence[Held]) -> dict[str, list[Held]]:
    """Each distinct value of ``field`` and the records holding it."""
    found: dict[str, list[Held]] = {}
    for h in records:
        text = h.text(field)
        if text is not None:
            found.setdefault(text, []).append(h)
    return found


def _correction(field: str, holders: Sequence[Held]) -> int:
    """The id of the newest correction among ``holders`` giving the value (0: none)."""
    return max((h.rectified_at[field] for h in holders if field in h.rectified), default=0)


def _rank(field: str, value: str, holders: Sequence[Held]) -> tuple[int, int, float, str]:
    """The rule, as a sort key: the smallest is chosen."""
    return (-_correction(field, holders), -len({h.source for h in holders}),
            -max(h.loaded_at for h in holders).timestamp(), value)


def _held_value(field: str, value: str, holders: Sequence[Held]) -> HeldValue:
    return HeldValue(
        value, tuple(sorted({h.source for h in holders})),
        tuple(sorted({h.agency for h in holders})),
        tuple(sorted(f"{h.source}:{h.record_id}" for h in holders)),
        _correction(field, holders) > 0, max(h.loaded_at for h in holders))


def _why(chosen: HeldValue, runner_up: HeldValue | None, correction: int, total: int) -> str:
    if correction:
        return (f"corrected at the person's request (rectification #{correction}); it is "
                "shown instead of what the source sent")
    n = len(chosen.sources)
    held_by = f"held by {n} of {total} source{'s' if total != 1 else ''}"
    if runner_up is None:
        return f"the only value, {held_by}"
    if n > len(runner_up.sources):
        return f"{held_by}, more than any other value"
    if chosen.loaded_at > runner_up.loaded_at:
        return (f"{held_by}, as many as another value, and loaded more recently "
                f"({chosen.loaded_at:%Y-%m-%d})")
    return f"{held_by}, tied with another value on sources and load time: first alphabetically"


def golden_field(field: str, records: Sequence[Held]) -> GoldenField | None:
    """The chosen value of ``field`` among ``records`` (already only those the decision
    grants the field's group for), or None if none of them holds one."""
    ranked = sorted(_by_value(field, records).items(), key=lambda item: _rank(field, *item))
    if not ranked:
        return None
    (value, holders), rest = ranked[0], [_held_value(field, *item) for item in ranked[1:]]
    chosen = _held_value(field, value, holders)
    total = len({h.source for h in records if h.text(field) is not None})
    return GoldenField(field, chosen.value, chosen.sources, chosen.agencies, chosen.rectified,
                       _why(chosen, rest[0] if rest else None, _correction(field, holders),
                            total), tuple(rest))


def golden(granted: Mapping[Group, Sequence[Held]]) -> tuple[GoldenField, ...]:
    """A golden field for every identity and contact field some record holds, from the
    records granted each field's group."""
    found = []
    for field in VALUE_FIELDS:
        chosen = golden_field(field, granted.get(FIELD_GROUP[field], ()))
        if chosen is not None:
            found.append(chosen)
    return tuple(found)


def chosen_value(field: str, records: Sequence[Held]) -> str | None:
    """Just the value the rule chooses (for search hits and household members). Where the
    records agree, as they mostly do, that value is the choice, with no ranking to make."""
    if len(records) == 1:
        return records[0].text(field)
    first = None
    for h in records:
        text = h.text(field)
        if first is None:
            first = text
        elif text is not None and text != first:
            return min(_by_value(field, records).items(), key=lambda item: _rank(field, *item))[0]
    return first
