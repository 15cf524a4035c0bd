"""Immutable group/version/kind/resource values.

Mirrors apimachinery's ``runtime/schema/group_version.go``: small frozen values
with parse helpers, ``str()`` forms and ``with_*`` builders, so that the rest
of the code passes values around instead of re-splitting strings.
"""

from __future__ import annotations

from typing import Optional, Tuple

from ._frozen import Frozen

_set = object.__setattr__

__all__ = [
    "GroupVersion",
    "GroupKind",
    "GroupResource",
    "GroupVersionKind",
    "GroupVersionResource",
    "parse_resource_arg",
    "parse_kind_arg",
]


class _Ordered(Frozen):
    """A frozen value (``discovery._frozen``) with ``dataclass(order=True)``'s four comparisons.

    The same semantics (the fields' tuple, against the same class only, else
    ``NotImplemented``) without generating four functions per class when the
    module is imported: those cost a millisecond each on ``import dynclient``.
    """

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._frozen_values(self) < self._frozen_values(other)
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._frozen_values(self) <= self._frozen_values(other)
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._frozen_values(self) > self._frozen_values(other)
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._frozen_values(self) >= self._frozen_values(other)
        return NotImplemented


class GroupVersion(_Ordered):
    """An API group and version; the core group is the empty string."""

    group: str
    version: str
    __slots__ = ("group", "version")

    def __init__(self, group: str, version: str) -> None:
        _set(self, "group", group)
        _set(self, "version", version)

    @classmethod
    def parse(cls, text: str) -> "GroupVersion":
        """Parse ``"apps/v1"``, ``"v1"`` (core) or ``""`` (empty), as ``schema.ParseGroupVersion``."""
        if not isinstance(text, str):
            raise TypeError(f"group version must be a str, got {type(text).__name__}")
        if text in ("", "/"):
            return cls("", "")
        parts = text.split("/")
        if len(parts) == 1:
            return cls("", parts[0])
        if len(parts) == 2:
            return cls(parts[0], parts[1])
        raise ValueError(f"unexpected GroupVersion string: {text!r}")

    def __str__(self) -> str:
        return self.version if not self.group else f"{self.group}/{self.version}"

    @property
    def api_version(self) -> str:
        """The ``apiVersion`` field form: ``"v1"`` or ``"apps/v1"``."""
        return str(self)

    def is_empty(self) -> bool:
        return not self.group and not self.version

    def with_kind(self, kind: str) -> "GroupVersionKind":
        return GroupVersionKind(self.group, self.version, kind)

    def with_resource(self, resource: str) -> "GroupVersionResource":
        return GroupVersionResource(self.group, self.version, resource)


class GroupKind(_Ordered):
    """A kind within a group, with no version: ``Deployment.apps``."""

    group: str
    kind: str
    __slots__ = ("group", "kind")

    def __init__(self, group: str, kind: str) -> None:
        _set(self, "group", group)
        _set(self, "kind", kind)

    @classmethod
    def parse(cls, text: str) -> "GroupKind":
        """Parse ``"Deployment.apps"`` or ``"Pod"``; the group is everything after the first dot."""
        kind, _, group = text.partition(".")
        return cls(group, kind)

    def __str__(self) -> str:
        return self.kind if not self.group else f"{self.kind}.{self.group}"

    def with_version(self, version: str) -> "GroupVersionKind":
        return GroupVersionKind(self.group, version, self.kind)


class GroupResource(_Ordered):
    """A resource within a group, with no version: ``deployments.apps``."""

    group: str
    resource: str
    __slots__ = ("group", "resource")

    def __init__(self, group: str, resource: str) -> None:
        _set(self, "group", group)
        _set(self, "resource", resource)

    @classmethod
    def parse(cls, text: str) -> "GroupResource":
        """Parse ``"deployments.apps"`` or ``"pods"``; the group is everything after the first dot."""
        resource, _, group = text.partition(".")
        return cls(group, resource)

    def __str__(self) -> str:
        return self.resource if not self.group else f"{self.resource}.{self.group}"

    def with_version(self, version: str) -> "GroupVersionResource":
        return GroupVersionResource(self.group, version, self.resource)


class GroupVersionKind(_Ordered):
    """A fully qualified kind: what ``apiVersion`` plus ``kind`` name in a manifest."""

    group: str
    version: str
    kind: str
    __slots__ = ("group", "version", "kind")

    def __init__(self, group: str, version: str, kind: str) -> None:
        _set(self, "group", group)
        _set(self, "version", version)
        _set(self, "kind", kind)

    @classmethod
    def from_api_version(cls, api_version: str, kind: str) -> "GroupVersionKind":
        """Build from a manifest's ``apiVersion`` and ``kind`` fields."""
        return GroupVersion.parse(api_version).with_kind(kind)

    @classmethod
    def parse(cls, text: str) -> "GroupVersionKind":
        """Parse ``"Deployment.v1.apps"`` (kind.version.group), as kubectl's ``ParseKindArg`` does."""
        gvk, _ = parse_kind_arg(text)
        if gvk is None:
            raise ValueError(f"expected kind.version.group, got {text!r}")
        return gvk

    def __str__(self) -> str:
        # apimachinery's form; unambiguous even for the core group.
        return f"{self.group}/{self.version}, Kind={self.kind}"

    @property
    def api_version(self) -> str:
        return str(self.group_version)

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)

    def is_empty(self) -> bool:
        return not (self.group or self.version or self.kind)


class GroupVersionResource(_Ordered):
    """A fully qualified resource: what a request URL names."""

    group: str
    version: str
    resource: str
    __slots__ = ("group", "version", "resource")

    def __init__(self, group: str, version: str, resource: str) -> None:
        _set(self, "group", group)
        _set(self, "version", version)
        _set(self, "resource", resource)

    @classmethod
    def parse(cls, text: str) -> "GroupVersionResource":
        """Parse ``"deployments.v1.apps"`` (resource.version.group), or ``"pods.v1."`` for the core group."""
        gvr, _ = parse_resource_arg(text)
        if gvr is None:
            raise ValueError(f"expected resource.version.group, got {text!r}")
        return gvr

    def __str__(self) -> str:
        return f"{self.group}/{self.version}, Resource={self.resource}"

    @property
    def api_version(self) -> str:
        return str(self.group_version)

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @property
    def group_resource(self) -> GroupResource:
        return GroupResource(self.group, self.resource)

    def with_version(self, version: str) -> "GroupVersionResource":
        return GroupVersionResource(self.group, version, self.resource)

    def is_empty(self) -> bool:
        return not (self.group or self.version or self.resource)


def parse_resource_arg(arg: str) -> Tuple[Optional[GroupVersionResource], GroupResource]:
    """Split a command-line resource the way kubectl's ``schema.ParseResourceArg`` does.

    With two or more dots the text may be ``resource.version.group``, so that
    reading is returned too; the ``resource.group`` reading is always returned.
    Callers try both, as kubectl's builder does.
    """
    gvr = None
    if arg.count(".") >= 2:
        resource, version, group = arg.split(".", 2)
        gvr = GroupVersionResource(group, version, resource)
    return gvr, GroupResource.parse(arg)


def parse_kind_arg(arg: str) -> Tuple[Optional[GroupVersionKind], GroupKind]:
    """Split a kind argument the way ``schema.ParseKindArg`` does (``Kind.version.group``)."""
    gvk = None
    if arg.count(".") >= 2:
        kind, version, group = arg.split(".", 2)
        gvk = GroupVersionKind(group, version, kind)
    return gvk, GroupKind.parse(arg)
