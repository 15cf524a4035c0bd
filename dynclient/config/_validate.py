"""Checks on the cluster and user a context selects (clientcmd ``validation.go``, ``ConfirmUsable``).

What client-go only finds while building the transport is checked here
too, so that it is reported with its file and field instead of failing the
first request as if the network were at fault: ports and IPv6 hosts of
``server`` and ``proxy-url``, CA and client certificate/key PEM and whether
the key matches, a CA next to ``insecure-skip-tls-verify``, and token and
impersonation values that cannot be sent as headers.

Only the stanzas actually used are checked, so a broken entry elsewhere in a
merged KUBECONFIG does not stop other contexts from working. Errors name the
file the stanza came from, the context, the entry and the field.
"""

from __future__ import annotations

import os
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

from ._headers import describe, invalid_token_char
from ._tlscheck import ca_problem, key_pair_files_problem, key_pair_problem
from ._urlcheck import hostport_problem, shown_url
from .errors import ConfigError
from .model import EXEC_API_VERSIONS, INTERACTIVE_MODES, ClusterInfo, UserInfo

__all__ = ["normalized_server", "check_cluster", "check_user"]

_PROXY_SCHEMES = ("http", "https", "socks5")
#: A CA bundle larger than this is not read (the system bundle is about 200 KiB).
_MAX_CA_FILE = 16 * 1024 * 1024
#: kubectl's words (clientcmd validation.go) for a CA next to insecure-skip-tls-verify.
INSECURE_WITH_CA = "specifying a root certificates file with the insecure flag is not allowed"

# auth-providers client-go removed in 1.26, and what replaced them.
_REMOVED_AUTH_PROVIDERS = {
    "gcp": "gke-gcloud-auth-plugin",
    "azure": "kubelogin (github.com/Azure/kubelogin)",
}


def _check_file(path: str, err: "_Where", field: str) -> None:
    if not os.path.exists(path):
        raise err(field, f"file not found: {path}")
    if not os.path.isfile(path):
        raise err(field, f"not a regular file: {path}")
    if not os.access(path, os.R_OK):
        raise err(field, f"cannot read: {path}")


class _Where:
    """Builds ConfigErrors for one stanza of one context."""

    def __init__(self, origin: Optional[str], context: Optional[str], entry: str) -> None:
        self.origin, self.context, self.entry = origin, context, entry

    def __call__(self, field: Optional[str], reason: str, value: Optional[str] = None) -> ConfigError:
        return ConfigError(reason, file=self.origin, context=self.context, entry=self.entry, field=field,
                           value=value)


def normalized_server(server: str, err: "_Where") -> str:
    """``scheme://host[:port][/path]`` with no query, fragment or trailing slash; http(s) only."""
    problem = hostport_problem(server)
    if problem:
        raise err("server", problem, value=shown_url(server))
    try:
        parts = urlsplit(server.strip())
    except ValueError:
        raise err("server", f"is not a valid URL: {shown_url(server)}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise err("server", f"must be an https:// (or http://) URL, got {shown_url(server)}")
    if not parts.hostname:
        raise err("server", f"has no host: {shown_url(server)}")
    # clientcmd drops the query and fragment of a server URL that has a path; a trailing
    # slash would double up when request paths are appended.
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def check_cluster(cluster: ClusterInfo, name: str, context: Optional[str]) -> str:
    """Validate the cluster a context uses; return its normalized server URL."""
    err = _Where(cluster.origin, context, f'cluster "{name}"')
    if not cluster.server:
        raise err("server", "is required (no server defined for this cluster)")
    host = normalized_server(cluster.server, err)
    if cluster.certificate_authority and cluster.certificate_authority_data:
        raise err("certificate-authority", "certificate-authority and certificate-authority-data are both set; keep one")
    if cluster.certificate_authority:
        _check_file(cluster.certificate_authority, err, "certificate-authority")
    if cluster.insecure_skip_tls_verify and (cluster.certificate_authority or cluster.certificate_authority_data):
        # Trusting a CA and trusting anything at once: clientcmd refuses to guess which was meant
        # (after checking that the file can be read, and before parsing it, as kubectl).
        raise err("insecure-skip-tls-verify", INSECURE_WITH_CA)
    if cluster.certificate_authority:
        _check_ca_file(cluster.certificate_authority, err)
    if cluster.certificate_authority_data:
        problem = ca_problem(cluster.certificate_authority_data)
        if problem:
            raise err("certificate-authority-data", problem)
    if cluster.proxy_url:
        problem = hostport_problem(cluster.proxy_url)
        if problem:
            raise err("proxy-url", problem, value=shown_url(cluster.proxy_url))
        proxy = urlsplit(cluster.proxy_url)
        # Never echo the proxy URL as written: it may carry user:password (shown_url drops it).
        if proxy.scheme.lower() not in _PROXY_SCHEMES or not proxy.hostname:
            raise err("proxy-url", f'must be an http, https or socks5 URL with a host (scheme "{proxy.scheme}")')
    return host


def check_user(user: UserInfo, name: str, context: Optional[str]) -> None:
    """Validate the user a context uses (files exist, one auth method, a usable exec stanza)."""
    err = _Where(user.origin, context, f'user "{name}"')
    if user.client_certificate and user.client_certificate_data:
        raise err("client-certificate", "client-certificate and client-certificate-data are both set; keep one")
    if user.client_key and user.client_key_data:
        raise err("client-key", "client-key and client-key-data are both set; keep one")
    has_cert = bool(user.client_certificate or user.client_certificate_data)
    has_key = bool(user.client_key or user.client_key_data)
    if has_cert and not has_key:
        raise err("client-key", "a client certificate is set but no client-key or client-key-data")
    if has_key and not has_cert:
        raise err("client-certificate", "a client key is set but no client-certificate or client-certificate-data")
    for field, path in (("client-certificate", user.client_certificate),
                        ("client-key", user.client_key),
                        ("tokenFile", user.token_file)):
        if path:
            _check_file(path, err, field)
    if has_cert and has_key:
        _check_key_pair(user, err)
    if user.token:
        bad = invalid_token_char(user.token)
        if bad is not None:
            raise err("token", f'the token of user "{name}" contains an invalid character, {describe(bad)}; '
                               "it cannot be sent in an HTTP header")
    # validateAuthInfo allows one of token / basic auth; rest's transport also
    # refuses a token file next to basic auth, so count tokenFile as a token.
    if (user.token or user.token_file) and (user.username or user.password):
        raise err("token", "more than one authentication method: token and basic auth (username/password); keep one")
    found = user.impersonate.problem()
    if found is not None:
        raise err(found[0], found[1])
    if user.exec is not None:
        _check_exec(user, err)
    if user.auth_provider is not None:
        provider = user.auth_provider.name
        if provider in _REMOVED_AUTH_PROVIDERS:
            raise err("auth-provider", f'"{provider}" was removed from client-go in Kubernetes 1.26; '
                                       f"use the exec plugin {_REMOVED_AUTH_PROVIDERS[provider]}")
        if provider != "oidc":
            raise err("auth-provider", f'"{provider}" is not supported (only "oidc"); use an exec plugin')


def _check_ca_file(path: str, err: _Where) -> None:
    try:
        with open(path, "rb") as handle:
            pem = handle.read(_MAX_CA_FILE + 1)
    except OSError as exc:
        raise err("certificate-authority", f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    problem = "the file is larger than 16 MiB" if len(pem) > _MAX_CA_FILE else ca_problem(pem)
    if problem:
        raise err("certificate-authority", f"{path}: {problem}")


def _check_key_pair(user: UserInfo, err: _Where) -> None:
    """The certificate parses and matches its key (client-go's tls.X509KeyPair), before any handshake."""
    if user.client_certificate and user.client_key:
        problem = key_pair_files_problem(user.client_certificate, user.client_key)
    else:
        cert = user.client_certificate_data
        key = user.client_key_data
        try:
            if cert is None:
                with open(user.client_certificate or "", "rb") as handle:
                    cert = handle.read()
            if key is None:
                with open(user.client_key or "", "rb") as handle:
                    key = handle.read()
        except OSError as exc:
            raise err("client-certificate", f"cannot read: {exc.strerror or type(exc).__name__}") from None
        problem = key_pair_problem(cert, key)
    if problem:
        on_cert = "certificate input" in problem
        field = "client-certificate" if on_cert else "client-key"
        if (user.client_certificate_data if on_cert else user.client_key_data):
            field += "-data"
        raise err(field, problem)


def _check_exec(user: UserInfo, err: _Where) -> None:
    ex = user.exec
    assert ex is not None
    if user.auth_provider is not None:
        raise err("exec", "auth-provider and exec cannot both be set")
    if not ex.command:
        raise err("exec.command", "is required")
    if not ex.api_version:
        raise err("exec.apiVersion", f"is required ({' or '.join(EXEC_API_VERSIONS)})")
    if ex.api_version not in EXEC_API_VERSIONS:
        raise err("exec.apiVersion", f'"{ex.api_version}" is not supported (use {" or ".join(EXEC_API_VERSIONS)})')
    for env_name, _ in ex.env:
        if not env_name:
            raise err("exec.env", "every variable needs a name")
    if ex.interactive_mode is None:
        # kubeconfig v1 defaults interactiveMode to IfAvailable only for the beta API;
        # for client.authentication.k8s.io/v1 validation.go requires it.
        if ex.api_version == "client.authentication.k8s.io/v1":
            raise err("exec.interactiveMode",
                      f"must be set for {ex.api_version} ({', '.join(INTERACTIVE_MODES)})")
    elif ex.interactive_mode not in INTERACTIVE_MODES:
        raise err("exec.interactiveMode",
                  f'"{ex.interactive_mode}" is not one of {", ".join(INTERACTIVE_MODES)}')
