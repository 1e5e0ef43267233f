"""Opening the store: empty databases are migrated, others must be at this joinedup's version."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from joinedup.errors import StoreError
from joinedup.store import database
from joinedup.store.database import (
    create_store_engine,
    current_revision,
    ensure_schema,
    head_revision,
    open_store,
    upgrade,
)
from joinedup.store.schema import metadata


def test_open_store_migrates_an_empty_database(db_url: str) -> None:
    with open_store(db_url) as engine, engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        tables = set(inspect(connection).get_table_names())

    assert set(metadata.tables) <= tables
    assert {"source_record", "source_record_history", "contact", "involvement", "flag",
            "property", "practitioner", "quarantine", "data_warning", "load", "source",
            "agency"} <= tables


def test_the_migrations_build_exactly_the_schema_the_code_declares(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_opening_again_keeps_the_data(db_url: str) -> None:
    with open_store(db_url) as engine, engine.begin() as connection:
        connection.execute(text("INSERT INTO agency (name, created_at) "
                                "VALUES ('Police', CURRENT_TIMESTAMP)"))

    with open_store(db_url) as engine, engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM agency")).scalars().all() == ["Police"]


def test_upgrade_creates_the_schema_and_is_idempotent(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        upgrade(engine)
        upgrade(engine)
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        ensure_schema(engine)  # nothing left to do
    finally:
        engine.dispose()


def test_a_database_at_another_version_is_refused_with_the_fix(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))

    with pytest.raises(StoreError) as caught:
        ensure_schema(engine)

    assert "0000_older" in caught.value.message
    assert "joinedup db upgrade" in caught.value.message
    assert caught.value.exit_code == 1


def test_a_database_of_someone_else_is_refused(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE payroll (id INTEGER PRIMARY KEY)"))

        with pytest.raises(StoreError) as caught:
            ensure_schema(engine)

        assert "no joinedup schema version" in caught.value.message
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == ["payroll"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("url, fragment", [
    ("not a url", "not a database URL"),
    ("nosuchdb://host/db", "no driver for nosuchdb"),
])
def test_a_bad_url(url: str, fragment: str) -> None:
    with pytest.raises(StoreError) as caught:
        create_store_engine(url)

    assert fragment in caught.value.message


def test_an_unopenable_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught, open_store(
            f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'hub.db'}"):
        pass

    assert "cannot open the database" in caught.value.message


def test_plain_postgresql_urls_use_psycopg() -> None:
    engine = create_store_engine("postgresql://user@localhost/hub")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_sqlite_is_tuned_for_a_single_file_hub(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'hub.db'}") as engine, \
            engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"), engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO source (name, agency_id, kind, format, description, definition, "
            "definition_sha256, created_at, updated_at) VALUES ('s', 999, 'person', 'csv', '', "
            "'', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))


def test_a_failed_transaction_rolls_back_whole(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(text("INSERT INTO agency (name, created_at) "
                                "VALUES ('Fire', CURRENT_TIMESTAMP)"))
        raise RuntimeError("midway")

    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM agency")).scalar() == 0


def test_head_revision_is_the_newest_migration() -> None:
    versions = sorted(p.name for p in (database.MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert versions[-1].startswith(head_revision().split("_")[0])
