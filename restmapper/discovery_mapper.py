"""Build the mapper kubectl uses from discovery (client-go ``restmapper/discovery.go``).

``new_discovery_rest_mapper`` mirrors ``NewDiscoveryRESTMapper``: one
DefaultRESTMapper per served group-version, in discovery order (the core
group first, then ``/apis`` order; inside a group, the versions in the order
the group lists them), wrapped in a PriorityRESTMapper whose patterns say:
core ``v1`` first, then each group's preferred version, then its other
versions, then each group as a whole. The members are fused into one index
(``DefaultRESTMapper.union``), which answers what Go's MultiRESTMapper does.

One deliberate omission: Go also registers a guessed ``<Kind>List`` kind for
every resource and a ``List`` kind per group-version (its own comment calls
them "unsafe guesses that don't actually work"). They would make
``deploymentlists`` or ``list`` resolve to resources the server does not
serve, so they are left out.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from discovery._frozen import Frozen
from discovery.errors import GroupDiscoveryFailed
from discovery.interface import DiscoveryInterface
from discovery.model import APIGroup, APIResource, APIResourceList
from discovery.types import GroupVersion, GroupVersionKind, GroupVersionResource

from .default import DefaultRESTMapper, unsafe_guess_kind_to_resource
from .mapping import Scope
from .priority import ANY_KIND, ANY_RESOURCE, ANY_VERSION, PriorityRESTMapper

__all__ = [
    "APIGroupResources",
    "DiscoverySnapshot",
    "get_api_group_resources",
    "new_discovery_rest_mapper",
]

class APIGroupResources(Frozen):
    """A group and, per version, the resources discovery listed (client-go ``APIGroupResources``)."""

    group: APIGroup
    versioned_resources: Mapping[str, Tuple[APIResource, ...]]
    __slots__ = ("group", "versioned_resources")

    def __init__(self, group: APIGroup, versioned_resources: Optional[Mapping[str, Tuple[APIResource, ...]]] = None
                 ) -> None:
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "versioned_resources", {} if versioned_resources is None else versioned_resources)


class DiscoverySnapshot(Frozen):
    """Everything one discovery round gave the mapper, including what failed.

    ``resource_lists`` feeds the shortcut expander from the same round, and
    ``failures`` lets no-match errors name the group-versions that were missing.
    """

    group_resources: Tuple[APIGroupResources, ...]
    resource_lists: Tuple[APIResourceList, ...]
    failures: Mapping[GroupVersion, BaseException]
    __slots__ = ("group_resources", "resource_lists", "failures")

    def __init__(self, group_resources: Tuple[APIGroupResources, ...], resource_lists: Tuple[APIResourceList, ...],
                 failures: Optional[Mapping[GroupVersion, BaseException]] = None) -> None:
        object.__setattr__(self, "group_resources", group_resources)
        object.__setattr__(self, "resource_lists", resource_lists)
        object.__setattr__(self, "failures", {} if failures is None else failures)

    @classmethod
    def fetch(cls, discovery: DiscoveryInterface) -> "DiscoverySnapshot":
        """One ``server_groups_and_resources`` call, keeping partial results on partial failure."""
        failures: Dict[GroupVersion, BaseException] = {}
        try:
            groups, lists = discovery.server_groups_and_resources()
        except GroupDiscoveryFailed as err:
            # GetAPIGroupResources: "rs == nil || gs == nil" is fatal; anything else is usable.
            partial = err.partial
            if not partial or partial[0] is None or partial[1] is None:
                raise
            groups, lists = partial
            failures = dict(err.failed)
        by_gv = {lst.group_version: lst for lst in lists}
        result = []
        for group in groups:
            versioned: Dict[str, Tuple[APIResource, ...]] = {}
            for version in group.versions:
                lst = by_gv.get(GroupVersion(group.name, version))
                if lst is not None:
                    versioned[version] = lst.resources
            result.append(APIGroupResources(group, versioned))
        return cls(tuple(result), tuple(lists), failures)


def get_api_group_resources(discovery: DiscoveryInterface) -> List[APIGroupResources]:
    """Groups with their per-version resources (client-go ``GetAPIGroupResources``).

    Tolerates ``GroupDiscoveryFailed`` by using its partial results, as client-go does.
    """
    return list(DiscoverySnapshot.fetch(discovery).group_resources)


def new_discovery_rest_mapper(
    groups_with_resources: Sequence[APIGroupResources],
    *,
    discovery_failures: Optional[Mapping[GroupVersion, BaseException]] = None,
) -> PriorityRESTMapper:
    """The discovery-driven mapper (client-go ``NewDiscoveryRESTMapper``).

    Subresources (``pods/log``) are skipped. A resource without
    ``singularName`` gets the singular guessed from its kind. Each kind is
    registered as served and lower-cased, so ``deployment`` works as a kind.
    """
    members: List[DefaultRESTMapper] = []
    group_priority: List[str] = []
    # "/v1 is special. It should always come first"
    resource_priority = [GroupVersionResource("", "v1", ANY_RESOURCE)]
    kind_priority = [GroupVersionKind("", "v1", ANY_KIND)]

    for entry in groups_with_resources:
        group = entry.group
        group_priority.append(group.name)
        preferred = group.preferred_version
        # "Make sure the preferred version comes first"
        if preferred and preferred in entry.versioned_resources:
            resource_priority.append(GroupVersionResource(group.name, preferred, ANY_RESOURCE))
            kind_priority.append(GroupVersionKind(group.name, preferred, ANY_KIND))

        for version in group.versions:
            resources = entry.versioned_resources.get(version)
            if resources is None:
                continue
            if version != preferred:
                # Non-preferred versions next, for resources only they serve.
                resource_priority.append(GroupVersionResource(group.name, version, ANY_RESOURCE))
                kind_priority.append(GroupVersionKind(group.name, version, ANY_KIND))
            gv = GroupVersion(group.name, version)
            member = DefaultRESTMapper([gv])
            for resource in resources:
                if resource.is_subresource:
                    continue
                scope = Scope.NAMESPACE if resource.namespaced else Scope.ROOT
                plural = gv.with_resource(resource.name)
                singular = gv.with_resource(resource.singular_name)
                if not resource.singular_name:
                    # "legacy resources and servers which don't list singular forms"
                    _, singular = unsafe_guess_kind_to_resource(gv.with_kind(resource.kind))
                member.add_specific(gv.with_kind(resource.kind.lower()), plural, singular, scope)
                member.add_specific(gv.with_kind(resource.kind), plural, singular, scope)
            members.append(member)

    for name in group_priority:
        resource_priority.append(GroupVersionResource(name, ANY_VERSION, ANY_RESOURCE))
        kind_priority.append(GroupVersionKind(name, ANY_VERSION, ANY_KIND))

    # The members were built here and are dropped: fused without copying their maps.
    union = DefaultRESTMapper._fused(members, discovery_failures, copy=False)
    return PriorityRESTMapper(union, resource_priority, kind_priority)
