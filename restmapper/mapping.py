"""The answer a RESTMapper gives: which URL resource serves a kind, and at which scope."""

from __future__ import annotations

import enum

from discovery._frozen import Frozen
from discovery.types import GroupVersionKind, GroupVersionResource

__all__ = ["Scope", "RESTMapping"]


class Scope(str, enum.Enum):
    """Where objects of a resource live (apimachinery ``RESTScopeName``)."""

    NAMESPACE = "namespace"
    ROOT = "root"


class RESTMapping(Frozen):
    """A kind mapped to the resource that serves it (apimachinery ``meta.RESTMapping``).

    ``group_version_kind`` is the kind as it was asked for; ``resource`` is the
    plural resource name used in request paths.
    """

    resource: GroupVersionResource
    group_version_kind: GroupVersionKind
    scope: Scope
    __slots__ = ("resource", "group_version_kind", "scope")

    def __init__(self, resource: GroupVersionResource, group_version_kind: GroupVersionKind, scope: Scope) -> None:
        object.__setattr__(self, "resource", resource)
        object.__setattr__(self, "group_version_kind", group_version_kind)
        object.__setattr__(self, "scope", scope)

    @property
    def namespaced(self) -> bool:
        """True when objects live in a namespace and URLs need one."""
        return self.scope is Scope.NAMESPACE
