"""The subject access pack (UK GDPR Art. 15): everything the hub holds about one person, from
every agency, with who looked at it and why, in a form they can read, built in seconds.

What goes in is chosen only through the person's own links: records through ``person_link``,
the audit trail through ``audit_subject`` of the ids they have had (``lineage``). Nothing is
found by name, date of birth or address, so a household member or a near-namesake cannot be
swept in. The request itself is an access decision (purpose ``subject_access``, DPO only),
audited like any other read, and producing the pack is audited too.

Three files: the JSON and the HTML report are the pack handed to the person; the DPO notes
(what was withheld under an exemption, sealed records and free-text audit details to review
before release) are not. An exemption is never mentioned in the pack itself: telling someone
that crime data was withheld would tip them off (DPA 2018 Sch. 2 para 2).

A handful of set-based queries for the whole person, whatever they hold, never one per record.
"""

from __future__ import annotations

import calendar
import json
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import Connection, Select, select

from joinedup.errors import AccessDenied, BadInput, GovernError
from joinedup.govern import audit
from joinedup.govern.agreements import Agreement
from joinedup.govern.decide import OWN_AGENCY, STATUTORY, decide
from joinedup.govern.lineage import Lineage, lineage
from joinedup.govern.rectify import PROVENANCE, Correction, apply, corrections
from joinedup.govern.register import Register
from joinedup.govern.vocabulary import SEALED, Actor, Purpose
from joinedup.sources.definition import SENSITIVITIES
from joinedup.store.schema import (
    Versioned,
    agency,
    audit_event,
    audit_subject,
    contact,
    flag,
    involvement,
    practitioner,
    source,
    source_record,
)

EXEMPT = frozenset({"criminal_offence"})
"""Sensitivities withheld by default: crime and taxation (DPA 2018 Sch. 2 para 2)."""
GROUNDS = {
    "criminal_offence": "DPA 2018 Sch. 2 para 2 (crime and taxation)",
    "special_category": "DPA 2018 Sch. 3 (health, social work: serious harm)",
}
"""The exemption a DPO would cite for withholding each sensitivity."""
MARKERS = {
    OWN_AGENCY: "an agency reading its own records (no sharing agreement is needed)",
    STATUTORY: "your own subject access request (UK GDPR Art. 15)",
}
WORDS = {
    "dpo": "Data protection officer", "read_person": "Looked at your record",
    "subject_access": "Your subject access request", "rectify": "Correction recorded",
    "break_glass": "Emergency (break-glass) access", "start_contact": "Call or visit began",
    "end_contact": "Call or visit ended", "add_referral": "Referral recorded",
}
"""Plain words for the codes a person would otherwise read in the audit trail."""
TEMPLATES = Path(__file__).parent / "templates"
CHUNK = 500
RECORD_FIELDS = ("given_name", "middle_names", "family_name", "date_of_birth", "sex",
                 "nhs_number", "uprn", "address", "postcode", "phone", "email", "sensitivity")
STAFF = {"practitioner_id": "practitioner", "key_worker_id": "key_worker"}


@dataclass(frozen=True)
class _Activity:
    """A kind of row filed under a person record, and the columns the pack shows of it."""

    name: str
    versioned: Versioned
    shown: tuple[str, ...]
    order: str


ACTIVITY = (
    _Activity("contacts", contact, ("occurred_at", "service", "channel", "practitioner", "team",
                                    "summary", "sensitivity"), "occurred_at"),
    _Activity("involvements", involvement, ("service", "team", "key_worker", "reason",
                                            "started_on", "ended_on", "sensitivity"),
              "started_on"),
    _Activity("flags", flag, ("flag", "description", "sensitivity", "raised_on", "expires_on"),
              "raised_on"),
)


@dataclass(frozen=True)
class SarPack:
    """Where the pack was written and what is in it."""

    person_id: int
    json_path: Path
    html_path: Path
    dpo_notes_path: Path
    """Not part of the pack: for the DPO's review before release."""
    requested_on: date
    deadline: date
    counts: dict[str, int] = field(default_factory=dict)
    """records, earlier_versions, contacts, involvements, flags, audit_events, agreements,
    withheld, sealed_for_review."""
    agencies: dict[str, dict[str, int]] = field(default_factory=dict)
    request_id: str = ""

    @property
    def items(self) -> int:
        return sum(self.counts[k] for k in ("records", "contacts", "involvements", "flags",
                                            "audit_events"))


def deadline(received: date) -> date:
    """One calendar month (ICO): the same date next month, or its last day if there is no
    such date; a weekend moves it to the Monday. Bank holidays are not known here."""
    year, month = (received.year + 1, 1) if received.month == 12 else \
        (received.year, received.month + 1)
    due = date(year, month, min(received.day, calendar.monthrange(year, month)[1]))
    while due.weekday() >= 5:
        due += timedelta(days=1)
    return due


def subject_access(connection: Connection, register: Register, actor: Actor, person_id: int,
                   out_dir: Path, *, now: datetime, exempt: Collection[str] = EXEMPT,
                   staff_names: bool = True, received: date | None = None) -> SarPack:
    """Decide, build and write the pack for ``person_id`` inside the caller's ``governed``
    transaction. A refusal is audited, then raised as ``AccessDenied``.

    ``exempt``: sensitivities of contacts, involvements and flags to withhold (counted in the
    DPO notes only). ``staff_names``: show the user names of staff in the audit trail (they
    are the staff's personal data; councils usually disclose them). ``received``: when the
    request arrived, if not today; the deadline runs from it."""
    unknown = sorted(set(exempt) - set(SENSITIVITIES))
    if unknown:
        raise BadInput(f"unknown sensitivity {', '.join(unknown)} to exempt; expected "
                       f"{', '.join(SENSITIVITIES)}")
    request = audit.new_request_id()
    decision = decide(connection, register, actor, Purpose.SUBJECT_ACCESS, person_id, now=now,
                      action="subject_access", request_id=request)
    if not decision.allowed:
        raise AccessDenied(decision.reason)
    received = received or now.date()
    built = _Builder(connection, frozenset(exempt), staff_names)
    pack, notes = built.build(person_id, sorted(decision.records), register, now)
    pack.update(person_id=person_id, requested_on=received.isoformat(),
                deadline=deadline(received).isoformat(), generated_at=_plain(now),
                request_id=request)
    counts = {"records": len(pack["records"]),
              "earlier_versions": sum(len(i["earlier_versions"]) for k in
                                      ("records", *(a.name for a in ACTIVITY)) for i in pack[k]),
              **{a.name: len(pack[a.name]) for a in ACTIVITY},
              "audit_events": len(pack["audit_trail"]), "agreements": len(pack["agreements"]),
              "withheld": notes["withheld"]["items"],
              "sealed_for_review": len(notes["sealed_for_review"])}
    result = SarPack(person_id, out_dir / f"sar-person-{person_id}.json",
                     out_dir / f"sar-person-{person_id}.html",
                     out_dir / f"sar-person-{person_id}-dpo-notes.json", received,
                     deadline(received), counts,
                     {a["agency"]: {k: v for k, v in a.items() if isinstance(v, int)}
                      for a in pack["summary"]["agencies"]}, request)
    notes.update(person_id=person_id, request_id=request, generated_at=_plain(now),
                 pack=[result.json_path.name, result.html_path.name], counts=counts,
                 staff_names_disclosed=staff_names)
    # Nothing withheld is counted here: a later pack shows this event to the person.
    audit.append(connection, [audit.Event(
        actor, Purpose.SUBJECT_ACCESS, "subject_access_pack", "done",
        f"subject access pack of {result.items} items ({counts['records']} records, "
        f"{counts['contacts']} contacts, {counts['involvements']} involvements, "
        f"{counts['flags']} flags, {counts['audit_events']} audit events)",
        person_id=person_id, request_id=request)], now=now)
    _write(result, pack, notes)
    return result


def _write(pack: SarPack, document: dict[str, Any], notes: dict[str, Any]) -> None:
    """Write the three files after the audit, so a pack never exists unaudited; a failure
    here rolls the audit back with everything else."""
    html = render_html(document)
    try:
        pack.json_path.parent.mkdir(parents=True, exist_ok=True)
        pack.json_path.write_text(_json(document), encoding="utf-8")
        pack.html_path.write_text(html, encoding="utf-8")
        pack.dpo_notes_path.write_text(_json(notes), encoding="utf-8")
    except OSError as exc:
        raise GovernError(f"cannot write the subject access pack to "
                          f"{pack.json_path.parent}: {exc}") from exc


def render_html(document: dict[str, Any]) -> str:
    """The pack as the person reads it, from its JSON document (also after an exemption has
    filtered it, for the copy delivered in the citizen portal)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    return env.get_template("sar.html").render(pack=document, labels=_label)


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _label(name: str) -> str:
    """``date_of_birth`` -> ``Date of birth``, for headings a person can read."""
    return WORDS.get(name) or name.replace("_", " ").capitalize()


def _when(at: str) -> str:
    """An audit timestamp (``2026-11-20T10:00:00.000000Z``) as a person reads it."""
    return f"{at[:10]} {at[11:19]}" if len(at) >= 19 else at


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _parsed(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError:
        return {"value": text}
    return loaded if isinstance(loaded, dict) else {"value": loaded}


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def _rows(connection: Connection, query: Select[Any], column: Any, ids: Sequence[int]
          ) -> list[Any]:
    return [row for chunk in _chunks(ids)
            for row in connection.execute(query.where(column.in_(chunk)))]


class _Builder:
    """Gathers one person's pack: a few queries, then plain dicts for JSON and the template."""

    def __init__(self, connection: Connection, exempt: frozenset[str], staff_names: bool
                 ) -> None:
        self.connection = connection
        self.exempt = exempt
        self.staff_names = staff_names
        self.withheld: list[dict[str, Any]] = []
        self.sealed: list[dict[str, Any]] = []

    def build(self, person_id: int, record_ids: list[int], register: Register, now: datetime
              ) -> tuple[dict[str, Any], dict[str, Any]]:
        records, owners = self._records(record_ids)
        activity = {a.name: self._activity(a, record_ids, owners) for a in ACTIVITY}
        known = lineage(self.connection, person_id)
        trail, details, cited = self._audit_trail(known)
        holding = {r["source"] for r in records} | {
            i["source"] for items in activity.values() for i in items}
        agreements = _agreements(register, cited, holding, now)
        pack = {"summary": _summary(records, activity, trail, agreements), "records": records,
                **activity, "audit_trail": trail, "agreements": agreements,
                "notes": {"agreement_markers": MARKERS}}
        by_reason = Counter(w["sensitivity"] for w in self.withheld)
        notes = {
            "withheld": {"sensitivities": sorted(self.exempt),
                         "grounds": {s: GROUNDS.get(s, "exemption applied by the DPO")
                                     for s in sorted(self.exempt)},
                         "items": len(self.withheld), "by_sensitivity": dict(by_reason),
                         "detail": self.withheld},
            "sealed_for_review": self.sealed,
            "audit_details_for_review": details,
            "earlier_ids": [{"person_id": p, "until": known.until[p],
                             "split": p in known.split_from}
                            for p in known.ids if p != person_id],
        }
        return pack, notes

    # -- source records -------------------------------------------------------------------

    def _records(self, record_ids: list[int]) -> tuple[list[dict[str, Any]], dict[int, str]]:
        """The person's records, corrections applied, with their earlier versions; and each
        record's ``source:record`` label for the activity filed under it."""
        sr, history = source_record.table, source_record.history
        rows = _rows(self.connection, select(
            sr, source.c.name.label("source_name"), agency.c.name.label("agency_name"))
            .join(source, source.c.id == sr.c.source_id)
            .join(agency, agency.c.id == source.c.agency_id), sr.c.id, record_ids)
        earlier = self._history(history, history.c.current_id, record_ids)
        made = corrections(self.connection, record_ids)
        owners: dict[int, str] = {}
        records: list[dict[str, Any]] = []
        for row in sorted(rows, key=lambda r: (r.agency_name, r.source_name, r.record_id)):
            m = row._mapping
            values = apply({f: m[f] for f in RECORD_FIELDS}, made.get(row.id, ()))
            provenance: dict[str, int] = values.pop(PROVENANCE)
            owners[row.id] = f"{row.source_name}:{row.record_id}"
            entry = {"agency": row.agency_name, "source": row.source_name,
                     "record_id": row.record_id,
                     "values": {f: _plain(v) for f, v in values.items()},
                     "identifiers": _parsed(row.identifiers),
                     "not_accepted": _parsed(row.invalid),
                     "rectified": self._rectified(m, made.get(row.id, ()), provenance),
                     "current_since": _plain(row.valid_from),
                     "earlier_versions": [_version(v, RECORD_FIELDS)
                                          for v in earlier.get(row.id, ())]}
            records.append(entry)
            if (row.sensitivity or "") == SEALED:
                self._seal("record", row.id, entry)
        return records, owners

    def _rectified(self, source_values: Any, made: Sequence[Correction],
                   provenance: dict[str, int]) -> dict[str, dict[str, Any]]:
        latest = {c.id: c for c in made}
        return {f: {"value": latest[i].value, "source_value": _plain(source_values[f]),
                    "rectification": i, "reason": latest[i].reason,
                    "recorded_by": latest[i].recorded_by if self.staff_names else None,
                    "recorded_at": _plain(latest[i].recorded_at),
                    "previous_value": latest[i].previous_value}
                for f, i in provenance.items()}

    def _history(self, history: Any, key: Any, ids: list[int], join: Any = None
                 ) -> dict[int, list[Any]]:
        query = select(history)
        if join is not None:
            query = query.join(*join)
        found: dict[int, list[Any]] = defaultdict(list)
        for row in sorted(_rows(self.connection, query, key, ids),
                          key=lambda r: (r.valid_from, r.id)):
            found[row.current_id].append(row)
        return found

    # -- contacts, involvements, flags ----------------------------------------------------

    def _activity(self, kind: _Activity, record_ids: list[int], owners: dict[int, str]
                  ) -> list[dict[str, Any]]:
        table, history = kind.versioned.table, kind.versioned.history
        rows = _rows(self.connection, select(
            table, source.c.name.label("source_name"), agency.c.name.label("agency_name"))
            .join(source, source.c.id == table.c.source_id)
            .join(agency, agency.c.id == source.c.agency_id),
            table.c.person_record_id, record_ids)
        earlier = self._history(history, table.c.person_record_id, record_ids,
                                (table, table.c.id == history.c.current_id))
        staff = self._staff([*rows, *(v for vs in earlier.values() for v in vs)])
        items: list[dict[str, Any]] = []
        for row in sorted(rows, key=lambda r: (r.agency_name, str(r._mapping[kind.order]),
                                               r.source_name, r.record_id)):
            entry = {"agency": row.agency_name, "source": row.source_name,
                     "record_id": row.record_id, "about": owners[row.person_record_id],
                     "values": _shown(row, kind.shown, staff),
                     "current_since": _plain(row.valid_from), "earlier_versions": []}
            if self._withhold(kind, row, entry):
                continue
            for version in earlier.get(row.id, ()):
                if (version.sensitivity or "") in self.exempt:
                    self._withhold_version(kind, row, version)
                else:
                    entry["earlier_versions"].append(_version(version, kind.shown, staff))
            items.append(entry)
            if (row.sensitivity or "") == SEALED:
                self._seal(kind.name[:-1], row.id, entry)
        return items

    def _withhold(self, kind: _Activity, row: Any, entry: dict[str, Any]) -> bool:
        sensitivity = row.sensitivity or "standard"
        if sensitivity not in self.exempt:
            return False
        self.withheld.append({"kind": kind.name[:-1], "id": row.id, "agency": entry["agency"],
                              "source": entry["source"], "record_id": entry["record_id"],
                              "sensitivity": sensitivity, "values": entry["values"]})
        return True

    def _withhold_version(self, kind: _Activity, row: Any, version: Any) -> None:
        self.withheld.append({"kind": f"earlier version of a {kind.name[:-1]}",
                              "id": row.id, "history_id": version.id,
                              "source": row.source_name, "record_id": row.record_id,
                              "sensitivity": version.sensitivity})

    def _seal(self, kind: str, row_id: int, entry: dict[str, Any]) -> None:
        self.sealed.append({"kind": kind, "id": row_id, "agency": entry["agency"],
                            "source": entry["source"], "record_id": entry["record_id"],
                            "why": "sealed (a refuge address, an adoption): the person's own "
                                   "data, but check nothing in it endangers anyone"})

    def _staff(self, rows: Sequence[Any]) -> dict[int, str]:
        """Practitioner id -> "name (role)" for every practitioner these rows cite."""
        ids = {r._mapping[c] for r in rows for c in STAFF if c in r._mapping} - {None}
        found = _rows(self.connection, select(practitioner.c.id, practitioner.c.name,
                                              practitioner.c.role),
                      practitioner.c.id, sorted(ids))
        return {p.id: f"{p.name} ({p.role})" if p.role else p.name for p in found}

    # -- who looked, and under what agreement ----------------------------------------------

    def _audit_trail(self, known: Lineage
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Counter[str]]:
        """Events about the person under any id they had (and only while it was theirs);
        the free-text details kept with them, for the DPO; the agreements they cite."""
        e, s = audit_event.c, audit_subject.c
        rows = _rows(self.connection, select(
            e.seq, e.at, e.actor, e.organisation, e.role, e.purpose, e.action, e.decision,
            e.reason, e.agreements, e.fields, s.person_id, s.detail)
            .join(audit_subject, s.seq == e.seq), s.person_id, known.ids)
        trail: list[dict[str, Any]] = []
        details: list[dict[str, Any]] = []
        cited: Counter[str] = Counter()
        for row in sorted(rows, key=lambda r: r.seq):
            if not known.covers(row.person_id, row.at):
                continue
            agreements = [a for a in row.agreements.split(",") if a]
            cited.update(a for a in agreements if a not in MARKERS)
            trail.append({
                "seq": row.seq, "at": row.at, "organisation": row.organisation,
                "role": row.role, "user": row.actor if self.staff_names else None,
                "purpose": row.purpose, "action": row.action, "decision": row.decision,
                "reason": row.reason, "fields": [f for f in row.fields.split(",") if f],
                "agreements": agreements,
                "earlier_id": row.person_id if row.person_id != known.person_id else None})
            if row.detail:
                details.append({"seq": row.seq, "detail": row.detail})
        return trail, details, cited


def _shown(row: Any, columns: Sequence[str], staff: dict[int, str] | None = None
           ) -> dict[str, Any]:
    m = row._mapping
    values: dict[str, Any] = {}
    for name in columns:
        if name in STAFF.values():
            key = next(k for k, v in STAFF.items() if v == name)
            values[name] = (staff or {}).get(m[key]) if m[key] is not None else None
        else:
            values[name] = _plain(m[name])
    return values


def _version(row: Any, columns: Sequence[str], staff: dict[int, str] | None = None
             ) -> dict[str, Any]:
    return {"valid_from": _plain(row.valid_from), "valid_to": _plain(row.valid_to),
            "values": _shown(row, columns, staff)}


def _summary(records: list[dict[str, Any]], activity: dict[str, list[dict[str, Any]]],
             trail: list[dict[str, Any]], agreements: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per agency, the first thing a person reads: who holds what."""
    kinds = ("records", *activity)
    per: dict[str, dict[str, Any]] = defaultdict(lambda: {k: 0 for k in kinds})
    sources: dict[str, set[str]] = defaultdict(set)
    for kind, items in (("records", records), *activity.items()):
        for item in items:
            per[item["agency"]][kind] += 1
            sources[item["agency"]].add(item["source"])
    return {"agencies": [{"agency": name, "sources": sorted(sources[name]), **per[name]}
                         for name in sorted(per)],
            "totals": {k: sum(p[k] for p in per.values()) for k in kinds},
            "audit_events": len(trail),
            "organisations_that_accessed": sorted({t["organisation"] for t in trail
                                                   if t["decision"] == "allow"}),
            "agreements": len(agreements)}


def _agreements(register: Register, cited: Counter[str], holding: set[str], now: datetime
                ) -> list[dict[str, Any]]:
    """Agreements the audit trail cites, and those in force covering a source holding the
    person's data."""
    found: dict[str, dict[str, Any]] = {}
    for a in register.in_force(now.date()):
        key = f"{a.code}/v{a.version}"
        covers = sorted(a.sources & holding)
        if covers or key in cited:
            found[key] = _agreement(a, covers, cited[key])
    for key in sorted(set(cited) - set(found)):
        old = register.version(*_code_version(key))
        found[key] = _agreement(old, [], cited[key]) if old is not None else {
            "code": key, "title": "(agreement no longer held by the hub)", "purposes": [],
            "lawful_basis": {}, "dpia": None, "valid_from": None, "valid_to": None,
            "covers_your_sources": [], "cited_by_events": cited[key]}
    return [found[k] for k in sorted(found)]


def _code_version(key: str) -> tuple[str, int]:
    code, _, version = key.rpartition("/v")
    return code, int(version) if version.isdigit() else 0


def _agreement(a: Agreement, covers: list[str], cited: int) -> dict[str, Any]:
    basis = {k: v for k, v in (("article_6", a.article_6), ("article_9", a.article_9),
                               ("article_10", a.article_10)) if v}
    return {"code": f"{a.code}/v{a.version}", "title": a.title,
            "purposes": sorted(str(p) for p in a.purposes), "lawful_basis": basis,
            "dpia": a.dpia, "valid_from": _plain(a.valid_from), "valid_to": _plain(a.valid_to),
            "covers_your_sources": covers, "cited_by_events": cited}
