"""Which pod and container a pod I/O call means, checked before any stream is opened.

One GET of the pod answers the three questions every verb asks (does it
exist, which container, is it running), so the errors come with the pod's
own names and phase rather than as a kubelet's opaque 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from .errors import ContainerNotFound, ContainerRequired, PodNotRunning

__all__ = ["Target", "container_names", "resolve"]


@dataclass(frozen=True)
class Target:
    """A pod and one of its containers, with the pod as the server last returned it."""

    namespace: str
    pod: str
    container: str
    obj: Mapping[str, Any]

    @property
    def phase(self) -> str:
        return str((self.obj.get("status") or {}).get("phase") or "")


def container_names(pod: Mapping[str, Any]) -> Dict[str, List[str]]:
    """The pod's container names by kind: ``containers``, ``initContainers``, ``ephemeralContainers``."""
    spec = pod.get("spec") or {}
    return {kind: [str(c.get("name", "")) for c in spec.get(kind) or []]
            for kind in ("containers", "initContainers", "ephemeralContainers")}


def resolve(pod: Mapping[str, Any], container: Optional[str], *, running: bool = False,
            verb: str = "exec") -> Target:
    """The target for ``container`` in ``pod`` (a pod object already fetched).

    Without ``container`` a one-container pod's container is meant (the
    ``kubectl.kubernetes.io/default-container`` annotation names it
    otherwise); any other pod raises ``ContainerRequired`` listing the
    names. ``running``: a pod that has ended raises ``PodNotRunning``
    (kubectl: "cannot exec into a container in a completed pod").
    """
    meta = pod.get("metadata") or {}
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
    names = container_names(pod)
    every = names["containers"] + names["initContainers"] + names["ephemeralContainers"]
    if running:
        phase = str((pod.get("status") or {}).get("phase") or "")
        if phase in ("Succeeded", "Failed"):
            raise PodNotRunning(f"cannot {verb} into a container in a completed pod; current phase is {phase}",
                                namespace=namespace, pod=name, phase=phase)
    if not container:
        default = (meta.get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
        if default and default in every:
            container = default
        elif len(names["containers"]) == 1:
            container = names["containers"][0]
        else:
            listed = " ".join(names["containers"])
            message = f"a container name must be specified for pod {name}, choose one of: [{listed}]"
            if names["initContainers"]:
                message += f" or one of the init containers: [{' '.join(names['initContainers'])}]"
            if names["ephemeralContainers"]:
                message += f" or one of the ephemeral containers: [{' '.join(names['ephemeralContainers'])}]"
            raise ContainerRequired(message, namespace=namespace, pod=name, containers=every)
    elif container not in every:
        raise ContainerNotFound(f"container {container} is not valid for pod {name}", namespace=namespace,
                                pod=name, container=container, containers=every)
    return Target(namespace, name, container, pod)
