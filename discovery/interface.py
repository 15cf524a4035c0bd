"""The seams of the discovery layer, as Protocols.

Two seams:

* ``Requester`` is all discovery needs from a transport: a GET with an
  Accept header that returns the body and its Content-Type, or raises a
  ``StatusError``. dynclient's HTTP transport satisfies it; tests use a
  dict-backed fake. That keeps ``requests`` out of this package.
* ``DiscoveryInterface`` / ``CachedDiscoveryInterface`` are what the live
  client, the memory cache and the disk cache all implement, so each can
  wrap another (client-go's ``discovery.DiscoveryInterface`` and
  ``CachedDiscoveryInterface``). The RESTMapper depends only on these.
"""

from __future__ import annotations

from typing import Any, ContextManager, Dict, List, Optional, Protocol, Tuple, runtime_checkable

from ._frozen import Frozen
from .model import APIGroup, APIResourceList
from .types import GroupVersion

__all__ = [
    "RawResponse",
    "Requester",
    "DiscoveryInterface",
    "CachedDiscoveryInterface",
    "LocalResources",
    "WriteBatching",
    "ACCEPT_AGGREGATED",
    "ACCEPT_V2",
    "ACCEPT_V2BETA1",
    "ACCEPT_JSON",
]

ACCEPT_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
ACCEPT_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
ACCEPT_JSON = "application/json"
#: client-go's ``acceptDiscoveryFormats``: aggregated v2, then v2beta1, then legacy JSON.
ACCEPT_AGGREGATED = f"{ACCEPT_V2},{ACCEPT_V2BETA1},{ACCEPT_JSON}"


class RawResponse(Frozen):
    """A successful reply: the body bytes, the Content-Type the server chose, and its 2xx status.

    ``status_code`` defaults to 200 for requesters that do not report it;
    it is only used to name the reply in an error.
    """

    body: bytes
    content_type: str
    status_code: int
    __slots__ = ("body", "content_type", "status_code")

    def __init__(self, body: bytes, content_type: str = "", status_code: int = 200) -> None:
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "content_type", content_type)
        object.__setattr__(self, "status_code", status_code)


@runtime_checkable
class Requester(Protocol):
    """Performs a GET against the API server (path is absolute, e.g. ``/apis``).

    Raises a ``discovery.errors.StatusError`` subclass for a non-2xx reply and
    ``TransportError`` when there is no reply.
    """

    def get(self, path: str, *, accept: str) -> RawResponse: ...


@runtime_checkable
class DiscoveryInterface(Protocol):
    """What the server serves. Core group first, then ``/apis`` groups in server order.

    The aggregate methods raise ``GroupDiscoveryFailed`` when some
    group-versions failed; its ``partial`` carries what did succeed, in the
    same shape the method would have returned.
    """

    def server_version(self) -> Dict[str, Any]: ...

    def server_groups(self) -> List[APIGroup]: ...

    def server_resources_for_group_version(self, gv: GroupVersion) -> APIResourceList: ...

    def server_groups_and_resources(self) -> Tuple[List[APIGroup], List[APIResourceList]]: ...

    def server_preferred_resources(self) -> List[APIResourceList]: ...

    def server_preferred_namespaced_resources(self) -> List[APIResourceList]: ...


@runtime_checkable
class CachedDiscoveryInterface(DiscoveryInterface, Protocol):
    """A discovery client whose answers may be stale (client-go ``CachedDiscoveryInterface``)."""

    @property
    def fresh(self) -> bool:
        """True when everything returned so far came from the server in this process."""
        ...

    def invalidate(self) -> None:
        """Forget cached answers; the next call goes to the server."""
        ...


@runtime_checkable
class LocalResources(Protocol):
    """A cache that can answer a group-version from local storage alone, never the network.

    The memory cache asks this first when it fills itself: reading a hundred
    small files is faster in one thread than on the pool meant for network
    round trips, and only the misses then go to the pool.
    """

    def cached_resources_for_group_version(self, gv: GroupVersion) -> Optional[APIResourceList]:
        """The group-version's resources when a usable local copy exists, else ``None``."""
        ...


@runtime_checkable
class WriteBatching(Protocol):
    """A cache whose writes can be held back while a burst of fetches runs, then done together."""

    def holding_writes(self) -> ContextManager[None]:
        """A block during which cache writes are queued; they are scheduled when it ends."""
        ...
