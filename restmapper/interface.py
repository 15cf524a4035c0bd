"""The RESTMapper seam (apimachinery ``pkg/api/meta/interfaces.go``).

Every mapper in this package satisfies ``RESTMapper``, and the wrappers
(priority, shortcut expansion, deferred discovery) wrap another RESTMapper, so
they stack in any order. A partial ``GroupVersionResource`` leaves group
and/or version empty to mean "any"; the kind and resource methods return
candidates in priority order, the singular methods pick one or raise.
"""

from __future__ import annotations

from typing import List, Protocol, runtime_checkable

from discovery.types import GroupKind, GroupVersionKind, GroupVersionResource

from .mapping import RESTMapping

__all__ = ["RESTMapper", "ResettableRESTMapper", "maybe_reset"]


@runtime_checkable
class RESTMapper(Protocol):
    """Maps between resources and kinds, and from a kind to the resource that serves it."""

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """The single kind a partial resource names; raises NoMatch or Ambiguous."""
        ...

    def kinds_for(self, resource: GroupVersionResource) -> List[GroupVersionKind]:
        """Every kind a partial resource may name, in priority order; raises NoMatch if none."""
        ...

    def resource_for(self, resource: GroupVersionResource) -> GroupVersionResource:
        """The single fully qualified plural resource for a partial one."""
        ...

    def resources_for(self, resource: GroupVersionResource) -> List[GroupVersionResource]:
        """Every fully qualified plural resource a partial one may mean, in priority order."""
        ...

    def rest_mapping(self, group_kind: GroupKind, *versions: str) -> RESTMapping:
        """The preferred mapping for a kind; versions given here take priority."""
        ...

    def rest_mappings(self, group_kind: GroupKind, *versions: str) -> List[RESTMapping]:
        """Every mapping for a kind, in the mapper's internal order."""
        ...

    def resource_singularizer(self, resource: str) -> str:
        """The singular of a plural resource name (``pods`` -> ``pod``)."""
        ...


@runtime_checkable
class ResettableRESTMapper(RESTMapper, Protocol):
    """A RESTMapper that caches what it learned and can forget it."""

    def reset(self) -> None:
        """Drop cached state; the next lookup reloads it."""
        ...


def maybe_reset(mapper: object) -> None:
    """Reset ``mapper`` when it can be reset (apimachinery ``MaybeResetRESTMapper``)."""
    reset = getattr(mapper, "reset", None)
    if callable(reset):
        reset()
