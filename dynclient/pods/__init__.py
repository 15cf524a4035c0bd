"""Pod I/O: logs, exec, attach, port-forward and cp, as client-go's ``tools/remotecommand`` and ``tools/portforward``.

Reached from a pods resource client (``dyn.resource("po").namespace(ns)``),
whose verbs come from ``PodVerbs``. One module per verb; ``dial`` opens the
WebSocket every streaming verb uses, with the transport's TLS, credentials
and proxy.
"""

from __future__ import annotations

from .errors import (ContainerNotFound, ContainerRequired, KubeletUnreachable, PodIOError, PodNotRunning,
                     StreamProtocolError)
from .copyerrors import CopyError, LocalFileError, LocalSourceMissing, RemoteCommandFailed, TarStreamError
from .portforward_errors import ForwardingFailed, ListenFailed, PortForwardError, TunnelLost
from .results import ExecResult
from .verbs import PodVerbs

__all__ = ["PodVerbs", "ExecResult", "LogFollow", "LogOptions", "PodIOError", "ContainerRequired", "ContainerNotFound", "PodNotRunning",
           "KubeletUnreachable", "StreamProtocolError", "CopyError", "TarStreamError", "LocalSourceMissing",
           "LocalFileError", "RemoteCommandFailed", "PortForward", "PortForwardError", "ForwardingFailed",
           "ListenFailed", "TunnelLost"]


def __getattr__(name: str) -> object:
    # The log types load with the logs module (its imports are not needed to build a client).
    if name in ("LogFollow", "LogOptions"):
        from . import logs

        return getattr(logs, name)
    if name == "PortForward":
        from .portforward import PortForward

        return PortForward
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
