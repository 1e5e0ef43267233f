"""Migration 0012 takes audit_subject's foreign key away without losing a row or the database's
refusal to change one (SQLite's batch mode rebuilds the table), and gives the key back down."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from joinedup.govern import audit
from joinedup.govern.vocabulary import Actor, Role
from joinedup.store.database import _alembic_config, create_store_engine, upgrade

DPO = Actor("dpo.reed", "Norfolk County Council Information Governance", Role.DPO)


def _foreign_keys(engine: Engine) -> list[str]:
    return [fk["referred_table"] for fk in inspect(engine).get_foreign_keys("audit_subject")]


def _refuses_an_update(engine: Engine) -> None:
    with pytest.raises(DBAPIError, match=r"never changed|append-only"), engine.begin() as c:
        c.execute(text("UPDATE audit_subject SET detail = 'x'"))


def _downgrade(engine: Engine, url: str, revision: str) -> None:
    config = _alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_the_foreign_key_goes_and_the_rows_and_their_guard_stay(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        upgrade(engine, "0011")
        with engine.begin() as c:
            audit.append(c, [audit.Event(DPO, "audit", "view", "allow", "checked", person_id=7,
                                         detail="searched")], now=datetime(2026, 12, 4))
        assert _foreign_keys(engine) == ["audit_event"]
        upgrade(engine)
        assert _foreign_keys(engine) == []
        with engine.connect() as c:
            assert c.execute(text("SELECT person_id, detail FROM audit_subject")).all() == [
                (7, "searched")]
        _refuses_an_update(engine)
        _downgrade(engine, db_url, "0011")
        assert _foreign_keys(engine) == ["audit_event"]
        _refuses_an_update(engine)
    finally:
        engine.dispose()
