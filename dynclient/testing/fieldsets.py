"""Field ownership (``metadata.managedFields``) and server-side apply, at field level.

What is modelled (structured-merge-diff's core rules):

* every manager's fields are a set of paths, stored in the object as
  ``FieldsV1`` (``{"f:data": {"f:k": {}}}``), one entry per manager,
  operation (``Apply``/``Update``) and subresource;
* an apply sets the manager's set to exactly the fields in its
  configuration; fields it owned before and no longer sends are removed
  from the object unless another manager owns them;
* applying a value that differs from the live one in a field another
  manager owns is a 409 naming each field (``.data.k``) and its owner, as
  the real server words it; ``force=true`` takes those fields over;
* an update (POST/PUT/PATCH) gives its manager the fields it changed and
  takes them from everyone else.

What is not modelled, so differs from a real server:

* lists are atomic: a list is one field, owned whole, and an apply replaces
  it whole. The real server merges associative lists (containers by name,
  ports by containerPort...) and sets element by element (``k:``/``v:``
  paths), so two appliers owning different containers of one Deployment
  conflict here and not there;
* no schema: no defaulting, no type checks, no ``x-kubernetes-map-type:
  atomic`` maps (all maps are granular), no field ``"."`` markers;
* managedFields are never collapsed or capped, and their timestamps have
  second precision.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from .statuses import apply_conflict

__all__ = ["leaf_paths", "apply", "record_update", "encode", "decode", "IGNORED_METADATA"]

Path = Tuple[str, ...]
_MISSING = object()

#: metadata the server sets itself; never part of any manager's fields.
IGNORED_METADATA = frozenset({"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                              "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"})


def leaf_paths(obj: Any, *, status_separate: bool = False) -> Set[Path]:
    """The fields set in ``obj`` (maps descend; scalars, lists and empty maps are leaves)."""
    out: Set[Path] = set()
    if not isinstance(obj, dict):
        return out
    for key, value in obj.items():
        if key in ("apiVersion", "kind") or (status_separate and key == "status"):
            continue
        if key == "metadata" and isinstance(value, dict):
            for mkey, mvalue in value.items():
                if mkey not in IGNORED_METADATA:
                    _collect(mvalue, ("metadata", mkey), out)
            continue
        _collect(value, (key,), out)
    return out


def _collect(value: Any, path: Path, out: Set[Path]) -> None:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            _collect(child, path + (key,), out)
    else:
        out.add(path)


def get_path(obj: Any, path: Path) -> Any:
    for part in path:
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


def remove_path(obj: Dict[str, Any], path: Path) -> None:
    """Delete ``path`` and any map it leaves empty (except the top-level ones)."""
    chain: List[Tuple[Dict[str, Any], str]] = []
    node: Any = obj
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return
        chain.append((node, part))
        node = node[part]
    parent, key = chain.pop()
    del parent[key]
    while len(chain) > 1 and not parent:
        parent, key = chain.pop()
        del parent[key]


def encode(paths: Iterable[Path]) -> Dict[str, Any]:
    root: Dict[str, Any] = {}
    for path in sorted(paths):
        node = root
        for part in path:
            node = node.setdefault(f"f:{part}", {})
    return root


def decode(fields: Any, prefix: Path = ()) -> Set[Path]:
    out: Set[Path] = set()
    children = [k for k in fields if k.startswith("f:")] if isinstance(fields, dict) else []
    if not children and prefix:
        out.add(prefix)
    for key in children:
        out |= decode(fields[key], prefix + (key[2:],))
    return out


def _overlaps(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _clashes(path: Path, owned: Path, live: Any, applied: Any) -> bool:
    """Whether applying ``path`` takes a value from whoever owns ``owned``.

    An applied empty map above someone else's fields only claims the map,
    not what is in it; anything else overlapping with a different value clashes.
    """
    if not _overlaps(path, owned):
        return False
    if len(path) < len(owned) and isinstance(get_path(applied, path), dict):
        return False
    return get_path(live, path) != get_path(applied, path)


def _dotted(path: Path) -> str:
    return "".join(f".{p}" for p in path)


class _Entry:
    __slots__ = ("manager", "operation", "api_version", "time", "subresource", "paths")

    def __init__(self, manager: str, operation: str, api_version: str, time: str, subresource: str,
                 paths: Set[Path]) -> None:
        self.manager, self.operation, self.api_version = manager, operation, api_version
        self.time, self.subresource, self.paths = time, subresource, paths

    def key(self) -> Tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)

    def render(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version,
                               "time": self.time, "fieldsType": "FieldsV1", "fieldsV1": encode(self.paths)}
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def _entries(obj: Optional[Dict[str, Any]]) -> List[_Entry]:
    raw = ((obj or {}).get("metadata") or {}).get("managedFields") or []
    return [_Entry(e.get("manager", ""), e.get("operation", ""), e.get("apiVersion", ""), e.get("time", ""),
                   e.get("subresource", ""), decode(e.get("fieldsV1") or {}))
            for e in raw if isinstance(e, dict)]


def _store(obj: Dict[str, Any], entries: List[_Entry]) -> None:
    rendered = [e.render() for e in entries if e.paths]
    meta = obj.setdefault("metadata", {})
    if rendered:
        meta["managedFields"] = rendered
    else:
        meta.pop("managedFields", None)


def _merge(live: Any, applied: Any) -> Any:
    if isinstance(live, dict) and isinstance(applied, dict):
        out = dict(live)
        for key, value in applied.items():
            out[key] = _merge(live.get(key), value)
        return out
    return copy.deepcopy(applied)


def apply(live: Optional[Dict[str, Any]], applied: Dict[str, Any], *, manager: str, force: bool, api_version: str,
          now: str, subresource: str = "", status_separate: bool = False) -> Dict[str, Any]:
    """The object after ``manager`` applies ``applied`` over ``live`` (``None``: a create), or a 409."""
    applied = copy.deepcopy(applied)
    if status_separate:
        # An apply to the main resource leaves status alone, and one to /status only touches status.
        if subresource == "status":
            applied = {k: v for k, v in applied.items() if k in ("apiVersion", "kind", "metadata", "status")}
            applied["metadata"] = {k: v for k, v in (applied.get("metadata") or {}).items() if k in IGNORED_METADATA}
        else:
            applied.pop("status", None)
    mine = leaf_paths(applied)
    entries = _entries(live)
    me = next((e for e in entries if e.key() == (manager, "Apply", subresource)), None)
    conflicts: List[Tuple[str, str]] = []
    clashing: Dict[int, Set[Path]] = {}
    live_obj = live or {}
    for index, entry in enumerate(entries):
        if entry is me:
            continue
        for path in mine:
            for owned in entry.paths:
                if _clashes(path, owned, live_obj, applied):
                    conflicts.append((entry.manager, _dotted(owned if len(owned) < len(path) else path)))
                    clashing.setdefault(index, set()).add(owned)
    if conflicts and not force:
        raise apply_conflict(sorted(set(conflicts)))
    for index, taken in clashing.items():
        entries[index].paths -= taken
    result = _merge(live_obj, applied) if live is not None else applied
    if me is not None:
        others = [e for e in entries if e is not me]
        for path in me.paths - mine:
            if not any(_overlaps(path, p) for e in others for p in e.paths):
                remove_path(result, path)
        me.paths, me.time, me.api_version = mine, now, api_version
    else:
        entries.append(_Entry(manager, "Apply", api_version, now, subresource, mine))
    _store(result, entries)
    return result


def record_update(before: Optional[Dict[str, Any]], after: Dict[str, Any], *, manager: str, api_version: str,
                  now: str, subresource: str = "") -> None:
    """Give ``manager`` the fields a non-apply write changed (in ``after``, in place), taking them from others."""
    entries = _entries(before)
    new = leaf_paths(after)
    old = leaf_paths(before) if before is not None else set()
    changed = {p for p in new if p not in old or get_path(before, p) != get_path(after, p)}
    gone = old - new
    if not changed and not gone:
        _store(after, entries)
        return
    for entry in entries:
        entry.paths = {p for p in entry.paths
                       if not any(_overlaps(p, c) for c in changed) and p not in gone}
    me = next((e for e in entries if e.key() == (manager, "Update", subresource)), None)
    if me is None:
        me = _Entry(manager, "Update", api_version, now, subresource, set())
        entries.append(me)
    me.paths |= changed
    me.time, me.api_version = now, api_version
    _store(after, entries)
