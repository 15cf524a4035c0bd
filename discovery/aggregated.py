"""Aggregated discovery (``apidiscovery.k8s.io`` v2 / v2beta1) turned into legacy discovery values.

A server that supports aggregated discovery answers ``/api`` and ``/apis``
with an ``APIGroupDiscoveryList`` holding every group, version and resource,
so full discovery costs two requests instead of one per group-version. The
rest of dynclient only knows ``APIGroup`` and ``APIResourceList``; this
module converts, following client-go's ``discovery/aggregated_discovery.go``
field by field. v2 and v2beta1 share the same JSON shape, so one converter
serves both.
"""

from __future__ import annotations

from collections import abc
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from .errors import DiscoveryError
from .model import APIGroup, APIResource, APIResourceList
from .types import GroupVersion

__all__ = [
    "StaleGroupVersion",
    "AGGREGATED_VERSIONS",
    "is_aggregated",
    "split_groups_and_resources",
]

#: The aggregated discovery versions dynclient understands, newest first.
AGGREGATED_VERSIONS = ("v2", "v2beta1")

_GROUP = "apidiscovery.k8s.io"
_KIND = "APIGroupDiscoveryList"


class StaleGroupVersion(DiscoveryError):
    """Aggregated discovery marked this group-version ``Stale`` (client-go ``StaleGroupVersionError``).

    The aggregator could not refresh it, typically because the extension
    API server behind it is down.
    """

    def __init__(self, gv: GroupVersion) -> None:
        self.group_version = gv
        super().__init__(f"stale GroupVersion discovery: {gv}")


def _parse_media_type(content_type: str) -> Optional[Tuple[str, Dict[str, str]]]:
    """Split ``type/subtype; k=v; ...`` like Go's ``mime.ParseMediaType``; ``None`` when malformed."""
    base, *raw_params = content_type.split(";")
    base = base.strip().lower()
    if base.count("/") != 1 or not all(base.split("/")):
        return None
    params: Dict[str, str] = {}
    for raw in raw_params:
        raw = raw.strip()
        if not raw:
            continue
        key, sep, value = raw.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if not sep or not key or key in params:
            return None
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        params[key] = value
    return base, params


def is_aggregated(content_type: str) -> Optional[str]:
    """Return ``"v2"`` or ``"v2beta1"`` when ``content_type`` is an aggregated discovery list, else ``None``.

    Mirrors client-go ``ContentTypeIsGVK``: the base type must be
    ``application/json`` and the ``g``, ``v`` and ``as`` parameters must name
    ``apidiscovery.k8s.io/<v>, APIGroupDiscoveryList``, in any order and next
    to any other parameters a proxy may add. A malformed header counts as
    "not aggregated", as client-go ignores the parse error there.
    """
    parsed = _parse_media_type(content_type or "")
    if parsed is None:
        return None
    base, params = parsed
    if base != "application/json" or params.get("g") != _GROUP or params.get("as") != _KIND:
        return None
    version = params.get("v")
    return version if version in AGGREGATED_VERSIONS else None


# The helpers below run for every field of every resource of a cluster with thousands of
# CRDs: the common case (the right JSON type) is one ``type() is`` test, and the
# description of the field (``what``) is only formatted when it is wrong.
What = Union[str, Callable[[], str]]


def _describe(what: What) -> str:
    return what if isinstance(what, str) else what()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number"}.get(type(value), type(value).__name__)


def _mapping(value: Any, what: What) -> Mapping[str, Any]:
    if type(value) is dict:
        return value
    if value is None:
        return {}
    if not isinstance(value, abc.Mapping):
        raise ValueError(f"{_describe(what)} must be a JSON object, got a JSON {_json_type(value)}")
    return value


def _list(value: Any, what: What) -> List[Any]:
    if type(value) is list:
        return value
    if value is None:
        return []
    raise ValueError(f"{_describe(what)} must be a JSON array, got a JSON {_json_type(value)}")


def _str(value: Any, what: What) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{_describe(what)} must be a string, got a JSON {_json_type(value)}")
    return value


def _strs(value: Any, what: What) -> Tuple[str, ...]:
    items = _list(value, what)
    for v in items:
        if type(v) is not str:
            _str(v, what)  # raises for anything but a string
    return tuple(items)


def _response_kind(value: Any, what: What) -> Optional[Tuple[str, str, str]]:
    """``(group, version, kind)``, or ``None`` when absent or all-empty (client-go ``emptyKind``)."""
    if value is None:
        return None
    kind = _mapping(value, what)
    get = kind.get
    gvk = (_str(get("group"), what), _str(get("version"), what), _str(get("kind"), what))
    return None if gvk == ("", "", "") else gvk


def _convert_resource(data: Mapping[str, Any]) -> Tuple[APIResource, bool]:
    """client-go ``convertAPIResource``: the resource, and whether it has a response kind.

    A resource without one is not listed, but is still returned so that its
    subresources can be converted against it.
    """
    get = data.get
    name = _str(get("resource"), "resource")
    gvk = _response_kind(get("responseKind"), lambda: f"resource {name!r} responseKind")
    group, version, kind = gvk or ("", "", "")
    resource = APIResource(
        name,
        _str(get("singularResource"), "singularResource"),
        get("scope") == "Namespaced",
        kind,
        _strs(get("verbs"), "verbs"),
        _strs(get("shortNames"), "shortNames"),
        _strs(get("categories"), "categories"),
        group,
        version,
    )
    return resource, gvk is not None


def _convert_subresource(parent: APIResource, data: Mapping[str, Any]) -> Optional[APIResource]:
    """client-go ``convertAPISubresource``: ``None`` when the subresource has no response kind."""
    sub = _str(data.get("subresource"), "subresource")
    gvk = _response_kind(data.get("responseKind"), lambda: f"subresource {parent.name}/{sub} responseKind")
    if gvk is None:
        return None
    group, version, kind = gvk
    return APIResource(
        f"{parent.name}/{sub}",
        parent.singular_name,
        parent.namespaced,
        kind,
        _strs(data.get("verbs"), "verbs"),
        (),
        (),
        group,
        version,
    )


def _convert_group(
    data: Mapping[str, Any],
) -> Tuple[APIGroup, Dict[GroupVersion, APIResourceList], Dict[GroupVersion, Exception]]:
    """client-go ``convertAPIGroup``: stale versions fail and leave the group; the first fresh one is preferred."""
    name = _str(_mapping(data.get("metadata"), "metadata").get("name"), "metadata.name")
    versions: List[str] = []
    resources: Dict[GroupVersion, APIResourceList] = {}
    failed: Dict[GroupVersion, Exception] = {}
    for entry in _list(data.get("versions"), lambda: f"group {name!r} versions"):
        entry = _mapping(entry, lambda: f"group {name!r} version entry")
        version = _str(entry.get("version"), "version")
        gv = GroupVersion(name, version)
        if entry.get("freshness") == "Stale":
            failed[gv] = StaleGroupVersion(gv)
            continue
        versions.append(version)
        converted: List[APIResource] = []
        for raw in _list(entry.get("resources"), lambda: f"{gv} resources"):
            raw = _mapping(raw, lambda: f"{gv} resource")
            resource, has_kind = _convert_resource(raw)
            if has_kind:
                converted.append(resource)
            subs = raw.get("subresources")
            if subs is not None:
                for raw_sub in _list(subs, lambda: f"{gv} {resource.name} subresources"):
                    sub = _convert_subresource(
                        resource, _mapping(raw_sub, lambda: f"{gv} {resource.name} subresource"))
                    if sub is not None:
                        converted.append(sub)
        resources[gv] = APIResourceList(gv, tuple(converted))
    group = APIGroup(name=name, versions=tuple(versions), preferred_version=versions[0] if versions else "")
    return group, resources, failed


def split_groups_and_resources(
    document: Mapping[str, Any],
) -> Tuple[List[APIGroup], Dict[GroupVersion, APIResourceList], Dict[GroupVersion, Exception]]:
    """Convert an ``APIGroupDiscoveryList`` into groups, resources by group-version, and failed group-versions.

    Mirrors client-go ``SplitGroupsAndResources``. Groups keep the server's
    order; so do the dict entries (client-go returns maps, which have none).
    Raises ``ValueError`` when the document does not have the expected shape;
    the caller knows which URL it came from and reports that.
    """
    document = _mapping(document, "APIGroupDiscoveryList")
    groups: List[APIGroup] = []
    resources: Dict[GroupVersion, APIResourceList] = {}
    failed: Dict[GroupVersion, Exception] = {}
    for item in _list(document.get("items"), "items"):
        group, group_resources, group_failed = _convert_group(_mapping(item, "APIGroupDiscovery"))
        groups.append(group)
        resources.update(group_resources)
        failed.update(group_failed)
    return groups, resources, failed
