"""Where the API server is and who we are: kubeconfig files, in-cluster config, and credentials.

``load_config()`` finds the configuration as kubectl does and returns a
``RESTConfig``: the server URL, TLS material, an ``AuthProvider`` for
per-request credentials, impersonation, and the default namespace.
"""

from .auth import AuthProvider, BasicAuth, OIDCToken, StaticToken, TokenFile
from .errors import ConfigError, CredentialsExpired, ExecPluginError
from .exec_plugin import ExecPlugin
from .impersonation import Impersonation
from .incluster import in_cluster_config
from .kubeconfig import Kubeconfig, load_kubeconfig
from .loader import load_config
from .model import AuthProviderConfig, ClusterInfo, ContextInfo, ExecConfig, RESTConfig, UserInfo

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
