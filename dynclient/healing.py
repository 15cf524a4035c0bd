"""A stale discovery cache heals itself: a 404 for the path, not the object, re-resolves the name once.

A CRD deleted, or recreated in another group, leaves the disk cache (kubectl's,
valid for its TTL) mapping a short name to a group-version the server no
longer serves: every request then gets ``404 page not found``, from kubectl
too. dynclient goes one step further. When a request made through a name the
mapper resolved gets a 404 that is about the path (``is_unserved_404``), the
client invalidates discovery (through the mapper's reset limit, so a loop of
real 404s cannot turn into a loop of rediscoveries), resolves the name again
and, if it now maps elsewhere, repeats the request there.

Such a 404 also shows that nothing was done: no handler served the path,
so a write is as safe to repeat as a read. A 404 that names an object
(``details.name``: ``configmaps "x" not found``, or the namespace of a
create) was served by a handler and is never healed.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Optional, Protocol

from discovery.errors import DynclientError, NotFound, StatusError
from restmapper.mapping import RESTMapping

__all__ = ["Healer", "StaleCacheHealer", "NameHealer", "is_unserved_404"]

log = logging.getLogger("dynclient.healing")


def is_unserved_404(err: StatusError) -> bool:
    """A 404 about the path rather than an object: the server has no handler there, nothing was done.

    Either the plain ``404 page not found`` of an unserved group-version (no
    Status at all), or the Status ``the server could not find the requested
    resource`` of an unknown resource in a served group-version (empty
    ``details``: no name, no kind). A 404 that names an object or its
    namespace came from a handler and is never healed.
    """
    if not isinstance(err, NotFound):
        return False
    if not err.from_status:
        return True
    details = err.details
    return not details.get("name") and not details.get("kind")


class Healer(Protocol):
    """What a resource client asks after an unserved 404: the mapping to use now, or ``None``."""

    def remap(self, mapping: RESTMapping) -> Optional[RESTMapping]:
        """A different mapping for the name ``mapping`` came from, after rediscovery; ``None`` if none."""


class ResettableMapper(Protocol):
    """The part of ``DeferredDiscoveryRESTMapper`` healing needs."""

    @property
    def generation(self) -> int: ...

    def try_reset(self, *, seen_generation: Optional[int] = None) -> bool: ...


class StaleCacheHealer:
    """One per client: asks the mapper to rediscover, within its reset limit, and resolves names again.

    ``mapper.try_reset(seen_generation=)`` does the rate limiting: data read
    from the disk cache is reset once, data fetched in this process only
    when the mapper's token bucket allows, and a rebuild another request
    already caused is not repeated. ``resolve`` maps a name as
    ``DynamicClient.resource`` does. ``rediscoveries`` counts the heals
    that got newer data, for tests and logs.
    """

    def __init__(self, mapper: ResettableMapper, resolve: Callable[[str], RESTMapping]) -> None:
        self._mapper = mapper
        self._resolve = resolve
        self._lock = threading.Lock()
        self.rediscoveries = 0

    def remap(self, name: str, generation: int, mapping: RESTMapping) -> Optional[RESTMapping]:
        """The mapping ``name`` has after rediscovery, when it differs from ``mapping``.

        ``generation`` is the mapper's when ``mapping`` was resolved.
        """
        if not self._mapper.try_reset(seen_generation=generation):
            return None
        with self._lock:
            self.rediscoveries += 1
        try:
            fresh = self._resolve(name)
        except (DynclientError, ValueError):
            return None  # the name is gone, or discovery failed: the 404 stands
        if fresh.resource == mapping.resource:
            return None
        log.info("%s: %s is no longer served; the name now maps to %s", name, mapping.resource, fresh.resource)
        return fresh

    def for_name(self, name: str) -> "NameHealer":
        """The ``Healer`` for resource clients made from ``name`` now (the mapper's current generation)."""
        return NameHealer(self, name, self._mapper.generation)


class NameHealer:
    """``Healer`` for one resolved name: ``StaleCacheHealer.remap`` with the name and generation filled in."""

    __slots__ = ("_owner", "name", "generation")

    def __init__(self, owner: StaleCacheHealer, name: str, generation: int) -> None:
        self._owner = owner
        self.name = name
        self.generation = generation

    def remap(self, mapping: RESTMapping) -> Optional[RESTMapping]:
        return self._owner.remap(self.name, self.generation, mapping)

    def __repr__(self) -> str:
        return f"NameHealer({self.name!r}, generation={self.generation})"
