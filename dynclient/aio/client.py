"""``AsyncDynamicClient`` and ``connect``: the sync ``DynamicClient`` with every blocking call awaited.

There is one client underneath: ``sync`` is a ``dynclient.DynamicClient``
(kubeconfig, transport, discovery cache, mapper, healing, manifests), and
every call that may do I/O runs on this client's ``CallPool``
(``dynclient.aio._pool``). ``max_workers`` bounds the pool; by default it
is the transport's connection-pool size, so each thread can hold a kept-alive
connection. More concurrent calls than that queue; none fails for it.

``close()`` stops open watches and informers, waits for the pool's
threads, flushes the discovery cache and closes the connections, all off
the loop; afterwards no thread of the client is left.
"""

from __future__ import annotations

import collections.abc
import functools
import os
from typing import Any, Callable, Coroutine, Generator, List, Mapping, Optional, Sequence, Set, Union

from discovery.types import GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper.mapping import RESTMapping

from ..client import DynamicClient
from ..client import connect as _connect_sync
from ..transport import Transport
from ._pool import CallPool, in_thread
from .manifests import Progress, run_manifests
from .resource import AsyncResourceClient, _Resolution
from .watch import AsyncWatch

__all__ = ["AsyncDynamicClient", "Connecting", "connect"]

ResourceArg = Union[str, GroupVersionResource, RESTMapping]


class AsyncDynamicClient:
    """Reach any resource the server serves, from asyncio: ``await dyn.resource("po").namespace("ns").list()``.

    Wraps ``sync`` (a ``DynamicClient``, closed with this client). Use it
    as ``async with``, or ``await close()``.
    """

    def __init__(self, sync: DynamicClient, *, max_workers: Optional[int] = None) -> None:
        self.sync = sync
        #: The bounded thread pool every blocking call runs on.
        self.pool = CallPool(max_workers if max_workers is not None else sync.transport.pool.maxsize)
        self._watches: Set[AsyncWatch] = set()
        self._informers: Set[Any] = set()  # dynclient.aio.Informer, stopped by close()
        self._closed = False

    def __repr__(self) -> str:
        return f"<AsyncDynamicClient {self.sync.transport.host} max_workers={self.pool.max_workers}>"

    @property
    def transport(self) -> Transport:
        return self.sync.transport

    @property
    def namespace(self) -> str:
        """The kubeconfig context's namespace (not applied implicitly, as with the sync client)."""
        return self.sync.namespace

    @property
    def closed(self) -> bool:
        return self._closed

    # -- resources ------------------------------------------------------------------

    def resource(self, what: ResourceArg) -> AsyncResourceClient:
        """A resource client for a GVR, a RESTMapping, or any name kubectl accepts.

        Returns at once; a name (or GVR) that needs discovery is resolved on
        the pool when the first call is awaited (``dynclient.aio.resource``).
        A RESTMapping needs no lookup and gives a resolved client.
        """
        if isinstance(what, RESTMapping) or not isinstance(what, (str, GroupVersionResource)):
            # No lookup needed (or a wrong type: the sync client's TypeError, now).
            return AsyncResourceClient(self.pool, self.sync.resource(what), watches=self._watches)
        return AsyncResourceClient(self.pool, _Resolution(functools.partial(self.sync.resource, what)),
                                   watches=self._watches)

    async def resource_for_kind(self, api_version: Union[str, GroupVersion], kind: str) -> AsyncResourceClient:
        """The resource client for an ``apiVersion`` and ``kind``, resolved on the pool."""
        rc = await self.pool.run(self.sync.resource_for_kind, api_version, kind)
        return AsyncResourceClient(self.pool, rc, watches=self._watches)

    async def resources(self, names: str) -> List[AsyncResourceClient]:
        """Resolved clients for comma-separated names and categories (``all``), as ``DynamicClient.resources``."""
        clients = await self.pool.run(self.sync.resources, names)
        return [AsyncResourceClient(self.pool, rc, watches=self._watches) for rc in clients]

    async def wait_for_kind(self, api_version: Union[str, GroupVersion], kind: str, *,
                            timeout: float = 60.0) -> RESTMapping:
        """``DynamicClient.wait_for_kind`` on the pool: ``kind``'s RESTMapping once discovery serves it.

        Cancelling the awaiting task returns at once; the wait itself goes on
        on its pool thread until the kind is served or ``timeout`` passes.
        """
        return await self.pool.run(self.sync.wait_for_kind, api_version, kind, timeout=timeout)

    async def rest_mapping(self, gvk: GroupVersionKind) -> RESTMapping:
        """Map a GVK through the mapper (resetting discovery once on a miss), on the pool."""
        return await self.pool.run(self.sync.rest_mapping, gvk)

    # -- manifests --------------------------------------------------------------------

    async def apply_manifests(self, source: Any, *, progress: Optional[Progress] = None,
                              **options: Any) -> List[Any]:
        """Server-side apply every object in ``source``, CRDs before their CRs, in one pass.

        The options are ``dynclient.manifests.apply_manifests``'; ``progress``
        is called on the loop (``dynclient.aio.manifests``).
        """
        return await run_manifests(self, "apply", source, progress, options)

    async def create_manifests(self, source: Any, *, progress: Optional[Progress] = None,
                               **options: Any) -> List[Any]:
        """Create (POST) every object in ``source``, in dependency order."""
        return await run_manifests(self, "create", source, progress, options)

    async def delete_manifests(self, source: Any, *, progress: Optional[Progress] = None,
                               **options: Any) -> List[Any]:
        """Delete every object in ``source``, in reverse dependency order."""
        return await run_manifests(self, "delete", source, progress, options)

    # -- lifecycle ----------------------------------------------------------------------

    async def flush(self) -> None:
        """Wait until the discovery cache files are on disk."""
        await self.pool.run(self.sync.flush)

    async def close(self) -> None:
        """Stop watches and informers, end the pool's threads, flush the cache, close connections."""
        if self._closed:
            return
        self._closed = True
        watches, self._watches = list(self._watches), set()
        informers, self._informers = list(self._informers), set()
        for watch in watches:
            watch.stop()  # wakes each reader thread now; they are joined below

        def finish() -> None:
            for watch in watches:
                watch.join(10.0)
            for informer in informers:
                informer._stop_threads()
            self._release()

        await in_thread(finish, name="dynclient-aio-close")
        for informer in informers:
            await informer._stop_dispatch()

    def _release(self) -> None:
        """End the pool's threads and close the sync client (blocking: off the loop)."""
        self._closed = True
        self.pool.shutdown()
        self.sync.close()

    async def __aenter__(self) -> "AsyncDynamicClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def connect(
    kubeconfig: Union[str, "os.PathLike[str]", Sequence[str], Mapping[str, Any], None] = None,
    context: Optional[str] = None,
    *,
    namespace: Optional[str] = None,
    cache_dir: Optional[str] = None,
    discovery_ttl: float = 600.0,
    impersonate: Optional[str] = None,
    impersonate_uid: Optional[str] = None,
    impersonate_groups: Sequence[str] = (),
    impersonate_extra: Optional[Mapping[str, Sequence[str]]] = None,
    max_workers: Optional[int] = None,
    **client_options: Any,
) -> "Connecting":
    """``dynclient.connect`` for asyncio: the same arguments, plus ``max_workers`` (the call pool's size).

    ``dyn = await connect(...)``, or ``async with connect(...) as dyn:``,
    which closes it. The kubeconfig is read (and an exec plugin run) on a
    thread of its own, never on the loop.
    """
    if max_workers is not None and max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers}")
    def build() -> AsyncDynamicClient:
        sync = _connect_sync(
            kubeconfig, context, namespace=namespace, cache_dir=cache_dir, discovery_ttl=discovery_ttl,
            impersonate=impersonate, impersonate_uid=impersonate_uid, impersonate_groups=impersonate_groups,
            impersonate_extra=impersonate_extra, **client_options)
        return AsyncDynamicClient(sync, max_workers=max_workers)  # its first thread starts here, not on the loop

    return Connecting(lambda: in_thread(build, name="dynclient-aio-connect", orphan=AsyncDynamicClient._release))


class Connecting(collections.abc.Coroutine[Any, Any, "AsyncDynamicClient"]):
    """What ``connect()`` returns: a coroutine (await it, ``asyncio.run`` it, make a task of it) that is
    also an ``async with`` which closes the client after."""

    def __init__(self, start: Callable[[], Coroutine[Any, Any, AsyncDynamicClient]]) -> None:
        self._start = start
        self._coro: Optional[Coroutine[Any, Any, AsyncDynamicClient]] = None
        self._client: Optional[AsyncDynamicClient] = None

    def _coroutine(self) -> Coroutine[Any, Any, AsyncDynamicClient]:
        if self._coro is None:
            self._coro = self._start()
        return self._coro

    def __await__(self) -> Generator[Any, None, AsyncDynamicClient]:
        return self._coroutine().__await__()

    def send(self, value: Any) -> Any:
        return self._coroutine().send(value)

    def throw(self, *args: Any) -> Any:
        return self._coroutine().throw(*args)

    def close(self) -> None:
        if self._coro is not None:
            self._coro.close()

    async def __aenter__(self) -> AsyncDynamicClient:
        self._client = await self._coroutine()
        return self._client

    async def __aexit__(self, *exc: Any) -> None:
        if self._client is not None:
            await self._client.close()
