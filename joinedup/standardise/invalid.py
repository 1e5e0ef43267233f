"""The one exception every standardiser raises for a value it cannot accept."""

from __future__ import annotations


class InvalidValue(ValueError):
    """A raw value that is not what the field expects; ``expected`` says what would be."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected
