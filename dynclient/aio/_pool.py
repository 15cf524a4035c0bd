"""The one place where the asyncio face waits for the blocking core: a bounded, per-client thread pool.

Every blocking call of the sync client (a request, a discovery fetch, a
manifest run) is submitted here and awaited as a future, so the event loop
never runs one. The pool has ``max_workers`` threads at most (by default as
many as the transport keeps connections, so every thread can hold one);
more calls than that wait in the pool's queue, in order, and none fails for
it. Threads start on demand and all end in ``shutdown()``.

Cancelling the awaiting task drops a call that is still queued. A call that
is already running finishes on its thread (its reply is discarded): a
request cannot be taken back from the wire once sent. Streams are different:
a watch is stopped through ``Watch.stop()``, which wakes its thread
(``dynclient.aio.watch``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from typing import Any, Callable, Optional, TypeVar

__all__ = ["CallPool", "THREAD_PREFIX", "in_thread"]

T = TypeVar("T")

#: Every thread the asyncio face starts is named with this prefix (tests count them by it).
THREAD_PREFIX = "dynclient-aio"


class CallPool:
    """A ``ThreadPoolExecutor`` of ``max_workers`` threads that runs blocking calls for coroutines."""

    def __init__(self, max_workers: int, *, name: str = THREAD_PREFIX) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self.max_workers = max_workers
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> "concurrent.futures.Future[T]":
        """Queue ``fn(*args, **kwargs)``; raises ``RuntimeError`` once the pool is shut down."""
        if self._closed:
            raise RuntimeError("the dynclient.aio client is closed")
        return self._executor.submit(functools.partial(fn, *args, **kwargs))

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the pool and await its result; its exception is raised here, unchanged."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def shutdown(self) -> None:
        """Drop queued calls, wait for running ones, and end every thread (blocking: not on the loop)."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)


async def in_thread(fn: Callable[..., T], *args: Any, name: str = f"{THREAD_PREFIX}-once",
                    orphan: Optional[Callable[[T], None]] = None) -> T:
    """Run ``fn`` on a thread of its own that ends with it (for work outside any client's pool).

    ``connect`` uses it before the pool exists, and ``close`` to wait for
    the pool's threads without blocking the loop. When the awaiting task was
    cancelled meanwhile, a result nobody takes is handed to ``orphan`` (on
    another short thread: ``connect`` closes the client it made).
    """
    loop = asyncio.get_running_loop()
    future: "asyncio.Future[T]" = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if future.cancelled():
            if ok and orphan is not None:
                threading.Thread(target=orphan, args=(value,), name=name, daemon=True).start()
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def target() -> None:
        try:
            value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            _call_soon(loop, settle, False, exc)
        else:
            _call_soon(loop, settle, True, value)

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    result = await future
    thread.join()  # it has only to return by now: no thread of ours outlives the call
    return result


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> Optional[asyncio.Handle]:
    """``loop.call_soon_threadsafe``, or nothing when the loop is already closed (nobody waits any more)."""
    try:
        return loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:
        return None
