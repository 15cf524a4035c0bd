"""``DynamicClient``: kubeconfig -> transport -> cached discovery -> mapper -> resource clients.

The wiring is the same as kubectl's ``ConfigFlags``: a disk-cached discovery
client (kubectl's cache layout, shareable with kubectl) with an in-memory
layer on top, a deferred RESTMapper with shortcut expansion, and a category
expander for names such as ``all``. Names resolve through
``restmapper.resolve``, which follows kubectl's ``mappingFor``.

A resource client made from a name heals a stale cache (``dynclient.healing``):
a 404 for a path the server no longer serves rediscovers once and, when the
name now maps elsewhere, repeats the request there.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from discovery.cachedir import default_cache_dir, discovery_cache_dir
from discovery.client import DiscoveryClient
from discovery.disk import DiskCachedDiscoveryClient
from discovery.interface import CachedDiscoveryInterface
from discovery.memory import MemCacheClient
from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper.category import DiscoveryCategoryExpander
from restmapper.deferred import DeferredDiscoveryRESTMapper
from restmapper.mapping import RESTMapping
from restmapper.resolve import replace_aliases, resolve, split_resource_argument

from .config import RESTConfig, load_config
from .healing import StaleCacheHealer
from .resource import ResourceClient
from .transport import RequestHook, Transport

__all__ = ["DynamicClient", "connect"]

ResourceArg = Union[str, GroupVersionResource, RESTMapping]


class DynamicClient:
    """Reach any resource the server serves, by kubectl name, GVR or GVK.

    ``mapper`` is the RESTMapper and ``discovery`` the cached discovery
    client; ``namespace`` is the kubeconfig context's namespace (resource
    clients do not apply it implicitly: call ``.namespace()``).
    """

    def __init__(
        self,
        transport: Transport,
        discovery: CachedDiscoveryInterface,
        *,
        namespace: str = "default",
        min_reset_interval: Optional[float] = None,
        disk_cache: Optional[DiskCachedDiscoveryClient] = None,
    ) -> None:
        self.transport = transport
        self.discovery = discovery
        self._disk = disk_cache  # flushed and closed with the client
        self.mapper = DeferredDiscoveryRESTMapper(discovery, min_reset_interval=min_reset_interval)
        self.categories = DiscoveryCategoryExpander(discovery)
        self.namespace = namespace
        #: Re-resolves names after a 404 for an unserved path (see ``dynclient.healing``).
        self.healer = StaleCacheHealer(self.mapper, lambda name: resolve(self.mapper, name))

    # -- construction -----------------------------------------------------

    @classmethod
    def from_config(
        cls,
        config: RESTConfig,
        *,
        cache_dir: Optional[str] = None,
        discovery_ttl: float = 600.0,
        disk_cache: bool = True,
        legacy_discovery: bool = False,
        qps: float = 50.0,
        burst: int = 300,
        timeout: Tuple[float, float] = (10.0, 60.0),
        hooks: Iterable[RequestHook] = (),
        min_reset_interval: Optional[float] = None,
        warning_handler: Optional[Callable[[str], None]] = None,
    ) -> "DynamicClient":
        """Build from an already-loaded ``RESTConfig`` (see ``dynclient.config``).

        ``cache_dir`` defaults to ``$KUBECACHEDIR`` or ``~/.kube/cache``, kubectl's
        default, so both tools share one discovery cache. kubectl's own
        discovery burst is 300, so discovery of a large cluster is never throttled.
        ``warning_handler`` receives the server's ``Warning`` texts (default: each
        distinct one logged once on the ``dynclient.warnings`` logger).
        """
        transport = Transport(config, qps=qps, burst=burst, timeout=timeout, hooks=hooks,
                              warning_handler=warning_handler)
        live = DiscoveryClient(transport, legacy_only=legacy_discovery)
        stack: CachedDiscoveryInterface
        disk: Optional[DiskCachedDiscoveryClient] = None
        if disk_cache:
            parent = cache_dir if cache_dir is not None else default_cache_dir()
            disk = DiskCachedDiscoveryClient(live, discovery_cache_dir(parent, transport.host), ttl=discovery_ttl,
                                             write_behind=True)
            stack = MemCacheClient(disk)
        else:
            stack = MemCacheClient(live)
        return cls(transport, stack, namespace=config.namespace or "default",
                   min_reset_interval=min_reset_interval, disk_cache=disk)

    def flush(self) -> None:
        """Wait until the discovery cache files are on disk (they are written in the background)."""
        if self._disk is not None:
            self._disk.flush()

    def close(self) -> None:
        """Finish writing the discovery cache and close the connection pool."""
        if self._disk is not None:
            self._disk.close()
        self.transport.close()

    def __enter__(self) -> "DynamicClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- resources ----------------------------------------------------------

    def resource(self, what: ResourceArg) -> ResourceClient:
        """A resource client for a GVR, a RESTMapping, or any name kubectl accepts.

        Names resolve exactly as ``kubectl get <name>`` resolves them:
        ``po``, ``pods``, ``Pod``, ``deploy.apps``, ``deployments.v1.apps``...
        A client made from a name heals a stale discovery cache (module docs).
        """
        mapping = self._mapping(what)
        healer = self.healer.for_name(what) if isinstance(what, str) else None
        return ResourceClient(self.transport, mapping, healer=healer)

    def resource_for_kind(self, api_version: Union[str, GroupVersion], kind: str) -> ResourceClient:
        """The resource client for an ``apiVersion`` and ``kind``, as a manifest names them."""
        gv = GroupVersion.parse(api_version) if isinstance(api_version, str) else api_version
        return ResourceClient(self.transport, self.rest_mapping(gv.with_kind(kind)))

    def resources(self, names: str) -> List[ResourceClient]:
        """Resource clients for comma-separated names and categories (``all``), in kubectl's order.

        Deduplicated by kind, keeping the first (``restmapper.resolve.resolve_all``);
        each heals a stale cache like ``resource()``.
        """
        clients: List[ResourceClient] = []
        seen = set()
        for name in split_resource_argument(replace_aliases(self.categories, names)):
            mapping = resolve(self.mapper, name)
            if mapping.group_version_kind not in seen:
                seen.add(mapping.group_version_kind)
                clients.append(ResourceClient(self.transport, mapping, healer=self.healer.for_name(name)))
        return clients

    # -- manifests (dynclient.manifests; PyYAML is imported on first use) -------------

    def apply_manifests(self, source: Any, **options: Any) -> List[Any]:
        """Server-side apply every object in ``source``, CRDs before their CRs, in one pass.

        See ``dynclient.manifests.apply_manifests`` for the options.
        """
        from .manifests import apply_manifests

        return apply_manifests(self, source, **options)

    def create_manifests(self, source: Any, **options: Any) -> List[Any]:
        """Create (POST) every object in ``source``, in dependency order."""
        from .manifests import create_manifests

        return create_manifests(self, source, **options)

    def delete_manifests(self, source: Any, **options: Any) -> List[Any]:
        """Delete every object in ``source``, in reverse dependency order."""
        from .manifests import delete_manifests

        return delete_manifests(self, source, **options)

    def wait_for_kind(self, api_version: Union[str, GroupVersion], kind: str, *, timeout: float = 60.0) -> RESTMapping:
        """Return ``kind``'s RESTMapping once discovery serves it (a CRD just created or Established).

        The API server sets a CRD's ``Established`` condition a moment before
        its discovery documents list the kind; this is the way to wait for it
        (see ``dynclient.tools.wait.wait_for_kind``).
        """
        from .tools.wait import wait_for_kind

        return wait_for_kind(self, api_version, kind, timeout=timeout)

    def rest_mapping(self, gvk: GroupVersionKind) -> RESTMapping:
        """Map a GVK through the mapper (resetting discovery once on a miss)."""
        return self.mapper.rest_mapping(GroupKind(gvk.group, gvk.kind), gvk.version)

    def _mapping(self, what: ResourceArg) -> RESTMapping:
        if isinstance(what, RESTMapping):
            return what
        if isinstance(what, GroupVersionResource):
            if not what.version or not what.resource:
                raise ValueError(f"a GroupVersionResource needs a version and a resource, got {what}")
            # A GVR names the resource exactly; only its kind and scope come from the mapper.
            gvr = self.mapper.resource_for(what)
            gvk = self.mapper.kind_for(gvr)
            mapping = self.mapper.rest_mapping(gvk.group_kind, gvk.version)
            return RESTMapping(gvr, mapping.group_version_kind, mapping.scope)
        if isinstance(what, str):
            return resolve(self.mapper, what)
        raise TypeError(f"resource() takes a name, GroupVersionResource or RESTMapping, got {type(what).__name__}")


def connect(
    kubeconfig: Union[str, os.PathLike, Sequence[str], Mapping[str, Any], None] = None,
    context: Optional[str] = None,
    *,
    namespace: Optional[str] = None,
    cache_dir: Optional[str] = None,
    discovery_ttl: float = 600.0,
    impersonate: Optional[str] = None,
    impersonate_uid: Optional[str] = None,
    impersonate_groups: Sequence[str] = (),
    impersonate_extra: Optional[Mapping[str, Sequence[str]]] = None,
    **client_options: Any,
) -> DynamicClient:
    """Connect the way kubectl does: ``$KUBECONFIG`` (merged) or ``~/.kube/config``, else in-cluster.

    ``kubeconfig`` may be a path, a list of paths, or an already-loaded dict.
    ``client_options`` go to ``DynamicClient.from_config`` (``qps``, ``burst``,
    ``timeout``, ``hooks``, ``disk_cache``, ``legacy_discovery``...).
    """
    if isinstance(kubeconfig, os.PathLike):
        kubeconfig = os.fspath(kubeconfig)
    config = load_config(
        kubeconfig,
        context,
        namespace=namespace,
        impersonate_user=impersonate,
        impersonate_uid=impersonate_uid,
        impersonate_groups=tuple(impersonate_groups),
        impersonate_extra=impersonate_extra,
    )
    return DynamicClient.from_config(config, cache_dir=cache_dir, discovery_ttl=discovery_ttl, **client_options)
