"""The one way linkage opens DuckDB: with a memory ceiling, so a million records spill to
disk instead of taking the machine (DuckDB's default is 80% of RAM)."""

from __future__ import annotations

import os

import duckdb

MEMORY_LIMIT = os.environ.get("JOINEDUP_DUCKDB_MEMORY", "2GB")


def connect() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET enable_progress_bar = false")
    return connection
