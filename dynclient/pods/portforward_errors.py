"""Port-forward's errors, in the pod I/O branch of the tree (``dynclient.pods.errors.PodIOError``)."""

from __future__ import annotations

from .errors import PodIOError

__all__ = ["PortForwardError", "ForwardingFailed", "TunnelLost", "ListenFailed"]


class PortForwardError(PodIOError):
    """Something stopped port-forward: a connection the pod side refused, the tunnel gone, no listener."""


class ForwardingFailed(PortForwardError):
    """The kubelet's error channel spoke for one connection (e.g. nothing listens on the pod's port).

    ``str()`` is client-go's line, ``an error occurred forwarding 8080 -> 80: <kubelet's text>``;
    ``reason`` is the kubelet's text alone.
    """

    def __init__(self, local: int, remote: int, reason: str, *, namespace: str = "", pod: str = "") -> None:
        super().__init__(f"an error occurred forwarding {local} -> {remote}: {reason}", namespace=namespace, pod=pod)
        self.local, self.remote, self.reason = local, remote, reason


class TunnelLost(PortForwardError):
    """The WebSocket carrying the forwarded connections closed under them (kubectl: "lost connection to pod")."""


class ListenFailed(PortForwardError):
    """No local port could be listened on (kubectl: "unable to listen on any of the requested ports")."""
