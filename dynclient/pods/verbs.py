"""The pod I/O verbs on a pods ``ResourceClient``: ``dyn.resource("po").namespace(ns).logs("web")``.

A mixin, so the verbs sit where users look for them (beside ``get`` and
``delete``) while their code lives in this package, one module per verb.
Every verb refuses a client that is not core/v1 pods in one namespace
before any request.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

if TYPE_CHECKING:
    from .copy import CopyReport
    from .results import ExecResult

__all__ = ["PodVerbs", "require_pods"]

Stdin = Union[bytes, Any, None]  # bytes, a binary file, or None


def require_pods(rc: Any, verb: str) -> str:
    """``rc``'s namespace, after checking that ``rc`` is namespaced core/v1 pods."""
    gvr = rc.gvr
    if (gvr.group, gvr.version, gvr.resource) != ("", "v1", "pods") or rc.subresource_name:
        raise ValueError(f"{verb} works on pods (dyn.resource('pods').namespace(ns)), not on {gvr.resource}")
    if not rc.ns:
        raise ValueError(f"{verb} needs a namespace: call .namespace(ns) first")
    return str(rc.ns)


class PodVerbs:
    """logs, exec, exec_session, attach, port_forward, copy_to and copy_from (see each module's docstring)."""

    def logs(self, name: str, container: Optional[str] = None, *, follow: bool = False,
             tail_lines: Optional[int] = None, since_seconds: Optional[int] = None,
             since_time: Union[str, datetime.datetime, None] = None,
             timestamps: bool = False, limit_bytes: Optional[int] = None, previous: bool = False) -> Any:
        """The container's log as text; with ``follow`` an iterator of lines (``dynclient.pods.logs``)."""
        from .logs import read_logs

        return read_logs(self, name, container, follow=follow, tail_lines=tail_lines, since_seconds=since_seconds,
                         since_time=since_time, timestamps=timestamps, limit_bytes=limit_bytes, previous=previous)

    def exec(self, name: str, command: Sequence[str], container: Optional[str] = None, *, stdin: Stdin = None,
             tty: bool = False, timeout: Optional[float] = None) -> "ExecResult":
        """Run ``command`` in the container to its end (``dynclient.pods.exec``)."""
        from .exec import run_exec

        return run_exec(self, name, command, container, stdin=stdin, tty=tty, timeout=timeout)

    def exec_session(self, name: str, command: Sequence[str], container: Optional[str] = None, *,
                     stdin: bool = True, tty: bool = False) -> Any:
        """An interactive ``ExecSession`` (stdin, stdout, stderr, resize) for ``command``."""
        from .exec import open_exec

        return open_exec(self, name, command, container, stdin=stdin, tty=tty)

    def attach(self, name: str, container: Optional[str] = None, *, stdin: bool = True, tty: bool = False) -> Any:
        """An ``ExecSession`` on the container's running process (``kubectl attach``)."""
        from .exec import open_attach

        return open_attach(self, name, container, stdin=stdin, tty=tty)

    def port_forward(self, name: str, ports: Sequence[Union[int, str]], *, address: str = "127.0.0.1") -> Any:
        """A context manager listening on loopback and forwarding to the pod's ports (``dynclient.pods.portforward``)."""
        from .portforward import PortForward

        return PortForward(self, name, ports, address=address)

    def copy_to(self, name: str, local_path: str, remote_path: str, container: Optional[str] = None, *,
                no_preserve: bool = False) -> "CopyReport":
        """Copy a local file or directory into the container, tar over exec as ``kubectl cp`` does."""
        from .copy import copy_to

        return copy_to(self, name, local_path, remote_path, container, no_preserve=no_preserve)

    def copy_from(self, name: str, remote_path: str, local_path: str, container: Optional[str] = None, *,
                  retries: int = 0) -> "CopyReport":
        """Copy a file or directory out of the container; no tar entry writes outside ``local_path``."""
        from .copy import copy_from

        return copy_from(self, name, remote_path, local_path, container, retries=retries)
