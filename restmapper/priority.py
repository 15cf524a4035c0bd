"""apimachinery's PriorityRESTMapper: break ties with ordered patterns.

``pkg/api/meta/priority.go``. When the delegate finds several candidates,
the patterns are applied in order: a pattern matching none of the remaining
candidates is skipped, one matching exactly one picks it, one matching
several narrows the remaining set to those. ``*`` matches anything.

Go walks every pattern for every ambiguous lookup. Here each candidate's
matching patterns are computed once and kept as a bit mask, and the walk
jumps straight to the next pattern that matches anything, which visits the
same patterns with a non-empty match in the same order, so the result is
the same.

``resources_for``/``kinds_for``/``rest_mappings`` return the delegate's order
unchanged: current apimachinery does not sort them by priority, only the
singular methods apply the patterns.
"""

from __future__ import annotations

from typing import Callable, Dict, Hashable, List, Sequence, Tuple, TypeVar

from discovery.types import GroupKind, GroupVersionKind, GroupVersionResource

from .errors import AmbiguousKind, AmbiguousResource
from .interface import RESTMapper, maybe_reset
from .mapping import RESTMapping

__all__ = [
    "PriorityRESTMapper",
    "ANY_GROUP",
    "ANY_VERSION",
    "ANY_RESOURCE",
    "ANY_KIND",
    "resource_matches",
    "kind_matches",
]

ANY_GROUP = "*"
ANY_VERSION = "*"
ANY_RESOURCE = "*"
ANY_KIND = "*"

K = TypeVar("K", bound=Hashable)

#: Mask caches are bounded so a stream of odd lookups cannot grow them forever.
_MAX_CACHED_MASKS = 4096


def resource_matches(pattern: GroupVersionResource, resource: GroupVersionResource) -> bool:
    """Whether ``resource`` fits ``pattern``, each field equal or ``*`` (``resourceMatches``)."""
    return ((pattern.group == ANY_GROUP or pattern.group == resource.group)
            and (pattern.version == ANY_VERSION or pattern.version == resource.version)
            and (pattern.resource == ANY_RESOURCE or pattern.resource == resource.resource))


def kind_matches(pattern: GroupVersionKind, kind: GroupVersionKind) -> bool:
    """Whether ``kind`` fits ``pattern``, each field equal or ``*`` (``kindMatches``)."""
    return ((pattern.group == ANY_GROUP or pattern.group == kind.group)
            and (pattern.version == ANY_VERSION or pattern.version == kind.version)
            and (pattern.kind == ANY_KIND or pattern.kind == kind.kind))


def _narrow(masks: Sequence[int]) -> List[int]:
    """Indexes of the candidates left after the priority walk over bit-masked patterns."""
    remaining = list(range(len(masks)))
    start = 0
    while True:
        # The lowest pattern index >= start that matches any remaining candidate.
        nxt = -1
        for i in remaining:
            bits = masks[i] >> start
            if bits:
                low = (bits & -bits).bit_length() - 1 + start
                if nxt < 0 or low < nxt:
                    nxt = low
        if nxt < 0:
            return remaining
        bit = 1 << nxt
        matched = [i for i in remaining if masks[i] & bit]
        if len(matched) == 1:
            return matched
        remaining = matched
        start = nxt + 1


def _mask(cache: Dict[K, int], value: K, patterns: Sequence[K], matches: Callable[[K, K], bool]) -> int:
    mask = cache.get(value)
    if mask is None:
        mask = 0
        for i, pattern in enumerate(patterns):
            if matches(pattern, value):
                mask |= 1 << i
        if len(cache) >= _MAX_CACHED_MASKS:
            cache.clear()
        cache[value] = mask
    return mask


class PriorityRESTMapper:
    """Picks one candidate by ordered patterns (``meta.PriorityRESTMapper``)."""

    def __init__(
        self,
        delegate: RESTMapper,
        resource_priority: Sequence[GroupVersionResource] = (),
        kind_priority: Sequence[GroupVersionKind] = (),
    ) -> None:
        self.delegate = delegate
        self.resource_priority: Tuple[GroupVersionResource, ...] = tuple(resource_priority)
        self.kind_priority: Tuple[GroupVersionKind, ...] = tuple(kind_priority)
        self._resource_masks: Dict[GroupVersionResource, int] = {}
        self._kind_masks: Dict[GroupVersionKind, int] = {}

    def resource_for(self, resource: GroupVersionResource) -> GroupVersionResource:
        """The delegate's single plural, or the one the resource patterns prefer (``ResourceFor``)."""
        found = self.delegate.resources_for(resource)
        if len(found) == 1:
            return found[0]
        masks = [_mask(self._resource_masks, r, self.resource_priority, resource_matches) for r in found]
        left = _narrow(masks)
        if len(left) == 1:
            return found[left[0]]
        raise AmbiguousResource(resource, matching_resources=found)

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """The delegate's single kind, or the one the kind patterns prefer (``KindFor``)."""
        found = self.delegate.kinds_for(resource)
        if len(found) == 1:
            return found[0]
        masks = [_mask(self._kind_masks, k, self.kind_priority, kind_matches) for k in found]
        left = _narrow(masks)
        if len(left) == 1:
            return found[left[0]]
        raise AmbiguousResource(resource, matching_kinds=found)

    def rest_mapping(self, group_kind: GroupKind, *versions: str) -> RESTMapping:
        """The preferred mapping; "any versions the user provides take priority" (``RESTMapping``)."""
        mappings = self.delegate.rest_mappings(group_kind, *versions)
        if len(mappings) == 1:
            # Whatever the patterns say, a lone candidate is returned.
            return mappings[0]
        # The user's versions become patterns ahead of the kind priority.
        user = [GroupVersionKind(group_kind.group, v, ANY_KIND) for v in versions]
        masks = []
        for m in mappings:
            gvk = m.group_version_kind
            mask = _mask(self._kind_masks, gvk, self.kind_priority, kind_matches) << len(user)
            for i, pattern in enumerate(user):
                if kind_matches(pattern, gvk):
                    mask |= 1 << i
            masks.append(mask)
        left = _narrow(masks)
        if len(left) == 1:
            return mappings[left[0]]
        raise AmbiguousKind(group_kind.with_version(""),
                            matching_kinds=[m.group_version_kind for m in mappings])

    def rest_mappings(self, group_kind: GroupKind, *versions: str) -> List[RESTMapping]:
        """The delegate's mappings, unsorted, as upstream."""
        return self.delegate.rest_mappings(group_kind, *versions)

    def resources_for(self, resource: GroupVersionResource) -> List[GroupVersionResource]:
        """The delegate's plurals, unsorted, as upstream."""
        return self.delegate.resources_for(resource)

    def kinds_for(self, resource: GroupVersionResource) -> List[GroupVersionKind]:
        """The delegate's kinds, unsorted, as upstream."""
        return self.delegate.kinds_for(resource)

    def resource_singularizer(self, resource: str) -> str:
        """The delegate's singular."""
        return self.delegate.resource_singularizer(resource)

    def reset(self) -> None:
        """Reset the delegate when it can be reset."""
        maybe_reset(self.delegate)

    def __repr__(self) -> str:
        return (f"PriorityRESTMapper(delegate={self.delegate!r}, resource_priority={len(self.resource_priority)},"
                f" kind_priority={len(self.kind_priority)})")
