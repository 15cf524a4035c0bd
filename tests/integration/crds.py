"""CustomResourceDefinitions for the integration tests, built as plain dicts and installed for real."""

from __future__ import annotations

import time
import uuid
from typing import Dict, Iterable, List, Optional, Sequence

import dynclient

CRD_GVR = dynclient.GroupVersionResource("apiextensions.k8s.io", "v1", "customresourcedefinitions")


def unique_group(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}.example.com"


def crd(
    group: str,
    kind: str,
    *,
    plural: Optional[str] = None,
    versions: Sequence[str] = ("v1",),
    storage: Optional[str] = None,
    short_names: Iterable[str] = (),
    categories: Iterable[str] = (),
    scope: str = "Namespaced",
    scale: bool = False,
) -> Dict:
    plural = plural or kind.lower() + "s"
    schema = {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"size": {"type": "integer"}, "replicas": {"type": "integer"},
                                                 "color": {"type": "string"}}},
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}, "replicas": {"type": "integer"},
                                                   "selector": {"type": "string"}}},
    }}}
    subresources: Dict = {"status": {}}
    if scale:
        subresources["scale"] = {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                                 "labelSelectorPath": ".status.selector"}
    storage = storage or versions[0]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": scope,
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": kind + "List",
                      "shortNames": list(short_names), "categories": list(categories)},
            "versions": [{"name": v, "served": True, "storage": v == storage, "schema": schema,
                          "subresources": subresources} for v in versions],
        },
    }


def wait_established(dyn: dynclient.DynamicClient, name: str, timeout: float = 60.0) -> Dict:
    crds = dyn.resource(CRD_GVR)
    deadline = time.monotonic() + timeout
    while True:
        obj = crds.get(name)
        conditions = (obj.get("status") or {}).get("conditions") or []
        if any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
            return obj
        if time.monotonic() > deadline:
            raise AssertionError(f"CRD {name} not Established after {timeout}s: {conditions}")
        time.sleep(0.1)


def install(dyn: dynclient.DynamicClient, docs: List[Dict]) -> List[str]:
    """Create CRDs, wait until each is Established, and return their names for cleanup."""
    crds = dyn.resource(CRD_GVR)
    names = []
    for doc in docs:
        crds.create(doc)
        names.append(doc["metadata"]["name"])
    for name in names:
        wait_established(dyn, name)
    return names


def install_served(dyn: dynclient.DynamicClient, docs: List[Dict]) -> List[str]:
    """``install``, then wait until discovery serves every version of every kind (it lags Established)."""
    names = install(dyn, docs)
    for doc in docs:
        spec = doc["spec"]
        for version in spec["versions"]:
            if version.get("served", True):
                dyn.wait_for_kind(f"{spec['group']}/{version['name']}", spec["names"]["kind"])
    return names


def uninstall(dyn: dynclient.DynamicClient, names: Iterable[str]) -> None:
    crds = dyn.resource(CRD_GVR)
    for name in names:
        try:
            crds.delete(name)
        except dynclient.NotFound:
            pass
