"""Opening the store: one engine per URL, SQLite tuned for a single-file hub, schema kept current.

An empty database is migrated to the newest schema on first use, so ``joinedup ingest`` on a
fresh machine just works; a database at an older version is refused with the command that
upgrades it, because upgrading a production store is an operator's decision.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from joinedup.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
WRITE_FIRST = "joinedup_write_first"
"""Execution option for a transaction that reads and then must write (an audited decision):
on SQLite it takes the write lock at BEGIN, so it waits its turn instead of failing later with
"database is locked" when another writer committed after its first read."""
BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another (a load in progress) before giving up."""
_WRITERS: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()
_CHECKPOINTED: WeakKeyDictionary[Engine, threading.Thread] = WeakKeyDictionary()
CHECKPOINT_EVERY = 1.0
"""Seconds between background checkpoints while serving (``checkpointing``)."""


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings joinedup relies on (not yet connected)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}; expected e.g. sqlite:///joinedup.db "
                         "or postgresql+psycopg://user@host/db") from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(parsed)
    except NoSuchModuleError as exc:
        raise StoreError(f"no driver for {parsed.drivername}; for PostgreSQL install "
                         "joinedup[postgres]") from exc
    except ModuleNotFoundError as exc:
        raise StoreError(f"the driver for {parsed.drivername} is not installed "
                         f"({exc.name}); for PostgreSQL: pip install 'joinedup[postgres]'"
                         ) from exc
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    """WAL for readers beside a writer, enforced foreign keys, and transactions that really
    start at BEGIN (SQLAlchemy's recipe for pysqlite), so a failed load rolls back whole."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=4294967296")
        cursor.execute(f"PRAGMA wal_autocheckpoint={0 if engine in _CHECKPOINTED else 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_FIRST)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def one_writer(engine: Engine) -> Iterator[None]:
    """Writers of this process take turns on a lock before SQLite's own.

    SQLite admits one writer at a time, and its busy handler makes a waiting writer sleep in
    growing steps (up to 100 ms each), so under a web server's concurrent requests a 5 ms
    wait became a 100 ms one, and a long queue ran past the busy timeout. Queued on a lock,
    each writer starts the moment the last one commits. Other processes (a load from the CLI)
    still wait on the busy timeout. PostgreSQL needs no such thing.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    with _WRITERS_LOCK:
        lock = _WRITERS.setdefault(engine, threading.Lock())
    with lock:
        yield


@contextmanager
def checkpointing(engine: Engine, every: float = CHECKPOINT_EVERY) -> Iterator[None]:
    """While serving, SQLite's write-ahead log is folded back into the database by a thread
    of its own, as PostgreSQL's checkpointer does, instead of by whichever request's commit
    takes the log past 1,000 pages (an audited list of ten thousand people paid some 40 ms
    for it). Outside this, SQLite checkpoints as usual, and on closing."""
    if engine.dialect.name != "sqlite" or engine in _CHECKPOINTED:
        yield
        return
    stop = threading.Event()

    def fold() -> None:
        while not stop.wait(every):
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except OperationalError:  # busy: the next round will do
                continue

    thread = threading.Thread(target=fold, name="joinedup-checkpoints", daemon=True)
    _CHECKPOINTED[engine] = thread
    engine.dispose()  # pooled connections were opened checkpointing themselves
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        del _CHECKPOINTED[engine]
        engine.dispose()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (``joinedup db upgrade``)."""
    config = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_schema(engine: Engine) -> None:
    """Migrate an empty database; refuse one at an older or unknown version."""
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
            tables = inspect(connection).get_table_names()
    except OperationalError as exc:
        raise StoreError(f"cannot open the database {engine.url!r}: {exc.orig}") from exc
    if revision is None:
        if tables:
            raise StoreError(f"the database {engine.url!r} has tables but no joinedup schema "
                             "version; point joinedup at an empty database or its own")
        upgrade(engine)
        return
    head = head_revision()
    if revision != head:
        raise StoreError(f"the database is at schema version {revision}, this joinedup needs "
                         f"{head}; run: joinedup db upgrade")


@contextmanager
def open_store(url: str) -> Iterator[Engine]:
    """The engine for ``url`` with its schema current; disposed on exit."""
    engine = create_store_engine(url)
    try:
        ensure_schema(engine)
        yield engine
    finally:
        engine.dispose()
