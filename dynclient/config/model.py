"""The kubeconfig stanzas as frozen values, and ``RESTConfig``, everything a transport needs.

Mirrors clientcmd's ``api/types.go`` (Cluster, AuthInfo, Context, ExecConfig,
AuthProviderConfig) and client-go's ``rest.Config``. Each value's ``repr``
hides secrets: tokens, passwords, private-key data and exec/auth-provider
settings show as ``<redacted>``; other bytes show as their length only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit
from typing import TYPE_CHECKING, Any, FrozenSet, Mapping, Optional, Tuple, Union

from discovery._frozen import Frozen

from ._secretfiles import private_file_for
from .impersonation import Impersonation

if TYPE_CHECKING:  # pragma: no cover
    from .auth import AuthProvider

__all__ = [
    "REDACTED",
    "ClusterInfo",
    "ExecConfig",
    "AuthProviderConfig",
    "UserInfo",
    "ContextInfo",
    "RESTConfig",
    "EXEC_API_VERSIONS",
    "INTERACTIVE_MODES",
]

REDACTED = "<redacted>"

#: The exec credential API versions client-go still accepts (v1alpha1 was removed in 1.24).
EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
#: The valid ``interactiveMode`` values of an exec plugin.
INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")

# auth-provider config keys that are not secret and help a reader; everything else is redacted.
_PUBLIC_AUTH_PROVIDER_KEYS = frozenset({"idp-issuer-url", "client-id", "extra-scopes", "cmd-path"})


def _without_password(url: str) -> str:
    """``url`` with any ``user:password@`` reduced to ``user:<redacted>@``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    if parts.password is None:
        return url
    netloc = f"{parts.username}:{REDACTED}@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


_set = object.__setattr__


class _Redacting:
    """A ``repr`` over the fields (a ``Frozen``'s, or a dataclass's) that never prints a secret or raw bytes."""

    __slots__ = ()
    _secret_fields: FrozenSet[str] = frozenset()
    #: Fields left out of the ``repr`` (a dataclass's ``field(repr=False)``), for the ``Frozen`` stanzas.
    _not_shown: Tuple[str, ...] = ()

    def _shown(self, name: str, value: Any) -> str:
        if name in self._secret_fields and value:
            return REDACTED
        if name == "proxy_url" and value:
            return repr(_without_password(value))
        if isinstance(value, (bytes, bytearray)):
            return f"<{len(value)} bytes>"
        return repr(value)

    def __repr__(self) -> str:
        names = getattr(self, "_frozen_fields", None)
        if names is None:  # RESTConfig, a dataclass (dataclasses.replace works on it)
            names = [f.name for f in dataclasses.fields(self) if f.repr]  # type: ignore[arg-type]
        parts = [f"{name}={self._shown(name, getattr(self, name))}" for name in names if name not in self._not_shown]
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__


class ClusterInfo(_Redacting, Frozen):
    """A ``clusters[].cluster`` stanza: where the API server is and how to trust it."""

    server: Optional[str]
    certificate_authority: Optional[str]
    certificate_authority_data: Optional[bytes]
    insecure_skip_tls_verify: bool
    tls_server_name: Optional[str]
    proxy_url: Optional[str]
    disable_compression: bool
    extensions: Mapping[str, Any]
    #: The file this stanza came from (clientcmd ``LocationOfOrigin``); not part of equality.
    origin: Optional[str]
    #: The stanza as written (paths already resolved), for ``provideClusterInfo`` and diagnostics.
    raw: Mapping[str, Any]
    __slots__ = ("server", "certificate_authority", "certificate_authority_data", "insecure_skip_tls_verify",
                 "tls_server_name", "proxy_url", "disable_compression", "extensions", "origin", "raw")
    _not_compared = ("origin", "raw")
    _not_shown = ("extensions", "raw")

    def __init__(self, server: Optional[str] = None, certificate_authority: Optional[str] = None,
                 certificate_authority_data: Optional[bytes] = None, insecure_skip_tls_verify: bool = False,
                 tls_server_name: Optional[str] = None, proxy_url: Optional[str] = None,
                 disable_compression: bool = False, extensions: Optional[Mapping[str, Any]] = None,
                 origin: Optional[str] = None, raw: Optional[Mapping[str, Any]] = None) -> None:
        _set(self, "server", server)
        _set(self, "certificate_authority", certificate_authority)
        _set(self, "certificate_authority_data", certificate_authority_data)
        _set(self, "insecure_skip_tls_verify", insecure_skip_tls_verify)
        _set(self, "tls_server_name", tls_server_name)
        _set(self, "proxy_url", proxy_url)
        _set(self, "disable_compression", disable_compression)
        _set(self, "extensions", {} if extensions is None else extensions)
        _set(self, "origin", origin)
        _set(self, "raw", {} if raw is None else raw)


class ExecConfig(_Redacting, Frozen):
    """A ``users[].user.exec`` stanza: a client-go credential plugin to run."""

    command: str
    args: Tuple[str, ...]
    #: ``(name, value)`` pairs added to the plugin's environment; values are never shown.
    env: Tuple[Tuple[str, str], ...]
    api_version: str
    install_hint: Optional[str]
    interactive_mode: Optional[str]
    provide_cluster_info: bool
    __slots__ = ("command", "args", "env", "api_version", "install_hint", "interactive_mode", "provide_cluster_info")

    def __init__(self, command: str, args: Tuple[str, ...] = (), env: Tuple[Tuple[str, str], ...] = (),
                 api_version: str = "", install_hint: Optional[str] = None, interactive_mode: Optional[str] = None,
                 provide_cluster_info: bool = False) -> None:
        _set(self, "command", command)
        _set(self, "args", args)
        _set(self, "env", env)
        _set(self, "api_version", api_version)
        _set(self, "install_hint", install_hint)
        _set(self, "interactive_mode", interactive_mode)
        _set(self, "provide_cluster_info", provide_cluster_info)

    def _shown(self, name: str, value: Any) -> str:
        if name == "env":
            return repr(tuple(f"{key}={REDACTED}" for key, _ in value))
        if name == "args" and value:
            # Arguments sometimes carry secrets (--token=...); show their count only.
            return f"<{len(value)} args>"
        return super()._shown(name, value)


class AuthProviderConfig(_Redacting, Frozen):
    """A ``users[].user.auth-provider`` stanza: a named provider and its string settings."""

    name: str
    config: Mapping[str, str]
    __slots__ = ("name", "config")

    def __init__(self, name: str, config: Optional[Mapping[str, str]] = None) -> None:
        _set(self, "name", name)
        _set(self, "config", {} if config is None else config)

    def _shown(self, name: str, value: Any) -> str:
        if name == "config":
            shown = {
                key: (val if key in _PUBLIC_AUTH_PROVIDER_KEYS else REDACTED)
                for key, val in sorted(value.items())
            }
            return repr(shown)
        return super()._shown(name, value)


class UserInfo(_Redacting, Frozen):
    """A ``users[].user`` stanza (clientcmd ``AuthInfo``): who the client is."""

    _secret_fields = frozenset({"client_key_data", "token", "password"})

    client_certificate: Optional[str]
    client_certificate_data: Optional[bytes]
    client_key: Optional[str]
    client_key_data: Optional[bytes]
    token: Optional[str]
    token_file: Optional[str]
    username: Optional[str]
    password: Optional[str]
    exec: Optional[ExecConfig]
    auth_provider: Optional[AuthProviderConfig]
    impersonate: Impersonation
    origin: Optional[str]
    __slots__ = ("client_certificate", "client_certificate_data", "client_key", "client_key_data", "token",
                 "token_file", "username", "password", "exec", "auth_provider", "impersonate", "origin")
    _not_compared = ("origin",)

    def __init__(self, client_certificate: Optional[str] = None, client_certificate_data: Optional[bytes] = None,
                 client_key: Optional[str] = None, client_key_data: Optional[bytes] = None,
                 token: Optional[str] = None, token_file: Optional[str] = None, username: Optional[str] = None,
                 password: Optional[str] = None, exec: Optional[ExecConfig] = None,
                 auth_provider: Optional[AuthProviderConfig] = None, impersonate: Optional[Impersonation] = None,
                 origin: Optional[str] = None) -> None:
        _set(self, "client_certificate", client_certificate)
        _set(self, "client_certificate_data", client_certificate_data)
        _set(self, "client_key", client_key)
        _set(self, "client_key_data", client_key_data)
        _set(self, "token", token)
        _set(self, "token_file", token_file)
        _set(self, "username", username)
        _set(self, "password", password)
        _set(self, "exec", exec)
        _set(self, "auth_provider", auth_provider)
        _set(self, "impersonate", Impersonation() if impersonate is None else impersonate)
        _set(self, "origin", origin)


class ContextInfo(_Redacting, Frozen):
    """A ``contexts[].context`` stanza: a cluster, a user and a default namespace."""

    cluster: Optional[str]
    user: Optional[str]
    namespace: Optional[str]
    origin: Optional[str]
    raw: Mapping[str, Any]
    __slots__ = ("cluster", "user", "namespace", "origin", "raw")
    _not_compared = ("origin", "raw")
    _not_shown = ("raw",)

    def __init__(self, cluster: Optional[str] = None, user: Optional[str] = None, namespace: Optional[str] = None,
                 origin: Optional[str] = None, raw: Optional[Mapping[str, Any]] = None) -> None:
        _set(self, "cluster", cluster)
        _set(self, "user", user)
        _set(self, "namespace", namespace)
        _set(self, "origin", origin)
        _set(self, "raw", {} if raw is None else raw)


@dataclass(frozen=True, repr=False)
class RESTConfig(_Redacting):
    """Everything a transport needs to talk to one API server (client-go ``rest.Config``).

    ``host`` is the server URL without a trailing slash (a path prefix such as
    ``/k8s/clusters/c-1`` is kept). TLS material comes as a file or as data;
    ``tls_client_cert()`` turns the client certificate into the file paths
    ``ssl`` loads, and ``tls_verify()`` gives the CA as a path for tools that
    want one. ``auth`` supplies per-request credentials, and ``impersonate``
    the ``Impersonate-*`` headers.
    """

    _secret_fields = frozenset({"client_key_data"})

    host: str
    ca_file: Optional[str] = None
    ca_data: Optional[bytes] = None
    verify: bool = True
    tls_server_name: Optional[str] = None
    proxy_url: Optional[str] = None
    disable_compression: bool = False
    client_cert_file: Optional[str] = None
    client_cert_data: Optional[bytes] = None
    client_key_file: Optional[str] = None
    client_key_data: Optional[bytes] = None
    auth: Optional["AuthProvider"] = field(default=None, compare=False)
    impersonate: Impersonation = field(default_factory=Impersonation)
    namespace: str = "default"
    context_name: Optional[str] = None
    cluster_name: Optional[str] = None
    user_name: Optional[str] = None
    #: The kubeconfig file the context came from, ``"<dict>"``, or ``"in-cluster"``.
    source: str = "<dict>"
    #: The cluster and context stanzas as written, for ``provideClusterInfo`` and diagnostics.
    raw_cluster: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    raw_context: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def with_namespace(self, namespace: str) -> "RESTConfig":
        """Return a copy that defaults to ``namespace``."""
        return dataclasses.replace(self, namespace=namespace)

    def is_tls(self) -> bool:
        """True when the server URL is ``https`` (client-go ``IsConfigTransportTLS``)."""
        return self.host.lower().startswith("https://")

    def tls_verify(self) -> Union[bool, str]:
        """``False``, a CA bundle path, or ``True`` (system CAs): the ``verify=`` of requests-style tools.

        CA data is written to a private temp file kept for the life of the process.
        """
        if not self.verify:
            return False
        if self.ca_data:
            return private_file_for(self.ca_data, suffix="-ca.crt")
        if self.ca_file:
            return self.ca_file
        return True

    def tls_client_cert(self) -> Optional[Tuple[str, str]]:
        """``(cert_path, key_path)`` or ``None``: ``ssl.SSLContext.load_cert_chain`` wants files.

        Static kubeconfig material wins; otherwise the auth provider is asked
        (an exec plugin may return a certificate). A certificate given as data
        goes to a 0600 temp file, a key to an in-memory file where the
        platform has them (``_secretfiles``).
        Call again after ``auth.refresh()``: an exec plugin's certificate can rotate.
        """
        has_cert = self.client_cert_file or self.client_cert_data
        has_key = self.client_key_file or self.client_key_data
        if has_cert and has_key:
            cert = self.client_cert_file or private_file_for(self.client_cert_data or b"", suffix="-client.crt")
            key = self.client_key_file or private_file_for(self.client_key_data or b"", suffix="-client.key",
                                                           secret=True)
            return cert, key
        if self.auth is not None:
            return self.auth.client_cert()
        return None
