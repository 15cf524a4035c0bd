"""A stale discovery cache heals itself: a 404 for the path, not the object, re-resolves the name once.

A CRD deleted, or recreated in another group, leaves the disk cache (kubectl's,
valid for its TTL) mapping a short name to a group-version the server no
longer serves: every request then gets ``404 page not found``, from kubectl
too. dynclient goes one step further. When a request made through a name the
mapper resolved gets a 404 that is about the path (``is_unserved_404``), the
client invalidates discovery (at most once per ``min_interval`` seconds, so a
loop of real 404s cannot turn into a loop of rediscoveries), resolves the
name again and, if it now maps elsewhere, repeats the request there.

Such a 404 also shows that nothing was done: no handler served the path,
so a write is as safe to repeat as a read. A 404 that names an object
(``details.name``: ``configmaps "x" not found``, or the namespace of a
create) was served by a handler and is never healed.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional, Protocol

from discovery.errors import DynclientError, NotFound, StatusError
from restmapper.mapping import RESTMapping

__all__ = ["Healer", "StaleCacheHealer", "NameHealer", "is_unserved_404"]


def is_unserved_404(err: StatusError) -> bool:
    """A 404 about the path rather than an object: the server has no handler there, nothing was done.

    Either the plain ``404 page not found`` of an unserved group-version (no
    Status at all), or the Status ``the server could not find the requested
    resource`` of an unknown resource in a served group-version (no
    ``details.name``).
    """
    if not isinstance(err, NotFound):
        return False
    if not err.from_status:
        return True
    return not err.details.get("name")


class Healer(Protocol):
    """What a resource client asks after an unserved 404: the mapping to use now, or ``None``."""

    def remap(self, mapping: RESTMapping) -> Optional[RESTMapping]:
        """A different mapping for the name ``mapping`` came from, after rediscovery; ``None`` if none."""


class StaleCacheHealer:
    """One per client: rediscovers at most once per ``min_interval`` seconds, however many names ask.

    ``reset`` invalidates discovery and the mapper (``DeferredDiscoveryRESTMapper.reset``);
    ``resolve`` maps a name as ``DynamicClient.resource`` does. ``rediscoveries``
    counts the resets done, for tests and logs.
    """

    def __init__(
        self,
        reset: Callable[[], None],
        resolve: Callable[[str], RESTMapping],
        *,
        min_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reset = reset
        self._resolve = resolve
        self._min_interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last: Optional[float] = None
        self.rediscoveries = 0

    def remap(self, name: str, mapping: RESTMapping) -> Optional[RESTMapping]:
        """The mapping ``name`` has after rediscovery, when it differs from ``mapping``.

        Within ``min_interval`` of the last rediscovery the name is only
        resolved again against the data that one fetched.
        """
        with self._lock:
            now = self._clock()
            if self._last is None or now - self._last >= self._min_interval:
                self._last = now
                self.rediscoveries += 1
                self._reset()
        try:
            fresh = self._resolve(name)
        except (DynclientError, ValueError):
            return None  # the name is gone, or discovery failed: the 404 stands
        if fresh.resource == mapping.resource:
            return None
        return fresh

    def for_name(self, name: str) -> "NameHealer":
        """The ``Healer`` for resource clients made from ``name``."""
        return NameHealer(self, name)


class NameHealer:
    """``Healer`` for one name: ``StaleCacheHealer.remap`` with the name filled in."""

    __slots__ = ("_owner", "name")

    def __init__(self, owner: StaleCacheHealer, name: str) -> None:
        self._owner = owner
        self.name = name

    def remap(self, mapping: RESTMapping) -> Optional[RESTMapping]:
        return self._owner.remap(self.name, mapping)

    def __repr__(self) -> str:
        return f"NameHealer({self.name!r})"
