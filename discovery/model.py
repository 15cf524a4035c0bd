"""Discovery documents as frozen values, with kubectl's JSON encoding.

``APIGroup`` and ``APIResourceList`` are what the legacy discovery endpoints
serve (metav1 types). Aggregated discovery is converted into these same
values (see ``aggregated.py``), so the cache, the mapper and the printer only
ever see one shape. ``to_dict`` emits fields in the order and with the
``omitempty`` rules of the Go structs, because kubectl must be able to read
the disk cache dynclient writes, and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

from .types import GroupVersion

__all__ = ["APIResource", "APIResourceList", "APIGroup", "APIGroupList"]


def _strs(value: Any, what: str) -> Tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings, got {value!r}")
    return tuple(value)


@dataclass(frozen=True)
class APIResource:
    """One entry of an APIResourceList (metav1.APIResource).

    ``name`` may be ``"deployments/status"`` for a subresource. ``group`` and
    ``version`` are only set when the served kind lives elsewhere (a Scale
    subresource is ``autoscaling/v1``).
    """

    name: str
    singular_name: str
    namespaced: bool
    kind: str
    verbs: Tuple[str, ...] = ()
    short_names: Tuple[str, ...] = ()
    categories: Tuple[str, ...] = ()
    group: str = ""
    version: str = ""
    storage_version_hash: str = ""

    @property
    def is_subresource(self) -> bool:
        return "/" in self.name

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "APIResource":
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise ValueError(f"an APIResource needs a string 'name', got {data!r}")
        return cls(
            name=data["name"],
            singular_name=str(data.get("singularName") or ""),
            namespaced=bool(data.get("namespaced", False)),
            kind=str(data.get("kind") or ""),
            verbs=_strs(data.get("verbs"), "verbs"),
            short_names=_strs(data.get("shortNames"), "shortNames"),
            categories=_strs(data.get("categories"), "categories"),
            group=str(data.get("group") or ""),
            version=str(data.get("version") or ""),
            storage_version_hash=str(data.get("storageVersionHash") or ""),
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


@dataclass(frozen=True)
class APIResourceList:
    """The resources served in one group-version (metav1.APIResourceList)."""

    group_version: GroupVersion
    resources: Tuple[APIResource, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, group_version: Optional[GroupVersion] = None) -> "APIResourceList":
        """Decode a legacy ``/apis/<g>/<v>`` reply or a cached ``serverresources.json``.

        ``group_version`` overrides the document's own field: client-go does
        the same for ``/api/v1``, which some old servers return without it.
        """
        if not isinstance(data, Mapping):
            raise ValueError("an APIResourceList must be a JSON object")
        gv = group_version or GroupVersion.parse(str(data.get("groupVersion") or ""))
        resources = data.get("resources") or []
        if not isinstance(resources, list):
            raise ValueError("APIResourceList.resources must be a list")
        return cls(gv, tuple(APIResource.from_dict(r) for r in resources))

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


@dataclass(frozen=True)
class APIGroup:
    """A group and its served versions, preferred first in ``preferred_version``.

    The core group has ``name == ""`` and is always listed first, the way
    client-go's ``ServerGroups`` prepends it.
    """

    name: str
    versions: Tuple[str, ...]
    preferred_version: str = ""

    def group_versions(self) -> Tuple[GroupVersion, ...]:
        return tuple(GroupVersion(self.name, v) for v in self.versions)

    @property
    def preferred(self) -> Optional[GroupVersion]:
        return GroupVersion(self.name, self.preferred_version) if self.preferred_version else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "APIGroup":
        if not isinstance(data, Mapping):
            raise ValueError(f"an APIGroup must be a JSON object, got {data!r}")
        versions = []
        for entry in data.get("versions") or []:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("version"), str):
                raise ValueError(f"APIGroup {data.get('name')!r} has a malformed version entry {entry!r}")
            versions.append(entry["version"])
        preferred = data.get("preferredVersion") or {}
        return cls(
            name=str(data.get("name") or ""),
            versions=tuple(versions),
            preferred_version=str(preferred.get("version") or "") if isinstance(preferred, Mapping) else "",
        )

    def to_dict(self) -> Dict[str, Any]:
        def entry(version: str) -> Dict[str, str]:
            return {"groupVersion": str(GroupVersion(self.name, version)), "version": version}

        # Go's encoding/json never omits a struct, so preferredVersion is always present.
        preferred = entry(self.preferred_version) if self.preferred_version else {"groupVersion": "", "version": ""}
        return {"name": self.name, "versions": [entry(v) for v in self.versions], "preferredVersion": preferred}


@dataclass(frozen=True)
class APIGroupList:
    """All served groups, core first (metav1.APIGroupList)."""

    groups: Tuple[APIGroup, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "APIGroupList":
        if not isinstance(data, Mapping) or not isinstance(data.get("groups", []), list):
            raise ValueError("an APIGroupList must be a JSON object with a 'groups' list")
        return cls(tuple(APIGroup.from_dict(g) for g in data.get("groups") or []))

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [g.to_dict() for g in self.groups],
        }

