"""Where the API server is and who we are: kubeconfig files, in-cluster config, and credentials.

``load_config()`` finds the configuration as kubectl does and returns a
``RESTConfig``: the server URL, TLS material, an ``AuthProvider`` for
per-request credentials, impersonation, and the default namespace.
"""

from typing import Any

from .errors import ConfigError, CredentialsExpired, ExecPluginError

# Everything else loads on first use (PEP 562): the error classes are imported by the
# whole error tree at `import dynclient` time, and should not drag YAML parsing,
# exec plugins and subprocess handling in with them.
_LAZY = {
    "AuthProvider": ".auth", "BasicAuth": ".auth", "OIDCToken": ".auth", "StaticToken": ".auth",
    "TokenFile": ".auth", "ExecPlugin": ".exec_plugin", "Impersonation": ".impersonation",
    "in_cluster_config": ".incluster", "Kubeconfig": ".kubeconfig", "load_kubeconfig": ".kubeconfig",
    "load_config": ".loader", "AuthProviderConfig": ".model", "ClusterInfo": ".model",
    "ContextInfo": ".model", "ExecConfig": ".model", "RESTConfig": ".model", "UserInfo": ".model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "load_config",
    "load_kubeconfig",
    "in_cluster_config",
    "Kubeconfig",
    "RESTConfig",
    "ClusterInfo",
    "UserInfo",
    "ContextInfo",
    "ExecConfig",
    "AuthProviderConfig",
    "Impersonation",
    "AuthProvider",
    "StaticToken",
    "TokenFile",
    "BasicAuth",
    "ExecPlugin",
    "OIDCToken",
    "ConfigError",
    "ExecPluginError",
    "CredentialsExpired",
]
