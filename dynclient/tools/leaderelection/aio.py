"""The asyncio face of ``LeaderElector``: the same loop and timing, awaited (one core, two faces).

The blocking elector runs on a thread of its own; ``await elector.run()``
waits for it without blocking the event loop, and cancelling the awaiting
task stops it (releasing the lock with ``release_on_cancel``). The
callbacks may be coroutine functions: they run on the loop that called
``run()``. ``on_started_leading(lost)`` gets an ``asyncio.Event`` set when
leadership ends.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any, Callable, Optional

from .leaderelection import LeaderElector

__all__ = ["AsyncLeaderElector"]


class AsyncLeaderElector:
    """``LeaderElector`` for asyncio programs; ``dyn`` is an ``AsyncDynamicClient`` or a ``DynamicClient``."""

    def __init__(self, dyn: Any, *, on_started_leading: Callable[[asyncio.Event], Any],
                 on_stopped_leading: Callable[[], Any], on_new_leader: Optional[Callable[[str], Any]] = None,
                 **options: Any) -> None:
        self._callbacks = (on_started_leading, on_stopped_leading, on_new_leader)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self.sync = LeaderElector(getattr(dyn, "sync", dyn), on_started_leading=self._started,
                                  on_stopped_leading=self._stopped,
                                  on_new_leader=self._new_leader if on_new_leader is not None else None, **options)

    def is_leader(self) -> bool:
        return self.sync.is_leader()

    @property
    def leader(self) -> str:
        return self.sync.leader

    def stop(self) -> None:
        self.sync.stop()

    async def run(self) -> None:
        """Campaign, lead, and return when the term ends; cancelling this task stops the elector."""
        loop = self._loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def campaign() -> None:
            self.sync.run()
            loop.call_soon_threadsafe(done.set)

        thread = threading.Thread(target=campaign, name=f"leader-election-{self.sync.identity}", daemon=True)
        thread.start()
        try:
            await done.wait()
        except asyncio.CancelledError:
            self.sync.stop()
            await asyncio.shield(done.wait())
            raise

    # -- from the elector's threads onto the loop --------------------------------------------

    def _on_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        assert self._loop is not None

        async def call() -> None:
            result = fn(*args)
            if inspect.isawaitable(result):
                await result

        asyncio.run_coroutine_threadsafe(call(), self._loop).result()

    def _started(self, lost: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        event = asyncio.Event()

        def watch_term() -> None:
            lost.wait()
            loop.call_soon_threadsafe(event.set)

        waiter = threading.Thread(target=watch_term, daemon=True)
        waiter.start()
        self._on_loop(self._callbacks[0], event)

    def _stopped(self) -> None:
        self._on_loop(self._callbacks[1])

    def _new_leader(self, identity: str) -> None:
        callback = self._callbacks[2]
        if callback is not None:  # only registered with the elector when given
            self._on_loop(callback, identity)
