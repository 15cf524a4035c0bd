"""Work queues for controllers, after client-go's ``util/workqueue``.

Three layers, each wrapping the one before and keeping its interface:

* ``WorkQueue`` (``queue.go``): a FIFO that de-duplicates. An item added
  while it waits is queued once; an item added while a worker processes it
  is remembered ("dirty") and queued again when the worker calls ``done``.
  So no item is ever processed by two workers at once.
* ``DelayingQueue`` (``delaying_queue.go``): ``add_after(item, delay)``
  through a heap of ready times and one waiter thread.
* ``RateLimitingQueue`` (``rate_limiting_queue.go``): ``add_rate_limited``
  asks a rate limiter how long to wait; ``forget`` resets the item's history.

Rate limiters (``default_rate_limiters.go``): ``ItemExponentialFailureRateLimiter``
(per-item ``base * 2**failures`` capped at ``max_delay``), ``BucketRateLimiter``
(overall QPS with a burst), ``MaxOfRateLimiter`` and
``default_controller_rate_limiter()``, client-go's ``DefaultControllerRateLimiter``.

Every clock is injectable so tests never sleep. Typical use::

    q = RateLimitingQueue()
    def worker():
        while True:
            key, shutdown = q.get()
            if shutdown:
                return
            try:
                reconcile(key)
                q.forget(key)
            except Exception:
                q.add_rate_limited(key)
            finally:
                q.done(key)
"""

from __future__ import annotations

import collections
import heapq
import itertools
import threading
import time
from typing import Any, Callable, Deque, Dict, Hashable, List, Optional, Protocol, Set, Tuple

__all__ = [
    "WorkQueue",
    "DelayingQueue",
    "RateLimitingQueue",
    "RateLimiter",
    "ItemExponentialFailureRateLimiter",
    "BucketRateLimiter",
    "MaxOfRateLimiter",
    "default_controller_rate_limiter",
]

Clock = Callable[[], float]


class WorkQueue:
    """A thread-safe, de-duplicating FIFO of hashable items (client-go ``Type``)."""

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._queue: Deque[Hashable] = collections.deque()
        self._dirty: Set[Hashable] = set()  # needs processing (queued, or re-added while processing)
        self._processing: Set[Hashable] = set()
        self._cond = threading.Condition(threading.Lock())
        self._shutting_down = False
        self._drain = False

    def add(self, item: Hashable) -> None:
        """Queue ``item`` unless it is already waiting; after ``shut_down`` adds are ignored."""
        with self._cond:
            if self._shutting_down or item in self._dirty:
                return
            self._dirty.add(item)
            if item in self._processing:
                return  # queued again by done()
            self._queue.append(item)
            self._cond.notify()

    def __len__(self) -> int:
        with self._cond:
            return len(self._queue)

    def get(self, timeout: Optional[float] = None) -> Tuple[Any, bool]:
        """Block until an item is ready; returns ``(item, shutdown)``.

        When ``shutdown`` is True the item is ``None`` and the worker should
        exit. With ``timeout``, returns ``(None, False)`` if nothing arrived.
        """
        with self._cond:
            end = None if timeout is None else time.monotonic() + timeout
            while not self._queue and not self._shutting_down:
                remaining = None if end is None else end - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None, False
                self._cond.wait(remaining)
            if not self._queue:
                return None, True
            item = self._queue.popleft()
            self._processing.add(item)
            self._dirty.discard(item)
            return item, False

    def done(self, item: Hashable) -> None:
        """Mark ``item`` processed; if it was added meanwhile, queue it again."""
        with self._cond:
            self._processing.discard(item)
            if item in self._dirty:
                self._queue.append(item)
                self._cond.notify()
            elif not self._processing:
                self._cond.notify_all()  # shut_down_with_drain waits for this

    def shut_down(self) -> None:
        """Stop accepting items and wake every ``get`` (they return ``shutdown=True`` once the queue is empty)."""
        with self._cond:
            self._shutting_down = True
            self._cond.notify_all()

    def shut_down_with_drain(self, timeout: Optional[float] = None) -> bool:
        """``shut_down``, then wait until every item handed out was marked ``done``.

        Returns False if ``timeout`` passed first. Items still queued are
        still handed to workers, as client-go's ``ShutDownWithDrain`` does.
        """
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._shutting_down = True
            self._drain = True
            self._cond.notify_all()
            while self._processing or self._queue:
                remaining = None if end is None else end - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining if remaining is not None else 1.0)
            return True

    @property
    def shutting_down(self) -> bool:
        with self._cond:
            return self._shutting_down


class DelayingQueue(WorkQueue):
    """A ``WorkQueue`` with ``add_after``: items become ready after a delay (client-go ``DelayingInterface``).

    One daemon thread waits for the earliest ready time; an item scheduled
    twice keeps the earlier time. The thread starts on the first
    ``add_after`` and ends at ``shut_down``.
    """

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        super().__init__(clock=clock)
        self._heap: List[Tuple[float, int, Hashable]] = []
        self._ready_at: Dict[Hashable, float] = {}
        self._seq = itertools.count()
        self._timer_cond = threading.Condition(threading.Lock())
        self._waiter: Optional[threading.Thread] = None
        self._stop_waiter = False

    def add_after(self, item: Hashable, delay: float) -> None:
        """Add ``item`` once ``delay`` seconds have passed (at once when ``delay <= 0``)."""
        if self.shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        at = self._clock() + delay
        with self._timer_cond:
            known = self._ready_at.get(item)
            if known is not None and known <= at:
                return
            self._ready_at[item] = at
            heapq.heappush(self._heap, (at, next(self._seq), item))
            if self._waiter is None:
                self._waiter = threading.Thread(target=self._wait_loop, name="workqueue-delay", daemon=True)
                self._waiter.start()
            self._timer_cond.notify()

    def waiting(self) -> int:
        """How many items are scheduled for later."""
        with self._timer_cond:
            return len(self._ready_at)

    def advance(self) -> None:
        """Move every item whose time has come into the queue now (used by tests with a fake clock)."""
        for item in self._pop_ready():
            self.add(item)

    def _pop_ready(self) -> List[Hashable]:
        ready = []
        with self._timer_cond:
            now = self._clock()
            while self._heap and self._heap[0][0] <= now:
                at, _, item = heapq.heappop(self._heap)
                if self._ready_at.get(item) == at:
                    del self._ready_at[item]
                    ready.append(item)
        return ready

    def _wait_loop(self) -> None:
        while True:
            for item in self._pop_ready():
                self.add(item)
            with self._timer_cond:
                if self._stop_waiter:
                    return
                if self._heap:
                    # Poll at most every 100ms so an injected clock that jumps is noticed too.
                    wait = min(max(self._heap[0][0] - self._clock(), 0.0), 0.1)
                else:
                    wait = None
                if wait is None or wait > 0:
                    self._timer_cond.wait(wait)

    def shut_down(self) -> None:
        super().shut_down()
        self._stop_timer()

    def shut_down_with_drain(self, timeout: Optional[float] = None) -> bool:
        self._stop_timer()
        return super().shut_down_with_drain(timeout)

    def _stop_timer(self) -> None:
        with self._timer_cond:
            self._stop_waiter = True
            self._heap.clear()
            self._ready_at.clear()
            self._timer_cond.notify_all()
            waiter = self._waiter
        if waiter is not None and waiter is not threading.current_thread():
            waiter.join(timeout=5)


class RateLimiter(Protocol):
    """How long an item should wait before it is retried (client-go ``TypedRateLimiter``)."""

    def when(self, item: Hashable) -> float: ...

    def forget(self, item: Hashable) -> None: ...

    def num_requeues(self, item: Hashable) -> int: ...


class ItemExponentialFailureRateLimiter:
    """``base * 2**failures`` per item, capped at ``max_delay`` (defaults: 5ms and 1000s, as client-go)."""

    def __init__(self, base: float = 0.005, max_delay: float = 1000.0) -> None:
        self.base = base
        self.max_delay = max_delay
        self._failures: Dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def when(self, item: Hashable) -> float:
        with self._lock:
            exp = self._failures.get(item, 0)
            self._failures[item] = exp + 1
        if exp > 62:  # 2**63 overflows Go's int64 there; the cap applies long before anyway
            return self.max_delay
        return min(self.base * (2 ** exp), self.max_delay)

    def forget(self, item: Hashable) -> None:
        with self._lock:
            self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        with self._lock:
            return self._failures.get(item, 0)


class BucketRateLimiter:
    """An overall token bucket: ``qps`` per second after a ``burst`` (defaults 10 and 100, as client-go).

    ``when`` reserves a token and returns how long until it is valid, like
    ``rate.Limiter.Reserve().Delay()``; it does not track items.
    """

    def __init__(self, qps: float = 10.0, burst: int = 100, *, clock: Clock = time.monotonic) -> None:
        self.qps = float(qps)
        self.burst = int(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def when(self, item: Hashable) -> float:
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
            self._last = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, item: Hashable) -> None:
        pass

    def num_requeues(self, item: Hashable) -> int:
        return 0


class MaxOfRateLimiter:
    """The longest wait any of its limiters asks for; requeues are the most any of them counted."""

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self.limiters = limiters

    def when(self, item: Hashable) -> float:
        return max(limiter.when(item) for limiter in self.limiters)

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)


def default_controller_rate_limiter(*, clock: Clock = time.monotonic) -> MaxOfRateLimiter:
    """client-go ``DefaultControllerRateLimiter``: per-item 5ms..1000s backoff, and 10 qps / 100 burst overall."""
    return MaxOfRateLimiter(ItemExponentialFailureRateLimiter(0.005, 1000.0), BucketRateLimiter(10.0, 100, clock=clock))


class RateLimitingQueue(DelayingQueue):
    """A ``DelayingQueue`` that delays re-adds by what a rate limiter says (client-go ``RateLimitingInterface``)."""

    def __init__(self, rate_limiter: Optional[RateLimiter] = None, *, clock: Clock = time.monotonic) -> None:
        super().__init__(clock=clock)
        self.rate_limiter: RateLimiter = rate_limiter or default_controller_rate_limiter(clock=clock)

    def add_rate_limited(self, item: Hashable) -> None:
        """Add ``item`` after the rate limiter's delay for it (which grows with each failure)."""
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: Hashable) -> None:
        """Reset the item's failure history (call after it was processed successfully)."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        """How many times ``item`` was rate-limited since it was last forgotten."""
        return self.rate_limiter.num_requeues(item)
