"""The canonical model as SQLAlchemy Core tables, one schema for SQLite and PostgreSQL.

``invalid`` on every versioned table keeps, as JSON, the raw text of optional values that failed
validation (reported as data-quality warnings), so nothing a source sent is lost.

Every table fed by a source (person records, contacts, involvements, flags, properties) is
*versioned*: its current row carries the load that set it, and each earlier version moves to a
``<table>_history`` twin with ``valid_from``/``valid_to``, so "which load set this value, and
what was it before?" is always answerable. Both tables are built from one column list, so they
cannot drift apart. Changes reach databases only through Alembic migrations.

Provenance columns of the bulk tables (``source_id``, ``load_id``, ``first_load_id``) carry no
foreign keys: sources and loads are append-only and written in the same transaction as the rows
that cite them, and PostgreSQL checks each foreign key with a trigger per row, measured at about
7 µs a row each, which tripled load time (docs/benchmarks.md). References between people's data
(a contact's person record, a key worker) keep theirs.

Indexes are few on purpose: each one costs every row of every bulk load. A table gets an index
in the migration of the feature that searches by it, with that feature's benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

agency = Table(
    "agency", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)

source = Table(
    "source", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("agency_id", ForeignKey("agency.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("format", String(10), nullable=False),
    Column("person_source_id", ForeignKey("source.id")),
    Column("description", Text, nullable=False, default=""),
    Column("definition", Text, nullable=False),
    Column("definition_sha256", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

load = Table(
    "load", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("source.id"), nullable=False, index=True),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("file_bytes", Integer, nullable=False),
    Column("definition_sha256", String(64), nullable=False),
    Column("operator", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("accepted", Integer, nullable=False, default=0),
    Column("new", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
)

quarantine = Table(
    "quarantine", metadata,
    Column("id", Integer, primary_key=True),
    Column("load_id", ForeignKey("load.id"), nullable=False, index=True),
    Column("row_no", Integer, nullable=False),
    Column("record_id", Text),
    Column("column_name", Text),
    Column("value", Text),
    Column("reason", Text, nullable=False),
    Column("expected", Text, nullable=False),
)

data_warning = Table(
    "data_warning", metadata,
    Column("id", Integer, primary_key=True),
    Column("load_id", ForeignKey("load.id"), nullable=False, index=True),
    Column("row_no", Integer, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("field", String(50), nullable=False),
    Column("column_name", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("expected", Text, nullable=False),
)

practitioner = Table(
    "practitioner", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), nullable=False),
    Column("key", String(300), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(200)),
    Column("team", String(200)),
    Column("email", String(320), index=True),
    Column("phone", String(20)),
    UniqueConstraint("agency_id", "key"),
)


@dataclass(frozen=True)
class Versioned:
    """A source-fed table and its history twin, with the value columns both share."""

    table: Table
    history: Table
    values: tuple[str, ...]


def _versioned(name: str, columns: Callable[[], list[Column[object]]]) -> Versioned:
    current = Table(
        name, metadata,
        Column("id", Integer, primary_key=True),
        Column("source_id", Integer, nullable=False),
        Column("record_id", String(200), nullable=False),
        *columns(),
        Column("invalid", Text),
        Column("load_id", Integer, nullable=False),
        Column("first_load_id", Integer, nullable=False),
        Column("valid_from", DateTime, nullable=False),
        UniqueConstraint("source_id", "record_id"),
    )
    # History is read by record, never searched by value: it needs no value indexes.
    history_values = columns()
    for column in history_values:
        column.index = None
    history = Table(
        f"{name}_history", metadata,
        Column("id", Integer, primary_key=True),
        Column("current_id", ForeignKey(f"{name}.id"), nullable=False, index=True),
        *history_values,
        Column("invalid", Text),
        Column("load_id", ForeignKey("load.id"), nullable=False),
        Column("valid_from", DateTime, nullable=False),
        Column("valid_to", DateTime, nullable=False),
        Column("superseded_by_load_id", ForeignKey("load.id"), nullable=False),
    )
    values = (*(c.name for c in columns()), "invalid")
    return Versioned(current, history, values)


def _person_ref() -> list[Column[object]]:
    return [Column("person_record_id", ForeignKey("source_record.id"), nullable=False,
                   index=True)]


source_record = _versioned("source_record", lambda: [
    Column("given_name", String(100)),
    Column("middle_names", String(200)),
    Column("family_name", String(100)),
    Column("date_of_birth", Date),
    Column("sex", String(10)),
    Column("nhs_number", String(10), index=True),
    Column("uprn", String(12), index=True),
    Column("address", Text),
    Column("postcode", String(8), index=True),
    Column("phone", String(15)),
    Column("email", String(320)),
    Column("identifiers", Text),
    Column("sensitivity", String(20)),
])

contact = _versioned("contact", lambda: [
    *_person_ref(),
    Column("occurred_at", DateTime, nullable=False),
    Column("service", String(200)),
    Column("channel", String(100)),
    Column("practitioner_id", ForeignKey("practitioner.id")),
    Column("team", String(200)),
    Column("summary", Text),
    Column("sensitivity", String(20)),
])

involvement = _versioned("involvement", lambda: [
    *_person_ref(),
    Column("service", String(200), nullable=False),
    Column("team", String(200)),
    Column("key_worker_id", ForeignKey("practitioner.id"), index=True),
    Column("reason", Text),
    Column("started_on", Date),
    Column("ended_on", Date),
    Column("sensitivity", String(20)),
])

flag = _versioned("flag", lambda: [
    *_person_ref(),
    Column("flag", String(100), nullable=False),
    Column("description", Text),
    Column("sensitivity", String(20), nullable=False),
    Column("raised_on", Date),
    Column("expires_on", Date),
])

property_ = _versioned("property", lambda: [
    Column("uprn", String(12), nullable=False, index=True),
    Column("address", Text),
    Column("postcode", String(8)),
    Column("easting", Float),
    Column("northing", Float),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("ward", String(200)),
    Column("parish", String(200)),
])


# Linkage: which person each source record belongs to, and how that was decided.

link_model = Table(
    "link_model", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("operator", String(200), nullable=False),
    Column("engine", String(50), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("records", Integer, nullable=False),
    Column("model", Text, nullable=False),
)
"""Each trained model as the versioned JSON artefact the engine can reload unchanged."""

link_run = Table(
    "link_run", metadata,
    Column("id", Integer, primary_key=True),
    Column("model_id", ForeignKey("link_model.id"), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("operator", String(200), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("review_below", Float, nullable=False),
    Column("records", Integer, nullable=False),
    Column("pairs", Integer, nullable=False),
    Column("persons", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("retired", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("to_review", Integer, nullable=False),
)

person = Table(
    "person", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("created_run_id", ForeignKey("link_run.id"), nullable=False),
    Column("retired_run_id", ForeignKey("link_run.id")),
)
"""A joined identity. Ids are minted by linkage, never reused, and kept across runs."""

person_link = Table(
    "person_link", metadata,
    Column("source_record_id", ForeignKey("source_record.id"), primary_key=True,
           autoincrement=False),
    Column("person_id", ForeignKey("person.id"), nullable=False, index=True),
    Column("match_weight", Float),
    Column("method", String(20), nullable=False),
    Column("run_id", ForeignKey("link_run.id"), nullable=False),
)

person_event = Table(
    "person_event", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("link_run.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("old_person_id", ForeignKey("person.id"), nullable=False, index=True),
    Column("new_person_id", ForeignKey("person.id"), nullable=False, index=True),
    Column("records", Integer, nullable=False),
)
"""Merges and splits (old id -> new id), so anything that cites an old id can follow it."""

link_override = Table(
    "link_override", metadata,
    Column("id", Integer, primary_key=True),
    Column("record_a", ForeignKey("source_record.id"), nullable=False),
    Column("record_b", ForeignKey("source_record.id"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
    UniqueConstraint("record_a", "record_b"),
)
"""A person's decision (must_link or cannot_link) that every later run respects."""

review_pair = Table(
    "review_pair", metadata,
    Column("id", Integer, primary_key=True),
    Column("record_a", ForeignKey("source_record.id"), nullable=False),
    Column("record_b", ForeignKey("source_record.id"), nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(10), nullable=False, index=True),
    Column("run_id", ForeignKey("link_run.id"), nullable=False),
    Column("override_id", ForeignKey("link_override.id")),
    UniqueConstraint("record_a", "record_b"),
)
"""Pairs the model was unsure of (or a safeguard held back), for a person to decide."""

link_key = Table(
    "link_key", metadata,
    Column("key", Text, nullable=False, index=True),
    Column("source_record_id", ForeignKey("source_record.id"), nullable=False, index=True),
)
"""Each person record filed under its blocking keys (``joinedup.link.blocking``), so a record
that arrives later finds its candidates without a full run."""

link_term = Table(
    "link_term", metadata,
    Column("column_name", String(50), primary_key=True),
    Column("value", Text, primary_key=True),
    Column("records", Integer, nullable=False),
)
"""How many person records have each value of a term-frequency column (a value's frequency
is its count over the column's total, kept under the value ``''``, which no feature has)."""


# Governance: agreements, relationships, objections, break-glass, audit (joinedup.govern).

agreement = Table(
    "agreement", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("document", Text, nullable=False),
    Column("loaded_at", DateTime, nullable=False),
    Column("loaded_by", String(200), nullable=False),
    UniqueConstraint("code", "version"),
)
"""Every version of every data-sharing agreement ever loaded; the newest version of a code is
the one in force (between its dates). ``document`` is the YAML as written, kept verbatim."""

referral = Table(
    "referral", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_record_id", ForeignKey("source_record.id"), nullable=False, index=True),
    Column("organisation", String(200), nullable=False),
    Column("team", String(200), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("recorded_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
)
"""A legitimate relationship recorded in the hub (a referral or allocation not yet in any
agency's feed); involvements from the feeds are the other kind."""

live_contact = Table(
    "live_contact", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_record_id", ForeignKey("source_record.id"), nullable=False, index=True),
    Column("user_name", String(200), nullable=False, index=True),
    Column("organisation", String(200), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Column("channel", String(50), nullable=False),
)
"""A contact-centre call or visit in progress: the advisor handling it may see detail."""

objection = Table(
    "objection", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_record_id", ForeignKey("source_record.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("agency", String(200)),
    Column("recorded_at", DateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("withdrawn_at", DateTime),
)
"""A person's objection, anchored to one of their records so it follows them through
re-linking: ``research`` (national data opt-out style: not for planning or research) or
``agency`` (not to be shared with the named agency)."""

break_glass = Table(
    "break_glass", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(200), nullable=False, index=True),
    Column("organisation", String(200), nullable=False),
    Column("role", String(50), nullable=False),
    Column("purpose", String(50), nullable=False),
    Column("source_record_id", ForeignKey("source_record.id"), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

dpo_alert = Table(
    "dpo_alert", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("break_glass_id", ForeignKey("break_glass.id")),
    Column("staff", String(500)),
    Column("summary", Text, nullable=False),
    Column("raised_at", DateTime, nullable=False),
    Column("status", String(10), nullable=False, index=True),
    Column("outcome", String(20)),
    Column("closed_by", String(200)),
    Column("closed_at", DateTime),
    Column("note", Text),
)
"""The DPO's queue: break-glass uses and unusual access, closed only with an outcome.
``staff`` is whom it concerns (``user|role|organisation``), so a second alert is not raised
while one about the same person at work is open."""

rectification = Table(
    "rectification", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_record_id", ForeignKey("source_record.id"), nullable=False, index=True),
    Column("field", String(50), nullable=False),
    Column("value", Text),
    Column("previous_value", Text),
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)
"""A correction the person asked for: it overrides the source's value wherever the hub shows
it, with who recorded it, when and why; the source's own value stays in its history."""

audit_event = Table(
    "audit_event", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False, index=True),
    Column("request_id", String(64), nullable=False),
    Column("actor", String(200), nullable=False, index=True),
    Column("organisation", String(200), nullable=False),
    Column("role", String(50), nullable=False),
    Column("purpose", String(50), nullable=False),
    Column("action", String(50), nullable=False),
    Column("decision", String(10), nullable=False),
    Column("reason", Text, nullable=False),
    Column("agreements", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("subject_commitment", String(64)),
    Column("leaf_hash", String(64), nullable=False),
)
"""The append-only audit log, one Merkle leaf per event (RFC 6962). Personal details about the
subject live in ``audit_subject`` and enter the leaf only as a salted commitment, so erasing
them later leaves every leaf, and so every checkpoint and proof, intact."""

audit_subject = Table(
    "audit_subject", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("person_id", Integer, index=True),
    Column("detail", Text),
    Column("salt", String(32), nullable=False),
)
"""Who an event is about (``seq`` is its event's). No foreign key: ``audit.append`` writes
both in one transaction, verification checks each commitment against its event, and on
PostgreSQL the key's per-row trigger doubled the cost of auditing a list of ten thousand."""

audit_redaction = Table(
    "audit_redaction", metadata,
    Column("seq", ForeignKey("audit_event.seq"), primary_key=True, autoincrement=False),
    Column("erasure_seq", ForeignKey("audit_event.seq"), nullable=False),
)
"""Which events' personal details an erasure removed, so verification can tell a lawful
redaction (named here, by an ``erase`` event) from a deletion."""

audit_checkpoint = Table(
    "audit_checkpoint", metadata,
    Column("id", Integer, primary_key=True),
    Column("tree_size", Integer, nullable=False),
    Column("root_hash", String(64), nullable=False),
    Column("signed_at", String(32), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", Text, nullable=False),
)
"""Signed tree heads: (size, root) under the hub's Ed25519 key, for partners to keep."""


# Staff accounts for the web UI and API (joinedup.accounts).

app_user = Table(
    "app_user", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(200), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(320)),
    Column("organisation", String(200), nullable=False),
    Column("role", String(50), nullable=False),
    Column("team", String(200)),
    Column("password_hash", Text),
    Column("demo", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("last_login_at", DateTime),
)
"""A member of staff who signs in to the hub. ``password_hash`` is argon2id (none for a user who
signs in only through the council's identity provider); ``demo`` marks the demo logins that
production mode refuses to start with."""

web_session = Table(
    "web_session", metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user_id", ForeignKey("app_user.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("purpose", String(50)),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
)
"""A signed-in browser. Only the token's SHA-256 is stored, so a copy of the database lets no
one in; a new token is issued at every sign-in (no session fixation)."""


# Places (joinedup.places): where each property is, which property each record is at, where
# each person lives. Derived from the sources by ``joinedup places build``, never edited.

place = Table(
    "place", metadata,
    Column("uprn", String(12), primary_key=True),
    Column("easting", Float, nullable=False),
    Column("northing", Float, nullable=False),
    Column("cell", BigInteger, nullable=False, index=True),
    Column("address", Text),
    Column("postcode", String(8), index=True),
    Column("ward", String(200)),
    Column("parish", String(200)),
    Column("source_id", Integer, nullable=False),
)
"""Every property with coordinates, in British National Grid metres (EPSG:27700) whatever the
source gave, and its grid ``cell`` (``places.grid``), so that an area query reads only the
properties near the area instead of a million."""

record_place = Table(
    "record_place", metadata,
    Column("source_record_id", ForeignKey("source_record.id"), primary_key=True),
    Column("uprn", String(12), nullable=False, index=True),
    Column("method", String(10), nullable=False),
)
"""The property each person record is at: the UPRN the source gave (``uprn``), or the one its
address and postcode match (``address``). Records matching no property have no row."""

residence = Table(
    "residence", metadata,
    Column("person_id", Integer, primary_key=True, autoincrement=False),
    Column("uprn", String(12), nullable=False, index=True),
    Column("date_of_birth", Date),
    Column("flagged", Boolean, nullable=False),
    Column("easting", Float, nullable=False),
    Column("northing", Float, nullable=False),
    Column("cell", BigInteger, nullable=False),
    Index("ix_residence_cell_flagged", "cell", "flagged", "person_id", "uprn", "easting",
          "northing",
          sqlite_where=text("flagged = 1"),
          postgresql_where=text("flagged")),
    Index("ix_residence_cell_date_of_birth", "cell", "date_of_birth", "person_id", "uprn",
          "easting", "northing", sqlite_where=text("date_of_birth IS NOT NULL"),
          postgresql_where=text("date_of_birth IS NOT NULL")),
)
"""Where each person lives (the property most of their records agree on; a household is the
persons of one UPRN), their date of birth and whether any record of theirs carries a flag
that says they need help in an emergency: a prefilter so that an area query decides only the
few persons who may need help, not everyone inside."""

place_build = Table(
    "place_build", metadata,
    Column("id", Integer, primary_key=True),
    Column("built_at", DateTime, nullable=False),
    Column("places", Integer, nullable=False),
    Column("residents", Integer, nullable=False),
    Column("match_rates", Text, nullable=False),
    Column("loads_upto", Integer),
    Column("link_runs_upto", Integer),
    Column("rectified_upto", Integer),
)
"""Each rebuild, with the per-source match rate (JSON) the data engineer is shown, and the
last load, link run and rectification it saw: what its emergency cards are current to."""

emergency_card = Table(
    "emergency_card", metadata,
    Column("person_id", Integer, primary_key=True, autoincrement=False),
    Column("card", Text, nullable=False),
)
"""What the vulnerable-people list reads about a resident who may need help (``places.cards``):
their records' identity and phone, their flags and their home, as JSON, from every source.
A cache kept by the rebuild, never the truth: the agreements are applied when a list is made."""

area = Table(
    "area", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("name", String(200), nullable=False),
    Column("geometry", LargeBinary, nullable=False),
    Column("source_crs", String(50), nullable=False),
    Column("loaded_from", Text, nullable=False),
    Column("loaded_at", DateTime, nullable=False),
    UniqueConstraint("kind", "name"),
)
"""Named areas (wards, parishes, flood zones) as WKB in EPSG:27700, for planners to pick."""


# Sensors (joinedup.sensors): roadside counters, library footfall, air quality. Times of readings
# are integer seconds since 1970-01-01 UTC: an 8-byte key instead of a 26-character text one on
# SQLite, and bucketing by hour or day is integer arithmetic on both backends.

sensor = Table(
    "sensor", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(100), nullable=False, unique=True),
    Column("kind", String(50), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("easting", Float, nullable=False),
    Column("northing", Float, nullable=False),
    Column("ward", String(200)),
    Column("interval_seconds", Integer, nullable=False),
    Column("registered_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
"""Each sensor as its registry file describes it, located in British National Grid metres."""

sensor_reading = Table(
    "sensor_reading", metadata,
    Column("sensor_id", Integer, primary_key=True, autoincrement=False),
    Column("observed_at", BigInteger, primary_key=True, autoincrement=False),
    Column("value", Float, nullable=False),
    Column("batch_id", Integer, nullable=False),
    sqlite_with_rowid=False,
)
"""Every reading, once per (sensor, second): clustered on that key (a WITHOUT ROWID table on
SQLite, the primary key's B-tree on PostgreSQL), so a sensor's year is one contiguous range.
``batch_id`` is the batch that set the value. No foreign keys, as for the other bulk tables."""

sensor_latest = Table(
    "sensor_latest", metadata,
    Column("sensor_id", Integer, primary_key=True, autoincrement=False),
    Column("observed_at", BigInteger, nullable=False),
    Column("value", Float, nullable=False),
)
"""The newest reading of each sensor, kept by every batch in its own transaction, so the latest
value of every sensor is one read of a row per sensor however long the history grows."""

sensor_batch = Table(
    "sensor_batch", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("received_by", String(200), nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("read", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("corrected", Integer, nullable=False),
    Column("late", Integer, nullable=False),
    Column("out_of_order", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
)
"""Each ingest of readings (a file, an HTTP batch): where from, who sent it, what became of it."""

sensor_problem = Table(
    "sensor_problem", metadata,
    Column("batch_id", ForeignKey("sensor_batch.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("location", Text, nullable=False),
    Column("sensor", Text, nullable=False),
    Column("observed_at", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("what", Text, nullable=False),
    Column("expected", Text, nullable=False),
)
"""Every reading a batch rejected, as it was sent, with where it was and what was wrong."""

sensor_correction = Table(
    "sensor_correction", metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", ForeignKey("sensor_batch.id"), nullable=False, index=True),
    Column("sensor_id", Integer, nullable=False),
    Column("observed_at", BigInteger, nullable=False),
    Column("old_value", Float, nullable=False),
    Column("new_value", Float, nullable=False),
)
"""A value a batch replaced, with the one it replaced it by, so a correction can be seen (and
undone) rather than silently overwriting what was there."""


# Open data (joinedup.opendata): every release, what it published, and the true counts behind
# it (kept private) so the next release can be checked against it.

opendata_release = Table(
    "opendata_release", metadata,
    Column("id", Integer, primary_key=True),
    Column("released_at", DateTime, nullable=False),
    Column("released_by", String(200), nullable=False),
    Column("organisation", String(200), nullable=False),
    Column("role", String(50), nullable=False),
    Column("rule", Text, nullable=False),
    Column("audit_seq", Integer, nullable=False),
)
"""One publication of every dataset: when, by whom, under which disclosure rule (JSON), and
the audit event that records what it published."""

opendata_dataset = Table(
    "opendata_dataset", metadata,
    Column("id", Integer, primary_key=True),
    Column("release_id", ForeignKey("opendata_release.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=False),
    UniqueConstraint("release_id", "name"),
)
"""A dataset of a release with its description (JSON: title, topic, coverage, notes, epsilon),
from which the DCAT catalogue is written."""

opendata_table = Table(
    "opendata_table", metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", ForeignKey("opendata_dataset.id"), nullable=False, index=True),
    Column("key", String(100), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("columns", Text, nullable=False),
    Column("labels", Integer, nullable=False),
    Column("person_derived", Boolean, nullable=False),
    Column("epsilon", Float),
    UniqueConstraint("dataset_id", "key"),
)
"""A published table: its columns (JSON), how many of them are labels, and its epsilon when it
was released with differential privacy."""

opendata_row = Table(
    "opendata_row", metadata,
    Column("table_id", ForeignKey("opendata_table.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("cells", Text, nullable=False),
)
"""The published cells, a row at a time (JSON, a suppressed count as null): all the public
API and pages ever serve."""

opendata_truth = Table(
    "opendata_truth", metadata,
    Column("table_id", ForeignKey("opendata_table.id"), primary_key=True),
    Column("counts", Text, nullable=False),
)
"""The true counts behind a person-derived table (JSON), never published: kept so that the
next release can be checked for differencing against this one."""


# Citizen portal (joinedup.citizen): citizen accounts and the rights requests they make.

citizen_account = Table(
    "citizen_account", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_record_id", ForeignKey("source_record.id"), index=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", Text),
    Column("verified_by", String(20), nullable=False),
    Column("oidc_subject", String(200), unique=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
)
"""A citizen who proved they are someone the hub holds. Anchored to the record they were
verified against (not a person id), so re-linking carries the account to whoever that record
is now; ``oidc_subject`` is their GOV.UK One Login ``sub`` once they have signed in with it.
No record (and not active) once retention removed every record of theirs: the account is kept,
closed, because the rights requests made from it are the DPO's statutory records."""

citizen_session = Table(
    "citizen_session", metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("account_id", ForeignKey("citizen_account.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
)
"""A citizen's signed-in browser, kept apart from staff sessions (``web_session``): a staff
cookie names no row here, a citizen's none there."""

citizen_attempt = Table(
    "citizen_attempt", metadata,
    Column("id", Integer, primary_key=True),
    Column("key_sha256", String(64), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
)
"""A failed verification, by the SHA-256 of what was tried (an account or NHS number, the
client's address), so repeated guesses lock that key out without storing what was typed."""

rights_request = Table(
    "rights_request", metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("citizen_account.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("details", Text, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("decided_by", String(200)),
    Column("decided_at", DateTime),
    Column("outcome", Text),
    Column("due_soon_alert_id", ForeignKey("dpo_alert.id")),
    Column("overdue_alert_id", ForeignKey("dpo_alert.id")),
)
"""A citizen's subject access, correction or objection request, due one calendar month from
receipt (``govern.sar.deadline``), on the DPO's work queue until it is completed or refused;
each reminder alert is raised once (the alert ids say it was)."""

rights_pack = Table(
    "rights_pack", metadata,
    Column("request_id", ForeignKey("rights_request.id"), primary_key=True,
           autoincrement=False),
    Column("pack_json", Text, nullable=False),
    Column("pack_html", Text, nullable=False),
    Column("dpo_notes", Text, nullable=False),
    Column("built_at", DateTime, nullable=False),
)
"""A subject access pack built for a request, delivered in the portal (the JSON and HTML the
citizen downloads; the DPO notes are never shown to them)."""

access_exemption = Table(
    "access_exemption", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_record_id", ForeignKey("source_record.id"), nullable=False, index=True),
    Column("organisation", String(200)),
    Column("purpose", String(50)),
    Column("ground", String(30), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("withdrawn_at", DateTime),
)
"""A DPO's decision that accesses to a person's data (by an organisation, for a purpose, in a
period; None: any) would prejudice their purpose if shown (DPA 2018 Sch. 2), so the portal
withholds them. Anchored to a record, like an objection, to follow re-linking."""


# Tell us once (joinedup.govern.changes): a citizen's change, and its notification to each
# agency that holds them.

change_request = Table(
    "change_request", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_record_id", ForeignKey("source_record.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("new_values", Text, nullable=False),
    Column("reported_by", String(200), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("reported_at", DateTime, nullable=False),
)
"""A change of details a person told the hub once (``kind`` address, phone or email;
``new_values`` as JSON, checked and standardised as ingestion would), anchored to one of their
records so it follows them through re-linking. Nothing in any source is changed by it."""

change_notification = Table(
    "change_notification", metadata,
    Column("id", Integer, primary_key=True),
    Column("change_id", ForeignKey("change_request.id"), nullable=False, index=True),
    Column("agency_id", ForeignKey("agency.id"), nullable=False, index=True),
    Column("sealed", Boolean, nullable=False),
    Column("status", String(10), nullable=False, index=True),
    Column("decided_by", String(200)),
    Column("decided_at", DateTime),
    Column("reason", Text),
    UniqueConstraint("change_id", "agency_id"),
)
"""The change sent to one agency that held the person when it was reported, and that agency's
decision (pending, accepted or rejected: who, when, why). ``sealed``: the agency holds the
person only in sealed rows, so the person's own status page does not name it."""

change_record = Table(
    "change_record", metadata,
    Column("notification_id", ForeignKey("change_notification.id"), primary_key=True),
    Column("source_record_id", ForeignKey("source_record.id"), primary_key=True,
           index=True),
    Column("previous_values", Text, nullable=False),
)
"""Each of the agency's person records the change concerns, with the values its feed had
then (JSON), so the engineer sees old beside new and a later load showing the new values can
be recognised as the change applied."""
