"""Literal, slow ports of apimachinery's mappers, used as the oracle in tests.

Each method scans the maps exactly as the Go code does (no indexes, no
cleverness), so comparing the indexed ``restmapper`` package against these on
the real discovery fixture checks that the indexes changed nothing.
Upstream: ``pkg/api/meta/restmapper.go``, ``priority.go``; client-go
``restmapper/discovery.go`` ``NewDiscoveryRESTMapper``.
"""

from __future__ import annotations

import functools
from typing import Dict, List, Sequence

from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper import (
    ANY_KIND,
    ANY_RESOURCE,
    ANY_VERSION,
    AmbiguousKind,
    AmbiguousResource,
    MultiRESTMapper,
    NoKindMatch,
    NoResourceMatch,
    RESTMapping,
    Scope,
    kind_matches,
    resource_matches,
    unsafe_guess_kind_to_resource,
)
from restmapper.discovery_mapper import APIGroupResources
from restmapper.errors import MappingError


class GoDefaultRESTMapper:
    """meta.DefaultRESTMapper, line by line."""

    def __init__(self, default_group_versions: Sequence[GroupVersion]) -> None:
        self.default_group_versions = list(default_group_versions)
        self.resource_to_kind: Dict[GroupVersionResource, GroupVersionKind] = {}
        self.kind_to_plural: Dict[GroupVersionKind, GroupVersionResource] = {}
        self.kind_to_scope: Dict[GroupVersionKind, Scope] = {}
        self.plural_to_singular: Dict[GroupVersionResource, GroupVersionResource] = {}

    def add_specific(self, kind, plural, singular, scope) -> None:
        self.plural_to_singular[plural] = singular
        self.resource_to_kind[singular] = kind
        self.resource_to_kind[plural] = kind
        self.kind_to_plural[kind] = plural
        self.kind_to_scope[kind] = scope

    def _less(self, lhs, rhs, name) -> bool:
        if lhs == rhs:
            return False
        if lhs.group_version == rhs.group_version:
            return getattr(lhs, name) < getattr(rhs, name)
        li = ri = -1
        for i, gv in enumerate(self.default_group_versions):
            if gv == lhs.group_version:
                li = i
            if gv == rhs.group_version:
                ri = i
        if ri == -1:
            return True
        return li < ri

    def _sorted(self, items, name):
        def cmp(a, b):
            return -1 if self._less(a, b, name) else (1 if self._less(b, a, name) else 0)
        return sorted(items, key=functools.cmp_to_key(cmp))

    @staticmethod
    def _coerce(r: GroupVersionResource) -> GroupVersionResource:
        return GroupVersionResource(r.group, "" if r.version == "__internal" else r.version, r.resource.lower())

    def resources_for(self, inp: GroupVersionResource) -> List[GroupVersionResource]:
        r = self._coerce(inp)
        if not r.resource:
            raise ValueError("a resource must be present")
        ret = []
        if r.group and r.version:
            for plural, singular in self.plural_to_singular.items():
                if singular == r:
                    ret.append(plural)
                    break
                if plural == r:
                    ret.append(plural)
                    break
        elif r.group:
            exact = False
            for plural, singular in self.plural_to_singular.items():
                if singular.group_resource == r.group_resource:
                    exact = True
                    ret.append(plural)
                if plural.group_resource == r.group_resource:
                    exact = True
                    ret.append(plural)
            if not exact:
                for plural, singular in self.plural_to_singular.items():
                    if not plural.group.startswith(r.group):
                        continue
                    if singular.resource == r.resource:
                        ret.append(plural)
                    if plural.resource == r.resource:
                        ret.append(plural)
        elif r.version:
            for plural, singular in self.plural_to_singular.items():
                if singular.version == r.version and singular.resource == r.resource:
                    ret.append(plural)
                if plural.version == r.version and plural.resource == r.resource:
                    ret.append(plural)
        else:
            for plural, singular in self.plural_to_singular.items():
                if singular.resource == r.resource:
                    ret.append(plural)
                if plural.resource == r.resource:
                    ret.append(plural)
        if not ret:
            raise NoResourceMatch(r)
        return self._sorted(ret, "resource")

    def kinds_for(self, inp: GroupVersionResource) -> List[GroupVersionKind]:
        r = self._coerce(inp)
        if not r.resource:
            raise ValueError("a resource must be present")
        ret = []
        if r.group and r.version:
            if r in self.resource_to_kind:
                ret.append(self.resource_to_kind[r])
        elif r.group:
            exact = False
            for cur, kind in self.resource_to_kind.items():
                if cur.group_resource == r.group_resource:
                    exact = True
                    ret.append(kind)
            if not exact:
                for cur, kind in self.resource_to_kind.items():
                    if cur.group.startswith(r.group) and cur.resource == r.resource:
                        ret.append(kind)
        elif r.version:
            ret = [k for cur, k in self.resource_to_kind.items() if cur.version == r.version and cur.resource == r.resource]
        else:
            ret = [k for cur, k in self.resource_to_kind.items() if cur.resource == r.resource]
        if not ret:
            raise NoResourceMatch(inp)
        return self._sorted(ret, "kind")

    def resource_for(self, r):
        found = self.resources_for(r)
        if len(found) == 1:
            return found[0]
        raise AmbiguousResource(r, matching_resources=found)

    def kind_for(self, r):
        found = self.kinds_for(r)
        if len(found) == 1:
            return found[0]
        raise AmbiguousResource(r, matching_kinds=found)

    def rest_mappings(self, gk: GroupKind, *versions: str) -> List[RESTMapping]:
        potential = []
        had_version = False
        for v in versions:
            if not v or v == "__internal":
                continue
            had_version = True
            if gk.with_version(v) in self.kind_to_plural:
                potential.append(gk.with_version(v))
                break
        if not had_version and not potential:
            potential = [gk.with_version(gv.version) for gv in self.default_group_versions if gv.group == gk.group]
        if not potential:
            raise NoKindMatch(gk, versions)
        out = [RESTMapping(self.kind_to_plural[g], g, self.kind_to_scope[g]) for g in potential if g in self.kind_to_plural]
        if not out:
            raise NoResourceMatch(GroupVersionResource(gk.group, "", gk.kind))
        return out

    def rest_mapping(self, gk, *versions):
        return self.rest_mappings(gk, *versions)[0]

    def resource_singularizer(self, resource: str) -> str:
        singular = None
        for plural in self.resources_for(GroupVersionResource("", "", resource)):
            cur = self.plural_to_singular.get(plural)
            if cur is None:
                continue
            if singular is None:
                singular = cur
            elif cur.resource != singular.resource:
                raise MappingError("multiple possible singular resources")
        if singular is None:
            raise MappingError("no singular")
        return singular.resource


class GoPriorityRESTMapper:
    """meta.PriorityRESTMapper, walking every pattern as Go does."""

    def __init__(self, delegate, resource_priority, kind_priority) -> None:
        self.delegate, self.resource_priority, self.kind_priority = delegate, resource_priority, kind_priority

    @staticmethod
    def _walk(candidates, patterns, matches):
        remaining = list(candidates)
        for pattern in patterns:
            matched = [c for c in remaining if matches(pattern, c)]
            if len(matched) == 1:
                return matched
            if matched:
                remaining = matched
        return remaining

    def resource_for(self, r):
        found = self.delegate.resources_for(r)
        if len(found) == 1:
            return found[0]
        left = self._walk(found, self.resource_priority, resource_matches)
        if len(left) == 1 and len(left) < len(found):
            return left[0]
        raise AmbiguousResource(r, matching_resources=found)

    def kind_for(self, r):
        found = self.delegate.kinds_for(r)
        if len(found) == 1:
            return found[0]
        left = self._walk(found, self.kind_priority, kind_matches)
        if len(left) == 1 and len(left) < len(found):
            return left[0]
        raise AmbiguousResource(r, matching_kinds=found)

    def rest_mapping(self, gk, *versions):
        mappings = self.delegate.rest_mappings(gk, *versions)
        patterns = list(self.kind_priority)
        if versions:
            patterns = [GroupVersionKind(gk.group, v, ANY_KIND) for v in versions] + patterns
        left = self._walk(mappings, patterns, lambda p, m: kind_matches(p, m.group_version_kind))
        if len(left) == 1:
            return left[0]
        raise AmbiguousKind(gk.with_version(""), matching_kinds=[m.group_version_kind for m in mappings])

    def __getattr__(self, name):
        return getattr(self.delegate, name)


def go_discovery_rest_mapper(groups_with_resources: Sequence[APIGroupResources]) -> GoPriorityRESTMapper:
    """NewDiscoveryRESTMapper over the literal ports (without the ``List`` guesses, as ours)."""
    members = []
    group_priority = []
    resource_priority = [GroupVersionResource("", "v1", ANY_RESOURCE)]
    kind_priority = [GroupVersionKind("", "v1", ANY_KIND)]
    for entry in groups_with_resources:
        group = entry.group
        group_priority.append(group.name)
        if group.preferred_version and group.preferred_version in entry.versioned_resources:
            resource_priority.append(GroupVersionResource(group.name, group.preferred_version, ANY_RESOURCE))
            kind_priority.append(GroupVersionKind(group.name, group.preferred_version, ANY_KIND))
        for version in group.versions:
            if version not in entry.versioned_resources:
                continue
            if version != group.preferred_version:
                resource_priority.append(GroupVersionResource(group.name, version, ANY_RESOURCE))
                kind_priority.append(GroupVersionKind(group.name, version, ANY_KIND))
            gv = GroupVersion(group.name, version)
            member = GoDefaultRESTMapper([gv])
            for r in entry.versioned_resources[version]:
                scope = Scope.NAMESPACE if r.namespaced else Scope.ROOT
                if "/" in r.name:
                    continue
                plural = gv.with_resource(r.name)
                singular = gv.with_resource(r.singular_name)
                if not r.singular_name:
                    _, singular = unsafe_guess_kind_to_resource(gv.with_kind(r.kind))
                member.add_specific(gv.with_kind(r.kind.lower()), plural, singular, scope)
                member.add_specific(gv.with_kind(r.kind), plural, singular, scope)
            members.append(member)
    for name in group_priority:
        resource_priority.append(GroupVersionResource(name, ANY_VERSION, ANY_RESOURCE))
        kind_priority.append(GroupVersionKind(name, ANY_VERSION, ANY_KIND))
    return GoPriorityRESTMapper(MultiRESTMapper(members), resource_priority, kind_priority)
