"""The token bucket, on a clock the test turns."""

from __future__ import annotations

import pytest

from joinedup.opendata.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate_then_a_wait() -> None:
    clock = Clock()
    bucket = TokenBucket(60, 2, clock)
    assert [bucket.take("a"), bucket.take("a")] == [0, 0]
    assert bucket.take("a") == 1  # one a second: a token in a second
    assert bucket.take("b") == 0  # each client has its own bucket
    clock.now = 1.0
    assert bucket.take("a") == 0
    assert bucket.take("a") >= 1
    clock.now = 100.0
    assert [bucket.take("a"), bucket.take("a"), bucket.take("a")] == [0, 0, 1]  # burst cap


def test_a_slow_rate_says_how_long_to_wait() -> None:
    bucket = TokenBucket(6, 1, Clock())
    assert bucket.take("a") == 0
    assert bucket.take("a") == 10


def test_a_rate_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 5)
