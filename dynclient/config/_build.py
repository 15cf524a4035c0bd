"""Turn one context of a merged kubeconfig into a ``RESTConfig`` (clientcmd ``DirectClientConfig.ClientConfig``)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Optional, Set, Tuple

from .auth import AuthProvider, BasicAuth, OIDCToken, StaticToken, TokenFile
from .errors import ConfigError
from .impersonation import Impersonation
from .model import ClusterInfo, ContextInfo, RESTConfig, UserInfo
from ._validate import check_cluster, check_user

if TYPE_CHECKING:  # pragma: no cover
    from .kubeconfig import Kubeconfig

__all__ = ["build_rest_config", "check_override"]

logger = logging.getLogger("dynclient.config")

_warned_lock = threading.Lock()
_warned: Set[Tuple[str, str]] = set()


def _names(names: object) -> str:
    listed = sorted(names)  # type: ignore[call-overload]
    return ", ".join(listed) if listed else "none"


def _where_loaded(kc: "Kubeconfig") -> Optional[str]:
    return ", ".join(kc.sources) if kc.sources else None


def _pick_context(kc: "Kubeconfig", context: Optional[str]) -> Tuple[str, ContextInfo]:
    name = context or kc.current_context
    if not name:
        if not kc.sources and kc.searched:
            raise ConfigError(f"no kubeconfig file found (looked for: {', '.join(kc.searched)})")
        raise ConfigError(
            "no context is set: pass a context name or set current-context "
            f"(available contexts: {_names(kc.contexts)})",
            file=_where_loaded(kc))
    info = kc.contexts.get(name)
    if info is None:
        raise ConfigError(f"not found (available contexts: {_names(kc.contexts)})",
                          file=_where_loaded(kc), context=name)
    return name, info


def _has_credentials(user: UserInfo) -> bool:
    return bool(user.token or user.token_file or user.username or user.password or user.exec
                or user.auth_provider or user.client_certificate or user.client_certificate_data)


def _warn_unverified_once(host: str, cluster_name: str) -> None:
    with _warned_lock:
        if ("insecure", host) in _warned:
            return
        _warned.add(("insecure", host))
    logger.warning('TLS verification is off for server %s (cluster "%s" has insecure-skip-tls-verify: true): '
                   "its identity is not checked, and anyone in the path can read and change the traffic, "
                   "credentials included", host, cluster_name)


def _warn_plain_http_once(host: str, user_name: str) -> None:
    with _warned_lock:
        if (host, user_name) in _warned:
            return
        _warned.add((host, user_name))
    logger.warning('server %s is not https: the credentials of user "%s" are not sent '
                   "(as client-go, which only authenticates over TLS)", host, user_name)


def _auth_for(user: UserInfo, user_name: str, cluster: ClusterInfo, host: str,
              origin: Optional[str], context: str) -> Optional[AuthProvider]:
    entry = f'user "{user_name}"'
    if user.token:
        # token wins over tokenFile, as getUserIdentificationPartialConfig.
        return StaticToken(user.token, user=user_name, file=origin, context=context)
    if user.token_file:
        return TokenFile(user.token_file, file=origin, context=context, entry=entry)
    if user.username or user.password:
        return BasicAuth(user.username or "", user.password or "")
    if user.exec is not None:
        if user.client_certificate or user.client_certificate_data:
            # exec's UpdateTransportConfig stands aside when cert auth is configured.
            return None
        from .exec_plugin import ExecPlugin, exec_cluster_info  # only for exec users: 1 ms off `import dynclient`

        info = exec_cluster_info(cluster, host) if user.exec.provide_cluster_info else None
        return ExecPlugin(user.exec, user=user_name, cluster=info, file=origin, context=context)
    if user.auth_provider is not None:
        config = user.auth_provider.config
        return OIDCToken(config.get("id-token"), issuer=config.get("idp-issuer-url"),
                         file=origin, context=context, entry=entry)
    return None


def check_override(impersonate: Optional[Impersonation]) -> None:
    """Refuse ``--as*`` values that cannot be sent as headers, naming the flag (never quoting the value)."""
    found = impersonate.problem(flags=True) if impersonate is not None else None
    if found is not None:
        raise ConfigError(found[1], field=found[0])


def build_rest_config(
    kc: "Kubeconfig",
    context: Optional[str] = None,
    *,
    namespace: Optional[str] = None,
    impersonate: Optional[Impersonation] = None,
    cluster: Optional[str] = None,
    user: Optional[str] = None,
) -> RESTConfig:
    """Select, validate and assemble; see ``Kubeconfig.rest_config``."""
    ctx_name, ctx = _pick_context(kc, context)

    cluster_name = cluster or ctx.cluster
    if not cluster_name:
        raise ConfigError("names no cluster", file=ctx.origin, context=ctx_name, field="cluster")
    cluster_info = kc.clusters.get(cluster_name)
    if cluster_info is None:
        raise ConfigError(f'cluster "{cluster_name}" not found (available clusters: {_names(kc.clusters)})',
                          file=ctx.origin, context=ctx_name, field="cluster")
    host = check_cluster(cluster_info, cluster_name, ctx_name)
    if cluster_info.insecure_skip_tls_verify and host.startswith("https://"):
        _warn_unverified_once(host, cluster_name)

    user_name = user or ctx.user
    if user_name:
        user_info = kc.users.get(user_name)
        if user_info is None:
            # kubectl would quietly go anonymous; a dangling name is almost always a typo.
            raise ConfigError(f'user "{user_name}" not found (available users: {_names(kc.users)})',
                              file=ctx.origin, context=ctx_name, field="user")
        check_user(user_info, user_name, ctx_name)
    else:
        user_info = UserInfo(origin=ctx.origin)

    check_override(impersonate)
    identity = user_info.impersonate.overridden_by(impersonate)
    if identity.lacks_user():
        raise ConfigError("as-uid, as-groups and as-user-extra need a user to impersonate (as)",
                          file=user_info.origin, context=ctx_name,
                          entry=f'user "{user_name}"' if user_name else None, field="as")

    # client-go only reads user credentials "if we are secure": ClientConfig() wraps
    # getUserIdentificationPartialConfig in `if restclient.IsConfigTransportTLS(...)`, so an
    # http:// server gets no token, basic auth, client certificate, exec or auth-provider.
    # Impersonation is set before that check and is kept.
    if not host.startswith("https://") and _has_credentials(user_info):
        _warn_plain_http_once(host, user_name or "")
        user_info = UserInfo(impersonate=user_info.impersonate, origin=user_info.origin)

    auth = _auth_for(user_info, user_name or "", cluster_info, host, user_info.origin, ctx_name)
    return RESTConfig(
        host=host,
        ca_file=cluster_info.certificate_authority,
        ca_data=cluster_info.certificate_authority_data,
        verify=not cluster_info.insecure_skip_tls_verify,
        tls_server_name=cluster_info.tls_server_name,
        proxy_url=cluster_info.proxy_url,
        disable_compression=cluster_info.disable_compression,
        client_cert_file=user_info.client_certificate,
        client_cert_data=user_info.client_certificate_data,
        client_key_file=user_info.client_key,
        client_key_data=user_info.client_key_data,
        auth=auth,
        impersonate=identity,
        namespace=namespace or ctx.namespace or "default",
        context_name=ctx_name,
        cluster_name=cluster_name,
        user_name=user_name or None,
        source=ctx.origin or "<dict>",
        raw_cluster=dict(cluster_info.raw),
        raw_context=dict(ctx.raw),
    )
