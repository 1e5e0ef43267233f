"""``governed``: the transaction every read of person data and every governed action runs in.

The decision, its audit event and the read it allows commit together. A refusal still
commits, because the refusal's own audit event must survive it: an access denied, or a sign-in
refused (whose failure count, which locks the account, must survive too). Any other failure
rolls everything back, the audit with it, so nothing read is returned unaudited.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from joinedup.errors import AccessDenied, AuthError
from joinedup.store.database import WRITE_FIRST, one_writer

AUDITED_REFUSALS = (AccessDenied, AuthError)


@contextmanager
def governed(engine: Engine) -> Iterator[Connection]:
    with one_writer(engine), engine.connect() as connection:
        connection.execution_options(**{WRITE_FIRST: True})
        transaction = connection.begin()
        try:
            yield connection
        except AUDITED_REFUSALS:
            transaction.commit()
            raise
        except BaseException:
            transaction.rollback()
            raise
        transaction.commit()
