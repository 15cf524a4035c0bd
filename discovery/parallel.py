"""Fetch many group-versions at once without opening many connections at once.

Legacy discovery costs one request per group-version, so it runs them in
parallel (client-go starts a goroutine for each). Each parallel request
needs a connection of its own over HTTP/1.1, and a pool of 64 threads that
all start together opens 64 TLS connections in the same instant. A server
with a small accept queue drops the SYNs beyond it, and the kernel retries
them only after a second: the fetch then takes a second longer than it needs.

So the fetch widens gradually: ``DEFAULT_START`` requests may be in flight
at first, each possibly opening a connection. A request that completes
leaves its connection idle in the transport's pool, where the next request
takes it; and each first request on a new connection that completes lets
one more new connection start, up to ``max_workers`` in all. At most
``start`` connections are therefore being opened at any moment (the
kernel's accept queue never overflows), while the width grows by ``start``
connections per round trip.

``run_all`` also skips the thread pool entirely when there is one item or
one worker: reading a memory cache needs no threads.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, List, Optional, Sequence, Tuple, Type, TypeVar, Union

__all__ = ["run_all", "DEFAULT_MAX_WORKERS", "DEFAULT_START"]

T = TypeVar("T")
R = TypeVar("R")

#: Requests in flight at most, once the ramp is done (one connection each over HTTP/1.1).
DEFAULT_MAX_WORKERS = 64

#: New connections being opened at once, at most. 6 cannot overflow a listen backlog
#: of 5 (Linux queues backlog + 1) even if the server accepted nothing during the burst.
#: Measured (BENCHMARKS.rst, "Scaling"), legacy discovery at 20 ms per request against
#: a backlog-5 server: 16 and 64 showed one-second SYN-retry outliers, 1 to 8 none;
#: 6 took 0.40-0.65 s at 100 CRD groups (64 at once: 0.32-1.11 s), 0.17-0.22 s with none.
DEFAULT_START = 6


class _Ramp:
    """Admits requests so that at most ``start`` of them may be opening a connection at once.

    A request that finds a proven connection free (one on which a request
    has completed: the transport's pool holds it idle) just runs. Otherwise
    it may run as a *grower*, which may open a new connection, when fewer
    than ``start`` growers are in flight and the width is below ``limit``.
    A grower that completes proves its connection, so the width grows by
    one per completed grower while never more than ``start`` connects are
    in progress.
    """

    def __init__(self, start: int, limit: int) -> None:
        self._cond = threading.Condition()
        self._start = start
        self._limit = limit
        self._proven = 0  # connections a completed grower opened
        self._busy = 0  # requests in flight on proven connections
        self._growing = 0  # requests in flight that may be opening a connection

    def acquire(self) -> bool:
        """Wait for a slot; True when the request is a grower."""
        with self._cond:
            while True:
                if self._busy < self._proven:
                    self._busy += 1
                    return False
                if self._growing < self._start and self._proven + self._growing < self._limit:
                    self._growing += 1
                    return True
                self._cond.wait()

    def release(self, grower: bool) -> None:
        with self._cond:
            if grower:
                self._growing -= 1
                self._proven += 1
            else:
                self._busy -= 1
            # one slot freed or proven, and maybe room for one more grower
            self._cond.notify(2)


def run_all(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    max_workers: int = DEFAULT_MAX_WORKERS,
    start: Optional[int] = None,
    catch: Tuple[Type[BaseException], ...] = (),
) -> List[Union[R, BaseException]]:
    """``fn`` on every item, results in item order; exceptions of the ``catch`` types are returned in place.

    ``start`` defaults to ``DEFAULT_START``, read at call time. Any other
    exception propagates (after the running calls finish).
    """
    if start is None:
        start = DEFAULT_START
    if max_workers < 1 or start < 1:
        raise ValueError(f"max_workers and start must be at least 1, got {max_workers} and {start}")

    def call(item: T) -> Union[R, BaseException]:
        try:
            return fn(item)
        except catch as err:
            return err

    workers = min(max_workers, len(items))
    if workers <= 1:
        return [call(item) for item in items]
    ramp = _Ramp(start, workers)

    def gated(item: T) -> Union[R, BaseException]:
        grower = ramp.acquire()
        try:
            return call(item)
        finally:
            ramp.release(grower)

    with _executor_class()(max_workers=workers, thread_name_prefix="discovery") as pool:
        return list(pool.map(gated, items))


def _executor_class() -> Any:
    return globals().get("ThreadPoolExecutor") or __getattr__("ThreadPoolExecutor")


def __getattr__(name: str) -> Any:
    # PEP 562: concurrent.futures (3 ms of `import dynclient`) loads when discovery first fans out.
    if name == "ThreadPoolExecutor":
        from concurrent.futures import ThreadPoolExecutor

        globals()["ThreadPoolExecutor"] = ThreadPoolExecutor
        return ThreadPoolExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
