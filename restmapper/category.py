"""Categories such as ``all`` (client-go ``restmapper/category_expansion.go``).

A category names the resources that list it in discovery's ``categories``
field. ``kubectl get all`` expands it to those resources in discovery order;
a resource served in several versions appears once per version here, and the
duplicates are removed later by the caller (by string, then by kind).
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Protocol, Sequence, runtime_checkable

from discovery.errors import DynclientError, GroupDiscoveryFailed
from discovery.interface import DiscoveryInterface
from discovery.types import GroupResource

__all__ = ["CategoryExpander", "DiscoveryCategoryExpander", "SimpleCategoryExpander"]


@runtime_checkable
class CategoryExpander(Protocol):
    """Maps a category name to the group-resources in it (client-go ``CategoryExpander``)."""

    def expand(self, category: str) -> Optional[List[GroupResource]]:
        """The resources in ``category``, or None when it is not a category."""
        ...


class SimpleCategoryExpander:
    """A fixed category table (client-go ``SimpleCategoryExpander``)."""

    def __init__(self, expansions: Mapping[str, Sequence[GroupResource]]) -> None:
        self.expansions: Dict[str, List[GroupResource]] = {k: list(v) for k, v in expansions.items()}

    def expand(self, category: str) -> Optional[List[GroupResource]]:
        """The configured resources, or None for an unknown category."""
        found = self.expansions.get(category)
        return list(found) if found is not None else None


class DiscoveryCategoryExpander:
    """Categories read from discovery (client-go ``discoveryCategoryExpander``).

    Reads discovery on every call, as upstream does, so a cached discovery
    client keeps it cheap and an invalidated one makes it current. Partial
    discovery still expands from the groups that loaded.
    """

    def __init__(self, discovery: DiscoveryInterface) -> None:
        if discovery is None:
            raise ValueError("a discovery client is required")
        self.discovery = discovery

    def expand(self, category: str) -> Optional[List[GroupResource]]:
        """Resources listing ``category``, in discovery order; None when none does."""
        try:
            _, lists = self.discovery.server_groups_and_resources()
        except GroupDiscoveryFailed as err:
            lists = err.partial[1] if err.partial and err.partial[1] is not None else []
        except DynclientError:
            # Upstream ignores the error: "not a category", and resolving the
            # name as a resource then reports the real failure.
            return None
        found: List[GroupResource] = []
        for lst in lists:
            group = lst.group_version.group
            for res in lst.resources:
                if category in res.categories:
                    found.append(GroupResource(group, res.name))
        return found or None
