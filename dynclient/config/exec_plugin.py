"""client-go exec credential plugins (``users[].user.exec``), as ``plugin/pkg/client/auth/exec/exec.go``.

The plugin is run with the kubeconfig's ``args``, the process environment
plus the stanza's ``env``, and ``KUBERNETES_EXEC_INFO`` describing the
request. It prints an ``ExecCredential`` whose ``status`` holds a token or a
client certificate/key pair and, optionally, an ``expirationTimestamp``.
The result is cached until that time; ``refresh()`` (after a 401) runs the
plugin again.

As client-go's ``globalCache``, the cache is shared by every ``ExecPlugin`` of
the process with the same stanza, cluster and kubeconfig, and one lock guards
it and the run, so concurrent callers and repeated config loads start the
plugin once. A *failure* is remembered the same way, until the kubeconfig file
changes: a plugin that hangs costs one timeout per command, not one per request.

Every failure is one error in client-go's words that names the plugin:
``getting credentials: exec: executable /usr/bin/x failed with exit code 1``.
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

from ._headers import describe, invalid_token_char
from ._lookpath import CommandNotFound, FoundRelativeToCwd, look_path
from ._secretfiles import private_file_for
from .errors import ExecPluginError
from .model import REDACTED, ClusterInfo, ExecConfig

__all__ = ["ExecPlugin", "exec_cluster_info", "forget_cached_credentials", "EXEC_INFO_ENV", "CLUSTER_EXTENSION_KEY",
           "DEFAULT_TIMEOUT", "MAX_OUTPUT"]

EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
#: The cluster extension whose value is passed to the plugin as ``spec.cluster.config``.
CLUSTER_EXTENSION_KEY = "client.authentication.k8s.io/exec"

#: How long a non-interactive plugin may run (client-go has no limit; a hung plugin would hang kubectl).
DEFAULT_TIMEOUT = 60.0
#: The most a plugin may write to stdout; an ExecCredential is a few kilobytes.
MAX_OUTPUT = 4 * 1024 * 1024
#: How much of the plugin's stderr goes into an error message, on one line.
_STDERR_SHOWN = 300
#: client-go's text after "executable x not found" (exec.go installHintVerboseHelp).
_INSTALL_HELP = (
    "\n\nIt looks like you are trying to use a client-go credential plugin that is not installed."
    "\n\nTo learn more about this feature, consult the documentation available at:"
    "\n      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins"
)
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


def _clean_line(data: bytes) -> str:
    """Plugin stderr as one short printable line: control characters neutralised, the end kept."""
    text = _clean_hint(data.decode("utf-8", "replace"))
    line = " | ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= _STDERR_SHOWN else "..." + line[-_STDERR_SHOWN:]


def _file_stamp(path: Optional[str]) -> Optional[Tuple[int, int, int]]:
    """What says "this kubeconfig changed": mtime, size and inode (``None`` for an in-memory config)."""
    if not path or path.startswith("<"):
        return None
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1, -1)
    return st.st_mtime_ns, st.st_size, st.st_ino


class _Shared:
    """What every ExecPlugin of one stanza, cluster and kubeconfig shares in this process."""

    __slots__ = ("lock", "creds", "failure", "failure_stamp")

    def __init__(self) -> None:
        # The lock also serialises runs: an interactive plugin must prompt once, not once per thread.
        self.lock = threading.Lock()
        self.creds: Optional[_Credentials] = None
        self.failure: Optional[str] = None
        self.failure_stamp: Optional[Tuple[int, int, int]] = None


_registry_lock = threading.Lock()
_registry: Dict[Tuple[Any, ...], _Shared] = {}


def _shared_for(key: Tuple[Any, ...]) -> _Shared:
    with _registry_lock:
        state = _registry.get(key)
        if state is None:
            state = _registry[key] = _Shared()
        return state


def forget_cached_credentials() -> None:
    """Drop every cached credential and remembered failure of this process (tests; a fixed plugin)."""
    with _registry_lock:
        _registry.clear()


class ExecPlugin:
    """Credentials from a client-go exec plugin, cached until they expire.

    ``timeout`` (default ``DEFAULT_TIMEOUT``) bounds a non-interactive run; an
    interactive run (a human at a terminal typing a password or finishing a
    browser login) is not limited.
    ``max_output`` bounds what the plugin may write to stdout.
    """

    def __init__(
        self,
        config: ExecConfig,
        *,
        user: Optional[str] = None,
        cluster: Optional[Mapping[str, Any]] = None,
        file: Optional[str] = None,
        context: Optional[str] = None,
        timeout: Optional[float] = None,
        max_output: int = MAX_OUTPUT,
        clock: Callable[[], float] = time.time,
        stdin_is_tty: Callable[[], bool] = _stdin_is_tty,
    ) -> None:
        self.config = config
        self.user = user
        self._cluster = dict(cluster) if cluster is not None else None
        self._file = file
        self._where = {"file": file, "context": context,
                       "entry": f'user "{user}"' if user is not None else None}
        self._timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self._max_output = max_output
        self._clock = clock
        self._stdin_is_tty = stdin_is_tty
        cluster_key = json.dumps(self._cluster, sort_keys=True, default=str) if self._cluster is not None else None
        self._state = _shared_for((config, cluster_key, file))

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
                private_file_for(creds.key_data, suffix="-exec.key", secret=True))

    def refresh(self) -> bool:
        """Run the plugin again now; True if it returned different credentials."""
        state = self._state
        with state.lock:
            self._raise_remembered_failure_locked()
            old = state.creds
            state.creds = self._run_remembering_failure_locked()
            return not state.creds.same_as(old)

    # -- internals --------------------------------------------------------

    def _error(self, reason: str) -> ExecPluginError:
        return ExecPluginError(f"getting credentials: {reason}", **self._where)

    def _raise_remembered_failure_locked(self) -> None:
        state = self._state
        if state.failure is None:
            return
        if _file_stamp(self._file) != state.failure_stamp:
            state.failure = state.failure_stamp = None  # the kubeconfig changed: worth another try
            return
        raise self._error(state.failure)

    def _current(self) -> _Credentials:
        state = self._state
        with state.lock:
            self._raise_remembered_failure_locked()
            creds = state.creds
            if creds is None or (creds.expires_at is not None and self._clock() >= creds.expires_at):
                creds = state.creds = self._run_remembering_failure_locked()
            return creds

    def _run_remembering_failure_locked(self) -> _Credentials:
        try:
            return self._run_locked()
        except _Failure as failure:
            state = self._state
            state.failure, state.failure_stamp = failure.reason, _file_stamp(self._file)
            raise self._error(failure.reason) from None

    def _interactive(self) -> bool:
        mode = self.config.interactive_mode or "IfAvailable"
        if mode == "Never":
            return False
        if mode == "IfAvailable":
            return self._stdin_is_tty()
        if mode == "Always":
            if not self._stdin_is_tty():
                raise _Failure(f'exec plugin "{self.config.command}" cannot support interactive mode: '
                               "standard input is not a terminal")
            return True
        raise _Failure(f'exec plugin "{self.config.command}": unknown interactiveMode: "{mode}"')

    def _exec_info(self, interactive: bool) -> str:
        spec: Dict[str, Any] = {"interactive": interactive}
        if self.config.provide_cluster_info and self._cluster is not None:
            spec["cluster"] = self._cluster
        return json.dumps({"apiVersion": self.config.api_version, "kind": "ExecCredential", "spec": spec})

    def _with_hint(self, reason: str) -> str:
        if self.config.install_hint:
            reason += "\n\n" + _clean_hint(self.config.install_hint)
        return reason

    def _run_locked(self) -> _Credentials:
        from ._plugin_process import OutputTooLarge, TimedOut, run_plugin  # kept off import time

        command = self.config.command
        interactive = self._interactive()
        try:
            executable = look_path(command)
        except FoundRelativeToCwd as err:
            raise _Failure(str(err)) from None
        except CommandNotFound:
            raise _Failure(self._with_hint(f"exec: executable {command} not found{_INSTALL_HELP}")) from None
        env = dict(os.environ)
        env.update(dict(self.config.env))
        env[EXEC_INFO_ENV] = self._exec_info(interactive)
        try:
            done = run_plugin([command, *self.config.args], executable=executable, env=env,
                              interactive=interactive, timeout=self._timeout, max_stdout=self._max_output)
        except FileNotFoundError:
            raise _Failure(self._with_hint(f"exec: fork/exec {executable}: no such file or directory")) from None
        except PermissionError:
            raise _Failure(f"exec: fork/exec {executable}: permission denied") from None
        except TimedOut:
            raise _Failure(f"exec: executable {command} did not finish within {self._timeout:g}s; "
                           "it was killed with its child processes") from None
        except OutputTooLarge:
            raise _Failure(f"exec: executable {command} wrote more than {self._max_output} bytes to stdout; "
                           "it was killed") from None
        except OSError as err:
            raise _Failure(f"exec: fork/exec {executable}: {(err.strerror or type(err).__name__).lower()}") from None
        if done.returncode != 0:
            # client-go's words; the signal case is its ExitCode() of -1 made readable.
            reason = f"exec: executable {command} failed with exit code {done.returncode}"
            if done.returncode < 0:
                reason = f"exec: executable {command} was killed by signal {-done.returncode}"
            stderr = _clean_line(done.stderr_tail)
            if stderr:
                reason += f" (stderr: {stderr})"
            raise _Failure(reason)
        return self._parse(done.stdout)

    def _parse(self, stdout: bytes) -> _Credentials:
        # Never quote stdout in an error: it is where the secret would be.
        plugin = f'exec plugin "{self.config.command}"'
        try:
            doc = json.loads(stdout)
        except (ValueError, RecursionError) as err:
            where = f" ({err.msg}, line {err.lineno} column {err.colno})" if isinstance(err, json.JSONDecodeError) else ""
            raise _Failure(f"{plugin}: decoding stdout: couldn't get version/kind; json parse error: "
                           f"{len(stdout)} bytes that are not JSON{where}") from None
        if not isinstance(doc, dict):
            raise _Failure(f"{plugin}: decoding stdout: couldn't get version/kind; json parse error: "
                           f"expected an object, got a JSON {type(doc).__name__}")
        kind = doc.get("kind")
        if kind not in (None, "ExecCredential"):
            raise _Failure(f'{plugin} returned kind "{kind}", expected "ExecCredential"')
        api_version = doc.get("apiVersion")
        if api_version != self.config.api_version:
            raise _Failure(f"{plugin} is configured to use API version {self.config.api_version}, "
                           f"plugin returned version {api_version}")
        status = doc.get("status")
        if not isinstance(status, dict):
            raise _Failure(f"{plugin} didn't return a status field")
        token = status.get("token") or ""
        cert = status.get("clientCertificateData") or ""
        key = status.get("clientKeyData") or ""
        if not all(isinstance(v, str) for v in (token, cert, key)):
            raise _Failure(f"{plugin}: status.token, clientCertificateData and clientKeyData must be strings")
        if not token and not cert and not key:
            raise _Failure(f"{plugin} didn't return a token or cert/key pair")
        if bool(cert) != bool(key):
            raise _Failure(f"{plugin} returned only certificate or key, not both")
        bad = invalid_token_char(token)
        if bad is not None:
            who = f'user "{self.user}"' if self.user is not None else "the user"
            raise _Failure(f"the token of {who} returned by {plugin} contains an invalid character, "
                           f"{describe(bad)}; it cannot be sent in an HTTP header")
        if cert:
            from ._tlscheck import key_pair_problem  # only certificate plugins need it

            problem = key_pair_problem(cert.encode("utf-8"), key.encode("utf-8"))
            if problem:
                raise _Failure(f"{plugin}: failed parsing client key/certificate: {problem}")
        expires_at: Optional[float] = None
        stamp = status.get("expirationTimestamp")
        if stamp:
            try:
                expires_at = _parse_rfc3339(str(stamp))
            except ValueError:
                raise _Failure(f"{plugin}: status.expirationTimestamp is not RFC 3339") from None
        return _Credentials(token, cert.encode("utf-8"), key.encode("utf-8"), expires_at)


class _Failure(Exception):
    """Why a plugin run gave no credentials; becomes an ExecPluginError and is remembered."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
