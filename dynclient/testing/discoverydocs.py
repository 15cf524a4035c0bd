"""The discovery documents a FakeCluster serves: a recorded release, plus resources added at run time.

The recorded documents (``data/discovery.json.gz``, written by
``python -m dynclient.testing.record``) are loaded once per process and never
changed; each cluster keeps its additions apart (copy-on-write per group), so
a thousand clusters in one test run share one copy of the release.

Both forms are served, as the real server does: the aggregated list
(apidiscovery v2) when the client's Accept asks for it, else the legacy
``APIVersions``/``APIGroupList``/``APIResourceList`` documents.
"""

from __future__ import annotations

import copy
import gzip
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["ResourceInfo", "DiscoveryDocuments", "AGGREGATED_V2", "load_release"]

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
DATA = Path(__file__).resolve().parent / "data" / "discovery.json.gz"

_release: Optional[Dict[str, Any]] = None
_release_lock = threading.Lock()


def load_release(path: Path = DATA) -> Dict[str, Any]:
    """The recorded documents (shared, read-only: copy before changing anything)."""
    global _release
    with _release_lock:
        if _release is None or path != DATA:
            docs = json.loads(gzip.decompress(path.read_bytes()))
            if path != DATA:
                return docs
            _release = docs
        return _release


@dataclass(frozen=True)
class ResourceInfo:
    """What the fake needs to know to serve one resource at one group-version."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    verbs: Tuple[str, ...]
    subresources: Tuple[str, ...] = ()
    #: Added at run time (a CRD or ``add_resource``): no strategic merge, no built-in defaults.
    custom: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> Tuple[str, str]:
        return (self.group, self.resource)


class DiscoveryDocuments:
    """Discovery for one fake cluster. Thread-safe."""

    def __init__(self, release: Optional[Dict[str, Any]] = None) -> None:
        self._release = release if release is not None else load_release()
        self._lock = threading.Lock()
        #: group name -> its aggregated entry, for groups this cluster changed or added
        self._groups: Dict[str, Dict[str, Any]] = {}
        #: "group/version" (or "v1") -> legacy APIResourceList, for group-versions changed or added
        self._legacy: Dict[str, Dict[str, Any]] = {}
        self._encoded: Dict[Tuple[str, bool], bytes] = {}
        self._index: Optional[Dict[Tuple[str, str, str], ResourceInfo]] = None
        #: (group, resource) served from CRDs or added by tests: merge patch only, no built-in rules
        self._custom: set = set()

    @property
    def version_info(self) -> Dict[str, Any]:
        return self._release["version"]

    # -- reading -------------------------------------------------------------

    def _aggregated_groups(self, path: str) -> List[Dict[str, Any]]:
        base = self._release["aggregated"][path]["items"]
        if path == "/api":
            return [self._groups.get("", base[0])]
        names = {g["metadata"]["name"] for g in base}
        items = [self._groups.get(g["metadata"]["name"], g) for g in base]
        items += [g for name, g in self._groups.items() if name and name not in names]
        return [g for g in items if g.get("versions")]

    def document(self, path: str, aggregated: bool) -> Optional[Tuple[bytes, str]]:
        """The body and Content-Type for a discovery path, or ``None`` when it is not one."""
        with self._lock:
            key = (path, aggregated and path in ("/api", "/apis"))
            body = self._encoded.get(key)
            if body is None:
                doc = self._build(path, key[1])
                if doc is None:
                    return None
                body = self._encoded[key] = json.dumps(doc, separators=(",", ":")).encode()
        return body, AGGREGATED_V2 if key[1] else "application/json"

    def _build(self, path: str, aggregated: bool) -> Optional[Dict[str, Any]]:
        if path == "/version":
            return self.version_info
        if aggregated:
            return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
                    "items": self._aggregated_groups(path)}
        if path == "/api":
            return self._release["legacy"]["/api"]
        if path == "/apis":
            return {"kind": "APIGroupList", "apiVersion": "v1",
                    "groups": [_legacy_group(g) for g in self._aggregated_groups("/apis")]}
        gv = path[len("/api/"):] if path.startswith("/api/") else path[len("/apis/"):] if path.startswith("/apis/") else ""
        if not gv:
            return None
        doc = self._legacy.get(gv) or self._release["legacy"].get(path)
        if doc is None and gv.count("/") == 0 and path.startswith("/apis/"):
            group = next((g for g in self._aggregated_groups("/apis") if g["metadata"]["name"] == gv), None)
            return _legacy_group(group, kind=True) if group else None
        return doc

    def resources(self) -> Dict[Tuple[str, str, str], ResourceInfo]:
        """Every served (group, version, resource), for routing requests."""
        with self._lock:
            if self._index is None:
                index: Dict[Tuple[str, str, str], ResourceInfo] = {}
                for path in ("/api", "/apis"):
                    for group in self._aggregated_groups(path):
                        name = group["metadata"].get("name", "")
                        for version in group["versions"]:
                            for res in version["resources"]:
                                info = ResourceInfo(
                                    name, version["version"], res["resource"], res["responseKind"]["kind"],
                                    res["scope"] == "Namespaced", tuple(res.get("verbs") or ()),
                                    tuple(s["subresource"] for s in res.get("subresources") or ()),
                                    custom=(name, res["resource"]) in self._custom)
                                index[(name, version["version"], res["resource"])] = info
                self._index = index
            return self._index

    def find(self, group: str, version: str, resource: str) -> Optional[ResourceInfo]:
        return self.resources().get((group, version, resource))

    def preferred_version(self, group: str) -> Optional[str]:
        for path in ("/api", "/apis"):
            for g in self._aggregated_groups(path):
                if g["metadata"].get("name", "") == group and g["versions"]:
                    return g["versions"][0]["version"]
        return None

    # -- changing ------------------------------------------------------------

    def add_resource(
        self, group: str, version: str, resource: str, kind: str, *, namespaced: bool = True,
        singular: str = "", short_names: Tuple[str, ...] = (), categories: Tuple[str, ...] = (),
        subresources: Tuple[str, ...] = (), verbs: Optional[Tuple[str, ...]] = None, custom: bool = True,
    ) -> ResourceInfo:
        """Serve ``resource`` (kind ``kind``) at ``group/version``, in both discovery forms."""
        verbs = verbs or ("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch")
        entry: Dict[str, Any] = {
            "resource": resource, "responseKind": {"group": "", "version": "", "kind": kind},
            "scope": "Namespaced" if namespaced else "Cluster", "singularResource": singular or kind.lower(),
            "verbs": list(verbs),
        }
        if short_names:
            entry["shortNames"] = list(short_names)
        if categories:
            entry["categories"] = list(categories)
        if subresources:
            entry["subresources"] = [_subresource(s, kind) for s in subresources]
        with self._lock:
            if custom:
                self._custom.add((group, resource))
            group_doc = self._writable_group(group)
            ver = next((v for v in group_doc["versions"] if v["version"] == version), None)
            if ver is None:
                ver = {"version": version, "resources": [], "freshness": "Current"}
                group_doc["versions"].append(ver)
                group_doc["versions"].sort(key=lambda v: _version_priority(v["version"]), reverse=True)
            ver["resources"] = [r for r in ver["resources"] if r["resource"] != resource] + [entry]
            ver["resources"].sort(key=lambda r: r["resource"])
            legacy = self._writable_legacy(group, version)
            legacy["resources"] = [r for r in legacy["resources"]
                                   if r["name"] != resource and not r["name"].startswith(resource + "/")]
            legacy["resources"] += _legacy_resources(entry, namespaced)
            legacy["resources"].sort(key=lambda r: r["name"])
            self._changed()
        found = self.find(group, version, resource)
        assert found is not None
        return found

    def remove_resource(self, group: str, version: str, resource: str) -> None:
        """Stop serving ``resource`` at ``group/version`` (a deleted CRD); an emptied group disappears."""
        with self._lock:
            group_doc = self._writable_group(group)
            for ver in group_doc["versions"]:
                if ver["version"] == version:
                    ver["resources"] = [r for r in ver["resources"] if r["resource"] != resource]
            group_doc["versions"] = [v for v in group_doc["versions"] if v["resources"]]
            legacy = self._writable_legacy(group, version)
            legacy["resources"] = [r for r in legacy["resources"]
                                   if r["name"] != resource and not r["name"].startswith(resource + "/")]
            self._changed()

    def _changed(self) -> None:
        self._encoded.clear()
        self._index = None

    def _writable_group(self, group: str) -> Dict[str, Any]:
        doc = self._groups.get(group)
        if doc is None:
            path = "/api" if not group else "/apis"
            base = next((g for g in self._release["aggregated"][path]["items"]
                         if g["metadata"].get("name", "") == group), None)
            doc = copy.deepcopy(base) if base else {"metadata": {"name": group}, "versions": []}
            self._groups[group] = doc
        return doc

    def _writable_legacy(self, group: str, version: str) -> Dict[str, Any]:
        gv = f"{group}/{version}" if group else version
        doc = self._legacy.get(gv)
        if doc is None:
            base = self._release["legacy"].get(f"/apis/{gv}" if group else f"/api/{gv}")
            doc = copy.deepcopy(base) if base else {"kind": "APIResourceList", "apiVersion": "v1",
                                                     "groupVersion": gv, "resources": []}
            self._legacy[gv] = doc
        return doc


def _subresource(name: str, kind: str) -> Dict[str, Any]:
    if name == "scale":
        return {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
                "verbs": ["get", "patch", "update"]}
    return {"subresource": name, "responseKind": {"group": "", "version": "", "kind": kind},
            "verbs": ["get", "patch", "update"]}


def _legacy_resources(entry: Dict[str, Any], namespaced: bool) -> List[Dict[str, Any]]:
    main = {"name": entry["resource"], "singularName": entry["singularResource"], "namespaced": namespaced,
            "kind": entry["responseKind"]["kind"], "verbs": entry["verbs"]}
    for key in ("shortNames", "categories"):
        if key in entry:
            main[key] = entry[key]
    subs = [{"name": f"{entry['resource']}/{s['subresource']}", "singularName": "", "namespaced": namespaced,
             "kind": s["responseKind"]["kind"], "verbs": s["verbs"],
             **({"group": s["responseKind"]["group"], "version": s["responseKind"]["version"]}
                if s["responseKind"]["group"] else {})}
            for s in entry.get("subresources") or ()]
    return [main, *subs]


def _legacy_group(group: Dict[str, Any], kind: bool = False) -> Dict[str, Any]:
    name = group["metadata"]["name"]
    versions = [{"groupVersion": f"{name}/{v['version']}", "version": v["version"]} for v in group["versions"]]
    doc = {"name": name, "versions": versions, "preferredVersion": versions[0]}
    if kind:
        doc = {"kind": "APIGroup", "apiVersion": "v1", **doc}
    return doc


def _version_priority(version: str) -> Tuple[int, int, int]:
    """Kubernetes version order (``v2`` > ``v1`` > ``v1beta2`` > ``v1beta1`` > ``v1alpha1``), as a sort key."""
    import re

    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (-1, 0, 0)
    stability = {"alpha": 0, "beta": 1, None: 2}[m.group(2)]
    return (stability, int(m.group(1)), int(m.group(3) or 0))
