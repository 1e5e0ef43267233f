"""``any_of``: a column matched against a list of values bound as one parameter, so a list of
ten thousand persons is one query (one round trip) rather than twenty chunks of ``IN (...)``.

PostgreSQL gets ``column = ANY(CAST(:values AS type[]))`` with the list as an array literal
(text the server parses: psycopg adapting a Python list of ten thousand values, one by one,
costs more than the query); SQLite gets ``column IN (SELECT value FROM json_each(:values))``
with the list as JSON. Both use the column's index for each value, and neither has a
parameter limit to chunk around.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import BindParameter, Boolean, ColumnElement, Text, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine


class _Values(TypeDecorator[list[Any]]):
    """A list of values of one column's type: an array on PostgreSQL, JSON text on SQLite."""

    impl = Text
    cache_ok = True

    def __init__(self, item: TypeEngine[Any]) -> None:
        super().__init__()
        self.item = item

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        listed = list(value or ())
        if dialect.name != "postgresql":
            return json.dumps(listed)
        if all(type(v) is int for v in listed):
            return "{" + ",".join(map(str, listed)) + "}"
        return "{" + ",".join(_quoted(str(v)) for v in listed) + "}"


def _quoted(text: str) -> str:
    """An element of a PostgreSQL array literal: in double quotes, backslash-escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AnyOf(ColumnElement[bool]):
    """``column`` is one of the values bound to ``values`` (a list)."""

    type = Boolean()
    _is_implicitly_boolean = True
    """A comparison already: SQLite must not be sent ``(... IN ...) = 1``, which no index
    serves."""
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own attribute, read per class)
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any], values: BindParameter[Any]) -> None:
        self.column = column
        self.values = values


def any_of(column: ColumnElement[Any], name: str) -> AnyOf:
    """``column`` among the list given as the parameter ``name`` at execution."""
    return AnyOf(column, bindparam(name, type_=_Values(column.type)))


@compiles(AnyOf, "postgresql")
def _any(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    item = compiler.dialect.type_compiler_instance.process(element.column.type)
    return f"{column} = ANY(CAST({values} AS {item}[]))"


@compiles(AnyOf)
def _json_each(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"{compiler.process(element.column, **kw)} IN "
            f"(SELECT value FROM json_each({compiler.process(element.values, **kw)}))")

