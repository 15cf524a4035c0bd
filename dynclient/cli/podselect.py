"""The pod a ``TYPE/NAME`` argument means, as kubectl's ``polymorphichelpers`` pick it.

``kubectl logs deploy/web`` (and ``exec``, ``attach``, ``port-forward``)
takes the object's label selector (``SelectorsForObject``: ReplicaSets,
StatefulSets, DaemonSets, Deployments, Jobs, ReplicationControllers and
Services; any other kind is refused with kubectl's words), lists the pods it
selects, sorts them (``ByLogging`` for logs: scheduled, running, ready for
longest, most restarted, oldest first) and takes the first. With no pod yet
it watches until one appears or ``timeout`` passes (kubectl:
``timed out waiting for the condition``).

Go's ``sort.Sort`` is not stable for more than 12 pods; Python's is, so
among pods that tie on every key the order here is the list's (by name),
where kubectl's may differ.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from dynclient.pods.logcursor import stamp_key

from .manifest_files import KubectlError

__all__ = ["selector_for", "pods_for", "by_logging", "go_type_name", "TIMED_OUT"]

TIMED_OUT = "timed out waiting for the condition"

Obj = Dict[str, Any]

#: (group, kind) whose ``spec.selector`` is a LabelSelector; kubectl's scheme decodes them (apps/v1 and older).
_LABEL_SELECTOR_KINDS = {("apps", "ReplicaSet"), ("extensions", "ReplicaSet"), ("apps", "StatefulSet"),
                         ("apps", "DaemonSet"), ("extensions", "DaemonSet"), ("apps", "Deployment"),
                         ("extensions", "Deployment"), ("batch", "Job")}


def go_type_name(group: str, version: str, kind: str) -> str:
    """``%T`` of the object kubectl decoded: ``*v1.ConfigMap``; a kind outside its scheme is unstructured."""
    builtin = group == "" or "." not in group or group.endswith(".k8s.io")
    return f"*{version}.{kind}" if builtin else "*unstructured.Unstructured"


def _label_selector_text(selector: Optional[Mapping[str, Any]]) -> str:
    """``metav1.LabelSelectorAsSelector(...).String()``: requirements sorted by key, set values sorted."""
    if not selector:
        return ""
    terms: List[Tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        terms.append((key, f"{key}={value}"))
    for expr in selector.get("matchExpressions") or []:
        key, op = str(expr.get("key", "")), str(expr.get("operator", ""))
        values = ",".join(sorted(str(v) for v in expr.get("values") or []))
        text = {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key,
                "DoesNotExist": f"!{key}"}.get(op)
        if text is None:
            raise KubectlError(f'invalid label selector: "{op}" is not a valid label selector operator')
        terms.append((key, text))
    terms.sort(key=lambda t: t[0])
    return ",".join(t for _, t in terms)


def _map_selector_text(selector: Optional[Mapping[str, Any]]) -> str:
    pairs = selector or {}
    return ",".join(f"{k}={pairs[k]}" for k in sorted(pairs))


def selector_for(obj: Mapping[str, Any], group: str, version: str, kind: str,
                 action: str = "cannot get the logs from") -> str:
    """The label selector of the pods ``obj`` owns, or kubectl's ``<action> *v1.Kind: ...`` error.

    ``action``: kubectl logs says ``cannot get the logs from``, attach and exec ``cannot attach to``.
    """
    spec = obj.get("spec") or {}
    try:
        if (group, kind) in _LABEL_SELECTOR_KINDS:
            return _label_selector_text(spec.get("selector"))
        if group == "" and kind == "ReplicationController":
            return _map_selector_text(spec.get("selector"))
        if group == "" and kind == "Service":
            if not spec.get("selector"):
                name = (obj.get("metadata") or {}).get("name", "")
                raise KubectlError(f"invalid service '{name}': Service is defined without a selector")
            return _map_selector_text(spec.get("selector"))
        type_name = go_type_name(group, version, kind)
        raise KubectlError(f"selector for {type_name} not implemented")
    except KubectlError as err:
        raise KubectlError(f"{action} {go_type_name(group, version, kind)}: {err}") from None


def _ready_since(pod: Mapping[str, Any]) -> Optional[Tuple[int, int]]:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            stamp = cond.get("lastTransitionTime")
            return stamp_key(str(stamp).encode()) if stamp else None
    return None


def _is_ready(pod: Mapping[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _after_or_zero(t1: Optional[Tuple[int, int]], t2: Optional[Tuple[int, int]]) -> bool:
    """``afterOrZero``: is t1 after t2, a zero time counting as after any other."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def _restarts(pod: Mapping[str, Any]) -> int:
    return max([int(c.get("restartCount") or 0) for c in (pod.get("status") or {}).get("containerStatuses") or []]
               or [0])


def _created(pod: Mapping[str, Any]) -> Optional[Tuple[int, int]]:
    stamp = (pod.get("metadata") or {}).get("creationTimestamp")
    return stamp_key(str(stamp).encode()) if stamp else None


_PHASE_RANK = {"Running": 0, "Unknown": 1, "Pending": 2}  # any other phase ranks 0, as Go's map lookup gives


def _logging_less(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """``podutils.ByLogging.Less``."""
    node_a, node_b = (a.get("spec") or {}).get("nodeName") or "", (b.get("spec") or {}).get("nodeName") or ""
    if node_a != node_b and (not node_a or not node_b):
        return bool(node_a)
    rank_a = _PHASE_RANK.get((a.get("status") or {}).get("phase") or "", 0)
    rank_b = _PHASE_RANK.get((b.get("status") or {}).get("phase") or "", 0)
    if rank_a != rank_b:
        return rank_a < rank_b
    ready_a, ready_b = _is_ready(a), _is_ready(b)
    if ready_a != ready_b:
        return ready_a
    if ready_a and ready_b and _ready_since(a) != _ready_since(b):
        return _after_or_zero(_ready_since(b), _ready_since(a))
    if _restarts(a) != _restarts(b):
        return _restarts(a) > _restarts(b)
    if _created(a) != _created(b):
        return _after_or_zero(_created(b), _created(a))
    return False


def _compare(less: Callable[[Any, Any], bool]) -> Callable[[Any, Any], int]:
    return lambda a, b: -1 if less(a, b) else (1 if less(b, a) else 0)


def by_logging(pods: Sequence[Obj]) -> List[Obj]:
    """The pods best for reading logs first."""
    return sorted(pods, key=functools.cmp_to_key(_compare(_logging_less)))


def pods_for(pods_rc: Any, selector: str, timeout: float,
             sort: Callable[[Sequence[Obj]], List[Obj]] = by_logging) -> List[Obj]:
    """``GetPodList``: the pods ``selector`` picks, sorted; waits up to ``timeout`` seconds for a first one."""
    listed = pods_rc.list(label_selector=selector or None)
    items = list(listed.get("items") or [])
    if items:
        return list(sort(items))
    rv = (listed.get("metadata") or {}).get("resourceVersion")
    watch = pods_rc.watch(resource_version=rv, label_selector=selector or None, timeout_seconds=timeout)
    try:
        for kind, pod in watch:
            if kind in ("ADDED", "MODIFIED"):
                return [pod]
    finally:
        watch.stop()
    raise KubectlError(TIMED_OUT)
