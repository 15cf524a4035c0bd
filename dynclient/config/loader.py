"""``load_config``: one call that finds the configuration the way kubectl would.

An explicit kubeconfig (path, list of paths, or an already-decoded dict)
is used as given. Otherwise ``$KUBECONFIG`` / ``~/.kube/config`` if any of
those files exists, else the pod's service account when
``KUBERNETES_SERVICE_HOST`` is set (clientcmd's deferred loading falls back
to in-cluster only when no kubeconfig was found).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from ._build import check_override
from .errors import ConfigError
from .impersonation import Impersonation, _as_tuple
from .incluster import SERVICE_ACCOUNT_DIR, in_cluster_config, is_in_cluster
from .kubeconfig import Kubeconfig, PathArg, default_kubeconfig_paths, load_kubeconfig
from .model import RESTConfig

__all__ = ["load_config"]

KubeconfigArg = Union[PathArg, Sequence[PathArg], Mapping[str, Any]]


def _kubeconfig_from(arg: KubeconfigArg) -> Kubeconfig:
    if isinstance(arg, Mapping):
        return Kubeconfig.from_dict(arg)
    return load_kubeconfig(arg)


def load_config(
    kubeconfig: Optional[KubeconfigArg] = None,
    context: Optional[str] = None,
    *,
    namespace: Optional[str] = None,
    impersonate_user: Optional[str] = None,
    impersonate_uid: Optional[str] = None,
    impersonate_groups: Iterable[str] = (),
    impersonate_extra: Optional[Mapping[str, Sequence[str]]] = None,
) -> RESTConfig:
    """Find and build the ``RESTConfig`` to use; the ``impersonate_*`` arguments override the kubeconfig's ``as*``."""
    # Impersonation's own normalisation (a lone string is one value), done here so the
    # mapping already has the tuple values its field is declared with.
    extra = {k: _as_tuple(v) for k, v in (impersonate_extra or {}).items()}
    override = Impersonation(user=impersonate_user, uid=impersonate_uid,
                             groups=tuple(impersonate_groups), extra=extra)
    if kubeconfig is not None:
        return _kubeconfig_from(kubeconfig).rest_config(context, namespace=namespace, impersonate=override)

    paths = default_kubeconfig_paths()
    if any(os.path.exists(p) for p in paths):
        return load_kubeconfig().rest_config(context, namespace=namespace, impersonate=override)

    if is_in_cluster():
        if context:
            raise ConfigError(f"no kubeconfig found (looked for: {', '.join(paths)}), and a context "
                              "cannot be chosen for the in-cluster configuration", context=context)
        config = in_cluster_config(namespace=namespace)
        check_override(override)
        identity = config.impersonate.overridden_by(override)
        if identity.lacks_user():
            raise ConfigError("impersonating a uid, groups or extra needs a user to impersonate",
                              file=config.source, field="impersonate_user")
        return dataclasses.replace(config, impersonate=identity)

    raise ConfigError(
        "no configuration found: looked for "
        + ("$KUBECONFIG files " if os.environ.get("KUBECONFIG") else "")
        + f"{', '.join(paths)} and for an in-cluster service account "
        f"(KUBERNETES_SERVICE_HOST is not set; {SERVICE_ACCOUNT_DIR})")
