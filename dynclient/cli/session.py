"""What every command gets: the global flags, the output streams, and a client made on first use."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Dict, Optional, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from dynclient.client import DynamicClient
    from dynclient.config import RESTConfig

__all__ = ["Session", "DISCOVERY_TIMEOUT"]

#: client-go's discovery client asks the server for this when the config has no timeout (kubectl -v=6: ?timeout=32s).
DISCOVERY_TIMEOUT = "32s"


class Session:
    """The global options of one invocation (kubectl's ``ConfigFlags``) and its streams.

    The client is built lazily, so usage errors are reported without
    reading a kubeconfig, and a command that needs no server needs no config.
    """

    def __init__(self, args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> None:
        self.args = args
        self.stdout = stdout
        self.stderr = stderr
        self._client: Optional["DynamicClient"] = None

    @property
    def verbosity(self) -> int:
        return int(getattr(self.args, "v", 0) or 0)

    @property
    def all_namespaces(self) -> bool:
        return bool(getattr(self.args, "all_namespaces", False))

    @property
    def explicit_namespace(self) -> Optional[str]:
        """``-n``/``--namespace`` as given, or None."""
        return getattr(self.args, "namespace", None) or None

    @property
    def request_timeout_ns(self) -> int:
        """``--request-timeout`` in nanoseconds; 0 when not given or ``0`` (no timeout)."""
        text = getattr(self.args, "request_timeout", None)
        if not text:
            return 0
        from .duration import parse_request_timeout

        return parse_request_timeout(text)  # ValueError: kubectl's "Invalid timeout value..." line

    def client(self) -> "DynamicClient":
        """The client for the global flags (``--kubeconfig``, ``--context``, ``--server``...), connected once."""
        if self._client is None:
            from dynclient.client import DynamicClient
            from dynclient.serverwarnings import WriteOnce

            from .debuglog import credential_secrets, install
            from .duration import format_go_duration

            ns = self.request_timeout_ns
            timeout = ns / 1e9
            options: Dict[str, Any] = {"timeout": (timeout, timeout)} if timeout > 0 else {}
            config = self.config()
            client = DynamicClient.from_config(
                config,
                cache_dir=self.args.cache_dir or None,
                warning_handler=WriteOnce(self.stderr),  # kubectl: "Warning: ..." on stderr, once each
                **options,
            )
            # client-go: under --request-timeout every request asks the server for it too (?timeout=1m30s);
            # its discovery client asks for 32s when no timeout is set (discovery_client.go defaultTimeout).
            client.transport.timeout_param = format_go_duration(ns) if ns else ""
            client.transport.discovery_timeout_param = client.transport.timeout_param or DISCOVERY_TIMEOUT
            if self.verbosity >= 7:  # kubectl's request lines, headers and (from 8) bodies
                auth = getattr(config, "auth", None)
                install(client.transport, self.verbosity, lambda: credential_secrets(auth))
            self._client = client
        return self._client

    def config(self) -> "RESTConfig":
        """The kubeconfig's ``RESTConfig`` with kubectl's overriding flags applied (clientcmd ``ConfigOverrides``).

        ``--as``/``--as-group``/``--as-uid`` replace the kubeconfig's impersonation;
        ``--token`` replaces the user's credentials (a client certificate
        stays, as in client-go, where the token is added beside it);
        ``--server`` replaces the cluster's URL and keeps its CA.
        """
        import dataclasses

        from dynclient.config import StaticToken, load_config

        args = self.args
        groups = tuple(getattr(args, "as_group", None) or ())
        config = load_config(
            args.kubeconfig or None,
            args.context or None,
            namespace=self.explicit_namespace,
            impersonate_user=getattr(args, "as_user", None) or None,
            impersonate_uid=getattr(args, "as_uid", None) or None,
            impersonate_groups=groups,
        )
        changes: Dict[str, Any] = {}
        if getattr(args, "server", None):
            changes["host"] = args.server.rstrip("/")
        if getattr(args, "token", None):
            changes["auth"] = StaticToken(args.token)
        return dataclasses.replace(config, **changes) if changes else config

    @property
    def namespace(self) -> str:
        """``-n``, else the context's namespace, else ``default`` (kubectl's ``Namespace()``)."""
        return self.explicit_namespace or self.client().namespace or "default"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
