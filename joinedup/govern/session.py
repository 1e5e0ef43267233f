"""``governed``: the transaction every read of person data and every governed action runs in.

The decision, its audit event and the read it allows commit together. A refusal
(``AccessDenied``) still commits, because the refusal's own audit event must survive it; any
other failure rolls everything back, the audit with it, so nothing read is returned unaudited.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from joinedup.errors import AccessDenied
from joinedup.store.database import WRITE_FIRST


@contextmanager
def governed(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_FIRST: True})
        transaction = connection.begin()
        try:
            yield connection
        except AccessDenied:
            transaction.commit()
            raise
        except BaseException:
            transaction.rollback()
            raise
        transaction.commit()
