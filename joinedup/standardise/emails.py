"""Email addresses: lower case and roughly the right shape, so the same address matches itself.

Only the shape is checked (one "@", something before it, a dotted domain after it); whether the
mailbox exists is not a standardiser's question.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from joinedup.standardise.invalid import InvalidValue

_EXPECTED = "an email address like name@example.org"
_SPACE = re.compile(r"\s")


def normalise_email(raw: str) -> str:
    """``' Name@Example.ORG '`` -> ``'name@example.org'``."""
    email = raw.strip().lower()
    local, at, domain = email.partition("@")
    if (
        not at
        or not local
        or "@" in domain
        or "." not in domain
        or "" in domain.split(".")
        or _SPACE.search(email) is not None
    ):
        raise InvalidValue(_EXPECTED)
    return email


def accept_emails(values: pa.Array) -> pa.Array:
    """Many email addresses at once: what ``normalise_email`` returns for each value in
    printable ASCII without spaces that has the right shape, null for every other value
    (blank, bad, or with spaces or letters outside ASCII, which ``normalise_email`` judges)."""
    printable = pc.match_substring_regex(values, r"^[!-~]+$")
    shaped = pc.match_substring_regex(values, r"^[^@]+@[^@.]+(?:\.[^@.]+)+$")
    accepted = pc.fill_null(pc.and_(printable, shaped), False)
    return pc.if_else(accepted, pc.ascii_lower(values), pa.scalar(None, pa.string()))
