"""dynclient: any Kubernetes resource, built-in or CRD, as plain dicts, resolved the way kubectl resolves it.

    import dynclient
    dyn = dynclient.connect()
    for pod in dyn.resource("po").namespace("default").list()["items"]:
        print(pod["metadata"]["name"])

Layers (imports flow one way): ``discovery`` <- ``restmapper`` <- ``dynclient``.
"""

from __future__ import annotations

from typing import Any

from discovery._version import __version__
from discovery.types import (
    GroupKind,
    GroupResource,
    GroupVersion,
    GroupVersionKind,
    GroupVersionResource,
)
from restmapper.mapping import RESTMapping, Scope

from .errors import *  # noqa: F401,F403 - the whole error tree is part of the public API
from .errors import __all__ as _error_names

# The client stack pulls in requests, and manifests pull in PyYAML. They load on first
# use (PEP 562), so `import dynclient` stays cheap for code that only needs the types and
# errors; `dynclient.connect` pays for them once.
_LAZY = {
    "connect": "dynclient.client",
    "DynamicClient": "dynclient.client",
    "ResourceClient": "dynclient.resource",
    "Watch": "dynclient.watch",
    "Transport": "dynclient.transport",
    "RequestInfo": "dynclient.transport",
    "Informer": "dynclient.informer",
    "InformerFactory": "dynclient.informer",
    "WorkQueue": "dynclient.workqueue",
    "DelayingQueue": "dynclient.workqueue",
    "RateLimitingQueue": "dynclient.workqueue",
    "load_manifests": "dynclient.manifests",
    "iter_documents": "dynclient.manifests",
    "Document": "dynclient.manifests",
    "ManifestResult": "dynclient.manifests",
    "ManifestApplyError": "dynclient.manifests",
    "apply_manifests": "dynclient.manifests",
    "create_manifests": "dynclient.manifests",
    "delete_manifests": "dynclient.manifests",
    "LeaderElector": "dynclient.tools.leaderelection",
    "wait_for": "dynclient.tools.wait",
    "MetadataClient": "dynclient.tools.metadata",
    "FakeCluster": "dynclient.testing",
}


def __getattr__(name: str) -> Any:
    if name in ("retry", "informer", "workqueue", "manifests", "tools", "aio", "testing", "kyaml"):
        # submodules, reachable as attributes
        import importlib

        return importlib.import_module(f"dynclient.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dynclient' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "connect",
    "Informer",
    "InformerFactory",
    "WorkQueue",
    "DelayingQueue",
    "RateLimitingQueue",
    "load_manifests",
    "iter_documents",
    "Document",
    "ManifestResult",
    "ManifestApplyError",
    "apply_manifests",
    "create_manifests",
    "delete_manifests",
    "LeaderElector",
    "wait_for",
    "MetadataClient",
    "FakeCluster",
    "DynamicClient",
    "ResourceClient",
    "Watch",
    "Transport",
    "RequestInfo",
    "RESTMapping",
    "Scope",
    "GroupVersion",
    "GroupKind",
    "GroupResource",
    "GroupVersionKind",
    "GroupVersionResource",
    *_error_names,
]
