"""Pod I/O's branch of the error tree: what can be wrong with the pod or container asked for.

Each names the pod (``namespace/name``) and says what would have worked, as
kubectl's messages do, so a caller can print ``str(err)`` as it is.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from discovery.errors import DynclientError

__all__ = ["PodIOError", "ContainerRequired", "ContainerNotFound", "PodNotRunning", "KubeletUnreachable",
           "StreamProtocolError"]


class PodIOError(DynclientError):
    """Something about the pod or its containers stops logs, exec, attach, port-forward or cp."""

    def __init__(self, message: str, *, namespace: str = "", pod: str = "") -> None:
        super().__init__(message)
        self.namespace, self.pod = namespace, pod


class ContainerRequired(PodIOError):
    """The pod has several containers and none was named (``containers``: the names, kubectl's order)."""

    def __init__(self, message: str, *, namespace: str, pod: str, containers: Sequence[str]) -> None:
        super().__init__(message, namespace=namespace, pod=pod)
        self.containers = tuple(containers)


class ContainerNotFound(PodIOError):
    """The named container is not in the pod (``containers``: the ones it has)."""

    def __init__(self, message: str, *, namespace: str, pod: str, container: str, containers: Sequence[str]) -> None:
        super().__init__(message, namespace=namespace, pod=pod)
        self.container, self.containers = container, tuple(containers)


class PodNotRunning(PodIOError):
    """exec, attach and port-forward need a running pod; ``phase`` is the one it is in."""

    def __init__(self, message: str, *, namespace: str, pod: str, phase: str) -> None:
        super().__init__(message, namespace=namespace, pod=pod)
        self.phase = phase


class KubeletUnreachable(PodIOError):
    """The API server could not reach the pod's kubelet; ``status`` is the server's Status as it sent it."""

    def __init__(self, message: str, *, namespace: str = "", pod: str = "",
                 status: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message, namespace=namespace, pod=pod)
        self.status = dict(status or {})


class StreamProtocolError(PodIOError):
    """The kubelet's stream broke the channel protocol (an unknown channel, a malformed error frame...)."""
