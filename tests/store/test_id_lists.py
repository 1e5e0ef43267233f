"""``any_of`` binds a whole list as one parameter on both backends: integers past 32 bits,
text with quotes, an empty list, and more values than an ``IN (...)`` list could carry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, create_engine, select

from joinedup.store.ids import any_of

META = MetaData()
THINGS = Table("id_list_things", META, Column("id", BigInteger, primary_key=True),
               Column("code", String(20), index=True))
BIG = 2_484_638_581_876  # a grid cell number: past what a 32-bit INTEGER[] holds


@pytest.fixture
def things(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    META.create_all(engine)
    with engine.begin() as c:
        c.execute(THINGS.insert(), [{"id": i, "code": f"c{i}"} for i in range(1, 40_001)]
                  + [{"id": BIG, "code": "it's \"quoted\""},
                     {"id": BIG + 2, "code": "a\\b,{c} NULL"}])
    yield engine
    META.drop_all(engine)
    engine.dispose()


def test_integers_beyond_32_bits_and_many_values(things: Engine) -> None:
    query = select(THINGS.c.id).where(any_of(THINGS.c.id, "ids")).order_by(THINGS.c.id)
    wanted = [*range(2, 40_001, 2), BIG, BIG + 1]
    with things.connect() as c:
        found = c.execute(query, {"ids": wanted}).scalars().all()
    assert found == [*range(2, 40_001, 2), BIG]


def test_text_values_are_bound_not_spliced(things: Engine) -> None:
    query = select(THINGS.c.id).where(any_of(THINGS.c.code, "codes"))
    with things.connect() as c:
        found = c.execute(query, {"codes": ["c7", "it's \"quoted\"", "') OR 1=1 --",
                                            "a\\b,{c} NULL", "NULL"]})
        assert sorted(found.scalars()) == [7, BIG, BIG + 2]  # PostgreSQL's array syntax too


def test_an_empty_list_matches_nothing(things: Engine) -> None:
    with things.connect() as c:
        assert c.execute(select(THINGS.c.id).where(any_of(THINGS.c.id, "ids")),
                         {"ids": []}).all() == []


def test_sqlite_reads_the_list_along_the_index(tmp_path: Path) -> None:
    """Written ``IN (SELECT value FROM json_each(?))``, never ``(...) = 1``, which no index
    serves."""
    engine = create_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    META.create_all(engine)
    query = select(THINGS.c.id).where(any_of(THINGS.c.code, "codes"))
    sql = str(query.compile(engine))
    with engine.connect() as c:
        plan = c.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ('["c1"]',)).all()
    assert "json_each" in sql and "= 1" not in sql
    assert any("USING" in row[-1] and "INDEX" in row[-1] for row in plan), plan
