"""Wait for a CustomResourceDefinition to be served, so that its custom resources can follow.

A new CRD is served only once the apiextensions server has accepted its
names and set the ``Established`` condition; until then a custom resource
of it is refused (and discovery does not list it). kubectl does not wait,
which is why applying a CRD and its resources in one ``kubectl apply``
fails the first time; Helm waits the same way as here
(``pkg/kube/ready.go`` ``crdReady``).

``watch_established`` waits with a watch on the one CRD (a
``metadata.name`` field selector, as ``kubectl wait`` does): the first
event is the CRD as it is now, the next one its change, so nothing is
polled and a CRD of 800 KB is not fetched again and again.
``wait_established`` is the polling variant (GETs with backoff), for
clients that cannot watch.
"""

from __future__ import annotations

import time
from typing import Any, Callable, FrozenSet, Iterable, Mapping, Optional

from discovery.types import GroupKind

from ..errors import ManifestError
from ..resource import ResourceClient
from .loader import Document

__all__ = ["CRDNotEstablished", "wait_established", "watch_established", "is_crd", "crd_condition", "served_kind",
           "served_versions"]

CRD_GROUP_KIND = GroupKind("apiextensions.k8s.io", "CustomResourceDefinition")

#: Seconds between polls: fast at first, since establishing usually takes milliseconds.
_POLL_DELAYS = (0.02, 0.05, 0.1, 0.2, 0.5)
_MAX_DELAY = 1.0


class CRDNotEstablished(ManifestError):
    """A CustomResourceDefinition did not become Established in time, or its names were refused."""


def is_crd(group: str, kind: str) -> bool:
    return GroupKind(group, kind) == CRD_GROUP_KIND


def served_kind(crd: Mapping[str, Any]) -> Optional[GroupKind]:
    """The group and kind a CRD object serves (``spec.group``, ``spec.names.kind``)."""
    spec = crd.get("spec") or {}
    kind = (spec.get("names") or {}).get("kind")
    if not isinstance(spec.get("group"), str) or not isinstance(kind, str):
        return None
    return GroupKind(spec["group"], kind)


def served_versions(crd: Mapping[str, Any]) -> FrozenSet[str]:
    """The versions a CRD object serves (``spec.versions[].served``)."""
    versions = (crd.get("spec") or {}).get("versions") or []
    return frozenset(v["name"] for v in versions if isinstance(v, Mapping) and v.get("served") and "name" in v)


def crd_condition(crd: Mapping[str, Any], kind: str) -> Optional[Mapping[str, Any]]:
    """The status condition of type ``kind``, or ``None``."""
    for condition in (crd.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition
    return None


def _delays() -> Iterable[float]:
    yield from _POLL_DELAYS
    while True:
        yield _MAX_DELAY


def _verdict(crd: Optional[Mapping[str, Any]], name: str) -> Optional[str]:
    """``"established"``, a refusal message (names not accepted), or ``None`` when still pending."""
    if crd is None:
        return None
    established = crd_condition(crd, "Established")
    if established is not None and established.get("status") == "True":
        return "established"
    names = crd_condition(crd, "NamesAccepted")
    if names is not None and names.get("status") == "False":
        return (f"customresourcedefinition {name}: names not accepted: "
                f"{names.get('message') or names.get('reason')}")
    return None


def _failure(message: str, document: Optional[Document]) -> CRDNotEstablished:
    if document is None:
        return CRDNotEstablished(message)
    return CRDNotEstablished(message, source=document.source, document=document.index, line=document.line or None)


def watch_established(
    crds: ResourceClient,
    name: str,
    *,
    timeout: float,
    reply: Optional[Mapping[str, Any]] = None,
    document: Optional[Document] = None,
) -> Mapping[str, Any]:
    """Watch the CRD ``name`` until its ``Established`` condition is ``True``; return the CRD.

    ``reply`` (the apply/create reply) is checked first. Raises
    ``CRDNotEstablished`` when the names are refused, when the CRD is
    deleted meanwhile, or after ``timeout`` seconds, located at ``document``.
    """
    verdict = _verdict(reply, name)
    if verdict == "established":
        return reply  # type: ignore[return-value]
    if verdict is not None:
        raise _failure(verdict, document)
    with crds.watch(name=name, timeout_seconds=timeout) as watch:
        for kind, crd in watch:
            if kind == "DELETED":
                raise _failure(f"customresourcedefinition {name} was deleted while waiting for it", document)
            verdict = _verdict(crd, name)
            if verdict == "established":
                return crd
            if verdict is not None:
                raise _failure(verdict, document)
    raise _failure(f"customresourcedefinition {name} was not Established after {timeout:g}s", document)


def wait_established(
    crds: ResourceClient,
    name: str,
    *,
    timeout: float,
    reply: Optional[Mapping[str, Any]] = None,
    document: Optional[Document] = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Mapping[str, Any]:
    """Poll the CRD ``name`` until its ``Established`` condition is ``True``; return the CRD.

    ``reply`` (the apply/create reply) is checked first, saving a GET when
    the CRD already was established. Raises ``CRDNotEstablished`` when the
    names are refused (``NamesAccepted`` is ``False``: another CRD holds
    them) or after ``timeout`` seconds, located at ``document`` when given.
    """

    def fail(message: str) -> CRDNotEstablished:
        if document is None:
            return CRDNotEstablished(message)
        return CRDNotEstablished(message, source=document.source, document=document.index, line=document.line or None)

    deadline = clock() + timeout
    crd = reply
    for delay in _delays():
        if crd is not None:
            established = crd_condition(crd, "Established")
            if established is not None and established.get("status") == "True":
                return crd
            names = crd_condition(crd, "NamesAccepted")
            if names is not None and names.get("status") == "False":
                raise fail(f"customresourcedefinition {name}: names not accepted: "
                           f"{names.get('message') or names.get('reason')}")
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(delay, remaining))
        crd = crds.get(name)
    raise fail(f"customresourcedefinition {name} was not Established after {timeout:g}s")
