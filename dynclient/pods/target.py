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


#: kubectl's words for a pod that cannot take the verb, by verb; ``{phase}`` is the pod's phase.
_NOT_RUNNING = {
    "attach": "cannot attach a container in a completed pod; current phase is {phase}",
    "port-forward": "unable to forward port because pod is not running. Current status={phase}",
}
_ENDED = ("Succeeded", "Failed")


def _not_running_message(verb: str, phase: str) -> str:
    """The refusal for ``verb`` on a pod in ``phase``, or ``""`` when the pod can take it.

    port-forward needs the pod ``Running`` (kubectl refuses a Pending pod
    too); exec, attach and the rest refuse only a pod that has ended.
    """
    if verb in ("port-forward", "portforward"):
        return "" if phase == "Running" else _NOT_RUNNING["port-forward"].format(phase=phase)
    if phase not in _ENDED:
        return ""
    template = _NOT_RUNNING.get(verb, "cannot {verb} into a container in a completed pod; current phase is {phase}")
    return template.format(verb=verb, phase=phase)


def resolve(pod: Mapping[str, Any], container: Optional[str], *, running: bool = False,
            verb: str = "exec") -> Target:
    """The target for ``container`` in ``pod`` (a pod object already fetched).

    Without ``container`` a one-container pod's container is meant (the
    ``kubectl.kubernetes.io/default-container`` annotation names it
    otherwise); any other pod raises ``ContainerRequired`` listing the
    names. ``running``: a pod that has ended raises ``PodNotRunning`` in
    kubectl's words for ``verb`` (exec: "cannot exec into a container in a
    completed pod; current phase is Succeeded"; attach: "cannot attach a
    container ..."; ``port-forward`` also refuses a pod not yet Running:
    "unable to forward port because pod is not running. Current
    status=Pending").
    """
    meta = pod.get("metadata") or {}
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
    names = container_names(pod)
    every = names["containers"] + names["initContainers"] + names["ephemeralContainers"]
    if running:
        phase = str((pod.get("status") or {}).get("phase") or "")
        message = _not_running_message(verb, phase)
        if message:
            raise PodNotRunning(message, namespace=namespace, pod=name, phase=phase)
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
