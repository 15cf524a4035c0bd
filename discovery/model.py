"""Discovery documents as frozen values, with kubectl's JSON encoding.

``APIGroup`` and ``APIResourceList`` are what the legacy discovery endpoints
serve (metav1 types). Aggregated discovery is converted into these same
values (see ``aggregated.py``), so the cache, the mapper and the printer only
ever see one shape. ``to_dict`` emits fields in the order and with the
``omitempty`` rules of the Go structs, because kubectl must be able to read
the disk cache dynclient writes, and vice versa.
"""

from __future__ import annotations

from collections import abc
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

from ._frozen import Frozen
from .types import GroupVersion

__all__ = ["APIResource", "APIResourceList", "APIGroup", "APIGroupList"]


_EMPTY: Tuple[str, ...] = ()
_set = object.__setattr__


def _is_object(value: Any) -> bool:
    # A decoded JSON object is a dict: one type test. typing.Mapping's isinstance costs
    # microseconds, and this runs for every resource of every cache file.
    return type(value) is dict or isinstance(value, abc.Mapping)


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number"}.get(type(value), type(value).__name__)


def _strs(value: Any, what: str) -> Tuple[str, ...]:
    if value is None:
        return _EMPTY
    if type(value) is not list:
        raise ValueError(f"{what} must be a list of strings, got a JSON {_kind_of(value)}")
    for v in value:
        if type(v) is not str:
            raise ValueError(f"{what} must be a list of strings, got an item that is a JSON {_kind_of(v)}")
    return tuple(value) if value else _EMPTY


def _str(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if type(value) is not str:
        raise ValueError(f"{what}.{key} must be a string, got a JSON {_kind_of(value)}")
    return value


def _bool(data: Mapping[str, Any], key: str, what: str) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if type(value) is not bool:
        raise ValueError(f"{what}.{key} must be a boolean, got a JSON {_kind_of(value)}")
    return value


class APIResource(Frozen):
    """One entry of an APIResourceList (metav1.APIResource).

    ``name`` may be ``"deployments/status"`` for a subresource. ``group`` and
    ``version`` are only set when the served kind lives elsewhere (a Scale
    subresource is ``autoscaling/v1``).
    """

    name: str
    singular_name: str
    namespaced: bool
    kind: str
    verbs: Tuple[str, ...]
    short_names: Tuple[str, ...]
    categories: Tuple[str, ...]
    group: str
    version: str
    storage_version_hash: str
    __slots__ = ("name", "singular_name", "namespaced", "kind", "verbs", "short_names", "categories", "group",
                 "version", "storage_version_hash")

    def __init__(self, name: str, singular_name: str, namespaced: bool, kind: str, verbs: Tuple[str, ...] = (),
                 short_names: Tuple[str, ...] = (), categories: Tuple[str, ...] = (), group: str = "",
                 version: str = "", storage_version_hash: str = "") -> None:
        _set(self, "name", name)
        _set(self, "singular_name", singular_name)
        _set(self, "namespaced", namespaced)
        _set(self, "kind", kind)
        _set(self, "verbs", verbs)
        _set(self, "short_names", short_names)
        _set(self, "categories", categories)
        _set(self, "group", group)
        _set(self, "version", version)
        _set(self, "storage_version_hash", storage_version_hash)

    @property
    def is_subresource(self) -> bool:
        return "/" in self.name

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "APIResource":
        """Decode one entry, refusing fields of the wrong JSON type as Go's decoder does."""
        if not _is_object(data):
            raise ValueError(f"an APIResource must be a JSON object, got a JSON {_kind_of(data)}")
        name = data.get("name")
        if type(name) is not str:
            raise ValueError(f"an APIResource needs a string 'name', got a JSON {_kind_of(name)}")
        what = f"APIResource {name!r}"
        get = data.get
        # Positional, in field order: this runs once per resource of every cache file.
        return cls(
            name,
            _str(data, "singularName", what),
            _bool(data, "namespaced", what),
            _str(data, "kind", what),
            _strs(get("verbs"), f"{what}.verbs"),
            _strs(get("shortNames"), f"{what}.shortNames") if "shortNames" in data else _EMPTY,
            _strs(get("categories"), f"{what}.categories") if "categories" in data else _EMPTY,
            _str(data, "group", what) if "group" in data else "",
            _str(data, "version", what) if "version" in data else "",
            _str(data, "storageVersionHash", what) if "storageVersionHash" in data else "",
        )

    def to_dict(self) -> Dict[str, Any]:
        # Field order and omitempty follow metav1.APIResource's json tags.
        out: Dict[str, Any] = {
            "name": self.name,
            "singularName": self.singular_name,
            "namespaced": self.namespaced,
        }
        if self.group:
            out["group"] = self.group
        if self.version:
            out["version"] = self.version
        out["kind"] = self.kind
        out["verbs"] = list(self.verbs)
        if self.short_names:
            out["shortNames"] = list(self.short_names)
        if self.categories:
            out["categories"] = list(self.categories)
        if self.storage_version_hash:
            out["storageVersionHash"] = self.storage_version_hash
        return out


class APIResourceList(Frozen):
    """The resources served in one group-version (metav1.APIResourceList)."""

    group_version: GroupVersion
    resources: Tuple[APIResource, ...]
    __slots__ = ("group_version", "resources")

    def __init__(self, group_version: GroupVersion, resources: Tuple[APIResource, ...] = ()) -> None:
        _set(self, "group_version", group_version)
        _set(self, "resources", resources)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, group_version: Optional[GroupVersion] = None) -> "APIResourceList":
        """Decode a legacy ``/apis/<g>/<v>`` reply or a cached ``serverresources.json``.

        ``group_version`` overrides the document's own field: client-go does
        the same for ``/api/v1``, which some old servers return without it.
        """
        if not _is_object(data):
            raise ValueError(f"an APIResourceList must be a JSON object, got a JSON {_kind_of(data)}")
        gv = group_version or GroupVersion.parse(_str(data, "groupVersion", "APIResourceList"))
        resources = data.get("resources")
        if resources is None:
            resources = []
        if type(resources) is not list:
            raise ValueError(f"APIResourceList.resources must be a JSON array, got a JSON {_kind_of(resources)}")
        decode = APIResource.from_dict
        return cls(gv, tuple([decode(r) for r in resources]))

    def to_dict(self) -> Dict[str, Any]:
        # runtime.Encode(LegacyCodec) puts kind and apiVersion first.
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": str(self.group_version),
            "resources": [r.to_dict() for r in self.resources],
        }

    def top_level(self) -> Iterable[APIResource]:
        """Resources without subresources (``pods`` but not ``pods/log``)."""
        return (r for r in self.resources if not r.is_subresource)


class APIGroup(Frozen):
    """A group and its served versions, preferred first in ``preferred_version``.

    The core group has ``name == ""`` and is always listed first, the way
    client-go's ``ServerGroups`` prepends it.
    """

    name: str
    versions: Tuple[str, ...]
    preferred_version: str
    __slots__ = ("name", "versions", "preferred_version")

    def __init__(self, name: str, versions: Tuple[str, ...], preferred_version: str = "") -> None:
        _set(self, "name", name)
        _set(self, "versions", versions)
        _set(self, "preferred_version", preferred_version)

    def group_versions(self) -> Tuple[GroupVersion, ...]:
        return tuple(GroupVersion(self.name, v) for v in self.versions)

    @property
    def preferred(self) -> Optional[GroupVersion]:
        return GroupVersion(self.name, self.preferred_version) if self.preferred_version else None

    @staticmethod
    def _version_of(entry: Any, name: str, what: str) -> str:
        """The version of one ``GroupVersionForDiscovery``: ``version``, else the one in ``groupVersion``.

        client-go keeps an entry whose ``version`` is empty and fetches it by
        its ``groupVersion``; so does dynclient (``"g/v1"`` gives ``v1``).
        """
        if not _is_object(entry):
            raise ValueError(f"APIGroup {name!r} {what} must be a JSON object, got a JSON {_kind_of(entry)}")
        version = _str(entry, "version", f"APIGroup {name!r} {what}")
        if version:
            return version
        group_version = _str(entry, "groupVersion", f"APIGroup {name!r} {what}")
        return group_version.rpartition("/")[2] if group_version else ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "APIGroup":
        """Decode one group; version entries with neither ``version`` nor ``groupVersion`` are dropped."""
        if not _is_object(data):
            raise ValueError(f"an APIGroup must be a JSON object, got a JSON {_kind_of(data)}")
        name = _str(data, "name", "APIGroup")
        entries = data.get("versions")
        if entries is None:
            entries = []
        if type(entries) is not list:
            raise ValueError(f"APIGroup {name!r} versions must be a JSON array, got a JSON {_kind_of(entries)}")
        versions = []
        for entry in entries:
            version = cls._version_of(entry, name, "version entry")
            if version:
                versions.append(version)
        preferred = data.get("preferredVersion")
        preferred_version = cls._version_of(preferred, name, "preferredVersion") if preferred is not None else ""
        return cls(name=name, versions=tuple(versions), preferred_version=preferred_version)

    def to_dict(self) -> Dict[str, Any]:
        def entry(version: str) -> Dict[str, str]:
            return {"groupVersion": str(GroupVersion(self.name, version)), "version": version}

        # Go's encoding/json never omits a struct, so preferredVersion is always present.
        preferred = entry(self.preferred_version) if self.preferred_version else {"groupVersion": "", "version": ""}
        return {"name": self.name, "versions": [entry(v) for v in self.versions], "preferredVersion": preferred}


class APIGroupList(Frozen):
    """All served groups, core first (metav1.APIGroupList)."""

    groups: Tuple[APIGroup, ...]
    __slots__ = ("groups",)

    def __init__(self, groups: Tuple[APIGroup, ...] = ()) -> None:
        _set(self, "groups", groups)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "APIGroupList":
        if not _is_object(data):
            raise ValueError(f"an APIGroupList must be a JSON object, got a JSON {_kind_of(data)}")
        groups = data.get("groups")
        if groups is None:
            groups = []
        if type(groups) is not list:
            raise ValueError(f"APIGroupList.groups must be a JSON array, got a JSON {_kind_of(groups)}")
        return cls(tuple(APIGroup.from_dict(g) for g in groups))

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [g.to_dict() for g in self.groups],
        }

