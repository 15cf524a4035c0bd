"""``AsyncMetadataClient``: the ``PartialObjectMetadata`` view (``ResourceClient.metadata()``), awaited.

``await dyn.resource("cm").namespace("ns").metadata().list()`` answers with
names, labels, owners and versions, without ``data`` or ``spec``: an
operator that only needs to know which objects exist keeps a fraction of
the memory. The requests, the ``Accept`` that asks for the view, paging and
the watch are the sync ``dynclient.tools.metadata.MetadataClient``'s; each
call runs on the client's pool, as the resource client's verbs do.

``metadata()`` itself is a builder: it returns at once, without I/O, also on
a client whose name is not resolved yet; the name resolves (on the pool) at
the first awaited call, with the resource client's errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, AsyncIterator, Dict, Optional

from ._paging import batches
from .watch import AsyncWatch

if TYPE_CHECKING:  # pragma: no cover
    from discovery.types import GroupVersionKind, GroupVersionResource

    from ..tools.metadata import MetadataClient
    from ..watch import Watch
    from .resource import AsyncResourceClient

__all__ = ["AsyncMetadataClient"]

Obj = Dict[str, Any]


@dataclass(frozen=True)
class AsyncMetadataClient:
    """``get``/``list``/``iter``/``watch`` of one resource as ``PartialObjectMetadata``, awaited.

    Made by ``AsyncResourceClient.metadata()``; ``resource`` is the client
    whose resolution, namespace, pool and open-watch tracking it shares.
    """

    resource: "AsyncResourceClient"

    @property
    def sync(self) -> "MetadataClient":
        """The sync ``MetadataClient`` this view calls (resolve first when made from a name)."""
        view: MetadataClient = self.resource.sync.metadata()
        return view

    @property
    def resolved(self) -> bool:
        return self.resource.resolved

    @property
    def gvr(self) -> "GroupVersionResource":
        return self.resource.gvr

    @property
    def gvk(self) -> "GroupVersionKind":
        return self.resource.gvk

    @property
    def namespaced(self) -> bool:
        return self.resource.namespaced

    @property
    def ns(self) -> Optional[str]:
        return self.resource.ns

    def __repr__(self) -> str:
        return f"<AsyncMetadataClient of {self.resource!r}>"

    async def resolve(self) -> "AsyncMetadataClient":
        """This view with its name resolved (discovery on the pool when needed)."""
        return AsyncMetadataClient(await self.resource.resolve())

    def namespace(self, namespace: Optional[str]) -> "AsyncMetadataClient":
        """The same view in ``namespace`` (``None``: every namespace)."""
        return AsyncMetadataClient(self.resource.namespace(namespace))

    def metadata(self) -> "AsyncMetadataClient":
        return self

    async def _view(self) -> "MetadataClient":
        view: MetadataClient = (await self.resource._client()).metadata()
        return view

    async def get(self, name: str, *, resource_version: Optional[str] = None) -> Obj:
        """One object's ``PartialObjectMetadata``."""
        view = await self._view()
        result: Obj = await self.resource._pool.run(view.get, name, resource_version=resource_version)
        return result

    async def list(self, *, label_selector: Optional[str] = None, field_selector: Optional[str] = None,
                   limit: Optional[int] = None, continue_: Optional[str] = None, resource_version: Optional[str] = None,
                   resource_version_match: Optional[str] = None, timeout_seconds: Optional[int] = None) -> Obj:
        """One LIST call, answered as a ``PartialObjectMetadataList``."""
        view = await self._view()
        result: Obj = await self.resource._pool.run(
            view.list, label_selector=label_selector, field_selector=field_selector, limit=limit, continue_=continue_,
            resource_version=resource_version, resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds)
        return result

    async def iter(self, *, label_selector: Optional[str] = None, field_selector: Optional[str] = None,
                   limit: int = 500) -> AsyncIterator[Obj]:
        """``async for meta in view.iter()``: every item, page by page (one pool hop per page)."""
        view = await self._view()
        pages = batches(self.resource._pool, view.iter(label_selector=label_selector, field_selector=field_selector,
                                                       limit=limit), limit)
        try:
            async for page in pages:
                for item in page:
                    yield item
        finally:
            await pages.aclose()

    def watch(self, *, name: Optional[str] = None, resource_version: Optional[str] = None,
              timeout_seconds: Optional[float] = None, allow_bookmarks: bool = True,
              label_selector: Optional[str] = None, field_selector: Optional[str] = None,
              yield_bookmarks: bool = False, send_initial_events: bool = False, resume: bool = True,
              relist: bool = False, server_timeout: Optional[float] = None, read_timeout: Optional[float] = None,
              backoff_base: float = 0.2, max_backoff: float = 30.0) -> AsyncWatch:
        """``async for kind, meta in view.watch()``: ``MetadataClient.watch``, read on its own thread.

        Nothing is sent until the first event is awaited; see ``AsyncWatch``
        (cancelling the awaiting task stops the stream).
        """
        options: Dict[str, Any] = dict(
            name=name, resource_version=resource_version, timeout_seconds=timeout_seconds,
            allow_bookmarks=allow_bookmarks, label_selector=label_selector, field_selector=field_selector,
            yield_bookmarks=yield_bookmarks, send_initial_events=send_initial_events, resume=resume, relist=relist,
            server_timeout=server_timeout, read_timeout=read_timeout, backoff_base=backoff_base,
            max_backoff=max_backoff)

        async def make() -> "Watch":
            view = await self._view()
            return view.watch(**options)  # builds the request; no I/O until the reader thread iterates it

        return AsyncWatch(make, pool=self.resource._pool, tracker=self.resource._watches)
