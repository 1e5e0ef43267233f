"""A token bucket per client, in the process: open data needs no login, so each client (by
address) may make ``burst`` requests at once and ``rate_per_minute`` after that; more are
refused with HTTP 429 and a Retry-After saying when to come back. One process's memory, not a
shared store: behind several workers each has its own buckets, which a proxy's limit tops."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_CLIENTS = 10_000


class TokenBucket:
    def __init__(self, rate_per_minute: int, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_minute < 1 or burst < 1:
            raise ValueError("the open data rate and burst must be at least 1")
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> int:
        """0 if ``client`` may go ahead (one token taken), else the whole seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._forget(now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _forget(self, now: float) -> None:
        """Drop the buckets that have refilled: they are as a new client's would be."""
        full = [c for c, (t, then) in self._buckets.items()
                if t + (now - then) * self.rate >= self.burst]
        for client in full:
            del self._buckets[client]
