"""Wait for a condition, a deletion or a JSONPath value on objects, as ``kubectl wait`` does.

``wait_for(resource_client, name, condition="condition=Ready", timeout=60)``
takes kubectl's ``--for`` words (``create``, ``delete``, ``condition=...``,
``jsonpath=...``; or a ``Condition`` value) and waits on one
name, a label selector or every object of the resource. Each object is
waited for as kubectl's ``getObjAndCheckCondition`` and ``IsDeleted`` do,
with client-go's ``UntilWithSync``: a LIST of the one name (a
``metadata.name`` field selector) gives its state and a resourceVersion, the
WATCH goes on from there, resumes after drops and LISTs again after a 410.
Nothing is polled. One deadline covers every object, as kubectl's context
does; ``timeout=0`` checks once with a GET.

The errors are kubectl's words, so the CLI prints them as kubectl does::

    timed out waiting for the condition on configmaps/a     (WaitTimeout)
    condition not met for configmaps/a                      (ConditionNotMet, timeout=0)
    no matching resources found                             (NoMatchingResources)

A wait for creation (``--for=create``, kubectl >= 1.31) is the one whose
timeout kubectl words without the object (``timed out waiting for the
condition``): kubectl polls its resource builder every 500 ms there. This
module waits on the same list-then-watch instead, and keeps the object's
name in ``WaitTimeout`` (the CLI prints kubectl's words).

``wait_for_kind`` waits for discovery to serve a kind (a CRD's, just
created): the API server sets ``Established`` a moment before its discovery
documents list the kind.

kubectl's source: ``staging/src/k8s.io/kubectl/pkg/cmd/wait/wait.go``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple, Union, runtime_checkable

from discovery.errors import DynclientError, NotFound, StatusError, status_error_from_response
from discovery.types import GroupKind, GroupVersion
from restmapper.errors import NoKindMatch
from restmapper.mapping import RESTMapping

from ..paths import one_term_equal_selector
from ..watch import RELISTED

__all__ = [
    "Condition",
    "StatusCondition",
    "Created",
    "Deleted",
    "JSONPathCondition",
    "parse_condition",
    "wait_for",
    "wait_for_object",
    "wait_for_kind",
    "WaitError",
    "WaitTimeout",
    "ConditionNotMet",
    "NoMatchingResources",
    "WEEK",
]

Obj = Dict[str, Any]

#: kubectl makes a negative ``--timeout`` a week (``168 * time.Hour``); ``timeout=None`` means the same here.
WEEK = 168 * 3600.0


class WaitError(DynclientError):
    """Waiting ended without the condition (the base of the wait errors)."""


class WaitTimeout(WaitError):
    """The deadline passed first: ``timed out waiting for the condition on configmaps/a``."""


class ConditionNotMet(WaitError):
    """``timeout=0`` and the one check said no: ``condition not met for configmaps/a``."""


class NoMatchingResources(WaitError):
    """A selector (or ``all``) matched nothing, for a condition other than deletion."""

    def __init__(self) -> None:
        super().__init__("no matching resources found")


@runtime_checkable
class Condition(Protocol):
    """What to wait for on one object.

    A condition may also carry ``creation = True`` (``Created``): then an
    object that is not there yet is waited for instead of being a
    ``NotFound``. It is not a member of the protocol, so conditions written
    before it still satisfy ``Condition``.
    """

    #: True when the wait is for the object to be gone (kubectl's ``IsDeleted``).
    deletion: bool

    def is_met(self, obj: Mapping[str, Any]) -> bool:
        """Whether ``obj`` (the server's current copy) satisfies the condition; may raise ``WaitError``."""
        ...


def _equal_fold(a: str, b: str) -> bool:
    """Go's ``strings.EqualFold``: rune by rune under simple case folding (not Python's full ``casefold``)."""
    if len(a) != len(b):
        return False
    return all(x == y or x.lower() == y.lower() or x.upper() == y.upper() for x, y in zip(a, b))


def _int64(value: Any) -> Optional[int]:
    # unstructured.NestedInt64: an integer, not a bool or a float.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class StatusCondition:
    """``--for=condition=Ready[=value]``: a ``status.conditions`` entry of ``type`` has ``status`` (default True).

    Type and status compare under simple case folding. A condition whose
    ``observedGeneration`` (its own, else ``status.observedGeneration``) is
    older than ``metadata.generation`` does not count: it speaks of an older
    spec.
    """

    type: str
    status: str = "True"
    deletion = False

    def is_met(self, obj: Mapping[str, Any]) -> bool:
        status = obj.get("status")
        conditions = status.get("conditions") if isinstance(status, Mapping) else None
        if not isinstance(conditions, list):
            return False
        raw_meta = obj.get("metadata")
        meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, Mapping) else {}
        generation = _int64(meta.get("generation"))
        for condition in conditions:
            if not isinstance(condition, Mapping):
                continue
            kind, value = condition.get("type"), condition.get("status")
            if not isinstance(kind, str) or not _equal_fold(kind, self.type) or not isinstance(value, str):
                continue
            if generation is not None:
                observed = _int64(condition.get("observedGeneration"))
                if observed is None and isinstance(status, Mapping):
                    observed = _int64(status.get("observedGeneration"))
                if observed is not None and observed < generation:
                    return False
            return _equal_fold(value, self.status)
        return False


@dataclass(frozen=True)
class Created:
    """``--for=create``: the object exists (kubectl's ``IsCreated``).

    Any copy of the object meets it; one that is not there yet is waited for
    (a LIST of the name, then a WATCH until it is ADDED), where every other
    condition reports the ``NotFound``. On a selection it is met by whatever
    the selection lists, as kubectl has it: nothing listed is
    ``NoMatchingResources`` at once, not a wait for a first match.
    """

    deletion = False
    creation = True

    def is_met(self, obj: Mapping[str, Any]) -> bool:
        return True  # an object that is there was created


def _creation(condition: Condition) -> bool:
    return bool(getattr(condition, "creation", False))


@dataclass(frozen=True)
class Deleted:
    """``--for=delete``: the object is gone (a NotFound, or a DELETED event)."""

    deletion = True

    def is_met(self, obj: Mapping[str, Any]) -> bool:
        return False  # an object that is there is not deleted


@dataclass(frozen=True)
class JSONPathCondition:
    """``--for=jsonpath='{.status.phase}'=Running``: the path gives one scalar equal to ``value``.

    ``value=None`` (``--for=jsonpath='{.status.loadBalancer.ingress}'``)
    waits for the path to give anything at all. Values compare as Go's
    ``%v`` prints them, trimmed. A path giving several values, or a map or
    list where a value is expected, is an error (kubectl's words).
    """

    expression: str
    value: Optional[str] = None
    deletion = False

    def __post_init__(self) -> None:
        if not self.expression:
            raise ValueError("jsonpath expression cannot be empty")
        self._parsed()  # a template that does not parse is refused before any request

    def _parsed(self) -> Any:
        # The JSONPath engine is the CLI's port of client-go's util/jsonpath (a pure module).
        from ..cli.jsonpath import JSONPath, JSONPathError

        try:
            return JSONPath(self.expression, allow_missing_keys=True)
        except JSONPathError as err:
            raise ValueError(str(err)) from None

    def is_met(self, obj: Mapping[str, Any]) -> bool:
        from ..cli.jsonpath import JSONPathError, fmt_print

        try:
            results = self._parsed().find_results(obj)
        except JSONPathError as err:
            raise WaitError(str(err)) from None
        if not results or not results[0]:
            return False
        if len(results) > 1:
            raise WaitError("given jsonpath expression matches more than one list")
        if len(results[0]) > 1:
            raise WaitError("given jsonpath expression matches more than one value")
        if self.value is None:
            return True
        found = results[0][0]
        if isinstance(found, (dict, list)):
            raise WaitError("jsonpath leads to a nested object or list which is not supported")
        return fmt_print(found).strip() == self.value.strip()


def _split_jsonpath_input(text: str) -> List[str]:
    """Split on single ``=``; ``==`` stays (kubectl's ``splitJSONPathInput``)."""
    out: List[str] = []
    part: List[str] = []
    i = 0
    while i < len(text):
        if text[i] == "=":
            if i < len(text) - 1 and text[i + 1] == "=":
                part.append("==")
                i += 2
                continue
            out.append("".join(part))
            part = []
            i += 1
            continue
        part.append(text[i])
        i += 1
    out.append("".join(part))
    return out


def parse_condition(text: str) -> Condition:
    """kubectl's ``--for`` words: ``create``, ``delete``, ``condition=NAME[=VALUE]``, ``jsonpath=EXPR[=VALUE]``.

    ``create`` and ``delete`` are taken in any case, as kubectl lowers them.
    Raises ``ValueError`` with kubectl's message for anything else.
    """
    if text.lower() == "delete":
        return Deleted()
    if text.lower() == "create":
        return Created()
    if text.startswith("condition="):
        name, eq, value = text[len("condition="):].partition("=")
        return StatusCondition(name, value if eq else "true")
    if text.startswith("jsonpath="):
        parts = _split_jsonpath_input(text[len("jsonpath="):])
        if not 1 <= len(parts) <= 2:
            raise ValueError("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or "
                             "--for=jsonpath='{.status.readyReplicas}'")
        from ..cli.customcolumns import CustomColumnsError, relaxed_jsonpath

        try:
            expression = relaxed_jsonpath(parts[0])
        except CustomColumnsError as err:
            raise ValueError(str(err)) from None
        expected: Optional[str] = None
        if len(parts) == 2:
            expected = parts[1].strip("'\"")
            if not expected:
                raise ValueError("jsonpath wait has to have a value after equal sign, like "
                                 "--for=jsonpath='{.status.readyReplicas}'=3")
        return JSONPathCondition(expression, expected)
    from discovery.gostrings import go_quote

    raise ValueError(f"unrecognized condition: {go_quote(text)}")


def _as_condition(condition: Union[str, Condition]) -> Condition:
    return parse_condition(condition) if isinstance(condition, str) else condition


# -- one object ---------------------------------------------------------------------------------------------------


def _where(rc: Any, name: str) -> str:
    """``configmaps/a``: kubectl names the plural resource, without its group, in the wait errors."""
    return f"{rc.gvr.resource}/{name}"


def _with_kind(rc: Any, obj: Obj) -> Obj:
    # LIST items come without apiVersion and kind; the printed line needs them.
    if "kind" not in obj or "apiVersion" not in obj:
        gvk = rc.gvk
        obj = {"apiVersion": f"{gvk.group}/{gvk.version}" if gvk.group else gvk.version, "kind": gvk.kind, **obj}
    return obj


def _not_found(rc: Any, name: str) -> StatusError:
    """``apierrors.NewNotFound(groupResource, name)``: what kubectl reports when the object vanished before the watch."""
    resource = f"{rc.gvr.resource}.{rc.gvr.group}" if rc.gvr.group else rc.gvr.resource
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "NotFound",
              "code": 404, "message": f'{resource} "{name}" not found',
              "details": {"name": name, "group": rc.gvr.group, "kind": rc.gvr.resource}}
    return status_error_from_response(404, json.dumps(status).encode(), method="GET")


class _StopAt:
    """Stops a watch at the deadline: the server's ``timeoutSeconds`` rounds up to whole seconds."""

    def __init__(self, watch: Any, deadline: float) -> None:
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), watch.stop)
        self._timer.daemon = True

    def __enter__(self) -> "_StopAt":
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._timer.cancel()


def _until(rc: Any, name: str, deadline: float,
           done: Callable[[str, Optional[Obj]], Optional[Tuple[bool, Optional[Obj]]]],
           initial: Callable[[Optional[Obj]], Optional[Tuple[bool, Optional[Obj]]]]) -> Tuple[bool, Optional[Obj]]:
    """``UntilWithSync`` on one name: LIST it, ask ``initial``, then WATCH on from that resourceVersion.

    ``done(event_type, obj)`` / ``initial(obj_or_None)`` return ``(met, obj)``
    to stop or ``None`` to go on. Returns ``(False, last)`` at the deadline.
    """
    listed = rc.list(field_selector=one_term_equal_selector("metadata.name", name))
    items = listed.get("items") or []
    current = _with_kind(rc, items[0]) if items else None
    verdict = initial(current)
    if verdict is not None:
        return verdict
    rv = (listed.get("metadata") or {}).get("resourceVersion") or ""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False, current
    watch = rc.watch(name=name, resource_version=rv, timeout_seconds=remaining, relist=True)
    with watch, _StopAt(watch, deadline):
        for kind, obj in watch:
            if kind == RELISTED:  # a 410: the fresh LIST is the state now
                relisted = obj.get("items") or []
                kind, obj = ("ADDED", relisted[0]) if relisted else ("DELETED", current or {})
            obj = _with_kind(rc, obj)
            if kind != "DELETED":
                current = obj
            verdict = done(kind, obj)
            if verdict is not None:
                return verdict
    return False, current


def wait_for_object(rc: Any, name: str, condition: Union[str, Condition], *, deadline: float,
                    once: bool = False, known: Optional[Obj] = None) -> Optional[Obj]:
    """Wait until ``condition`` holds for object ``name`` or ``deadline`` (``time.monotonic()``) passes.

    Returns the object as it met the condition (for a deletion: the last
    copy seen, ``known`` when it was already gone; for a creation: ``known``
    when given, as kubectl's ``IsCreated`` returns the object its builder
    fetched). ``once`` is kubectl's ``--timeout=0``: one GET, one check.
    Raises ``WaitTimeout``, ``ConditionNotMet``, the ``NotFound`` of an
    object that is not there (a condition other than deletion and
    creation), or the condition's own ``WaitError``.
    """
    cond = _as_condition(condition)
    if not name:
        raise ValueError("resource name must be provided")
    if cond.deletion:
        return _wait_deleted(rc, name, deadline, once, known)
    creation = _creation(cond)
    if creation and known is not None:
        return known
    if once:
        try:
            obj = _with_kind(rc, rc.get(name))
        except NotFound:
            if creation:
                raise ConditionNotMet(f"condition not met for {_where(rc, name)}") from None
            raise
        if not cond.is_met(obj):
            raise ConditionNotMet(f"condition not met for {_where(rc, name)}")
        return obj
    if deadline <= time.monotonic():
        raise WaitTimeout(f"timed out waiting for the condition on {_where(rc, name)}")

    def initial(obj: Optional[Obj]) -> Optional[Tuple[bool, Optional[Obj]]]:
        if obj is None:
            if creation:
                return None  # not there yet: the watch tells when it is ADDED
            raise _not_found(rc, name)
        return (True, obj) if cond.is_met(obj) else None

    def done(kind: str, obj: Optional[Obj]) -> Optional[Tuple[bool, Optional[Obj]]]:
        if kind == "DELETED" or obj is None:
            return None  # kubectl waits on: the name may come back
        return (True, obj) if cond.is_met(obj) else None

    met, found = _until(rc, name, deadline, done, initial)
    if not met:
        raise WaitTimeout(f"timed out waiting for the condition on {_where(rc, name)}")
    return found


def _wait_deleted(rc: Any, name: str, deadline: float, once: bool, known: Optional[Obj]) -> Optional[Obj]:
    try:
        gotten = _with_kind(rc, rc.get(name))
    except NotFound:
        return known
    if once:
        raise ConditionNotMet(f"condition not met for {_where(rc, name)}")
    if deadline <= time.monotonic():
        raise WaitTimeout(f"timed out waiting for the condition on {_where(rc, name)}")
    met, _ = _until(rc, name, deadline,
                    lambda kind, obj: (True, obj) if kind == "DELETED" else None,
                    lambda obj: (True, obj) if obj is None else None)
    if not met:
        raise WaitTimeout(f"timed out waiting for the condition on {_where(rc, name)}")
    return gotten


# -- the public entry points ----------------------------------------------------------------------------------------


def _deadline(timeout: Optional[float]) -> Tuple[float, bool]:
    if timeout is None or timeout < 0:
        timeout = WEEK
    return time.monotonic() + timeout, timeout == 0


def wait_for(
    resource_client: Any,
    name: Optional[str] = None,
    *,
    condition: Union[str, Condition],
    label_selector: Optional[str] = None,
    field_selector: Optional[str] = None,
    all: bool = False,
    timeout: Optional[float] = 30.0,
) -> Union[Optional[Obj], List[Obj]]:
    """Wait for ``condition`` on object ``name``, or on every object a selector (or ``all``) picks.

    ``condition`` is kubectl's ``--for`` text (``"condition=Ready"``,
    ``"condition=Ready=False"``, ``"create"``, ``"delete"``, ``"jsonpath={.status.phase}=Running"``)
    or a ``Condition``. ``timeout`` is in seconds for the whole wait; ``0``
    checks once; ``None`` (or negative) is a week, as kubectl's negative
    timeout. With ``name`` it returns that object as it met the condition
    (``None`` for a deletion of an object that was already gone); with a
    selection, the list of them, in LIST order. The first failure is
    raised (``WaitTimeout``, ``ConditionNotMet``, ``NotFound``,
    ``NoMatchingResources``).
    """
    cond = _as_condition(condition)
    deadline, once = _deadline(timeout)
    if name is not None:
        if label_selector or field_selector or all:
            raise ValueError("give a name or a selection (label_selector, field_selector, all), not both")
        return wait_for_object(resource_client, name, cond, deadline=deadline, once=once)
    if not (label_selector or field_selector or all):
        raise ValueError("give a name, a label_selector, a field_selector or all=True")
    selected = []
    for item in resource_client.iter(label_selector=label_selector, field_selector=field_selector):
        meta = item.get("metadata") or {}
        rc = resource_client
        if rc.namespaced and meta.get("namespace") and rc.ns is None:
            rc = rc.namespace(meta["namespace"])
        selected.append((rc, meta.get("name", ""), _with_kind(rc, item)))
    if not selected and not cond.deletion:
        raise NoMatchingResources()
    out: List[Obj] = []
    for rc, item_name, item in selected:
        obj = wait_for_object(rc, item_name, cond, deadline=deadline, once=once, known=item)
        if obj is not None:
            out.append(obj)
    return out


def wait_for_kind(dyn: Any, api_version: Union[str, GroupVersion], kind: str, *, timeout: float = 60.0,
                  sleep: Callable[[float], None] = time.sleep) -> RESTMapping:
    """Return the RESTMapping of ``kind`` in ``api_version`` once discovery serves it.

    Discovery documents cannot be watched, so this is the one wait that
    polls: the mapper is reset and asked again, 20 ms apart at first,
    doubling to 1 s. Raises ``WaitTimeout`` after ``timeout`` seconds.
    """
    gv = GroupVersion.parse(api_version) if isinstance(api_version, str) else api_version
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            return dyn.mapper.rest_mapping(GroupKind(gv.group, kind), gv.version)
        except NoKindMatch:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(f"timed out waiting for discovery to serve kind {kind} in {gv}") from None
        sleep(min(delay, left))
        delay = min(delay * 2, 1.0)
        dyn.mapper.reset()
