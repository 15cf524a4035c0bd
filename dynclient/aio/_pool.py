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
import queue
import threading
import time
from typing import Any, Callable, List, Optional, Set, TypeVar

__all__ = ["CallPool", "THREAD_PREFIX", "in_thread"]

T = TypeVar("T")

#: Every thread the asyncio face starts is named with this prefix (tests count them by it).
THREAD_PREFIX = "dynclient-aio"


class CallPool:
    """At most ``max_workers`` threads running blocking calls for coroutines; more calls queue, in order.

    Like ``concurrent.futures.ThreadPoolExecutor`` (its ``Future`` is what
    ``submit`` returns), with one difference that matters on an event loop:
    the loop never starts a thread. ``Thread.start()`` waits until the new
    thread runs, which on a busy machine takes milliseconds; a burst of 50
    calls would block the loop for each. Here the first worker starts with
    the pool, and a worker that takes a call while more are queued than
    there are idle workers starts the next one itself, before running its
    call. Workers stay until ``shutdown()``.
    """

    def __init__(self, max_workers: int, *, name: str = THREAD_PREFIX) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self.max_workers = max_workers
        self._name = name
        self._queue: "queue.SimpleQueue[Optional[_Job]]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: List[threading.Thread] = []
        self._started = 0  # workers started or being started, counted under the lock
        self._idle = 0
        self._queued = 0
        self._closed = False
        self._started = 1
        self._start_worker()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def threads(self) -> int:
        """Worker threads started so far (never more than ``max_workers``)."""
        return self._started

    def _start_worker(self) -> None:
        # Called with no lock held, by the constructor or by a worker: never on the loop.
        # The caller has counted it in ``_started``.
        with self._lock:
            thread = threading.Thread(target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True)
            self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            job = self._queue.get()
            with self._lock:
                self._idle -= 1
                if job is None:
                    return
                self._queued -= 1
                grow = self._queued > self._idle and self._started < self.max_workers and not self._closed
                if grow:
                    self._started += 1  # reserved now, so two workers never start one place twice
            if grow:
                self._start_worker()
            job.run()

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> "concurrent.futures.Future[T]":
        """Queue ``fn(*args, **kwargs)``; raises ``RuntimeError`` once the pool is shut down."""
        job = _Job(functools.partial(fn, *args, **kwargs))
        with self._lock:
            if self._closed:
                raise RuntimeError("the dynclient.aio client is closed")
            self._queued += 1
            self._queue.put(job)
        return job.future

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the pool and await its result; its exception is raised here, unchanged."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def shutdown(self) -> None:
        """Drop queued calls, wait for running ones, and end every thread (blocking: not on the loop)."""
        with self._lock:
            self._closed = True
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.future.cancel()
        # Every worker (also one being started right now) takes one None and ends.
        for _ in range(self.max_workers):
            self._queue.put(None)
        joined: Set[threading.Thread] = set()
        while True:
            threads = [t for t in self._threads_now() if t not in joined]
            if not threads:
                with self._lock:
                    if len(self._threads) >= self._started:
                        return
                time.sleep(0.001)  # a worker reserved a place just before the close and is starting it
                continue
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()
                joined.add(thread)

    def _threads_now(self) -> List[threading.Thread]:
        with self._lock:
            return list(self._threads)


class _Job:
    """One queued call and the future its result goes to."""

    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.future: "concurrent.futures.Future[Any]" = concurrent.futures.Future()

    def run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return  # cancelled while queued
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            self.future.set_exception(exc)
        else:
            self.future.set_result(result)


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
