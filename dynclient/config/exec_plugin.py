"""client-go exec credential plugins (``users[].user.exec``), as ``plugin/pkg/client/auth/exec/exec.go``.

The plugin is run with the kubeconfig's ``args``, the process environment
plus the stanza's ``env``, and ``KUBERNETES_EXEC_INFO`` describing the
request. It prints an ``ExecCredential`` whose ``status`` holds a token or a
client certificate/key pair and, optionally, an ``expirationTimestamp``.
The result is cached until that time; ``refresh()`` (after a 401) runs the
plugin again. One lock guards the cache and the run, so concurrent callers
start the plugin once.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from ._secretfiles import private_file_for
from .errors import ExecPluginError
from .model import REDACTED, ClusterInfo, ExecConfig

__all__ = ["ExecPlugin", "exec_cluster_info", "EXEC_INFO_ENV", "CLUSTER_EXTENSION_KEY"]

EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
#: The cluster extension whose value is passed to the plugin as ``spec.cluster.config``.
CLUSTER_EXTENSION_KEY = "client.authentication.k8s.io/exec"

_STDERR_LIMIT = 2000
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def _parse_rfc3339(text: str) -> float:
    """Parse an RFC 3339 timestamp (any fraction length, ``Z`` or offset) to epoch seconds."""
    from datetime import datetime, timedelta, timezone  # only exec plugins need it: kept off import time

    match = _RFC3339.match(text.strip())
    if not match:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = float(match.group(7)) if match.group(7) else 0.0
    zone = match.group(8)
    if zone in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    moment = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    return moment.timestamp() + fraction


def _clean_hint(text: str) -> str:
    """Neutralise control characters (ANSI escapes) in an install hint, as client-go does."""
    return "".join(ch if ch.isprintable() or ch in "\t\n\r" else f"U+{ord(ch):04X}" for ch in text)


def exec_cluster_info(cluster: ClusterInfo, host: str) -> Dict[str, Any]:
    """The ``spec.cluster`` object sent to a plugin with ``provideClusterInfo`` (rest ``ConfigToExecCluster``)."""
    info: Dict[str, Any] = {"server": host}
    if cluster.tls_server_name:
        info["tls-server-name"] = cluster.tls_server_name
    if cluster.insecure_skip_tls_verify:
        info["insecure-skip-tls-verify"] = True
    ca = cluster.certificate_authority_data
    if not ca and cluster.certificate_authority:
        with open(cluster.certificate_authority, "rb") as handle:
            ca = handle.read()
    if ca:
        info["certificate-authority-data"] = base64.b64encode(ca).decode("ascii")
    if cluster.proxy_url:
        info["proxy-url"] = cluster.proxy_url
    if cluster.disable_compression:
        info["disable-compression"] = True
    if CLUSTER_EXTENSION_KEY in cluster.extensions:
        info["config"] = cluster.extensions[CLUSTER_EXTENSION_KEY]
    return info


class _Credentials:
    """What one plugin run returned. Never printed."""

    __slots__ = ("token", "cert_data", "key_data", "expires_at")

    def __init__(self, token: str, cert_data: bytes, key_data: bytes, expires_at: Optional[float]) -> None:
        self.token = token
        self.cert_data = cert_data
        self.key_data = key_data
        self.expires_at = expires_at

    def __repr__(self) -> str:
        return f"<credentials {REDACTED}>"

    def same_as(self, other: Optional["_Credentials"]) -> bool:
        return other is not None and (self.token, self.cert_data, self.key_data) == (
            other.token, other.cert_data, other.key_data)


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed or detached stdin
        return False


class ExecPlugin:
    """Credentials from a client-go exec plugin, cached until they expire.

    ``timeout`` bounds a non-interactive run; an interactive run (a human at a
    terminal typing a password or finishing a browser login) is not limited.
    """

    def __init__(
        self,
        config: ExecConfig,
        *,
        user: Optional[str] = None,
        cluster: Optional[Mapping[str, Any]] = None,
        file: Optional[str] = None,
        context: Optional[str] = None,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
        stdin_is_tty: Callable[[], bool] = _stdin_is_tty,
    ) -> None:
        self.config = config
        self.user = user
        self._cluster = dict(cluster) if cluster is not None else None
        self._where = {"file": file, "context": context,
                       "entry": f'user "{user}"' if user is not None else None}
        self._timeout = timeout
        self._clock = clock
        self._stdin_is_tty = stdin_is_tty
        self._lock = threading.Lock()
        self._creds: Optional[_Credentials] = None

    def __repr__(self) -> str:
        return f"ExecPlugin(command={self.config.command!r}, api_version={self.config.api_version!r}, user={self.user!r})"

    # -- AuthProvider -----------------------------------------------------

    def headers(self) -> Dict[str, str]:
        """The bearer header, if the plugin returned a token (running it when needed)."""
        creds = self._current()
        return {"Authorization": f"Bearer {creds.token}"} if creds.token else {}

    def client_cert(self) -> Optional[Tuple[str, str]]:
        """Paths of 0600 temp files holding the plugin's certificate and key, or ``None``."""
        creds = self._current()
        if not creds.cert_data:
            return None
        return (private_file_for(creds.cert_data, suffix="-exec.crt"),
                private_file_for(creds.key_data, suffix="-exec.key"))

    def refresh(self) -> bool:
        """Run the plugin again now; True if it returned different credentials."""
        with self._lock:
            old = self._creds
            self._creds = self._run_locked()
            return not self._creds.same_as(old)

    # -- internals --------------------------------------------------------

    def _error(self, reason: str) -> ExecPluginError:
        return ExecPluginError(f'plugin "{self.config.command}": {reason}', field="exec", **self._where)

    def _current(self) -> _Credentials:
        with self._lock:
            creds = self._creds
            if creds is None or (creds.expires_at is not None and self._clock() >= creds.expires_at):
                creds = self._creds = self._run_locked()
            return creds

    def _interactive(self) -> bool:
        mode = self.config.interactive_mode or "IfAvailable"
        if mode == "Never":
            return False
        if mode == "IfAvailable":
            return self._stdin_is_tty()
        if mode == "Always":
            if not self._stdin_is_tty():
                raise self._error("interactiveMode is Always but standard input is not a terminal")
            return True
        raise self._error(f'unknown interactiveMode "{mode}"')

    def _exec_info(self, interactive: bool) -> str:
        spec: Dict[str, Any] = {"interactive": interactive}
        if self.config.provide_cluster_info and self._cluster is not None:
            spec["cluster"] = self._cluster
        return json.dumps({"apiVersion": self.config.api_version, "kind": "ExecCredential", "spec": spec})

    def _run_locked(self) -> _Credentials:
        import subprocess  # most kubeconfigs never run a plugin: kept off import time

        interactive = self._interactive()
        env = dict(os.environ)
        env.update(dict(self.config.env))
        env[EXEC_INFO_ENV] = self._exec_info(interactive)
        argv = [self.config.command, *self.config.args]
        try:
            proc = subprocess.run(
                argv,
                env=env,
                # Never hand the terminal to a plugin that may not prompt (client-go: cmd.Stdin only if interactive).
                stdin=None if interactive else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                # Interactive plugins prompt on stderr, so it must reach the terminal.
                stderr=None if interactive else subprocess.PIPE,
                timeout=None if interactive else self._timeout,
                check=False,
            )
        except FileNotFoundError:
            reason = f'executable "{self.config.command}" not found'
            if self.config.install_hint:
                reason += "\n\n" + _clean_hint(self.config.install_hint)
            raise self._error(reason) from None
        except PermissionError:
            raise self._error(f'"{self.config.command}" is not executable') from None
        except subprocess.TimeoutExpired:
            raise self._error(f"did not finish within {self._timeout:g}s") from None
        except OSError as err:
            raise self._error(f"cannot run: {err.strerror or err}") from None
        if proc.returncode != 0:
            reason = f"exited with status {proc.returncode}"
            stderr = (proc.stderr or b"").decode("utf-8", "replace").strip()
            if stderr:
                reason += ": " + stderr[-_STDERR_LIMIT:]
            raise self._error(reason)
        return self._parse(proc.stdout or b"")

    def _parse(self, stdout: bytes) -> _Credentials:
        # Never quote stdout in an error: it is where the secret would be.
        try:
            doc = json.loads(stdout)
        except ValueError:
            raise self._error(f"wrote {len(stdout)} bytes to stdout that are not valid JSON") from None
        if not isinstance(doc, dict):
            raise self._error("stdout is not a JSON object (expected an ExecCredential)")
        kind = doc.get("kind")
        if kind not in (None, "ExecCredential"):
            raise self._error(f'returned kind "{kind}", expected "ExecCredential"')
        api_version = doc.get("apiVersion")
        if api_version != self.config.api_version:
            raise self._error(
                f'returned apiVersion "{api_version}", but the kubeconfig asks for "{self.config.api_version}"')
        status = doc.get("status")
        if not isinstance(status, dict):
            raise self._error("the ExecCredential has no status")
        token = status.get("token") or ""
        cert = status.get("clientCertificateData") or ""
        key = status.get("clientKeyData") or ""
        if not all(isinstance(v, str) for v in (token, cert, key)):
            raise self._error("status.token, clientCertificateData and clientKeyData must be strings")
        if not token and not cert and not key:
            raise self._error("returned neither a token nor a client certificate and key")
        if bool(cert) != bool(key):
            raise self._error("returned only one of clientCertificateData and clientKeyData; both are needed")
        expires_at: Optional[float] = None
        stamp = status.get("expirationTimestamp")
        if stamp:
            try:
                expires_at = _parse_rfc3339(str(stamp))
            except ValueError:
                raise self._error(f"status.expirationTimestamp is not RFC 3339: {stamp!r}") from None
        return _Credentials(token, cert.encode("utf-8"), key.encode("utf-8"), expires_at)
