"""Configuration from a pod's service account (client-go ``rest.InClusterConfig``).

The server is ``https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT``
(an IPv6 host in brackets, as ``net.JoinHostPort``). The token is read
through ``TokenFile``, so a rotated projected token is picked up. A missing
``ca.crt`` is logged and the system CAs are used, as client-go does. The
namespace is ``$POD_NAMESPACE``, else the service account's namespace file,
else ``"default"`` (clientcmd ``inClusterClientConfig.Namespace``).
"""

from __future__ import annotations

import logging
import os
from typing import Optional

from .auth import TokenFile
from .errors import ConfigError
from .model import RESTConfig

__all__ = ["in_cluster_config", "SERVICE_ACCOUNT_DIR", "is_in_cluster"]

logger = logging.getLogger("dynclient.config")

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
_SOURCE = "in-cluster"


def is_in_cluster() -> bool:
    """True when the service host and port variables are set (a pod's environment)."""
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST") and os.environ.get("KUBERNETES_SERVICE_PORT"))


def _read_namespace(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def in_cluster_config(
    *,
    namespace: Optional[str] = None,
    token_path: Optional[str] = None,
    ca_path: Optional[str] = None,
    namespace_path: Optional[str] = None,
) -> RESTConfig:
    """Build a ``RESTConfig`` for the API server of the cluster this process runs in.

    The three paths default to the files in ``SERVICE_ACCOUNT_DIR``.
    """
    host = os.environ.get("KUBERNETES_SERVICE_HOST", "")
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise ConfigError("not running in a cluster: KUBERNETES_SERVICE_HOST and "
                          "KUBERNETES_SERVICE_PORT must both be set", file=_SOURCE)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    token_path = token_path or os.path.join(SERVICE_ACCOUNT_DIR, "token")
    ca_path = ca_path or os.path.join(SERVICE_ACCOUNT_DIR, "ca.crt")
    namespace_path = namespace_path or os.path.join(SERVICE_ACCOUNT_DIR, "namespace")
    auth = TokenFile(token_path, file=_SOURCE, entry="service account")
    auth.token()  # client-go reads the token up front; fail here, not on the first request
    ca_file: Optional[str] = ca_path
    if not os.path.isfile(ca_path):
        logger.warning("in-cluster CA bundle %s not found; verifying the server with the system CAs", ca_path)
        ca_file = None
    ns = namespace or os.environ.get("POD_NAMESPACE") or _read_namespace(namespace_path) or "default"
    return RESTConfig(host=f"https://{host}:{port}", ca_file=ca_file, auth=auth, namespace=ns, source=_SOURCE)
