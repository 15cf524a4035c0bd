"""``AsyncResourceClient``: the sync ``ResourceClient``'s verbs, awaited.

Each verb hands the sync client's own method to the call pool
(``dynclient.aio._pool``) and awaits it: paths, checks, the reply decoder,
stale-cache healing and the error tree are the sync client's, so a call
fails with the same class and message on both faces.

Resolution is lazy. ``AsyncDynamicClient.resource(name)`` may need
discovery, which is I/O, and it is not awaited (so that
``await dyn.resource("po").namespace("ns").list()`` reads like the sync
call). It returns at once a client that resolves the name on the pool when
its first call is awaited, once for it and every client built from it with
``namespace()``/``subresource()``. So a name the server does not serve, or
a namespace given to a cluster-scoped resource, raises at that first
``await`` (the sync client's error, unchanged) rather than at the builder.
``await client.resolve()`` resolves up front and gives a client whose
``gvr``, ``gvk`` and ``namespaced`` can be read; clients made by
``resource_for_kind``, ``resources`` or from a ``RESTMapping`` come
resolved, and their builders check at once, as the sync ones do.
"""

from __future__ import annotations

import asyncio
from typing import (TYPE_CHECKING, Any, AsyncIterator, Callable, Dict, Mapping, Optional, Sequence, Set, Tuple, TypeVar,
                    Union)

from discovery.types import GroupVersionKind, GroupVersionResource
from restmapper.mapping import RESTMapping

from ..resource import ResourceClient
from ..watch import DEFAULT_MAX_EVENT_SIZE
from ._paging import batches
from .metadata import AsyncMetadataClient
from .watch import AsyncWatch

if TYPE_CHECKING:  # pragma: no cover
    from ._pool import CallPool

__all__ = ["AsyncResourceClient"]

Obj = Dict[str, Any]
#: A builder step applied once the name is resolved: ("namespace", ns) or ("subresource", name).
Step = Tuple[str, Optional[str]]
T = TypeVar("T")


class _Resolution:
    """The sync ``ResourceClient`` a name stands for: resolved once, on the pool, shared by derived clients.

    A failure is not kept: the next call tries again, as each sync
    ``resource()`` call resolves afresh.
    """

    def __init__(self, resolve: Callable[[], ResourceClient]) -> None:
        self._resolve = resolve
        self.value: Optional[ResourceClient] = None
        self._pending: Optional["asyncio.Future[ResourceClient]"] = None

    async def get(self, pool: "CallPool") -> ResourceClient:
        if self.value is not None:
            return self.value
        pending = self._pending
        if pending is None or (pending.done() and (pending.cancelled() or pending.exception() is not None)):
            pending = self._pending = asyncio.ensure_future(pool.run(self._resolve))
        # Shielded: one cancelled caller must not cancel the lookup the others wait for.
        value = await asyncio.shield(pending)
        self.value = value
        return value


class AsyncResourceClient:
    """Every verb of one resource, awaited. Build it with ``AsyncDynamicClient.resource()``, not directly."""

    def __init__(self, pool: "CallPool", source: Union[ResourceClient, _Resolution], steps: Tuple[Step, ...] = (),
                 *, watches: Optional[Set[AsyncWatch]] = None) -> None:
        self._pool = pool
        self._source = source
        self._steps = steps
        self._watches = watches
        self._rc: Optional[ResourceClient] = source if isinstance(source, ResourceClient) else None

    # -- identity ---------------------------------------------------------------

    @property
    def sync(self) -> ResourceClient:
        """The sync ``ResourceClient`` this client calls (resolve first when made from a name)."""
        rc = self._resolved()
        if rc is None:
            raise RuntimeError(f"{self!r} is not resolved yet: await its resolve() first")
        return rc

    @property
    def resolved(self) -> bool:
        return self._resolved() is not None

    @property
    def mapping(self) -> RESTMapping:
        return self.sync.mapping

    @property
    def gvr(self) -> GroupVersionResource:
        return self.sync.gvr

    @property
    def gvk(self) -> GroupVersionKind:
        return self.sync.gvk

    @property
    def namespaced(self) -> bool:
        return self.sync.namespaced

    @property
    def ns(self) -> Optional[str]:
        rc = self._resolved()
        if rc is not None:
            return rc.ns
        return next((arg for step, arg in reversed(self._steps) if step == "namespace"), None)

    def __repr__(self) -> str:
        rc = self._resolved()
        if rc is not None:
            return f"<Async{repr(rc)[1:]}"
        steps = "".join(f", {step}={arg!r}" for step, arg in self._steps)
        return f"<AsyncResourceClient (unresolved){steps}>"

    def _resolved(self) -> Optional[ResourceClient]:
        if self._rc is None and not isinstance(self._source, ResourceClient) and self._source.value is not None:
            self._rc = _built(self._source.value, self._steps)
        return self._rc

    async def _client(self) -> ResourceClient:
        # Built once: every verb of a client made from a name would otherwise apply its steps again.
        rc = self._rc
        if rc is None:
            assert not isinstance(self._source, ResourceClient)
            rc = self._rc = _built(await self._source.get(self._pool), self._steps)
        return rc

    async def resolve(self) -> "AsyncResourceClient":
        """This client with its name resolved (discovery on the pool when needed): ``gvr`` etc. can be read."""
        return AsyncResourceClient(self._pool, await self._client(), watches=self._watches)

    # -- builders -----------------------------------------------------------------

    def namespace(self, namespace: Optional[str]) -> "AsyncResourceClient":
        """A client for the same resource in ``namespace`` (``None``: all namespaces); see the module docs."""
        return self._with("namespace", namespace)

    def subresource(self, name: str) -> "AsyncResourceClient":
        """A client for a subresource such as ``status`` or ``scale``."""
        return self._with("subresource", name)

    def _with(self, step: str, arg: Optional[str]) -> "AsyncResourceClient":
        if isinstance(self._source, ResourceClient):  # resolved: checked now, as the sync builder does
            return AsyncResourceClient(self._pool, _built(self._source, ((step, arg),)), watches=self._watches)
        return AsyncResourceClient(self._pool, self._source, self._steps + ((step, arg),), watches=self._watches)

    async def _call(self, verb: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        rc = self._rc if self._rc is not None else await self._client()  # resolved: no extra coroutine per call
        return await self._pool.run(verb, rc, *args, **kwargs)

    # -- read verbs -----------------------------------------------------------------

    async def get(self, name: str, *, resource_version: Optional[str] = None,
                  accept: str = "application/json") -> Obj:
        """``ResourceClient.get``, awaited."""
        return await self._call(ResourceClient.get, name, resource_version=resource_version,
                                accept=accept)

    async def list(
        self,
        *,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        limit: Optional[int] = None,
        continue_: Optional[str] = None,
        resource_version: Optional[str] = None,
        resource_version_match: Optional[str] = None,
        timeout_seconds: Optional[int] = None,
        accept: str = "application/json",
    ) -> Obj:
        """``ResourceClient.list``, awaited: one LIST call."""
        return await self._call(
            ResourceClient.list, label_selector=label_selector, field_selector=field_selector, limit=limit,
            continue_=continue_, resource_version=resource_version, resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds, accept=accept)

    async def iter(
        self,
        *,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        limit: int = 500,
        resource_version: Optional[str] = None,
        timeout_seconds: Optional[int] = None,
    ) -> AsyncIterator[Obj]:
        """``async for item in client.iter()``: ``ResourceClient.iter``'s items, page by page.

        The sync iterator (paging, the 410 fallback) runs on the pool, up to
        ``limit`` items per hop, so there is one hop per page, not per item.
        """
        rc = await self._client()
        pages = batches(self._pool, rc.iter(label_selector=label_selector, field_selector=field_selector, limit=limit,
                                            resource_version=resource_version, timeout_seconds=timeout_seconds),
                        limit)
        try:
            async for page in pages:
                for item in page:
                    yield item
        finally:
            await pages.aclose()

    def watch(
        self,
        *,
        name: Optional[str] = None,
        resource_version: Optional[str] = None,
        timeout_seconds: Optional[float] = None,
        allow_bookmarks: bool = True,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        yield_bookmarks: bool = False,
        send_initial_events: bool = False,
        resume: bool = True,
        relist: bool = False,
        server_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        backoff_base: float = 0.2,
        max_backoff: float = 30.0,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> AsyncWatch:
        """``async for kind, obj in client.watch()``: ``ResourceClient.watch``, read on its own thread.

        Nothing is sent until the first event is awaited; see ``AsyncWatch``.
        """
        options: Dict[str, Any] = dict(name=name, resource_version=resource_version, timeout_seconds=timeout_seconds,
                       allow_bookmarks=allow_bookmarks, label_selector=label_selector, field_selector=field_selector,
                       yield_bookmarks=yield_bookmarks, send_initial_events=send_initial_events, resume=resume,
                       relist=relist, server_timeout=server_timeout, read_timeout=read_timeout,
                       backoff_base=backoff_base, max_backoff=max_backoff, max_event_size=max_event_size)

        async def make() -> Any:
            rc = await self._client()
            return rc.watch(**options)  # builds the request; no I/O until the reader thread iterates it

        return AsyncWatch(make, pool=self._pool, tracker=self._watches)

    # -- write verbs ------------------------------------------------------------------

    async def create(self, obj: Mapping[str, Any], *, dry_run: bool = False, field_manager: Optional[str] = None,
                     field_validation: Optional[str] = None) -> Obj:
        """``ResourceClient.create``, awaited."""
        return await self._call(ResourceClient.create, obj, dry_run=dry_run,
                                field_manager=field_manager, field_validation=field_validation)

    async def update(self, obj: Mapping[str, Any], *, dry_run: bool = False,
                     field_manager: Optional[str] = None) -> Obj:
        """``ResourceClient.update``, awaited."""
        return await self._call(ResourceClient.update, obj, dry_run=dry_run,
                                field_manager=field_manager)

    async def update_status(self, obj: Mapping[str, Any], *, dry_run: bool = False,
                            field_manager: Optional[str] = None) -> Obj:
        """``ResourceClient.update_status``, awaited."""
        return await self._call(ResourceClient.update_status, obj, dry_run=dry_run,
                                field_manager=field_manager)

    async def patch(
        self,
        name: str,
        body: Union[Mapping[str, Any], Sequence[Any], str, bytes],
        patch_type: str = "merge",
        *,
        dry_run: bool = False,
        field_manager: Optional[str] = None,
        force: Optional[bool] = None,
    ) -> Obj:
        """``ResourceClient.patch``, awaited."""
        return await self._call(ResourceClient.patch, name, body, patch_type,
                                dry_run=dry_run, field_manager=field_manager, force=force)

    async def apply(
        self,
        obj: Mapping[str, Any],
        *,
        field_manager: str = "dynclient",
        force: bool = False,
        dry_run: bool = False,
        field_validation: Optional[str] = None,
    ) -> Obj:
        """``ResourceClient.apply`` (server-side apply), awaited."""
        return await self._call(ResourceClient.apply, obj, field_manager=field_manager,
                                force=force, dry_run=dry_run, field_validation=field_validation)

    async def delete(
        self,
        name: str,
        *,
        propagation_policy: Optional[str] = None,
        grace_period_seconds: Optional[int] = None,
        preconditions: Optional[Mapping[str, str]] = None,
        dry_run: bool = False,
    ) -> Obj:
        """``ResourceClient.delete``, awaited."""
        return await self._call(
            ResourceClient.delete, name, propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds, preconditions=preconditions, dry_run=dry_run)

    async def delete_collection(
        self,
        *,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        propagation_policy: Optional[str] = None,
        grace_period_seconds: Optional[int] = None,
        dry_run: bool = False,
    ) -> Obj:
        """``ResourceClient.delete_collection``, awaited."""
        return await self._call(
            ResourceClient.delete_collection, label_selector=label_selector, field_selector=field_selector,
            propagation_policy=propagation_policy, grace_period_seconds=grace_period_seconds, dry_run=dry_run)

    async def wait(
        self,
        name: Optional[str] = None,
        *,
        condition: Any,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        all: bool = False,
        timeout: Optional[float] = 30.0,
    ) -> Any:
        """``ResourceClient.wait``, awaited: it holds one pool thread until the condition or ``timeout``
        (cancelling the awaiting task drops the result; the thread ends at the condition or the timeout)."""
        return await self._call(ResourceClient.wait, name, condition=condition, label_selector=label_selector,
                                field_selector=field_selector, all=all, timeout=timeout)

    # -- views ----------------------------------------------------------------------------

    def metadata(self) -> AsyncMetadataClient:
        """This resource as ``PartialObjectMetadata`` (get/list/iter/watch, awaited): the sync
        ``ResourceClient.metadata()`` view on the pool. A builder: no I/O until a call is awaited."""
        return AsyncMetadataClient(self)


def _built(rc: ResourceClient, steps: Tuple[Step, ...]) -> ResourceClient:
    """Apply the builder steps recorded before resolution, with the sync builders' checks."""
    for step, arg in steps:
        if step == "namespace":
            rc = rc.namespace(arg)
        else:
            assert arg is not None
            rc = rc.subresource(arg)
    return rc

