"""``dynclient cluster-info``: where the control plane and the cluster services run, as ``kubectl cluster-info``.

::

    Kubernetes control plane is running at https://127.0.0.1:6443
    CoreDNS is running at https://127.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy

    To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.

The services are those of ``kube-system`` labelled
``kubernetes.io/cluster-service=true``. On a terminal the names are green
and the addresses yellow, as go-colortext writes them.
"""

from __future__ import annotations

import argparse
from typing import Any, Dict, Sequence

from .session import Session

__all__ = ["NAME", "add_parser", "run", "service_link"]

NAME = "cluster-info"

_GREEN, _YELLOW, _RESET = "\x1b[0;32m", "\x1b[0;33m", "\x1b[0m"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    return sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                          help="Display addresses of the control plane and services with label "
                               "kubernetes.io/cluster-service=true")


def service_link(host: str, service: Dict[str, Any]) -> str:
    """The address kubectl shows for a cluster service: its load balancer, else the API server proxy path."""
    spec = service.get("spec") or {}
    ports = spec.get("ports") or []
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        ip = ingress[0].get("ip") or ingress[0].get("hostname") or ""
        return "".join(f"http://{ip}:{p.get('port')} " for p in ports)
    meta = service.get("metadata") or {}
    name = meta.get("name", "")
    if ports:
        port = ports[0]
        scheme = "https" if port.get("name") == "https" or port.get("port") == 443 else ""
        port_name = port.get("name") or ""
        # utilnet.JoinSchemeNamePort: [scheme:]name[:port]
        name = (f"{scheme}:" if scheme else "") + name + (f":{port_name}" if port_name else "")
    return f"{host}/api/v1/namespaces/{meta.get('namespace', 'kube-system')}/services/{name}/proxy"


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def run(session: Session, args: argparse.Namespace) -> int:
    dyn = session.client()
    host = dyn.transport.host
    services = dyn.resource("services").namespace("kube-system").list(
        label_selector="kubernetes.io/cluster-service=true")
    color = _isatty(session.stdout)

    def show(name: str, link: str) -> None:
        if color:
            session.stdout.write(f"{_GREEN}{name}{_RESET} is running at {_YELLOW}{link}{_RESET}\n")
        else:
            session.stdout.write(f"{name} is running at {link}\n")

    show("Kubernetes control plane", host)
    for service in services.get("items") or []:
        labels = (service.get("metadata") or {}).get("labels") or {}
        show(labels.get("kubernetes.io/name") or (service.get("metadata") or {}).get("name", ""),
             service_link(host, service))
    session.stdout.write("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
    return 0
