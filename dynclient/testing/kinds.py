"""What particular kinds do beyond the generic registry: Namespaces, CRDs, scale, generation, status.

* A Namespace gets the ``kubernetes.io/metadata.name`` label, the
  ``kubernetes`` finalizer in its spec and phase Active. Deleting one
  marks it Terminating and then does the namespace controller's job at
  once: its objects are deleted and the namespace goes.
* A CustomResourceDefinition is checked (``metadata.name`` must be
  ``<plural>.<group>``), gets the NamesAccepted and Established conditions
  and ``acceptedNames`` in its status, and its served versions appear in
  discovery; deleting it removes them and its objects.
* ``/scale`` reads and writes ``spec.replicas`` (a CRD's
  ``specReplicasPath``) as an ``autoscaling/v1`` Scale.
* ``metadata.generation`` starts at 1 and counts changes outside metadata
  and status, for CRs and for built-ins with a spec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from .discoverydocs import DiscoveryDocuments, ResourceInfo
from .statuses import invalid

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Registry

Obj = Dict[str, Any]
CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")
NAMESPACES = ("", "namespaces")
_RETURNS_OBJECT = {NAMESPACES, CRDS, ("", "pods")}


def name_is_label(info: ResourceInfo) -> bool:
    return info.group_resource in (NAMESPACES, ("", "services"))


def has_generation(info: ResourceInfo, obj: Obj) -> bool:
    return info.custom or "spec" in obj or info.group_resource == CRDS


def spec_changed(old: Obj, new: Obj) -> bool:
    ignored = ("apiVersion", "kind", "metadata", "status")
    return ({k: v for k, v in old.items() if k not in ignored} != {k: v for k, v in new.items() if k not in ignored})


def reset_status(info: ResourceInfo, obj: Obj) -> None:
    obj.pop("status", None)


def returns_deleted_object(info: ResourceInfo) -> bool:
    return info.group_resource in _RETURNS_OBJECT


def deletes_gracefully(info: ResourceInfo) -> bool:
    """Kinds that pass through a Terminating state even without finalizers (the namespace controller's)."""
    return info.group_resource == NAMESPACES


def default_propagation(info: ResourceInfo) -> Optional[str]:
    """The policy a DELETE without one gets: core/v1 ReplicationControllers orphan their pods (the
    registry's ``DefaultGarbageCollectionPolicy``); everything else is Background (no finalizer)."""
    return "Orphan" if info.group_resource == ("", "replicationcontrollers") else None


def on_create(info: ResourceInfo, obj: Obj, registry: "Registry") -> None:
    if info.group_resource == NAMESPACES:
        meta = obj["metadata"]
        meta["labels"] = {**(meta.get("labels") or {}), "kubernetes.io/metadata.name": meta["name"]}
        obj["spec"] = {"finalizers": ["kubernetes"], **(obj.get("spec") or {})}
        obj["status"] = {"phase": "Active"}
    elif info.group_resource == CRDS:
        _check_crd(obj)
        _crd_status(obj, registry)


def before_update(info: ResourceInfo, old: Obj, new: Obj, registry: "Registry") -> None:
    if info.group_resource == NAMESPACES:
        new["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = new["metadata"]["name"]
    elif info.group_resource == CRDS:
        _check_crd(new)
        _crd_status(new, registry)


def after_write(info: ResourceInfo, old: Optional[Obj], stored: Obj, registry: "Registry") -> None:
    if info.group_resource == CRDS:
        if old is not None:
            _unserve(old, registry.discovery, keep=stored)
        serve_crd(stored, registry.discovery)


def after_delete(info: ResourceInfo, obj: Obj, registry: "Registry") -> None:
    if info.group_resource == CRDS:
        _unserve(obj, registry.discovery)
        spec = obj.get("spec") or {}
        registry.tracker.drop_resource((spec.get("group", ""), (spec.get("names") or {}).get("plural", "")))


def on_terminating(info: ResourceInfo, obj: Obj) -> None:
    if info.group_resource == NAMESPACES:
        obj["status"] = {**(obj.get("status") or {}), "phase": "Terminating"}


def finalize(info: ResourceInfo, obj: Obj, registry: "Registry") -> None:
    """The namespace controller: delete everything in the namespace."""
    if info.group_resource != NAMESPACES:
        return
    name = obj["metadata"]["name"]
    seen = set()
    for res in registry.discovery.resources().values():
        if res.namespaced and res.group_resource not in seen:
            seen.add(res.group_resource)
            for item in registry.tracker.items(res.group_resource, name):
                registry.tracker.remove(res.group_resource, name, item["metadata"]["name"])


# -- CRDs ----------------------------------------------------------------------


def _check_crd(obj: Obj) -> None:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    name = obj["metadata"].get("name", "")
    causes = []
    if not spec.get("group"):
        causes.append(("FieldValueRequired", "spec.group", "Required value"))
    if not names.get("plural"):
        causes.append(("FieldValueRequired", "spec.names.plural", "Required value"))
    if not names.get("kind"):
        causes.append(("FieldValueRequired", "spec.names.kind", "Required value"))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(("FieldValueNotSupported", "spec.scope",
                       f'Unsupported value: "{spec.get("scope", "")}": supported values: "Cluster", "Namespaced"'))
    versions = spec.get("versions") or []
    if not versions:
        causes.append(("FieldValueRequired", "spec.versions", "Required value: must have exactly one version marked "
                       "as storage version"))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(("FieldValueInvalid", "spec.versions",
                       "Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one "
                       "version marked as storage version"))
    if names.get("plural") and spec.get("group") and name != f"{names['plural']}.{spec['group']}":
        causes.append(("FieldValueInvalid", "metadata.name",
                       f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group'))
    if causes:
        raise invalid("CustomResourceDefinition", name, causes, "apiextensions.k8s.io")


def _crd_status(obj: Obj, registry: "Registry") -> None:
    spec = obj["spec"]
    names = dict(spec["names"])
    names.setdefault("singular", names["kind"].lower())
    names.setdefault("listKind", names["kind"] + "List")
    spec["names"] = {**spec["names"], "singular": names["singular"], "listKind": names["listKind"]}
    spec.setdefault("conversion", {"strategy": "None"})
    now = registry.now()
    old = {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}
    storage = next(v["name"] for v in spec["versions"] if v.get("storage"))
    stored = list((obj.get("status") or {}).get("storedVersions") or [])
    obj["status"] = {
        "conditions": [
            old.get("NamesAccepted") or {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now,
                                         "reason": "NoConflicts", "message": "no conflicts found"},
            old.get("Established") or {"type": "Established", "status": "True", "lastTransitionTime": now,
                                       "reason": "InitialNamesAccepted",
                                       "message": "the initial names have been accepted"},
        ],
        "acceptedNames": names,
        "storedVersions": stored if storage in stored else stored + [storage],
    }


def serve_crd(crd: Obj, discovery: DiscoveryDocuments) -> None:
    spec = crd["spec"]
    names = spec["names"]
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subs = version.get("subresources") or {}
        discovery.add_resource(
            spec["group"], version["name"], names["plural"], names["kind"],
            namespaced=spec.get("scope") == "Namespaced", singular=names.get("singular", ""),
            short_names=tuple(names.get("shortNames") or ()), categories=tuple(names.get("categories") or ()),
            subresources=tuple(s for s in ("scale", "status") if s in subs), custom=True)


def _unserve(crd: Obj, discovery: DiscoveryDocuments, keep: Optional[Obj] = None) -> None:
    spec = crd.get("spec") or {}
    kept = {v["name"] for v in ((keep or {}).get("spec") or {}).get("versions") or [] if v.get("served", True)}
    for version in spec.get("versions") or []:
        if version["name"] not in kept:
            discovery.remove_resource(spec["group"], version["name"], (spec.get("names") or {}).get("plural", ""))


# -- scale ------------------------------------------------------------------------


def scale_of(info: ResourceInfo, obj: Obj, discovery: DiscoveryDocuments) -> Obj:
    if "scale" not in info.subresources:
        from .statuses import resource_not_found

        raise resource_not_found()
    meta = obj["metadata"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    selector = ((spec.get("selector") or {}).get("matchLabels") or {})
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": spec.get("replicas", 0)},
            "status": {"replicas": status.get("replicas", 0),
                       **({"selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items()))} if selector else {})}}


def update_scale(info: ResourceInfo, old: Obj, scale: Obj, registry: "Registry", query: Dict[str, str],
                 manager: str) -> Obj:
    if "scale" not in info.subresources:
        from .statuses import resource_not_found

        raise resource_not_found()
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    if rv and rv != old["metadata"]["resourceVersion"]:
        from .statuses import conflict

        raise conflict(info.resource, old["metadata"]["name"], info.group)
    replicas = (scale.get("spec") or {}).get("replicas")
    import json

    new = json.loads(json.dumps(old))
    new.setdefault("spec", {})["replicas"] = replicas
    registry._write(info, old, new, "", query, manager, operation="Update")
    return scale_of(info, registry._stored(info, old["metadata"].get("namespace") or "", old["metadata"]["name"]),
                    registry.discovery)
