"""``dynclient port-forward POD [LOCAL:]REMOTE...``: forward local ports to a pod, as ``kubectl port-forward``.

kubectl's steps and words, in its order: fewer than two arguments is the
usage error; the pod is fetched (``pods "x" not found``); a named remote
port is looked up in the pod's container ports (``Pod 'web' does not have a
named port 'x'``); the ports are parsed with client-go's messages (``80``
means local 80, ``:80`` a free local port); a pod that is not Running is
refused (``unable to forward port because pod is not running. Current
status=Pending``). Then, on stdout, ``Forwarding from 127.0.0.1:8080 -> 80``
per listener (``--address`` defaults to ``localhost``: 127.0.0.1 and
[::1]) and ``Handling connection for 8080`` per accepted connection; a port
that cannot be listened on is reported on stderr and skipped.

It runs until SIGINT (exit 0, silent, as kubectl) or SIGTERM (the signal's
own death, as kubectl, which does not catch it). When the kubelet reports an
error for a connection (nothing listening on the pod's port...), kubectl
logs it, drops the whole connection to the pod and exits with ``error: lost
connection to pod``; so does this command, with the same klog message
(``"Unhandled Error" err="an error occurred forwarding ..."``).

Only pods are resolved (``POD``, ``pod/POD``), as for ``exec``.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from typing import Any, List, Mapping, Optional, Sequence

from .checkerr import UsageError
from .debuglog import klog_string
from .exec_cmd import pod_name, pods_client
from .manifest_files import KubectlError
from .objects import intermixed
from .session import Session

__all__ = ["NAME", "add_parser", "run", "translate_ports"]

NAME = "port-forward"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Forward one or more local ports to a pod")
    p.add_argument("args", nargs="*", metavar="TYPE/NAME [LOCAL_PORT:]REMOTE_PORT")
    p.add_argument("--address", action="append", default=None, metavar="ADDRESSES",
                   help="Addresses to listen on (comma separated); localhost is 127.0.0.1 and ::1 (the default).")
    p.add_argument("--pod-running-timeout", default="1m0s", metavar="DURATION",
                   help="accepted for kubectl's sake; the pod named is checked once")
    return intermixed(p, "args")


def _container_port(pod: Mapping[str, Any], name: str) -> Optional[int]:
    for c in (pod.get("spec") or {}).get("containers") or []:
        for port in c.get("ports") or []:
            if port.get("name") == name:
                return int(port.get("containerPort") or 0)
    return None


def translate_ports(pod: Mapping[str, Any], ports: Sequence[str]) -> List[str]:
    """kubectl's ``convertPodNamedPortToNumber`` and its reading of a bare port (local = remote)."""
    out: List[str] = []
    name = str((pod.get("metadata") or {}).get("name") or "")
    for spec in ports:
        local, sep, remote = spec.partition(":")
        if not sep:
            local = remote = spec
        if not remote.isdigit() and remote:
            number = _container_port(pod, remote)
            if number is None:
                raise KubectlError(f"Pod '{name}' does not have a named port '{remote}'")
            if not sep:
                local = str(number)
            remote = str(number)
        out.append(f"{local}:{remote}")
    return out


class _Terminate(Exception):
    """SIGTERM arrived (kubectl dies of it; this command dies of it too, after closing the forwarder)."""


def _klog_error(message: str) -> str:
    """The line client-go's ``runtime.HandleError`` logs: ``E1203 16:31:35.668380   26195 portforward.go:424] ...``."""
    now = time.time()
    stamp = time.strftime("%m%d %H:%M:%S", time.localtime(now)) + f".{int((now % 1) * 1_000_000):06d}"
    return f'E{stamp} {os.getpid():>7} portforward.go:424] "Unhandled Error" err={klog_string(message)}\n'


def run(session: Session, args: argparse.Namespace) -> int:
    from dynclient.pods.portforward import PortForward, host_port
    from dynclient.pods.portforward_errors import ForwardingFailed, ListenFailed, TunnelLost

    if len(args.args) < 2:
        raise UsageError("TYPE/NAME and list of ports are required for port-forward", command=NAME, cobra=False)
    name = pod_name(NAME, args.args[0])
    pods = pods_client(session)
    pod = pods.get(name)
    ports = translate_ports(pod, args.args[1:])
    phase = str((pod.get("status") or {}).get("phase") or "")
    if phase != "Running":  # before the ports are parsed, as kubectl's RunPortForward
        raise KubectlError(f"unable to forward port because pod is not running. Current status={phase}")
    addresses = ",".join(args.address) if args.address else "localhost"
    out_lock = threading.Lock()
    failed: List[ForwardingFailed] = []
    stop = threading.Event()

    def say(line: str, stream: Any) -> None:
        with out_lock:
            stream.write(line)
            stream.flush()

    def on_connection(local: int) -> None:
        say(f"Handling connection for {local}\n", session.stdout)

    def on_listen(address: str, local: int, remote: int) -> None:
        say(f"Forwarding from {host_port(address, local)} -> {remote}\n", session.stdout)

    def on_error(err: Exception) -> None:
        if isinstance(err, ListenFailed):  # this port only; kubectl goes on with the others
            say(f"{err}\n", session.stderr)
        elif isinstance(err, ForwardingFailed):
            say(_klog_error(str(err)), session.stderr)
            failed.append(err)
            stop.set()
        elif isinstance(err, TunnelLost):
            stop.set()

    try:
        pf = PortForward(pods, name, ports, address=addresses, on_connection=on_connection, on_error=on_error,
                         on_listen=on_listen)
    except ValueError as err:
        raise KubectlError(str(err)) from None
    main = threading.current_thread() is threading.main_thread()
    previous = None
    if main:
        def terminate(signum: int, frame: Any) -> None:
            raise _Terminate()

        previous = signal.signal(signal.SIGTERM, terminate)
    try:
        pf.start()  # the pod is fetched again and checked for Running, as kubectl's RunPortForward does
        while not stop.wait(0.5 if main else None):
            pass
    except KeyboardInterrupt:
        pf.close()
        return 0
    except _Terminate:
        pf.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return 143  # pragma: no cover - the signal ends the process first
    finally:
        if main and previous is not None:
            signal.signal(signal.SIGTERM, previous)
        pf.close()
    raise KubectlError("lost connection to pod")
