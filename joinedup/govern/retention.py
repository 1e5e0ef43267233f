"""Retention and erasure: each agency's retention schedule, applied to what the hub holds.

For the Data Protection Officer
-------------------------------
Each source definition may carry the agency's own retention period (``retention:``: keep for
so many years or days after the record's last activity, or after it was recorded, then delete
or anonymise). ``joinedup retention apply`` finds every record past its period and, in one
transaction that either happens whole or not at all:

* **delete** removes the record, every earlier version of it, its contacts, involvements and
  flags (and theirs), and everything the hub anchored to it: links to a person, matching keys,
  review pairs and reviewers' link decisions, referrals, live contacts, break-glass grants,
  objections and corrections, and the data-quality warnings and quarantined rows loads kept
  about it (they hold raw values the agency sent). A DPO alert about a break-glass use stays
  (it is the record of your oversight) but no longer points at the grant.
* What the person did or asked through the hub is theirs, not the record's, so it moves to
  another of their records (the lowest id) if they have one: their citizen account, a
  change of details they reported (tell us once) and an exemption the DPO recorded for them.
  With no record left: the citizen account is **closed** (it can no longer sign in; its
  password, One Login link and sessions go) but kept, with every rights request made from
  it, because those are the DPO's records of statutory requests; the subject access packs
  delivered to it go (they are copies of the data just removed); the changes and exemptions
  go. Each agency's copy of the record's values in a change notification goes with the
  record, and a notification left with none of the agency's records goes too.
* **anonymise** keeps the row so that counts and trends stay right, but clears every direct
  identifier, in the current version and in every earlier one: names, date of birth, NHS
  number, UPRN, address, phone, email, other identifiers, the raw text of values that failed
  validation, and the agency's own record id; the postcode is cut to its district (``NR2``).
  Sex and sensitivity stay. The record is unlinked from its person and everything anchored to
  it goes, as for delete. Its contacts, involvements and flags follow their own source's
  schedule.

A person left with no record at all is **erased**: the hub no longer knows who they were. Their
person id is kept, retired, and never reused (officers quote ids, and an id that came back
would point at somebody else); it is retired by a link run of mode ``retention``, the only way
the schema records a retirement, so "which run retired person 42, and when" stays answerable.

Why the audit log still verifies after erasure
-----------------------------------------------
The audit log is a tree of hashes (a Merkle log) that anyone holding a signed checkpoint can
check, so no event can be changed or removed unnoticed, by us included. That seems to clash
with erasure, and the log is built so that it does not. An event's hashed part holds who
accessed (user, organisation, role), when, for what purpose, under which agreements, which
kinds of data, and the decision and its reason. Which person it was about (and any free text,
such as a search term or a break-glass reason) is kept beside the event, not in it: the event
holds only a *commitment* to those details, a SHA-256 of them mixed with a random salt.

Erasure deletes the details and their salt, and keeps the commitment. Every hash, checkpoint
and proof is unchanged, so the log verifies as before. Without the salt the commitment cannot
be tested against a guess ("was this about person 42?"), so nothing links the event to the
person any more. One new event, action ``erase``, records that an erasure happened and how
many records and events it covered, never whom; each redacted event names that erase event, so
verification tells a lawful erasure from someone quietly deleting details (which it reports).

What stays: that someone accessed data, who, when, why, under which agreement and with what
decision. What goes: which person it was about.

Events about a person's earlier ids (ids merged into theirs by linkage) go with them; events
about an id that was split between people stay, since they are also about someone else.
Term-frequency counts used by linkage are reduced for the records removed, so a rare name is
not left behind as a count of one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, or_, select, update

from joinedup.errors import GovernError, SourceDefinitionError
from joinedup.govern import audit
from joinedup.govern.vocabulary import Actor
from joinedup.link.features import ANONYMISED, person_records, record_features
from joinedup.link.run import TOTAL
from joinedup.sources.definition import (
    Kind,
    Retention,
    RetentionAction,
    RetentionAfter,
    parse_definition,
)
from joinedup.store.schema import (
    Versioned,
    access_exemption,
    audit_redaction,
    audit_subject,
    break_glass,
    change_notification,
    change_record,
    change_request,
    citizen_account,
    citizen_session,
    contact,
    data_warning,
    dpo_alert,
    emergency_card,
    flag,
    involvement,
    link_key,
    link_override,
    link_run,
    link_term,
    live_contact,
    load,
    objection,
    person,
    person_event,
    person_link,
    quarantine,
    record_place,
    rectification,
    referral,
    residence,
    review_pair,
    rights_pack,
    rights_request,
    source,
    source_record,
)

CHUNK = 1000
"""Ids per statement: well inside SQLite's and PostgreSQL's limits on bound parameters."""
"""An anonymised record's record id is this and its own row id: unique, and meaningless."""
CLEARED = ("given_name", "middle_names", "family_name", "date_of_birth", "nhs_number", "uprn",
           "address", "phone", "email", "identifiers", "invalid")
"""Person-record columns anonymisation sets to NULL (``postcode`` keeps its district)."""
ACTIVITY: dict[Kind, Versioned] = {Kind.CONTACT: contact, Kind.INVOLVEMENT: involvement,
                                   Kind.FLAG: flag}
ACTIVITY_DATES: dict[Kind, tuple[str, ...]] = {
    Kind.CONTACT: ("occurred_at",), Kind.INVOLVEMENT: ("ended_on",),
    Kind.FLAG: ("expires_on", "raised_on")}
"""The dates an activity row's own retention counts from (``_activity_date``)."""
ANCHORED: tuple[Table, ...] = (referral, live_contact, objection, rectification)
"""Governance rows anchored to a person record (break-glass, which DPO alerts cite, apart)."""
PERSONAL: tuple[Table, ...] = (citizen_account, change_request, access_exemption)
"""Rows anchored to a record that are the person's, not the record's: moved to another of
their records when theirs goes (``_reanchor``)."""
RECORD = source_record.table


@dataclass(frozen=True)
class Policy:
    """A source and the retention schedule its stored definition states."""

    source_id: int
    source: str
    kind: Kind
    retention: Retention


@dataclass
class SourceRetention:
    """What retention did (or, in a dry run, would do) to one source's rows."""

    source: str
    kind: str
    policy: str
    cutoff: datetime
    examined: int = 0
    expired: int = 0
    deleted: int = 0
    anonymised: int = 0
    contacts: int = 0
    involvements: int = 0
    flags: int = 0
    """Activity rows removed with this source's person records (not the source's own rows)."""
    persons_erased: int = 0
    events_redacted: int = 0


@dataclass
class RetentionReport:
    now: datetime
    dry_run: bool
    sources: list[SourceRetention] = field(default_factory=list)
    erasure_seq: int | None = None
    """The audit event that records this erasure (None in a dry run or if nothing changed)."""
    retention_run_id: int | None = None
    """The link run (mode ``retention``) that retired the erased persons' ids."""

    @property
    def removed(self) -> int:
        return sum(s.deleted + s.anonymised + s.contacts + s.involvements + s.flags
                   for s in self.sources)

    @property
    def persons_erased(self) -> int:
        return sum(s.persons_erased for s in self.sources)

    @property
    def events_redacted(self) -> int:
        return sum(s.events_redacted for s in self.sources)


def policies(connection: Connection) -> list[Policy]:
    """Every source whose stored definition (the text it was last loaded with) has a
    retention period, by name."""
    found = []
    for row in connection.execute(select(source.c.id, source.c.name, source.c.definition)
                                  .order_by(source.c.name)):
        try:
            definition = parse_definition(row.definition, path=f"source {row.name}")
        except SourceDefinitionError as exc:
            raise GovernError(f"the stored definition of source {row.name!r} no longer "
                              f"validates, so its retention period is unknown; load it again "
                              f"with a corrected definition first: {exc.message}") from exc
        if definition.retention is not None:
            found.append(Policy(row.id, row.name, definition.kind, definition.retention))
    return found


def apply_retention(connection: Connection, *, actor: Actor, now: datetime,
                    dry_run: bool = False) -> RetentionReport:
    """Delete or anonymise every row past its source's retention period, erase the persons
    left with no record, and redact the audit events about them, in the caller's transaction.

    Which rows have expired is decided first, against the store as it stands, so the order
    sources are applied in cannot change the outcome. A dry run does everything inside a
    savepoint and rolls it back: its counts are exact and nothing is written."""
    now = _naive_utc(now)
    report = RetentionReport(now=now, dry_run=dry_run)
    plans = []
    for policy in policies(connection):
        cutoff = policy.retention.cutoff(now)
        stats = SourceRetention(policy.source, policy.kind.value, policy.retention.describe(),
                                cutoff)
        report.sources.append(stats)
        plans.append((policy, stats, _plan(connection, policy, cutoff, stats)))
    savepoint = connection.begin_nested() if dry_run else None
    try:
        # Activity first, so a person source's counts are only what went with its records.
        erased: set[int] = set()
        seqs: set[int] = set()
        for policy, stats, (expired, already) in sorted(
                plans, key=lambda p: p[0].kind is Kind.PERSON):
            if policy.kind is Kind.PERSON:
                persons, events = _apply_to_records(connection, policy, stats, expired,
                                                    already, seqs)
                erased |= persons
                seqs |= events
            else:
                _forget_warnings(connection, ACTIVITY[policy.kind].table, expired)
                stats.deleted = _delete_rows(connection, ACTIVITY[policy.kind], expired)
        if report.removed or erased:
            _record(connection, report, actor=actor, now=now, erased=erased, seqs=seqs)
    finally:
        if savepoint is not None:
            savepoint.rollback()
            report.erasure_seq = report.retention_run_id = None
    return report


# -- deciding what has expired ---------------------------------------------------------------

def _plan(connection: Connection, policy: Policy, cutoff: datetime, stats: SourceRetention
          ) -> tuple[list[int], list[int]]:
    """The ids of the source's rows past ``cutoff``, and (person sources) of expired records
    anonymised already, which only need any links a later link run made removed again."""
    expired: list[int] = []
    already: list[int] = []
    after = policy.retention.after
    if policy.kind is Kind.PERSON:
        latest, open_ = (_latest_activity(connection, policy.source_id)
                         if after is RetentionAfter.LAST_ACTIVITY else ({}, set()))
        for rid, record_id, valid_from in connection.execute(
                select(RECORD.c.id, RECORD.c.record_id, RECORD.c.valid_from)
                .where(RECORD.c.source_id == policy.source_id)):
            stats.examined += 1
            if rid in open_ or max(valid_from, latest.get(rid, valid_from)) >= cutoff:
                continue
            (already if record_id == f"{ANONYMISED}{rid}" else expired).append(rid)
    else:
        table = ACTIVITY[policy.kind].table
        dates = [table.c[c] for c in ACTIVITY_DATES[policy.kind]]
        for row in connection.execute(select(table.c.id, table.c.valid_from, *dates)
                                      .where(table.c.source_id == policy.source_id)):
            stats.examined += 1
            moment = (row.valid_from if after is RetentionAfter.RECORDED
                      else _activity_date(policy.kind, row))
            if moment is not None and moment < cutoff:
                expired.append(row.id)
    stats.expired = len(expired)
    return expired, already


def _activity_date(kind: Kind, row: Any) -> datetime | None:
    """A contact's, involvement's or flag's own date; None while an involvement is open."""
    if kind is Kind.CONTACT:
        return _moment(row.occurred_at)
    if kind is Kind.INVOLVEMENT:
        return _moment(row.ended_on)
    recorded: datetime = row.valid_from
    return _moment(row.expires_on or row.raised_on) or recorded


def _latest_activity(connection: Connection, source_id: int
                     ) -> tuple[dict[int, datetime], set[int]]:
    """Each record's latest contact, involvement end and flag date, and the records with an
    open involvement (which never expire while it is open)."""
    records = select(RECORD.c.id).where(RECORD.c.source_id == source_id).scalar_subquery()
    latest: dict[int, datetime] = {}
    open_: set[int] = set()

    def bump(rid: int, *values: date | datetime | None) -> None:
        for value in values:
            moment = _moment(value)
            if moment is not None and (rid not in latest or moment > latest[rid]):
                latest[rid] = moment

    c, i, f = contact.table, involvement.table, flag.table
    for rid, at in connection.execute(select(c.c.person_record_id, func.max(c.c.occurred_at))
                                      .where(c.c.person_record_id.in_(records))
                                      .group_by(c.c.person_record_id)):
        bump(rid, at)
    for rid, ended, still_open in connection.execute(
            select(i.c.person_record_id, func.max(i.c.ended_on),
                   func.count() - func.count(i.c.ended_on))
            .where(i.c.person_record_id.in_(records)).group_by(i.c.person_record_id)):
        bump(rid, ended)
        if still_open:
            open_.add(rid)
    for rid, raised, expires in connection.execute(
            select(f.c.person_record_id, func.max(f.c.raised_on), func.max(f.c.expires_on))
            .where(f.c.person_record_id.in_(records)).group_by(f.c.person_record_id)):
        bump(rid, raised, expires)
    return latest, open_


def _moment(value: date | datetime | None) -> datetime | None:
    """A date counts to its last moment, so a record is never removed a day early."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.max)


def _naive_utc(moment: datetime) -> datetime:
    """The store keeps naive UTC times."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


# -- removing ----------------------------------------------------------------------------------

def _apply_to_records(connection: Connection, policy: Policy, stats: SourceRetention,
                      expired: list[int], already: list[int], seqs: set[int]
                      ) -> tuple[set[int], set[int]]:
    """Delete or anonymise one person source's expired records; returns the persons this
    left with no record, and the audit events about them (not already in ``seqs``)."""
    candidates = _persons_of(connection, [*expired, *already])
    _forget_warnings(connection, RECORD, expired)
    if policy.retention.action is RetentionAction.DELETE:
        activity = _delete_records(connection, expired)
        stats.deleted = len(expired)
        stats.contacts, stats.involvements, stats.flags = (
            activity[Kind.CONTACT], activity[Kind.INVOLVEMENT], activity[Kind.FLAG])
    else:
        _anonymise_records(connection, expired)
        stats.anonymised = len(expired)
    _unlink(connection, already)
    erased = _unheld(connection, candidates)
    _unplace(connection, candidates, erased)
    events = _subject_seqs(connection, erased | _merged_into(connection, erased)) - seqs
    stats.persons_erased, stats.events_redacted = len(erased), len(events)
    return erased, events


def _unplace(connection: Connection, persons: set[int], erased: set[int]) -> None:
    """Drop the emergency cards that copied what was erased (the next list reads those
    persons live) and the homes of persons no record is left of. The next places rebuild
    redoes the rest from what is left."""
    for chunk in _chunks(sorted(persons)):
        connection.execute(delete(emergency_card).where(emergency_card.c.person_id.in_(chunk)))
    for chunk in _chunks(sorted(erased)):
        connection.execute(delete(residence).where(residence.c.person_id.in_(chunk)))


def _delete_records(connection: Connection, ids: Sequence[int]) -> Counter[Kind]:
    removed: Counter[Kind] = Counter({kind: 0 for kind in ACTIVITY})
    _forget_terms(connection, ids)
    for chunk in _chunks(ids):
        for kind, versioned in ACTIVITY.items():
            table, history = versioned.table, versioned.history
            rows = connection.execute(select(table.c.id).where(
                table.c.person_record_id.in_(chunk))).scalars().all()
            _forget_warnings(connection, table, rows)
            # A history row may name this record while its current row has moved on.
            connection.execute(delete(history).where(
                history.c.person_record_id.in_(chunk)))
            removed[kind] += _delete_rows(connection, versioned, rows)
    _release_anchors(connection, ids)
    _unlink(connection, ids)
    _delete_rows(connection, source_record, ids)
    return removed


def _anonymise_records(connection: Connection, ids: Sequence[int]) -> None:
    _forget_terms(connection, ids)
    _release_anchors(connection, ids)
    _unlink(connection, ids)
    cleared = {column: None for column in CLEARED}
    history = source_record.history
    for chunk in _chunks(ids):
        current = [{"b_id": rid, "b_postcode": _district(postcode),
                    "b_record_id": f"{ANONYMISED}{rid}"}
                   for rid, postcode in connection.execute(
                       select(RECORD.c.id, RECORD.c.postcode).where(RECORD.c.id.in_(chunk)))]
        connection.execute(update(RECORD).where(RECORD.c.id == bindparam("b_id")).values(
            postcode=bindparam("b_postcode"), record_id=bindparam("b_record_id"), **cleared),
            current)
        earlier = [{"b_id": hid, "b_postcode": _district(postcode)}
                   for hid, postcode in connection.execute(
                       select(history.c.id, history.c.postcode)
                       .where(history.c.current_id.in_(chunk)))]
        if earlier:
            connection.execute(update(history).where(history.c.id == bindparam("b_id"))
                               .values(postcode=bindparam("b_postcode"), **cleared), earlier)


def _district(postcode: str | None) -> str | None:
    """``NR2 4AB`` -> ``NR2``: the outward code, shared by thousands of addresses (stored
    postcodes are standardised, outward and inward codes split by one space)."""
    return postcode.split(" ")[0] if postcode else None


def _forget_warnings(connection: Connection, table: Table, ids: Sequence[int]) -> None:
    """Remove the data-quality warnings and quarantined rows loads kept about these rows:
    they hold raw values the source sent (a mistyped NHS number, a name)."""
    for chunk in _chunks(ids):
        by_source: dict[int, list[str]] = {}
        for source_id, record_id in connection.execute(
                select(table.c.source_id, table.c.record_id).where(table.c.id.in_(chunk))):
            by_source.setdefault(source_id, []).append(record_id)
        for source_id, record_ids in by_source.items():
            loads = select(load.c.id).where(load.c.source_id == source_id).scalar_subquery()
            for kept in (data_warning, quarantine):
                connection.execute(delete(kept).where(kept.c.load_id.in_(loads),
                                                      kept.c.record_id.in_(record_ids)))


def _delete_rows(connection: Connection, versioned: Versioned, ids: Sequence[int]) -> int:
    """Delete rows of a versioned table, and their history first (it refers to them)."""
    for chunk in _chunks(ids):
        connection.execute(delete(versioned.history).where(
            versioned.history.c.current_id.in_(chunk)))
        connection.execute(delete(versioned.table).where(versioned.table.c.id.in_(chunk)))
    return len(ids)


def _unlink(connection: Connection, ids: Sequence[int]) -> None:
    """Take records out of linkage: their person, blocking keys, review pairs and overrides,
    and out of places (the property each was placed at)."""
    for chunk in _chunks(ids):
        connection.execute(delete(person_link).where(person_link.c.source_record_id.in_(chunk)))
        connection.execute(delete(record_place).where(
            record_place.c.source_record_id.in_(chunk)))
        connection.execute(delete(link_key).where(link_key.c.source_record_id.in_(chunk)))
        connection.execute(delete(review_pair).where(or_(review_pair.c.record_a.in_(chunk),
                                                         review_pair.c.record_b.in_(chunk))))
        overrides = connection.execute(select(link_override.c.id).where(or_(
            link_override.c.record_a.in_(chunk), link_override.c.record_b.in_(chunk)))
        ).scalars().all()
        if overrides:
            connection.execute(update(review_pair).where(review_pair.c.override_id
                                                         .in_(overrides)).values(override_id=None))
            connection.execute(delete(link_override).where(link_override.c.id.in_(overrides)))


def _release_anchors(connection: Connection, ids: Sequence[int]) -> None:
    """Remove the governance rows anchored to records (while they are still linked: what is
    the person's moves to another of their records first); DPO alerts stay, without their
    grant."""
    _reanchor(connection, ids)
    for chunk in _chunks(ids):
        for table in ANCHORED:
            connection.execute(delete(table).where(table.c.source_record_id.in_(chunk)))
        _forget_changes(connection, chunk)
        _close_accounts(connection, chunk)
        connection.execute(delete(access_exemption).where(
            access_exemption.c.source_record_id.in_(chunk)))
        grants = connection.execute(select(break_glass.c.id).where(
            break_glass.c.source_record_id.in_(chunk))).scalars().all()
        if grants:
            connection.execute(update(dpo_alert).where(dpo_alert.c.break_glass_id.in_(grants))
                               .values(break_glass_id=None))
            connection.execute(delete(break_glass).where(break_glass.c.id.in_(grants)))


def _reanchor(connection: Connection, ids: Sequence[int]) -> None:
    """Move the ``PERSONAL`` rows anchored to these records to another record of the same
    person (their lowest id not among ``ids``), where they have one."""
    going = set(ids)
    for chunk in _chunks(ids):
        person_of: dict[int, int] = {rid: pid for rid, pid in connection.execute(
            select(person_link.c.source_record_id, person_link.c.person_id)
            .where(person_link.c.source_record_id.in_(chunk)))}
        if not person_of:
            continue
        kept: dict[int, int] = {}
        for rid, pid in connection.execute(
                select(person_link.c.source_record_id, person_link.c.person_id)
                .where(person_link.c.person_id.in_(sorted(set(person_of.values()))))
                .order_by(person_link.c.source_record_id)):
            if rid not in going:
                kept.setdefault(pid, rid)
        moves = [{"b_old": rid, "b_new": kept[pid]} for rid, pid in sorted(person_of.items())
                 if pid in kept]
        for table in PERSONAL if moves else ():
            connection.execute(update(table).where(table.c.source_record_id == bindparam("b_old"))
                               .values(source_record_id=bindparam("b_new")), moves)


def _forget_changes(connection: Connection, chunk: list[int]) -> None:
    """Changes of details still anchored to these records (the person has no other), with
    their notifications; every agency's copy of these records' values; and the notifications
    this leaves with none of their agency's records."""
    gone = select(change_request.c.id).where(change_request.c.source_record_id.in_(chunk))
    notes = select(change_notification.c.id).where(change_notification.c.change_id.in_(gone))
    emptied = set(connection.execute(select(change_record.c.notification_id).distinct().where(
        change_record.c.source_record_id.in_(chunk))).scalars())
    connection.execute(delete(change_record).where(or_(
        change_record.c.source_record_id.in_(chunk), change_record.c.notification_id.in_(notes))))
    emptied -= set(connection.execute(select(change_record.c.notification_id).distinct().where(
        change_record.c.notification_id.in_(sorted(emptied)))).scalars())
    connection.execute(delete(change_notification).where(or_(
        change_notification.c.change_id.in_(gone), change_notification.c.id.in_(sorted(emptied)))))
    connection.execute(delete(change_request).where(change_request.c.source_record_id.in_(chunk)))


def _close_accounts(connection: Connection, chunk: list[int]) -> None:
    """Close the citizen accounts still anchored to these records (the person has no other):
    no record, no way to sign in, no sessions, no delivered packs; the account and its rights
    requests stay, the DPO's records of what was asked and answered."""
    accounts = connection.execute(select(citizen_account.c.id).where(
        citizen_account.c.source_record_id.in_(chunk))).scalars().all()
    if not accounts:
        return
    requests = select(rights_request.c.id).where(rights_request.c.account_id.in_(accounts))
    connection.execute(delete(rights_pack).where(rights_pack.c.request_id.in_(requests)))
    connection.execute(delete(citizen_session).where(citizen_session.c.account_id.in_(accounts)))
    connection.execute(update(citizen_account).where(citizen_account.c.id.in_(accounts)).values(
        source_record_id=None, active=False, password_hash=None, oidc_subject=None,
        locked_until=None, failed_logins=0))


def _forget_terms(connection: Connection, ids: Sequence[int]) -> None:
    """Take linked records' values out of linkage's term-frequency counts (``link_term``),
    as ``joinedup.link`` counted them, so no rare value is left behind as a count of one."""
    columns = set(connection.execute(select(link_term.c.column_name).distinct()).scalars())
    if not columns:
        return
    counts: Counter[tuple[str, str]] = Counter()
    for chunk in _chunks(ids):
        linked = connection.execute(select(person_link.c.source_record_id).where(
            person_link.c.source_record_id.in_(chunk))).scalars().all()
        for row in person_records(connection, linked) if linked else []:
            features = record_features(row)
            for column in columns:
                value = features.get(column)
                if isinstance(value, str):
                    counts[(column, value)] += 1
                    counts[(column, TOTAL)] += 1
    if not counts:
        return
    connection.execute(
        update(link_term).where(link_term.c.column_name == bindparam("b_column"),
                                link_term.c.value == bindparam("b_value"))
        .values(records=link_term.c.records - bindparam("b_n")),
        [{"b_column": c, "b_value": v, "b_n": n} for (c, v), n in sorted(counts.items())])
    connection.execute(delete(link_term).where(link_term.c.records <= 0))


# -- erasing persons ---------------------------------------------------------------------------

def _persons_of(connection: Connection, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(connection.execute(select(person_link.c.person_id).distinct().where(
            person_link.c.source_record_id.in_(chunk))).scalars())
    return found


def _unheld(connection: Connection, persons: Iterable[int]) -> set[int]:
    """Those of ``persons`` no record is linked to any more."""
    left = set(persons)
    for chunk in _chunks(sorted(left)):
        left -= set(connection.execute(select(person_link.c.person_id).distinct().where(
            person_link.c.person_id.in_(chunk))).scalars())
    return left


def _merged_into(connection: Connection, persons: set[int]) -> set[int]:
    """Earlier ids whose records were all merged, directly or in steps, into ``persons``:
    they were the same people. (An id split between people is about others too.)"""
    found: set[int] = set()
    frontier = set(persons)
    while frontier:
        older: set[int] = set()
        for chunk in _chunks(sorted(frontier)):
            older.update(connection.execute(select(person_event.c.old_person_id).where(
                person_event.c.kind == "merge", person_event.c.new_person_id.in_(chunk))
            ).scalars())
        frontier = _unheld(connection, older - found - persons)
        found |= frontier
    return found


def _subject_seqs(connection: Connection, persons: set[int]) -> set[int]:
    seqs: set[int] = set()
    for chunk in _chunks(sorted(persons)):
        seqs.update(connection.execute(select(audit_subject.c.seq).where(
            audit_subject.c.person_id.in_(chunk))).scalars())
    return seqs


def _record(connection: Connection, report: RetentionReport, *, actor: Actor, now: datetime,
            erased: set[int], seqs: set[int]) -> None:
    """Retire the erased persons' ids, write the one ``erase`` event, then redact the events
    about them, citing it."""
    report.retention_run_id = _retire(connection, erased, operator=actor.user, now=now,
                                      records=report.removed)
    records = sum(s.deleted + s.anonymised for s in report.sources if s.kind == Kind.PERSON)
    activity = report.removed - records
    schedules = ", ".join(s.source for s in report.sources if s.expired)
    reason = (f"retention under the schedules of {schedules or 'no source'}: {records} person "
              f"records deleted or anonymised, {activity} contacts, involvements and flags "
              f"removed; {len(erased)} persons erased"
              + (f" (ids retired by link run {report.retention_run_id})"
                 if report.retention_run_id else "")
              + f", personal details of {len(seqs)} audit events redacted")
    [seq] = audit.append(connection, [audit.Event(actor, audit.OPERATIONS, "erase", "done",
                                                  reason)], now=now)
    report.erasure_seq = seq
    ordered = sorted(seqs)
    for chunk in _chunks(ordered):
        connection.execute(delete(audit_subject).where(audit_subject.c.seq.in_(chunk)))
    if ordered:
        connection.execute(insert(audit_redaction),
                           [{"seq": s, "erasure_seq": seq} for s in ordered])


def _retire(connection: Connection, persons: set[int], *, operator: str, now: datetime,
            records: int) -> int | None:
    """Retire the ids of erased persons by a link run of mode ``retention`` (on the latest
    run's model, as an incremental run is), the schema's one way to say an id has ended."""
    active = sorted(p for chunk in _chunks(sorted(persons)) for p in connection.execute(
        select(person.c.id).where(person.c.id.in_(chunk), person.c.retired_run_id.is_(None))
    ).scalars())
    if not active:
        return None
    last = connection.execute(select(link_run).order_by(link_run.c.id.desc()).limit(1)
                              ).mappings().one()
    run_id = int(connection.execute(insert(link_run).values(
        model_id=last["model_id"], mode="retention", operator=operator, started_at=now,
        finished_at=now, threshold=last["threshold"], review_below=last["review_below"],
        records=records, pairs=0, persons=0, created=0, retired=len(active), events=0,
        to_review=0).returning(link_run.c.id)).scalar_one())
    for chunk in _chunks(active):
        connection.execute(update(person).where(person.c.id.in_(chunk))
                           .values(retired_run_id=run_id))
    return run_id


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])
