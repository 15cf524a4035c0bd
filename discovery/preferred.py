"""Choose each resource's preferred version: client-go ``ServerPreferredResources`` as a pure function.

kubectl's ``api-resources`` and the REST mapper's "which version do I use"
both rest on this rule, so every discovery implementation (live, memory,
disk) calls this one function over the same ``(groups, resources)`` data
rather than re-deriving it.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Sequence, Set, Tuple

from .model import APIGroup, APIResource, APIResourceList
from .types import GroupResource, GroupVersion

__all__ = ["preferred_resources", "namespaced_only"]


def preferred_resources(
    groups: Sequence[APIGroup],
    resources: Mapping[GroupVersion, APIResourceList],
) -> List[APIResourceList]:
    """One list per discovered group-version, holding the resources that version is preferred for.

    Mirrors client-go ``ServerPreferredResourcesWithContext``:

    * group-versions are visited in discovery order; one that has no entry in
      ``resources`` (it failed) yields no list;
    * within a group the first version that lists a resource claims it, and
      only the group's preferred version may take it over;
    * subresources (``pods/log``) are left out;
    * a group-version whose resources were all claimed elsewhere still yields
      an empty list (``autoscaling/v1`` once ``v2`` is preferred).

    client-go fills each list by iterating a Go map, so its order inside a
    list is random. Here each list keeps the order of its source list.
    """
    chosen: Dict[GroupResource, GroupVersion] = {}
    visited: List[GroupVersion] = []
    visited_set: Set[GroupVersion] = set()
    for group in groups:
        for version in group.versions:
            gv = GroupVersion(group.name, version)
            source = resources.get(gv)
            if source is None or gv in visited_set:
                continue
            visited.append(gv)
            visited_set.add(gv)
            for resource in source.resources:
                if resource.is_subresource:
                    continue
                key = GroupResource(group.name, resource.name)
                if key in chosen and version != group.preferred_version:
                    # only the preferred version may override an earlier choice
                    continue
                chosen[key] = gv

    result: List[APIResourceList] = []
    for gv in visited:
        picked: List[APIResource] = []
        seen: Set[str] = set()
        for resource in resources[gv].resources:
            if resource.is_subresource or resource.name in seen:
                continue
            if chosen.get(GroupResource(gv.group, resource.name)) == gv:
                picked.append(resource)
                seen.add(resource.name)
        result.append(APIResourceList(gv, tuple(picked)))
    return result


def namespaced_only(lists: Sequence[APIResourceList]) -> List[APIResourceList]:
    """Keep namespaced resources only, dropping lists left empty (client-go ``FilteredBy``)."""
    result: List[APIResourceList] = []
    for resource_list in lists:
        kept: Tuple[APIResource, ...] = tuple(r for r in resource_list.resources if r.namespaced)
        if kept:
            result.append(APIResourceList(resource_list.group_version, kept))
    return result
