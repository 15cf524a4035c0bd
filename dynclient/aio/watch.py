"""``AsyncWatch``: the sync ``Watch`` read on a thread of its own, its events handed to the event loop.

The stream, resume, backoff, bookmarks, 410 handling and event limits are
all ``dynclient.watch.Watch``'s; this module only moves its events across
threads. A watch spends its life waiting for the server, so it does not
take a thread of the client's call pool (a few watches would starve every
other call): each open watch has one reader thread, which ends with it.

Events wait in a bounded buffer (``buffer`` events, 1024 by default): a
slow consumer makes the reader wait, so memory stays bounded and the server
sees TCP back-pressure, as with the sync iterator. The loop is woken once
per burst (when the buffer stops being empty), not once per event.

Stopping is real: ``stop()``, leaving ``async with``, ``aclose()``, or
cancelling the task that awaits the next event all call ``Watch.stop()``,
which shuts the socket down; the reader thread wakes and ends at once. A
watch left open (a ``break`` out of ``async for`` without ``async with``)
is stopped by the client's ``close()``.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any, Awaitable, Callable, Deque, Dict, Optional, Set, Tuple

from ..watch import Watch
from ._pool import THREAD_PREFIX, CallPool, _call_soon

__all__ = ["AsyncWatch", "DEFAULT_BUFFER"]

Event = Tuple[str, Dict[str, Any]]

#: Events read ahead of the consumer, at most.
DEFAULT_BUFFER = 1024


class _End:
    """The reader's last item: the watch ended, with ``error`` when it ended by raising."""

    __slots__ = ("error",)

    def __init__(self, error: Optional[BaseException]) -> None:
        self.error = error


class AsyncWatch:
    """``async for kind, obj in watch``: the events of a ``dynclient.Watch``, without blocking the loop.

    Made by ``AsyncResourceClient.watch()``; nothing is sent until the first
    event is awaited. Use it as ``async with`` to be sure it stops.
    """

    def __init__(self, make: Callable[[], Awaitable[Watch]], *, pool: Optional["CallPool"] = None,
                 tracker: Optional[Set["AsyncWatch"]] = None, buffer: int = DEFAULT_BUFFER) -> None:
        self._make = make
        self._pool = pool
        self._tracker = tracker
        self._max = max(1, buffer)
        self._watch: Optional[Watch] = None
        self._thread: Optional[threading.Thread] = None
        self._cond = threading.Condition()
        self._buffer: Deque[Any] = collections.deque()
        self._ready: Optional[asyncio.Event] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._starting: Optional["asyncio.Future[Watch]"] = None
        self._done = False
        self._stopped = False

    # -- the sync watch's state ---------------------------------------------

    @property
    def watch(self) -> Optional[Watch]:
        """The sync ``Watch`` being read (``None`` until the first event is awaited)."""
        return self._watch

    @property
    def resource_version(self) -> str:
        """The last resourceVersion seen, where a new watch would resume."""
        return self._watch.resource_version if self._watch is not None else ""

    @property
    def reconnects(self) -> int:
        return self._watch.reconnects if self._watch is not None else 0

    @property
    def relists(self) -> int:
        return self._watch.relists if self._watch is not None else 0

    @property
    def stopped(self) -> bool:
        return self._stopped

    # -- lifecycle --------------------------------------------------------------

    async def _start(self) -> None:
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._make())
        # Shielded: a cancelled first ``__anext__`` must not leave a half-made watch behind.
        watch = await asyncio.shield(self._starting)
        if self._watch is not None or self._done:
            return
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._watch = watch
        if self._stopped:
            watch.stop()
            self._done = True
            return
        if self._tracker is not None:
            self._tracker.add(self)
        self._thread = threading.Thread(target=self._read, name=f"{THREAD_PREFIX}-watch", daemon=True)
        if self._pool is not None:
            # Thread.start() waits for the thread to run: a pool worker waits for it, not the loop.
            await asyncio.shield(self._pool.run(self._thread.start))
        else:
            self._thread.start()

    def _read(self) -> None:
        """The reader thread: iterate the sync watch into the buffer until it ends or is stopped."""
        assert self._watch is not None
        error: Optional[BaseException] = None
        try:
            for event in self._watch:
                if not self._push(event):
                    break
        except BaseException as exc:  # noqa: BLE001 - raised in the consuming task
            error = exc
        self._push(_End(error), force=True)

    def _push(self, item: Any, *, force: bool = False) -> bool:
        with self._cond:
            while not force and len(self._buffer) >= self._max and not self._stopped:
                self._cond.wait()
            if self._stopped and not force:
                return False
            self._buffer.append(item)
            woke = len(self._buffer) == 1
        if woke and self._loop is not None and self._ready is not None:
            _call_soon(self._loop, self._ready.set)
        return True

    def stop(self) -> None:
        """Stop the watch: its socket is shut down and its reader thread ends. Safe to call twice."""
        self._stopped = True
        if self._watch is not None:
            self._watch.stop()
        with self._cond:
            self._cond.notify_all()
        if self._tracker is not None:
            self._tracker.discard(self)

    async def aclose(self) -> None:
        """``stop()``, then wait (off the loop) until the reader thread has ended."""
        self.stop()
        thread = self._thread
        if thread is not None and thread.is_alive():
            await _joined(thread)

    def join(self, timeout: Optional[float] = None) -> bool:
        """Block until the reader thread ended (for ``close()``, which runs off the loop); True when it did."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    async def __aenter__(self) -> "AsyncWatch":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    # -- iteration --------------------------------------------------------------

    def __aiter__(self) -> "AsyncWatch":
        return self

    async def __anext__(self) -> Event:
        try:
            if self._watch is None and not self._done:
                await self._start()
            while True:
                if self._done:
                    raise StopAsyncIteration
                assert self._ready is not None
                with self._cond:
                    item = self._buffer.popleft() if self._buffer else None
                    if item is not None:
                        self._cond.notify()
                    else:
                        self._ready.clear()
                if item is None:
                    await self._ready.wait()
                    continue
                if isinstance(item, _End):
                    self._done = True
                    self.stop()
                    if item.error is not None:
                        raise item.error
                    raise StopAsyncIteration
                event: Event = item
                return event
        except asyncio.CancelledError:
            self.stop()  # a cancelled consumer stops the stream: no thread is left reading it
            raise


async def _joined(thread: threading.Thread) -> None:
    """Wait for ``thread`` to end without blocking the loop (it has been told to stop: it ends in moments)."""
    while thread.is_alive():
        await asyncio.sleep(0.001)
