"""What every command gets: the global flags, the output streams, and a client made on first use."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Optional, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from dynclient.client import DynamicClient

__all__ = ["Session"]


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

    def client(self) -> "DynamicClient":
        """The client for ``--kubeconfig``/``--context``/``-n``/``--cache-dir`` (connected once)."""
        if self._client is None:
            import dynclient

            from dynclient.serverwarnings import WriteOnce

            self._client = dynclient.connect(
                self.args.kubeconfig or None,
                self.args.context or None,
                namespace=self.explicit_namespace,
                cache_dir=self.args.cache_dir or None,
                warning_handler=WriteOnce(self.stderr),  # kubectl: "Warning: ..." on stderr, once each
            )
        return self._client

    @property
    def namespace(self) -> str:
        """``-n``, else the context's namespace, else ``default`` (kubectl's ``Namespace()``)."""
        return self.explicit_namespace or self.client().namespace or "default"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
