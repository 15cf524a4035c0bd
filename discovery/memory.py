"""In-process discovery cache: ask the server once, answer from memory until invalidated.

client-go's ``discovery/cached/memory/memcache.go``. The first call that
needs groups runs one full discovery through the delegate and keeps the
groups and every group-version's resources (or its error). ``invalidate()``
forgets everything, so the next call asks again; that is how a REST mapper
recovers from a "no match" after a CRD appears.

One deliberate difference: asking for a single group-version that is not
loaded yet fetches just that group-version instead of running full
discovery, so resolving a fully qualified ``apiVersion``/``kind`` against a
legacy server costs one request, not one per group-version.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from typing import Any, Dict, List, Optional

from cachetools import LRUCache

from ._frozen import Frozen
from .client import (
    AggregatedDiscoveryInterface,
    DEFAULT_MAX_WORKERS,
    DerivedQueries,
    GroupsAndMaybeResources,
)
from .errors import DiscoveryError, DynclientError, StatusError, TooManyRequests, TransportError
from .gcpause import gc_paused
from .interface import DiscoveryInterface, LocalResources, WriteBatching
from .model import APIGroup, APIResourceList
from .parallel import run_all
from .types import GroupVersion

__all__ = ["MemCacheClient", "EmptyGroupVersion"]

logger = logging.getLogger(__name__)

#: Group-versions kept per client. Real clusters have a few hundred at most;
#: an evicted entry is simply fetched again.
DEFAULT_MAX_ENTRIES = 10_000


class EmptyGroupVersion(DiscoveryError):
    """A group-version listed no resources (client-go memcache ``emptyResponseError``).

    Usually an aggregated API server that is not ready yet (metrics-server).
    Like client-go, the memory cache reports it as a failed group-version
    rather than trusting an empty answer. ``resource_list`` holds the empty list.
    """

    def __init__(self, gv: GroupVersion, resource_list: Optional[APIResourceList] = None) -> None:
        self.group_version = gv
        self.resource_list = resource_list
        super().__init__(f"received empty response for: {gv}")


class _Entry(Frozen):
    """client-go ``cacheEntry``: a group-version's resources, or the error fetching them gave."""

    resources: Optional[APIResourceList]
    error: Optional[Exception]
    __slots__ = ("resources", "error")

    def __init__(self, resources: Optional[APIResourceList], error: Optional[Exception]) -> None:
        object.__setattr__(self, "resources", resources)
        object.__setattr__(self, "error", error)


def _is_transient(err: BaseException) -> bool:
    """client-go ``isTransientError``: no reply at all, a 5xx, or a 429 is worth asking again."""
    if isinstance(err, (TransportError, TooManyRequests)):
        return True
    return isinstance(err, StatusError) and err.code >= 500


class MemCacheClient(DerivedQueries):
    """Caches a delegate's discovery answers in memory (client-go ``NewMemCacheClient``).

    Thread-safe: one lock guards the cache, and it is held while the cache
    is filled, so concurrent first callers cause a single discovery.
    """

    def __init__(
        self,
        delegate: DiscoveryInterface,
        *,
        max_workers: int = DEFAULT_MAX_WORKERS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self._delegate = delegate
        self._max_workers = max_workers
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._entries = self._new_entries()
        self._groups: List[APIGroup] = []
        # Failures reported together with the groups (stale or unsafe group-versions).
        self._group_failures: Dict[GroupVersion, Exception] = {}
        self._valid = False
        self._aggregated = False

    def __repr__(self) -> str:
        return f"MemCacheClient({self._delegate!r})"

    # -- CachedDiscoveryInterface ---------------------------------------------------

    @property
    def fresh(self) -> bool:
        """True once discovery ran in this process since the last ``invalidate()``.

        client-go returns its ``cacheValid`` flag. When the delegate is itself
        a cache, its own ``fresh`` must hold too: groups read from an old
        disk cache file are not fresh just because memory holds them.
        """
        with self._lock:
            valid = self._valid
        return valid and bool(getattr(self._delegate, "fresh", True))

    def invalidate(self) -> None:
        """Forget everything, and invalidate the delegate when it is a cache too."""
        with self._lock:
            self._entries = self._new_entries()
            self._groups = []
            self._group_failures = {}
            self._valid = False
            self._aggregated = False
        invalidate = getattr(self._delegate, "invalidate", None)
        if callable(invalidate):
            invalidate()

    # -- filling the cache ----------------------------------------------------------

    def _new_entries(self) -> "LRUCache[GroupVersion, _Entry]":
        return LRUCache(maxsize=self._max_entries)

    def _fetch_one(self, gv: GroupVersion) -> _Entry:
        """client-go memcache ``serverResourcesForGroupVersion``: an empty list counts as an error."""
        try:
            resource_list = self._delegate.server_resources_for_group_version(gv)
        except DynclientError as err:
            logger.info("couldn't get resource list for %s: %s", gv, err)
            return _Entry(None, err)
        return self._entry(gv, resource_list)

    @staticmethod
    def _entry(gv: GroupVersion, resource_list: APIResourceList) -> _Entry:
        if not resource_list.resources:
            logger.debug("received empty response for: %s", gv)
            return _Entry(resource_list, EmptyGroupVersion(gv, resource_list))
        return _Entry(resource_list, None)

    def _refresh_locked(self) -> None:
        """client-go ``refreshLocked``: one full discovery; the caller holds the lock."""
        delegate = self._delegate
        if isinstance(delegate, AggregatedDiscoveryInterface):
            groups, resources, failed = delegate.groups_and_maybe_resources()
            if resources is not None:
                entries = self._new_entries()
                for gv, resource_list in resources.items():
                    entries[gv] = _Entry(resource_list, None)
                for gv, err in failed.items():
                    entries[gv] = _Entry(None, err)
                self._entries, self._groups, self._group_failures = entries, list(groups), dict(failed)
                self._aggregated = self._valid = True
                return
        else:
            groups, failed = delegate.server_groups(), {}
        if not groups:
            # client-go does not mark an empty group list as valid: ask again next time.
            self._groups, self._group_failures = [], dict(failed)
            return

        # Legacy discovery: every group-version in parallel. Entries loaded
        # successfully in this process since the last invalidate are kept.
        previous = self._entries
        entries = self._new_entries()
        missing: List[GroupVersion] = []
        for gv in dict.fromkeys(gv for group in groups for gv in group.group_versions()):
            kept = previous.get(gv)
            if kept is not None and kept.error is None:
                entries[gv] = kept
            else:
                missing.append(gv)
        if missing and isinstance(self._delegate, LocalResources):
            # A warm disk cache answers most of them; only the misses need the network pool.
            local = self._delegate.cached_resources_for_group_version
            misses: List[GroupVersion] = []
            for gv in missing:
                found = local(gv)
                if found is None:
                    misses.append(gv)
                else:
                    entries[gv] = self._entry(gv, found)
            missing = misses
        if missing:
            # The delegate's cache writes wait until the fetch is done (see WriteBatching).
            held = self._delegate.holding_writes() if isinstance(self._delegate, WriteBatching) else nullcontext()
            with held:
                for gv, entry in zip(missing, run_all(self._fetch_one, missing, max_workers=self._max_workers)):
                    entries[gv] = entry  # type: ignore[assignment]  # _fetch_one returns errors as entries
        self._entries, self._groups, self._group_failures = entries, list(groups), dict(failed)
        self._aggregated = False
        self._valid = True

    # -- DiscoveryInterface -----------------------------------------------------------

    def groups_and_maybe_resources(self) -> GroupsAndMaybeResources:
        """Cached groups, plus resources when the cache was filled by aggregated discovery.

        client-go memcache ``GroupsAndMaybeResources``. Only group-versions
        of the listed groups are reported, so a single-version lookup of
        something the server does not serve does not poison full discovery.
        """
        with self._lock:
            if not self._valid:
                with gc_paused():
                    self._refresh_locked()
            groups = list(self._groups)
            failed: Dict[GroupVersion, Exception] = dict(self._group_failures)
            if not (self._valid and self._aggregated):
                return groups, None, failed
            resources: Dict[GroupVersion, APIResourceList] = {}
            for group in groups:
                for gv in group.group_versions():
                    entry = self._entries.get(gv)
                    if entry is None:
                        # Evicted: let the caller fetch per group-version (through us).
                        return groups, None, dict(self._group_failures)
                    if entry.error is not None:
                        failed[gv] = entry.error
                    elif entry.resources is not None:
                        resources[gv] = entry.resources
            return groups, resources, failed

    def server_groups(self) -> List[APIGroup]:
        """The cached group list, filled by one full discovery on first use."""
        return self.groups_and_maybe_resources()[0]

    def server_resources_for_group_version(self, gv: GroupVersion) -> APIResourceList:
        """A group-version's resources from memory; fetched alone when not loaded yet.

        A remembered error is raised again, except a transient one (5xx, 429,
        no reply), which is retried as client-go does.
        """
        with self._lock:
            entry = self._entries.get(gv)
            if entry is None or (entry.error is not None and _is_transient(entry.error)):
                entry = self._fetch_one(gv)
                self._entries[gv] = entry
        if entry.error is not None:
            raise entry.error.with_traceback(None)
        assert entry.resources is not None
        return entry.resources

    def cached_resources_for_group_version(self, gv: GroupVersion) -> Optional[APIResourceList]:
        """``LocalResources``: the group-version when memory holds it without an error, else ``None``.

        Lets the shared algorithms read a filled memory cache in a plain loop
        instead of on a thread pool; anything else goes through
        ``server_resources_for_group_version`` as before.
        """
        with self._lock:
            entry = self._entries.get(gv)
        if entry is None or entry.error is not None:
            return None
        return entry.resources

    def server_version(self) -> Dict[str, Any]:
        """Always asks the delegate; versions are not cached (as in client-go)."""
        return self._delegate.server_version()
