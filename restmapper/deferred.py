"""A mapper built from discovery on first use, rebuilt when it may be stale.

client-go ``DeferredDiscoveryRESTMapper`` (``restmapper/discovery.go``), with
kubectl's ``ShortcutExpander`` inside it (``config_flags.go`` ``toRESTMapper``
wraps the other way round; putting the expander inside means one reset
refreshes both from the same discovery round).

Reset on miss, as client-go: when a lookup raises ``MappingError`` and the
discovery data did not come fresh from the server in this process, forget it
(``discovery.invalidate()``), rebuild, and retry exactly once.

One extension: fresh data also goes stale in a long-lived process (a CRD
installed a moment ago; the API server even sets ``Established`` a little
before discovery lists the kind). So a miss on fresh data resets too, as
long as the reset limiter allows it. The limiter is a token bucket
(``ResetLimiter``): ``reset_burst`` resets at once, then ``reset_rate`` per
second. The defaults, 3 and 1/s, were chosen so that:

* a lookup made once discovery lists a kind finds it on the first try, however
  recently discovery last ran: a full bucket always has a token, and it takes
  three misses within about a second to empty it;
* a caller that retries once a second (the everyday "create the CRD, then use
  it" loop) gets a reset on every retry, since one token comes back per
  second, so it finds the kind within 1 s of discovery listing it;
* a loop of typos costs the server at most three discovery rounds, then one
  per second: no worse than one ``kubectl`` run per second, each of which
  rediscovers after its first miss.

A reset caused by stale (disk-cached) data is never refused, as in client-go:
it makes the data fresh, so it cannot repeat without a new invalidation. It
still takes a token when one is there.

``try_reset()`` is the same limited reset for callers outside the mapper
(a request that got a 404 for a resource resolved from cached discovery).

Threads: building and resetting happen under one lock, and a rebuild happens
once however many threads are waiting for it. Lookups read the current
delegate without the lock; it is never changed, only replaced. Its memo of
resolved names is a bounded LRU under its own small lock, so a stream of new
names evicts the least recently used ones instead of clearing the whole memo.
When many threads miss on the same delegate, only the first resets; the
others retry against whatever replaced it.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Hashable, List, NamedTuple, Optional, Tuple, TypeVar

from cachetools import LRUCache

from discovery.errors import DynclientError
from discovery.gcpause import gc_paused
from discovery.interface import CachedDiscoveryInterface
from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource

from .default import INTERNAL_VERSION
from .discovery_mapper import DiscoverySnapshot, new_discovery_rest_mapper
from .errors import MappingError
from .interface import RESTMapper
from .mapping import RESTMapping, Scope
from .shortcut import ShortcutExpander, WarningHandler

__all__ = ["DeferredDiscoveryRESTMapper", "ResetLimiter", "DEFAULT_RESET_BURST", "DEFAULT_RESET_RATE"]

T = TypeVar("T")

_MISSING = object()

#: Bound on memoized results per delegate (``attempt_memoized``): three names
#: per CRD group on a cluster with 5,000 groups still fit. An entry is a key
#: and a reference to a mapping the index already holds.
_MAX_MEMO = 16_384

#: Resets allowed at once on fresh data (see the module docstring for why).
DEFAULT_RESET_BURST = 3
#: Resets per second allowed after the burst.
DEFAULT_RESET_RATE = 1.0


class ResetLimiter:
    """A token bucket: ``burst`` tokens, refilled at ``rate`` per second, starting full.

    Not locked: the deferred mapper only calls it under its own lock.
    ``rate=inf`` means no limit; ``burst=0`` means fresh data never resets.
    """

    def __init__(self, burst: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 0:
            raise ValueError(f"reset burst must not be negative, got {burst}")
        if not rate >= 0:  # also refuses NaN
            raise ValueError(f"reset rate must not be negative, got {rate}")
        self.burst = burst
        self.rate = rate
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        if self.rate == float("inf"):
            self._tokens = float(self.burst)
        elif now > self._at:
            self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = max(self._at, now)

    @property
    def tokens(self) -> float:
        """Tokens available now (for tests and diagnostics)."""
        self._refill()
        return self._tokens

    def try_acquire(self) -> bool:
        """Take one token when there is one; False when the limit says wait."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def take_if_any(self) -> None:
        """Take a token when there is one, never refusing (a reset that must happen anyway)."""
        self.try_acquire()


class _Built(NamedTuple):
    """One build: the delegate, its build number, and results memoized against it."""

    delegate: RESTMapper
    generation: int
    memo: "LRUCache[Hashable, object]"
    fresh: bool  # discovery.fresh right after the build: no data came from an older cache


class DeferredDiscoveryRESTMapper:
    """A RESTMapper over ``discovery``, built lazily and reset on misses (see module docs)."""

    def __init__(
        self,
        discovery: CachedDiscoveryInterface,
        *,
        reset_burst: int = DEFAULT_RESET_BURST,
        reset_rate: float = DEFAULT_RESET_RATE,
        min_reset_interval: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        warning_handler: Optional[WarningHandler] = None,
    ) -> None:
        """``reset_burst``/``reset_rate`` set the reset limiter (see the module docstring).

        ``min_reset_interval`` is the older setting, kept for callers that
        pass it: when given it replaces the bucket with one token per that
        many seconds (``0``: no limit), the old "one reset per interval".
        """
        if min_reset_interval is not None:
            if min_reset_interval < 0:
                raise ValueError("min_reset_interval must not be negative")
            reset_burst = 1
            reset_rate = float("inf") if min_reset_interval == 0 else 1.0 / min_reset_interval
        self._discovery = discovery
        self._limiter = ResetLimiter(reset_burst, reset_rate, clock)
        self._warning_handler = warning_handler
        self._lock = threading.Lock()
        self._memo_lock = threading.Lock()
        self._built: Optional[_Built] = None
        self._generation = 0

    @property
    def discovery(self) -> CachedDiscoveryInterface:
        """The discovery client the delegate is built from."""
        return self._discovery

    def _build(self) -> RESTMapper:
        with gc_paused():  # a large snapshot is a million live objects: no full collections over them
            return self._build_now()

    def _build_now(self) -> RESTMapper:
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
                    self._generation += 1
                    built = self._built = _Built(delegate, self._generation, LRUCache(maxsize=_MAX_MEMO),
                                                 bool(self._discovery.fresh))
        return built

    @property
    def generation(self) -> int:
        """The number of the current build (0 before the first); each rebuild adds one.

        Pass it to ``try_reset`` so that a reset already done by another
        thread since you resolved a name is not done twice.
        """
        built = self._built
        return built.generation if built is not None else self._generation

    @property
    def built_from_cache(self) -> bool:
        """Whether the current mappings came (partly) from a cache written before this process asked.

        A 404 for a resource resolved from such mappings may mean the cache
        is out of date, where one resolved from fresh data means the object
        or the resource is really gone. False before the first build.
        """
        built = self._built
        return built is not None and not built.fresh

    @property
    def reset_limiter(self) -> ResetLimiter:
        """The token bucket limiting resets on fresh data."""
        return self._limiter

    def reset(self) -> None:
        """Invalidate discovery and drop the delegate; the next lookup rebuilds it. Never limited."""
        with self._lock:
            self._discovery.invalidate()
            self._built = None

    def try_reset(self, *, seen_generation: Optional[int] = None) -> bool:
        """Reset like a lookup miss does, within the reset limit; True when the next lookup sees newer data.

        For callers that learn outside the mapper that a mapping may be out
        of date (a 404 for a resource resolved from cached discovery). Stale
        data is always reset; fresh data only when the limiter has a token.
        With ``seen_generation`` (``generation`` read when the name was
        resolved), a rebuild that already happened since counts as done:
        True, and no second reset.
        """
        with self._lock:
            built = self._built
            if seen_generation is not None and (built is None or built.generation != seen_generation):
                return True
            return self._reset_locked()

    def _reset_locked(self) -> bool:
        if not self._discovery.fresh:
            self._limiter.take_if_any()
        elif not self._limiter.try_acquire():
            return False
        self._discovery.invalidate()
        self._built = None
        return True

    def _reset_after_miss(self, missed: _Built) -> bool:
        """Whether to retry after ``missed`` raised; resets first when the limit allows."""
        with self._lock:
            if self._built is not missed:
                return True  # another thread already replaced it: retry on the newer data
            return self._reset_locked()

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
        with self._memo_lock:
            hit = memo.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        built, result = self._run(fn)
        with self._memo_lock:
            built.memo[key] = result  # the LRU evicts the least recently used entry when full
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
