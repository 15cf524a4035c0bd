"""apimachinery's PriorityRESTMapper: break ties with ordered patterns.

``pkg/api/meta/priority.go``. When the delegate finds several candidates,
the patterns are applied in order: a pattern matching none of the remaining
candidates is skipped, one matching exactly one picks it, one matching
several narrows the remaining set to those. ``*`` matches anything.

Go walks every pattern for every ambiguous lookup, and discovery makes two
or three patterns per group, so on a cluster with 2,000 CRD groups one
``kind_for`` would test some 6,000 patterns. Here the patterns are indexed
once by their literal fields: a value can only match the patterns keyed by
its own field or ``*`` in each of the three places, so its matches are the
union of at most eight short lists, in pattern order. The walk then visits
only patterns that match some candidate, in the same order Go visits them;
a pattern matching none of the remaining candidates is skipped in both, so
the result is the same. Nothing is cached, so nothing needs evicting.

``resources_for``/``kinds_for``/``rest_mappings`` return the delegate's order
unchanged: current apimachinery does not sort them by priority, only the
singular methods apply the patterns.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Sequence, Set, Tuple, Union

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

_Key = Tuple[str, str, str]


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


def _fields(value: Union[GroupVersionResource, GroupVersionKind]) -> _Key:
    if isinstance(value, GroupVersionResource):
        return value.group, value.version, value.resource
    return value.group, value.version, value.kind


class _PatternIndex:
    """Ordered patterns, indexed by their three fields (``*`` kept as a literal key)."""

    __slots__ = ("_by_key", "_literal")

    def __init__(self, patterns: Sequence[Union[GroupVersionResource, GroupVersionKind]]) -> None:
        by_key: Dict[_Key, List[int]] = {}
        for i, pattern in enumerate(patterns):
            by_key.setdefault(_fields(pattern), []).append(i)
        self._by_key: Dict[_Key, Tuple[int, ...]] = {k: tuple(v) for k, v in by_key.items()}
        # Per field, whether any pattern names a value there; discovery's patterns never name a
        # kind, so a lookup then tries 4 keys instead of 8.
        self._literal = tuple(any(k[i] != "*" for k in by_key) for i in range(3))

    def matching(self, value: Union[GroupVersionResource, GroupVersionKind]) -> FrozenSet[int]:
        """Indexes of the patterns ``value`` fits (each field equal or ``*``)."""
        g, v, n = _fields(value)
        lit_g, lit_v, lit_n = self._literal
        get = self._by_key.get
        found: List[int] = []
        for pg in ((g, "*") if lit_g and g != "*" else ("*",)):
            for pv in ((v, "*") if lit_v and v != "*" else ("*",)):
                for pn in ((n, "*") if lit_n and n != "*" else ("*",)):
                    hit = get((pg, pv, pn))
                    if hit:
                        found.extend(hit)
        return frozenset(found)


def _narrow(matches: Sequence[FrozenSet[int]]) -> List[int]:
    """Indexes of the candidates left after the priority walk.

    ``matches[i]`` holds the pattern indexes candidate ``i`` fits. Patterns
    are visited in ascending order; those matching no candidate at all are
    the ones Go skips with "nothing matched this pattern", so only the union
    needs visiting.
    """
    remaining = list(range(len(matches)))
    for p in sorted(frozenset().union(*matches)):
        matched = [i for i in remaining if p in matches[i]]
        if not matched:
            continue  # only candidates already narrowed away fit this pattern
        if len(matched) == 1:
            return matched
        remaining = matched
    return remaining


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
        self._resource_index = _PatternIndex(self.resource_priority)
        self._kind_index = _PatternIndex(self.kind_priority)

    def resource_for(self, resource: GroupVersionResource) -> GroupVersionResource:
        """The delegate's single plural, or the one the resource patterns prefer (``ResourceFor``)."""
        found = self.delegate.resources_for(resource)
        if len(found) == 1:
            return found[0]
        left = _narrow([self._resource_index.matching(r) for r in found])
        if len(left) == 1:
            return found[left[0]]
        raise AmbiguousResource(resource, matching_resources=found)

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """The delegate's single kind, or the one the kind patterns prefer (``KindFor``)."""
        found = self.delegate.kinds_for(resource)
        if len(found) == 1:
            return found[0]
        left = _narrow([self._kind_index.matching(k) for k in found])
        if len(left) == 1:
            return found[left[0]]
        raise AmbiguousResource(resource, matching_kinds=found)

    def rest_mapping(self, group_kind: GroupKind, *versions: str) -> RESTMapping:
        """The preferred mapping; "any versions the user provides take priority" (``RESTMapping``)."""
        mappings = self.delegate.rest_mappings(group_kind, *versions)
        if len(mappings) == 1:
            # Whatever the patterns say, a lone candidate is returned.
            return mappings[0]
        # The user's versions become patterns ahead of the kind priority
        # (indexes 0..len(user)-1; the kind priority is shifted after them).
        user = [GroupVersionKind(group_kind.group, v, ANY_KIND) for v in versions]
        shift = len(user)
        matches = []
        for m in mappings:
            gvk = m.group_version_kind
            own = {i for i, pattern in enumerate(user) if kind_matches(pattern, gvk)}
            matches.append(frozenset(own).union(p + shift for p in self._kind_index.matching(gvk)))
        left = _narrow(matches)
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
