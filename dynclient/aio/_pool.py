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
import collections
import concurrent.futures
import functools
import queue
import threading
import time
from typing import Any, Callable, Deque, Dict, List, Optional, Set, Tuple, TypeVar

__all__ = ["CallPool", "THREAD_PREFIX", "in_thread"]

T = TypeVar("T")

#: Every thread the asyncio face starts is named with this prefix (tests count them by it).
THREAD_PREFIX = "dynclient-aio"


class CallPool:
    """At most ``max_workers`` threads running blocking calls for coroutines; more calls queue, in order.

    Two ways in: ``await run(fn, ...)`` for coroutines, and ``submit(fn, ...)``
    (a ``concurrent.futures.Future``, as ``ThreadPoolExecutor.submit``) for
    code that needs to know when a call is still running.

    The loop never starts a thread. ``Thread.start()`` waits until the new
    thread runs, which on a busy machine takes milliseconds; a burst of 50
    calls would block the loop for each. Here the first worker starts with
    the pool, and a worker that takes a call while more wait in the queue
    than there are idle workers starts the next one itself (until
    ``max_workers``), before running its call. Workers stay until
    ``shutdown()``.

    ``run`` is the hot path (every verb): it costs one queue put, one
    asyncio future and, for the result, a share of one loop wake-up.
    Workers hand results to a per-loop mailbox (``_Mailbox``) and wake the
    loop only when the mailbox was empty, so a burst of 200 replies is a
    few wake-ups, not 200; no ``concurrent.futures.Future`` (and its
    condition variable) is made, and a worker takes no lock per call.
    """

    def __init__(self, max_workers: int, *, name: str = THREAD_PREFIX) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self.max_workers = max_workers
        self._name = name
        self._queue: "queue.SimpleQueue[Optional[_Work]]" = queue.SimpleQueue()
        self._lock = threading.Lock()  # the thread list, the start count, closing
        self._threads: List[threading.Thread] = []
        self._started = 1  # workers started or being started, counted under the lock
        self._closed = False
        self._idle: Deque[None] = collections.deque()  # one entry per worker waiting for a call
        self._mailboxes: Dict[asyncio.AbstractEventLoop, _Mailbox] = {}
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
        jobs, idle = self._queue, self._idle
        while True:
            idle.append(None)  # deque.append/pop are atomic: the idle count without a lock
            job = jobs.get()
            idle.pop()
            if job is None:
                return
            # More calls wait than idle workers will take: start one more (reserved under the lock).
            if self._started < self.max_workers and jobs.qsize() > len(idle) and not self._closed:
                with self._lock:  # taken only while the pool grows
                    grow = self._started < self.max_workers and not self._closed
                    if grow:
                        self._started += 1  # reserved now, so two workers never start one place twice
                if grow:
                    self._start_worker()
            job.run()

    def _put(self, job: "_Work") -> None:
        with self._lock:  # uncontended (workers take it only to grow): orders the put against shutdown()
            if self._closed:
                raise RuntimeError("the dynclient.aio client is closed")
            self._queue.put(job)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> "concurrent.futures.Future[T]":
        """Queue ``fn(*args, **kwargs)``; raises ``RuntimeError`` once the pool is shut down."""
        job = _Job(functools.partial(fn, *args, **kwargs))
        self._put(job)
        return job.future

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the pool and await its result; its exception is raised here, unchanged.

        Cancelling the awaiting task drops the call if it has not started.
        """
        loop = asyncio.get_running_loop()
        mailbox = self._mailboxes.get(loop)
        if mailbox is None:
            mailbox = self._mailboxes[loop] = _Mailbox(loop)
        future: "asyncio.Future[T]" = loop.create_future()
        job = _Call(fn, args, kwargs, future, mailbox)
        self._put(job)
        try:
            return await future
        except asyncio.CancelledError:
            job.dropped = True  # still queued: the worker skips it; running: its result is discarded
            raise

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
                job.cancel()
        # Every worker (also one being started right now) takes one None and ends.
        for _ in range(self.max_workers):
            self._queue.put(None)
        joined: Set[threading.Thread] = set()
        while True:
            threads = [t for t in self._threads_now() if t not in joined]
            if not threads:
                with self._lock:
                    if len(self._threads) >= self._started:
                        break
                time.sleep(0.001)  # a worker reserved a place just before the close and is starting it
                continue
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()
                joined.add(thread)
        self._mailboxes.clear()

    def _threads_now(self) -> List[threading.Thread]:
        with self._lock:
            return list(self._threads)


class _Work:
    """What the queue holds: a call to run on a worker, or to cancel at shutdown."""

    __slots__ = ()

    def run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def cancel(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class _Job(_Work):
    """A ``submit()`` call and the ``concurrent.futures.Future`` its result goes to."""

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

    def cancel(self) -> None:
        self.future.cancel()


class _Call(_Work):
    """A ``run()`` call: its result goes to an asyncio future, through its loop's mailbox."""

    __slots__ = ("fn", "args", "kwargs", "future", "mailbox", "dropped")

    def __init__(self, fn: Callable[..., Any], args: Tuple[Any, ...], kwargs: Dict[str, Any],
                 future: "asyncio.Future[Any]", mailbox: "_Mailbox") -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.future, self.mailbox = future, mailbox
        self.dropped = False  # set on the loop when the awaiting task is cancelled

    def run(self) -> None:
        if self.dropped:
            return  # cancelled while queued: never started
        try:
            value = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            self.mailbox.post(self.future, False, exc)
        else:
            self.mailbox.post(self.future, True, value)

    def cancel(self) -> None:
        _call_soon(self.future.get_loop(), _cancel, self.future)


def _cancel(future: "asyncio.Future[Any]") -> None:
    if not future.done():
        future.cancel()


class _Mailbox:
    """Results on their way to one event loop: workers post, the loop settles them in bursts.

    A worker appends its result, then wakes the loop only if no wake-up is
    pending. The loop clears the flag before it empties the box, so a result
    posted meanwhile is either taken by this drain or wakes the loop again
    (an empty drain at worst): none is left behind.
    """

    __slots__ = ("loop", "box", "pending")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.box: Deque[Tuple["asyncio.Future[Any]", bool, Any]] = collections.deque()
        self.pending = False

    def post(self, future: "asyncio.Future[Any]", ok: bool, value: Any) -> None:
        self.box.append((future, ok, value))
        if not self.pending:
            self.pending = True
            _call_soon(self.loop, self.drain)

    def drain(self) -> None:
        self.pending = False
        box = self.box
        while box:
            future, ok, value = box.popleft()
            if future.done():
                continue  # the awaiting task was cancelled: nobody takes the result
            if ok:
                future.set_result(value)
                continue
            try:
                future.set_exception(value)
            except TypeError:  # StopIteration cannot be raised into a coroutine (asyncio refuses it)
                future.set_exception(RuntimeError(f"a pool call raised {value!r}"))


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
