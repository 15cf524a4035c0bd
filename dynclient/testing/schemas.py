"""Unknown fields in custom resources, by their CRD's structural schema (``fieldValidation``).

The real server prunes fields its schema does not declare, warning about
each (``fieldValidation=Warn``, the default), refuses them with a 400
(``Strict``, what kubectl sends) or drops them silently (``Ignore``).
Only the field names are checked here (``properties``,
``additionalProperties``, ``items``, ``x-kubernetes-preserve-unknown-fields``),
not types, formats or other constraints; built-in kinds are not checked.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .statuses import bad_request

__all__ = ["crd_schema", "unknown_fields", "prune", "check_fields"]

Obj = Dict[str, Any]
_META = ("apiVersion", "kind", "metadata")


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
