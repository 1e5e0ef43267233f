"""Issues: a quarantined row or a data-quality warning, located in its file.

Kept free of database imports: the worker process that maps large files creates them too, and
should not pay for importing SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One quarantined row or one data-quality warning, located in its file."""

    row_no: int
    record_id: str | None
    column: str | None
    value: str | None
    reason: str
    expected: str
    field: str = ""  # the canonical field of a warning
