"""A mapper built from discovery on first use, rebuilt when it may be stale.

client-go ``DeferredDiscoveryRESTMapper`` (``restmapper/discovery.go``), with
kubectl's ``ShortcutExpander`` inside it (``config_flags.go`` ``toRESTMapper``
wraps the other way round; putting the expander inside means one reset
refreshes both from the same discovery round).

Reset on miss, as client-go: when a lookup raises ``MappingError`` and the
discovery data did not come fresh from the server in this process, forget it
(``discovery.invalidate()``), rebuild, and retry exactly once.

One extension: fresh data also goes stale in a long-lived process (a CRD
installed an hour ago). So a miss also resets when the delegate was built
more than ``min_reset_interval`` seconds ago. Because a rebuild restarts that
clock, misses on fresh data reset at most once per interval: a typo in a
loop does not hammer the API server.

Threads: building and resetting happen under one lock, and a rebuild happens
once however many threads are waiting for it. Lookups read the current
delegate without the lock; it is never changed, only replaced (its memo of
resolved names only grows, by single dict writes). When many threads miss on
the same delegate, only the first resets; the others retry against whatever
replaced it.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Hashable, List, NamedTuple, Optional, Tuple, TypeVar

from discovery.errors import DynclientError
from discovery.interface import CachedDiscoveryInterface
from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource

from .default import INTERNAL_VERSION
from .discovery_mapper import DiscoverySnapshot, new_discovery_rest_mapper
from .errors import MappingError
from .interface import RESTMapper
from .mapping import RESTMapping, Scope
from .shortcut import ShortcutExpander, WarningHandler

__all__ = ["DeferredDiscoveryRESTMapper"]

T = TypeVar("T")

#: Bound on memoized results per delegate (``attempt_memoized``).
_MAX_MEMO = 4096


class _Built(NamedTuple):
    """One build: the delegate, when its data was loaded, and results memoized against it."""

    delegate: RESTMapper
    loaded_at: float
    memo: Dict[Hashable, object]


class DeferredDiscoveryRESTMapper:
    """A RESTMapper over ``discovery``, built lazily and reset on misses (see module docs)."""

    def __init__(
        self,
        discovery: CachedDiscoveryInterface,
        *,
        min_reset_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        warning_handler: Optional[WarningHandler] = None,
    ) -> None:
        if min_reset_interval < 0:
            raise ValueError("min_reset_interval must not be negative")
        self._discovery = discovery
        self._min_reset_interval = min_reset_interval
        self._clock = clock
        self._warning_handler = warning_handler
        self._lock = threading.Lock()
        self._built: Optional[_Built] = None

    @property
    def discovery(self) -> CachedDiscoveryInterface:
        """The discovery client the delegate is built from."""
        return self._discovery

    def _build(self) -> RESTMapper:
        snapshot = DiscoverySnapshot.fetch(self._discovery)
        mapper = new_discovery_rest_mapper(snapshot.group_resources, discovery_failures=snapshot.failures)
        return ShortcutExpander(mapper, self._discovery, self._warning_handler,
                                resource_lists=snapshot.resource_lists)

    def _current(self) -> _Built:
        built = self._built
        if built is None:
            with self._lock:
                built = self._built
                if built is None:
                    delegate = self._build()
                    built = self._built = _Built(delegate, self._clock(), {})
        return built

    def reset(self) -> None:
        """Invalidate discovery and drop the delegate; the next lookup rebuilds it."""
        with self._lock:
            self._discovery.invalidate()
            self._built = None

    def _reset_after_miss(self, missed: _Built) -> bool:
        """Whether to retry after ``missed`` raised; resets first when the data may be stale."""
        with self._lock:
            if self._built is not missed:
                return True  # another thread already replaced it: retry on the newer data
            stale = not self._discovery.fresh
            if not stale and self._clock() - missed.loaded_at < self._min_reset_interval:
                return False
            self._discovery.invalidate()
            self._built = None
            return True

    def _run(self, fn: Callable[[RESTMapper], T]) -> Tuple[_Built, T]:
        built = self._current()
        try:
            return built, fn(built.delegate)
        except MappingError:
            if not self._reset_after_miss(built):
                raise
        built = self._current()
        return built, fn(built.delegate)

    def attempt(self, fn: Callable[[RESTMapper], T]) -> T:
        """Run ``fn`` on the current delegate, with the reset-once-on-miss policy.

        Lets a caller try several readings of one name (``resolve``) before
        any reset, instead of a reset per reading.
        """
        return self._run(fn)[1]

    def attempt_memoized(self, key: Hashable, fn: Callable[[RESTMapper], T]) -> T:
        """``attempt``, remembering successful results by ``key`` until the next reset.

        For pure functions of the delegate only (``resolve`` uses it per
        name). The memo belongs to the delegate that produced the result, so
        a reset drops it. A memoized answer does not repeat the short-name
        warnings it produced.
        """
        memo = self._current().memo
        if key in memo:
            return memo[key]  # type: ignore[return-value]
        built, result = self._run(fn)
        if len(built.memo) >= _MAX_MEMO:
            built.memo.clear()
        built.memo[key] = result
        return result

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """The delegate's kind_for, reset-once on a miss."""
        return self.attempt(lambda m: m.kind_for(resource))

    def kinds_for(self, resource: GroupVersionResource) -> List[GroupVersionKind]:
        """The delegate's kinds_for, reset-once on a miss."""
        return self.attempt(lambda m: m.kinds_for(resource))

    def resource_for(self, resource: GroupVersionResource) -> GroupVersionResource:
        """The delegate's resource_for, reset-once on a miss."""
        return self.attempt(lambda m: m.resource_for(resource))

    def resources_for(self, resource: GroupVersionResource) -> List[GroupVersionResource]:
        """The delegate's resources_for, reset-once on a miss."""
        return self.attempt(lambda m: m.resources_for(resource))

    def rest_mappings(self, group_kind: GroupKind, *versions: str) -> List[RESTMapping]:
        """The delegate's rest_mappings, reset-once on a miss."""
        return self.attempt(lambda m: m.rest_mappings(group_kind, *versions))

    def resource_singularizer(self, resource: str) -> str:
        """The delegate's resource_singularizer, reset-once on a miss."""
        return self.attempt(lambda m: m.resource_singularizer(resource))

    def rest_mapping(self, group_kind: GroupKind, *versions: str) -> RESTMapping:
        """The delegate's rest_mapping, reset-once on a miss.

        Fast path: with exactly one explicit version and nothing built yet,
        read only that group-version's resource list. On a server without
        aggregated discovery and a cold cache, that is one request instead of
        one per group-version. Any miss falls back to the full mapper.
        """
        if self._built is None and len(versions) == 1 and versions[0] and versions[0] != INTERNAL_VERSION:
            mapping = self._mapping_from_group_version(group_kind, versions[0])
            if mapping is not None:
                return mapping
        return self.attempt(lambda m: m.rest_mapping(group_kind, *versions))

    def _mapping_from_group_version(self, group_kind: GroupKind, version: str) -> Optional[RESTMapping]:
        gv = GroupVersion(group_kind.group, version)
        try:
            resources = self._discovery.server_resources_for_group_version(gv)
        except DynclientError:
            return None
        found = None
        for res in resources.resources:
            # The kind is registered as served and lower-cased; like kindToPluralResource, the last wins.
            if not res.is_subresource and (res.kind == group_kind.kind or res.kind.lower() == group_kind.kind):
                found = res
        if found is None:
            return None
        scope = Scope.NAMESPACE if found.namespaced else Scope.ROOT
        return RESTMapping(gv.with_resource(found.name), gv.with_kind(group_kind.kind), scope)

    def __repr__(self) -> str:
        return f"DeferredDiscoveryRESTMapper(discovery={self._discovery!r}, built={self._built is not None})"
