"""Unknown fields in custom resources, by their CRD's structural schema (``fieldValidation``).

The real server prunes fields its schema does not declare, warning about
each (``fieldValidation=Warn``, the default), refuses them with a 400
(``Strict``, what kubectl sends) or drops them silently (``Ignore``).
Only the field names are checked here (``properties``,
``additionalProperties``, ``items``, ``x-kubernetes-preserve-unknown-fields``),
not types, formats or other constraints. Built-in kinds are checked at
the top level only, for the kinds in ``BUILTIN_FIELDS``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .statuses import bad_request

__all__ = ["crd_schema", "builtin_schema", "unknown_fields", "prune", "check_fields", "BUILTIN_FIELDS"]

Obj = Dict[str, Any]
_META = ("apiVersion", "kind", "metadata")


_SPEC_STATUS = ("spec", "status")
#: Top-level fields of built-in kinds (k8s.io/api), by (group, resource); other kinds are not checked.
BUILTIN_FIELDS: Dict[tuple, tuple] = {
    ("", "configmaps"): ("data", "binaryData", "immutable"),
    ("", "secrets"): ("data", "stringData", "type", "immutable"),
    ("", "serviceaccounts"): ("secrets", "imagePullSecrets", "automountServiceAccountToken"),
    ("", "endpoints"): ("subsets",),
    ("", "podtemplates"): ("template",),
    ("rbac.authorization.k8s.io", "roles"): ("rules",),
    ("rbac.authorization.k8s.io", "clusterroles"): ("rules", "aggregationRule"),
    ("rbac.authorization.k8s.io", "rolebindings"): ("subjects", "roleRef"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): ("subjects", "roleRef"),
    **{("", r): _SPEC_STATUS for r in ("pods", "services", "namespaces", "nodes", "persistentvolumes",
                                        "persistentvolumeclaims", "replicationcontrollers", "resourcequotas",
                                        "limitranges")},
    **{("apps", r): _SPEC_STATUS for r in ("deployments", "replicasets", "statefulsets", "daemonsets")},
    **{("batch", r): _SPEC_STATUS for r in ("jobs", "cronjobs")},
    ("networking.k8s.io", "ingresses"): _SPEC_STATUS, ("networking.k8s.io", "networkpolicies"): _SPEC_STATUS,
    ("policy", "poddisruptionbudgets"): _SPEC_STATUS, ("coordination.k8s.io", "leases"): ("spec",),
    ("apiextensions.k8s.io", "customresourcedefinitions"): _SPEC_STATUS,
    ("autoscaling", "horizontalpodautoscalers"): _SPEC_STATUS,
}


def builtin_schema(group: str, resource: str) -> Optional[Obj]:
    fields = BUILTIN_FIELDS.get((group, resource))
    if fields is None:
        return None
    return {"type": "object", "properties": {f: {"x-kubernetes-preserve-unknown-fields": True} for f in fields}}


def crd_schema(tracker: Any, group: str, resource: str, version: str) -> Optional[Obj]:
    """The ``openAPIV3Schema`` of ``version`` in the CRD serving ``resource.group``, if it has one."""
    crd = tracker.get(("apiextensions.k8s.io", "customresourcedefinitions"), "", f"{resource}.{group}")
    for entry in ((crd or {}).get("spec") or {}).get("versions") or []:
        if entry.get("name") == version:
            return (entry.get("schema") or {}).get("openAPIV3Schema")
    return None


def _walk(value: Any, schema: Obj, path: str, out: List[str], top: bool = False) -> None:
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, child in value.items():
            if top and key in _META:
                continue
            where = f"{path}.{key}" if path else key
            if key in props:
                _walk(child, props[key], where, out)
            elif isinstance(extra, dict):
                _walk(child, extra, where, out)
            elif extra is True or (not props and extra is None and schema.get("type") != "object"):
                continue
            else:
                out.append(where)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(item, schema["items"], f"{path}[{index}]", out)


def unknown_fields(obj: Obj, schema: Obj) -> List[str]:
    out: List[str] = []
    _walk(obj, schema, "", out, top=True)
    return out


def prune(obj: Obj, fields: List[str]) -> None:
    for field in fields:
        node: Any = obj
        parts = field.replace("[", ".[").split(".")
        for part in parts[:-1]:
            node = node[int(part[1:-1])] if part.startswith("[") else node.get(part)
            if node is None:
                break
        else:
            if isinstance(node, dict):
                node.pop(parts[-1], None)


def check_fields(obj: Obj, schema: Optional[Obj], kind: str, version: str, directive: str,
                 warnings: List[str]) -> None:
    """Apply ``fieldValidation`` (Strict, Warn, Ignore) to ``obj`` in place."""
    if not schema:
        return
    unknown = unknown_fields(obj, schema)
    if not unknown:
        return
    if directive == "Strict":
        raise bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: strict decoding error: '
                          + ", ".join(f'unknown field "{f}"' for f in unknown))
    if directive != "Ignore":
        warnings.extend(f'unknown field "{f}"' for f in unknown)
    prune(obj, unknown)
