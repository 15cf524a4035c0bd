"""The metadata-only view of a resource: ``PartialObjectMetadata`` dicts (client-go's ``metadata`` client).

The API server answers any resource in this form when asked with
``Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1``
(a LIST) or ``...;as=PartialObjectMetadata;...`` (a GET, and each event of
a WATCH): ``apiVersion: meta.k8s.io/v1``, ``kind: PartialObjectMetadata``
and the whole ``metadata``, without ``spec``, ``data`` or ``status``. An
informer over 20,000 ConfigMaps then holds names, labels and versions, not
the data.

``MetadataClient`` wraps a ``ResourceClient`` and keeps its interface for
the read verbs (``get``, ``list``, ``iter``, ``watch``): it sends through the
same transport, to the same path, with the other ``Accept``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ..paths import check_name, one_term_equal_selector, resource_path
from ..watch import Watch

__all__ = ["MetadataClient", "LIST_ACCEPT", "OBJECT_ACCEPT", "list_params"]

#: What a LIST asks for.
LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
#: What a GET and each WATCH event ask for.
OBJECT_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"

Obj = Dict[str, Any]


def list_params(**pairs: Any) -> List[Tuple[str, str]]:
    """Query parameters of a LIST or WATCH, from keyword names (``label_selector``...); empty ones left out."""
    names = {"label_selector": "labelSelector", "field_selector": "fieldSelector", "limit": "limit",
             "continue_": "continue", "resource_version": "resourceVersion",
             "resource_version_match": "resourceVersionMatch", "timeout_seconds": "timeoutSeconds"}
    return [(names[k], str(v)) for k, v in pairs.items() if v not in (None, "")]


@dataclass(frozen=True)
class MetadataClient:
    """``get``/``list``/``iter``/``watch`` of one resource, answered as ``PartialObjectMetadata``."""

    resource: Any  # the ResourceClient whose transport, mapping and namespace are used

    @property
    def gvr(self) -> Any:
        return self.resource.gvr

    @property
    def gvk(self) -> Any:
        return self.resource.gvk

    @property
    def namespaced(self) -> bool:
        return self.resource.namespaced

    @property
    def ns(self) -> Optional[str]:
        return self.resource.ns

    def __repr__(self) -> str:
        return f"<MetadataClient of {self.resource!r}>"

    def namespace(self, namespace: Optional[str]) -> "MetadataClient":
        """The same view in ``namespace`` (``None``: every namespace)."""
        return MetadataClient(self.resource.namespace(namespace))

    def metadata(self) -> "MetadataClient":
        return self

    def _path(self) -> str:
        return resource_path(self.gvr, self.ns if self.namespaced else None)

    def get(self, name: str, *, resource_version: Optional[str] = None) -> Obj:
        """One object's ``PartialObjectMetadata``."""
        return self.resource.get(name, resource_version=resource_version, accept=OBJECT_ACCEPT)

    def list(self, *, label_selector: Optional[str] = None, field_selector: Optional[str] = None,
             limit: Optional[int] = None, continue_: Optional[str] = None, resource_version: Optional[str] = None,
             resource_version_match: Optional[str] = None, timeout_seconds: Optional[int] = None) -> Obj:
        """One LIST call, answered as a ``PartialObjectMetadataList``."""
        return self.resource.list(label_selector=label_selector, field_selector=field_selector, limit=limit,
                                  continue_=continue_, resource_version=resource_version,
                                  resource_version_match=resource_version_match, timeout_seconds=timeout_seconds,
                                  accept=LIST_ACCEPT)

    def iter(self, *, label_selector: Optional[str] = None, field_selector: Optional[str] = None,
             limit: int = 500) -> Iterator[Obj]:
        """Every item, page by page (a continue token that expires starts over with one full LIST)."""
        from discovery.errors import Expired

        token: Optional[str] = None
        while True:
            try:
                page = self.list(label_selector=label_selector, field_selector=field_selector, limit=limit,
                                 continue_=token)
            except Expired:
                if token is None:
                    raise
                yield from self.list(label_selector=label_selector, field_selector=field_selector).get("items") or []
                return
            yield from page.get("items") or []
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return

    def watch(self, *, name: Optional[str] = None, resource_version: Optional[str] = None,
              timeout_seconds: Optional[float] = None, allow_bookmarks: bool = True,
              label_selector: Optional[str] = None, field_selector: Optional[str] = None,
              yield_bookmarks: bool = False, send_initial_events: bool = False, resume: bool = True,
              relist: bool = False, server_timeout: Optional[float] = None, read_timeout: Optional[float] = None,
              backoff_base: float = 0.2, max_backoff: float = 30.0) -> Watch:
        """``ResourceClient.watch`` with each event's object as ``PartialObjectMetadata``."""
        if name is not None:
            check_name(name)
            selector = one_term_equal_selector("metadata.name", name)
            field_selector = f"{field_selector},{selector}" if field_selector else selector
        path = self._path()
        transport = self.resource.transport

        def open_stream(watch: Watch) -> Any:
            initial = send_initial_events and not watch.initial_events_done
            rv = resource_version or "" if initial else watch.resource_version
            params = list_params(label_selector=label_selector, field_selector=field_selector, resource_version=rv,
                             resource_version_match="NotOlderThan" if initial else None)
            params.append(("watch", "true"))
            if allow_bookmarks or initial:
                params.append(("allowWatchBookmarks", "true"))
            if initial:
                params.append(("sendInitialEvents", "true"))
            remaining = watch.remaining()
            seconds = remaining if remaining is not None else (server_timeout or random.uniform(300.0, 600.0))
            params.append(("timeoutSeconds", str(max(1, int(seconds + 0.999)))))
            silence = read_timeout or seconds + 30.0
            return transport.request("GET", path, params=params, stream=True, accept=OBJECT_ACCEPT,
                                     timeout=(transport.timeout[0], silence))

        lister = (lambda: self.list(label_selector=label_selector, field_selector=field_selector)) if relist else None
        return Watch(open_stream, resource_version=resource_version or "", timeout_seconds=timeout_seconds,
                     yield_bookmarks=yield_bookmarks, resume=resume, relist=lister,
                     backoff_base=backoff_base, max_backoff=max_backoff)
