"""A client-side QPS/Burst token bucket, as client-go's ``flowcontrol.NewTokenBucketRateLimiter``.

rest.Config carries QPS and Burst so one client cannot flood the API server
(and trip its priority-and-fairness 429s). Burst tokens are available at once;
after that requests are spaced at 1/QPS.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

__all__ = ["TokenBucket"]


class TokenBucket:
    """Blocks in ``acquire()`` until a token is free. ``qps <= 0`` disables limiting."""

    def __init__(
        self,
        qps: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if qps > 0 and burst < 1:
            raise ValueError("burst must be at least 1 when qps is set")
        self.qps = float(qps)
        self.burst = int(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take a token (possibly going negative) and return how long the caller must wait."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
            self._last = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def acquire(self, timeout: Optional[float] = None) -> None:
        if self.qps <= 0:
            return
        wait = self._reserve()
        if timeout is not None and wait > timeout:
            with self._lock:
                self._tokens += 1.0  # give the token back: we will not use it
            raise TimeoutError(f"client rate limiter: a request would wait {wait:.2f}s (> {timeout}s)")
        if wait > 0:
            self._sleep(wait)
