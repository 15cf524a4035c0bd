"""``dynclient.aio.Informer``: the sync ``Informer``, with its handlers called on the event loop.

The list-then-watch loop, the store, relists after 410, the difference
turned into events and resync are ``dynclient.Informer``'s, on its own
thread as ever. What this face changes is where handlers run: the sync
informer is given handlers that only post each event to the loop, and one
dispatcher task there calls yours, in order, one at a time. A handler may
be a plain function or an ``async def``; an async one is awaited before the
next event is delivered. An exception in a handler is logged on
``dynclient.informer`` and never stops the informer.

``await inf.wait_for_sync()`` returns once the first LIST is in the store
*and* your handlers have been called for every object in it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, Optional, Union

from ..resource import ResourceClient
from ..tools.informer import EventHandler, IndexFunc, Store
from ..tools.informer import Informer as SyncInformer
from ._pool import _call_soon, in_thread
from .resource import AsyncResourceClient

if TYPE_CHECKING:  # pragma: no cover
    from .client import AsyncDynamicClient

__all__ = ["Informer"]

log = logging.getLogger("dynclient.informer")

Obj = Mapping[str, Any]
Handler = Callable[..., Any]
ResourceArg = Union[str, Any, ResourceClient, AsyncResourceClient]

#: How often ``wait_for_sync`` looks at the sync informer's state (it has no loop-side signal).
_SYNC_POLL = 0.005


class Informer:
    """Keeps ``store`` equal to the server's objects of one resource, and tells handlers on the loop.

    ``what`` is anything ``AsyncDynamicClient.resource`` takes or an
    (async) resource client; the other arguments are the sync
    ``Informer``'s. Nothing happens until ``start()`` (or ``async with``).
    """

    def __init__(self, dyn: "AsyncDynamicClient", what: ResourceArg, namespace: Optional[str] = None,
                 label_selector: Optional[str] = None, field_selector: Optional[str] = None,
                 resync_period: Optional[float] = None, indexers: Optional[Mapping[str, IndexFunc]] = None,
                 **options: Any) -> None:
        self._dyn = dyn
        self._what = what
        self._args = dict(namespace=namespace, label_selector=label_selector, field_selector=field_selector,
                          resync_period=resync_period, indexers=indexers, **options)
        self._sync: Optional[SyncInformer] = None
        self._early: List[EventHandler] = []  # registered before start, given to the sync informer at start
        self._queue: Optional["asyncio.Queue[Any]"] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._dispatcher: Optional["asyncio.Task[None]"] = None

    def __repr__(self) -> str:
        return f"<aio.Informer {self._sync!r}>" if self._sync is not None else "<aio.Informer (not started)>"

    # -- the sync informer's state --------------------------------------------------

    @property
    def sync(self) -> SyncInformer:
        """The sync ``Informer`` underneath (after ``start()``)."""
        if self._sync is None:
            raise RuntimeError("the informer is not started: await start() or use async with")
        return self._sync

    @property
    def store(self) -> Store:
        return self.sync.store

    @property
    def stats(self) -> Any:
        return self.sync.stats

    def has_synced(self) -> bool:
        return self._sync is not None and self._sync.has_synced()

    # -- handlers -----------------------------------------------------------------------

    def add_event_handler(self, on_add: Optional[Handler] = None, on_update: Optional[Handler] = None,
                          on_delete: Optional[Handler] = None) -> EventHandler:
        """Register handlers (plain or ``async def``), called on the loop; ``on_add`` first gets every stored object."""
        handler = EventHandler(self._poster(on_add), self._poster(on_update), self._poster(on_delete))
        if self._sync is None:
            self._early.append(handler)
        else:
            self._sync.add_event_handler(handler.on_add, handler.on_update, handler.on_delete)
        return handler

    def _poster(self, fn: Optional[Handler]) -> Optional[Callable[..., None]]:
        """A sync handler for the informer's thread that hands ``fn(*args)`` to the dispatcher task."""
        if fn is None:
            return None

        def post(*args: Any) -> None:
            if self._loop is not None and self._queue is not None:
                _call_soon(self._loop, self._queue.put_nowait, (fn, args))

        return post

    async def _dispatch(self) -> None:
        assert self._queue is not None
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, asyncio.Future):  # a wait_for_sync marker: everything before it was delivered
                if not item.done():
                    item.set_result(None)
                continue
            fn, args = item
            try:
                result = fn(*args)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # noqa: BLE001 - a handler must never kill the informer
                log.exception("%s: event handler %r failed", self, fn)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> "Informer":
        """Resolve the resource (on the pool) and start the sync informer's thread; returns self."""
        if self._sync is not None:
            return self
        what = self._what
        if isinstance(what, AsyncResourceClient):
            client = (await what.resolve()).sync
        elif isinstance(what, ResourceClient):
            client = what
        else:
            client = (await self._dyn.resource(what).resolve()).sync
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._dispatcher = asyncio.ensure_future(self._dispatch())
        self._sync = SyncInformer(self._dyn.sync, client, **self._args)
        for handler in self._early:
            self._sync.add_event_handler(handler.on_add, handler.on_update, handler.on_delete)
        self._early = []
        self._dyn._informers.add(self)
        await self._dyn.pool.run(self._sync.start)  # Thread.start() waits for the thread: not on the loop
        return self

    async def wait_for_sync(self, timeout: Optional[float] = None) -> bool:
        """Wait until the first LIST is stored and delivered to the handlers, or ``timeout``; True when synced."""
        try:
            return await asyncio.wait_for(self._synced(), timeout)
        except asyncio.TimeoutError:
            return False

    async def _synced(self) -> bool:
        sync = self.sync
        while not sync.has_synced():
            await asyncio.sleep(_SYNC_POLL)
        assert self._loop is not None and self._queue is not None
        marker: "asyncio.Future[None]" = self._loop.create_future()
        # call_soon, not put_nowait: it queues behind the events the informer thread already posted.
        self._loop.call_soon(self._queue.put_nowait, marker)
        await marker
        return True

    async def stop(self) -> None:
        """Stop the informer's threads (off the loop), then deliver what was posted and end the dispatcher."""
        self._dyn._informers.discard(self)
        if self._sync is not None:
            await in_thread(self._stop_threads, name="dynclient-aio-informer-stop")
        await self._stop_dispatch()

    def _stop_threads(self) -> None:
        if self._sync is not None:
            self._sync.stop()

    async def _stop_dispatch(self) -> None:
        if self._dispatcher is None or self._queue is None:
            return
        dispatcher, self._dispatcher = self._dispatcher, None
        self._queue.put_nowait(None)
        await dispatcher

    async def __aenter__(self) -> "Informer":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()
