"""The three PATCH formats: JSON merge (RFC 7386), JSON patch (RFC 6902) and strategic merge.

Strategic merge knows the list-merge keys of the built-in kinds' common
fields (below, ``MERGE_KEYS``); every other list is replaced whole, which is
also what the real server does for lists without a patch strategy. The
``$patch: delete``/``$patch: replace`` directives are honoured, and
``$deleteFromPrimitiveList``/``$setElementOrder``/``$retainKeys`` are
dropped (order and retain semantics are not modelled).
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .statuses import ApiError, status

__all__ = ["merge_patch", "json_patch", "strategic_merge_patch", "MERGE_KEYS", "MERGED_PRIMITIVE_LISTS"]

#: field name -> merge key, from the built-in types' ``patchMergeKey`` tags (k8s.io/api).
MERGE_KEYS: Dict[str, str] = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "imagePullSecrets": "name", "ownerReferences": "uid", "conditions": "type",
    "hostAliases": "ip", "resourceClaims": "name", "ports": "port",  # container ports: containerPort (below)
    "topologySpreadConstraints": "topologyKey",
}
#: Lists of scalars merged as sets (``patchStrategy:"merge"`` on a []string).
MERGED_PRIMITIVE_LISTS = frozenset({"finalizers"})

_DIRECTIVES = ("$setElementOrder/", "$deleteFromPrimitiveList/", "$retainKeys")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge, ``null`` deletes, anything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> List[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _patch_error(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _patch_error(message: str) -> ApiError:
    return status(422, "Invalid", message)


def _walk(doc: Any, parts: List[str]) -> Any:
    for part in parts:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            raise _patch_error(f"doc is missing path: \"/{'/'.join(parts)}\": missing value")
    return doc


def json_patch(doc: Any, operations: Sequence[Any]) -> Any:
    """RFC 6902 (add, remove, replace, move, copy, test) on a copy of ``doc``."""
    if not isinstance(operations, list):
        raise status(400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in operations:
        kind = op.get("op") if isinstance(op, dict) else None
        path = _pointer(op.get("path", "")) if isinstance(op, dict) else []
        if kind in ("add", "replace", "test") and "value" not in op:
            raise _patch_error(f"missing value for {kind} operation")
        if kind == "test":
            if _walk(doc, path) != op["value"]:
                raise _patch_error(f"testing value /{'/'.join(path)} failed: test failed")
        elif kind in ("remove", "replace"):
            parent = _walk(doc, path[:-1])
            _walk(doc, path)
            if kind == "remove":
                del parent[int(path[-1]) if isinstance(parent, list) else path[-1]]
            else:
                parent[int(path[-1]) if isinstance(parent, list) else path[-1]] = copy.deepcopy(op["value"])
        elif kind in ("add", "move", "copy"):
            if kind == "add":
                value = copy.deepcopy(op["value"])
            else:
                source = _pointer(op.get("from", ""))
                value = copy.deepcopy(_walk(doc, source))
                if kind == "move":
                    parent = _walk(doc, source[:-1])
                    del parent[int(source[-1]) if isinstance(parent, list) else source[-1]]
            if not path:
                doc = value
                continue
            parent = _walk(doc, path[:-1])
            last = path[-1]
            if isinstance(parent, list):
                if last == "-":
                    parent.append(value)
                elif last.isdigit() and int(last) <= len(parent):
                    parent.insert(int(last), value)
                else:
                    raise _patch_error(f"add operation does not apply: index {last} out of bounds")
            elif isinstance(parent, dict):
                parent[last] = value
            else:
                raise _patch_error(f"add operation does not apply: doc is missing path: \"/{'/'.join(path)}\"")
        else:
            raise _patch_error(f"Unexpected kind: {kind}")
    return doc


def _merge_key(field: str, path: Tuple[str, ...]) -> Optional[str]:
    if field == "ports" and any(p in ("containers", "initContainers", "ephemeralContainers") for p in path):
        return "containerPort"
    return MERGE_KEYS.get(field)


def strategic_merge_patch(target: Any, patch: Any, path: Tuple[str, ...] = ()) -> Any:
    """A strategic merge patch of a built-in kind's object (see the module docs for what is modelled)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith(_DIRECTIVES) or key == "$patch":
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value, path + (key,))
        else:
            merged = strategic_merge_patch(result.get(key), value, path + (key,))
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
    return result


def _merge_list(field: str, current: Any, patch: List[Any], path: Tuple[str, ...]) -> List[Any]:
    current = current if isinstance(current, list) else []
    if field in MERGED_PRIMITIVE_LISTS:
        return current + [v for v in patch if v not in current]
    key = _merge_key(field, path[:-1])
    if key is None or not all(isinstance(item, dict) for item in patch):
        return copy.deepcopy(patch)
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    result = [copy.deepcopy(item) for item in current]
    for item in patch:
        index = next((i for i, old in enumerate(result) if isinstance(old, dict) and old.get(key) == item.get(key)),
                     None)
        if item.get("$patch") == "delete":
            if index is not None:
                del result[index]
            continue
        if index is None:
            result.append(strategic_merge_patch({}, item, path))
        else:
            result[index] = strategic_merge_patch(result[index], item, path)
    return result
