"""The one function that builds API paths, and the name checks done before any request.

Mirrors client-go ``dynamic/simple.go`` ``makeURLSegments`` and apimachinery's
``path.IsValidPathSegmentName``: a name that would change the URL's meaning
(``..``, a slash, a percent sign) is refused locally, before a request is sent.
"""

from __future__ import annotations

import re
from typing import Optional

from discovery.types import GroupVersionResource

__all__ = ["resource_path", "check_name", "check_namespace"]

_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check_name(name: str, what: str = "name") -> str:
    """Refuse names that are not a single safe path segment (``IsValidPathSegmentName``)."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, got {type(name).__name__}")
    if not name:
        raise ValueError(f"{what} must not be empty")
    if name in (".", ".."):
        raise ValueError(f"{what} may not be {name!r}")
    for bad in ("/", "%"):
        if bad in name:
            raise ValueError(f"{what} {name!r} may not contain {bad!r}")
    return name


def check_namespace(namespace: str) -> str:
    """A namespace is a DNS-1123 label (at most 63 characters)."""
    check_name(namespace, "namespace")
    if len(namespace) > 63 or not _NAMESPACE.match(namespace):
        raise ValueError(f"namespace {namespace!r} is not a valid DNS-1123 label")
    return namespace


def resource_path(
    gvr: GroupVersionResource,
    namespace: Optional[str] = None,
    name: Optional[str] = None,
    subresource: Optional[str] = None,
) -> str:
    """``/api/v1/namespaces/ns/pods/name/status`` and every shorter form of it."""
    parts = ["/api", gvr.version] if not gvr.group else ["/apis", gvr.group, gvr.version]
    if namespace:
        parts += ["namespaces", check_namespace(namespace)]
    parts.append(gvr.resource)
    if name is not None:
        parts.append(check_name(name))
    if subresource:
        parts.append(subresource)
    return "/".join(parts)
