"""Email addresses: lower case and roughly the right shape, so the same address matches itself.

Only the shape is checked (one "@", something before it, a dotted domain after it); whether the
mailbox exists is not a standardiser's question.
"""

from __future__ import annotations

import re

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
