"""``FakeCluster``: an in-process API server for unit tests, under the real dynclient stack.

    cluster = FakeCluster()
    dyn = cluster.connect()                      # an ordinary DynamicClient
    dyn.resource("cm").namespace("default").create({...})
    cluster.fail("PATCH", "configmaps", 500, times=2)
    cluster.requests                             # what the code under test sent

Wiring (client-go ``testing/fixture.go``): an ``ObjectTracker`` stores
objects, a ``Registry`` applies the verbs' rules, a ``FakeAPIServer``
routes paths and serves discovery, a ``ReactorChain`` sits in front, and a
``FakeAdapter`` (a requests transport adapter) is mounted on the client's
Session for the fake host. See ``dynclient.testing`` for what is modelled.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from .adapter import FakeAdapter
from .discoverydocs import DiscoveryDocuments, ResourceInfo, load_release
from .reactors import Reactor, ReactorChain, RequestRecord, failure
from .registry import Registry
from .server import FakeAPIServer, Reply, Request
from .statuses import ApiError
from .tracker import ObjectTracker

__all__ = ["FakeCluster", "DEFAULT_HOST", "DEFAULT_NAMESPACES"]

DEFAULT_HOST = "https://fake-cluster.local"
#: The CA the fake kubeconfig names. Its private key was thrown away: no TLS ever happens (the adapter
#: answers before any socket), but an https server with a CA is what makes the client send credentials.
FAKE_CA_PEM = """\
-----BEGIN CERTIFICATE-----
MIIBuDCCAV2gAwIBAgIUA4PYJSz6fOeGP4IfHOu7KzY6upcwCgYIKoZIzj0EAwIw
MDEuMCwGA1UEAwwlZHluY2xpZW50IEZha2VDbHVzdGVyIChubyBrZXkgZXhpc3Rz
KTAgFw0yNjEyMDMxMzU5MjlaGA8yMTI2MTEwOTEzNTkyOVowMDEuMCwGA1UEAwwl
ZHluY2xpZW50IEZha2VDbHVzdGVyIChubyBrZXkgZXhpc3RzKTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABGky9Bcskup0uaxu06AKDN/JqDmv1bgxviUtoqOydAVR
0dbWJZOsCUDGpAuyX26ef0KLhylJyFL3tr0okS6woAmjUzBRMB0GA1UdDgQWBBTs
3DFghKjlt2Drnp9w8TE76N1qEjAfBgNVHSMEGDAWgBTs3DFghKjlt2Drnp9w8TE7
6N1qEjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDq/CoZlPXI
6+RMnpiVqQ8xzHHSIxN+xBB/FRPZsRBNugIhAImx89QUZh7pG1/6P8ln4Fi0b0ET
fDRzToyIcAJY+7Db
-----END CERTIFICATE-----
"""
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
Obj = Dict[str, Any]


class FakeCluster:
    """A fake Kubernetes API server held in memory. Thread-safe; one per test is cheap (about a millisecond).

    ``history`` keeps only the last N writes for watches and continue
    tokens, and ``compaction_interval`` compacts every so many seconds to the
    revision of the interval before, as etcd's ``--etcd-compaction-interval``
    (both ``None``: keep everything; compact by hand with ``compact()``). ``bookmark_interval`` is how often an idle watch that
    allows bookmarks gets one. ``discovery_file`` replaces the recorded
    release (``python -m dynclient.testing.record`` writes one). With
    ``token``, requests must carry it as a bearer token (else the real 401).
    ``latency`` makes every request take that long, as a network and a real
    server would (concurrent requests then overlap in time).
    ``controllers=False`` is a bare apiserver (the test harness): a deleted
    namespace stays Terminating with its objects, and a delete that orphans
    (a ReplicationController's default) or is Foreground leaves the garbage
    collector's finalizer on the object. By default that work is done at
    once: the namespace is emptied and goes, and no such finalizer is added.
    """

    def __init__(self, *, host: str = DEFAULT_HOST, namespaces: Sequence[str] = DEFAULT_NAMESPACES,
                 history: Optional[int] = None, compaction_interval: Optional[float] = None,
                 bookmark_interval: Optional[float] = 1.0,
                 discovery_file: Optional[os.PathLike] = None, clock: Callable[[], float] = time.time,
                 seed: Optional[int] = None, controllers: bool = True, token: Optional[str] = None,
                 latency: float = 0.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.host = host.rstrip("/")
        release = load_release(Path(discovery_file)) if discovery_file else None
        self.discovery = DiscoveryDocuments(release)
        self.tracker = ObjectTracker(history=history, compaction_interval=compaction_interval)
        self.registry = Registry(self.tracker, self.discovery, clock=clock, rng=random.Random(seed),
                                 controllers=controllers)
        self.server = FakeAPIServer(self.discovery, self.tracker, self.registry, bookmark_interval=bookmark_interval,
                                     token=token)
        self.token = token
        self.reactors = ReactorChain()
        self.adapter = FakeAdapter(self.server, self.reactors, sleep=sleep, latency=latency)
        self._ca_pem = FAKE_CA_PEM
        self._loopback: Optional[Any] = None
        for name in namespaces:
            self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    # -- clients ---------------------------------------------------------------

    def kubeconfig(self, namespace: str = "default") -> Dict[str, Any]:
        """A kubeconfig (as a dict) whose current context is this cluster."""
        return {"apiVersion": "v1", "kind": "Config", "current-context": "fake",
                "clusters": [{"name": "fake", "cluster": {
                    "server": self.host,
                    **({"certificate-authority-data": base64.b64encode(self._ca_pem.encode()).decode()}
                       if self.host.startswith("https:") else {})}}],
                "users": [{"name": "fake", "user": {"token": self.token} if self.token else {}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake", "namespace": namespace}}]}

    def write_kubeconfig(self, path: os.PathLike, namespace: str = "default") -> str:
        """Write ``kubeconfig()`` to ``path`` (JSON is YAML) for code that reads a file; returns the path."""
        Path(path).write_text(json.dumps(self.kubeconfig(namespace), indent=1))
        return os.fspath(path)

    def connect(self, *, namespace: Optional[str] = None, cache_dir: Optional[str] = None, **options: Any) -> Any:
        """An ordinary ``DynamicClient`` talking to this cluster.

        Without ``cache_dir`` discovery is cached in memory only, so nothing
        is written anywhere; ``options`` go to ``dynclient.connect``.
        """
        import dynclient

        if cache_dir is None:
            options.setdefault("disk_cache", False)
        dyn = dynclient.connect(self.kubeconfig(), namespace=namespace, cache_dir=cache_dir, **options)
        dyn.transport.pool.mount(self.adapter)
        return dyn

    def mount(self, session: Any) -> None:
        """Route a requests ``Session``'s requests for this cluster's host to the fake (for your own Session)."""
        session.mount(self.host + "/", self.adapter)

    def serve(self) -> Any:
        """Also answer on a loopback HTTPS socket (for kubectl or a subprocess); returns the ``LoopbackServer``.

        The cluster's ``host`` (and so ``kubeconfig()``) becomes the socket's
        ``https://127.0.0.1:PORT``, with its certificate as the CA; clients
        from ``connect()`` or ``install()`` still take the in-process path.
        Call before ``connect()``/``install()``; ``close()`` the server after.
        """
        from .loopback import LoopbackServer

        if self._loopback is None:
            self._loopback = LoopbackServer(self.adapter)
            self.host, self._ca_pem = self._loopback.url, self._loopback.ca_pem
        return self._loopback

    @contextlib.contextmanager
    def install(self) -> Iterator["FakeCluster"]:
        """While active, every dynclient connection to ``host`` (``dynclient.connect(path)`` in the code
        under test, the CLI) goes to this cluster; use with ``write_kubeconfig``."""
        _Installed.add(self)
        try:
            yield self
        finally:
            _Installed.remove(self)

    # -- control ---------------------------------------------------------------

    def fail(self, method: str, resource: str, code: int = 500, *, times: Optional[int] = 1,
             message: Optional[str] = None, retry_after: Optional[int] = None) -> Reactor:
        """Answer matching requests with the Status a real server sends for ``code`` (``times=None``: always).

        ``method`` is an HTTP method or a verb (``"watch"``); ``resource`` a plural, ``"*"`` for any.
        """
        text = message or f"injected by FakeCluster.fail({method!r}, {resource!r}, {code})"
        return self.reactors.prepend(Reactor(method, resource, failure(code, text, retry_after), times=times))

    def delay(self, method: str, resource: str, seconds: float, *, times: Optional[int] = None) -> Reactor:
        """Wait ``seconds`` before answering matching requests (past the client's read timeout: a timeout)."""
        return self.reactors.prepend(Reactor(method, resource, lambda request: None, times=times, delay=seconds))

    def prepend_reactor(self, method: str, resource: str, react: Callable[[Request], Optional[Reply]], *,
                        times: Optional[int] = None) -> Reactor:
        """Put ``react`` first: it returns a ``Reply`` to answer, or ``None`` to let the request through."""
        return self.reactors.prepend(Reactor(method, resource, react, times=times))

    @property
    def requests(self) -> List[RequestRecord]:
        """Every request so far, in order (a copy)."""
        with self.adapter._log_lock:
            return list(self.adapter.log)

    def clear_requests(self) -> None:
        with self.adapter._log_lock:
            self.adapter.log.clear()

    def compact(self, revision: Optional[int] = None) -> int:
        """Forget history up to ``revision`` (default: now): older watches and continue tokens get 410."""
        return self.tracker.compact(revision)

    @property
    def resource_version(self) -> str:
        return str(self.tracker.revision)

    # -- direct access ---------------------------------------------------------------

    def add_resource(self, group: str, version: str, resource: str, kind: str, *, namespaced: bool = True,
                     **options: Any) -> ResourceInfo:
        """Serve a resource without a CRD (``short_names``, ``categories``, ``subresources``...)."""
        return self.discovery.add_resource(group, version, resource, kind, namespaced=namespaced, **options)

    def info_for(self, api_version: str, kind: str) -> ResourceInfo:
        group, _, version = api_version.rpartition("/")
        for info in self.discovery.resources().values():
            if info.group == group and info.version == version and info.kind == kind:
                return info
        raise LookupError(f"FakeCluster serves no {kind} in {api_version}")

    def create(self, obj: Obj, *, manager: str = "fake-cluster") -> Obj:
        """Store ``obj`` as a POST would (names, uid, resourceVersion, CRDs served); raises on refusal."""
        info = self.info_for(obj.get("apiVersion", ""), obj.get("kind", ""))
        ns = (obj.get("metadata") or {}).get("namespace") or ("default" if info.namespaced else "")
        return _checked(lambda: self.registry.create(info, ns, obj, {}, manager))

    def get(self, api_version: str, kind: str, name: str, namespace: str = "") -> Optional[Obj]:
        """The stored object, or ``None``."""
        info = self.info_for(api_version, kind)
        obj = self.tracker.get(info.group_resource, namespace if info.namespaced else "", name)
        return json.loads(json.dumps(self.registry.render(info, obj))) if obj is not None else None

    def objects(self, api_version: str, kind: str, namespace: Optional[str] = None) -> List[Obj]:
        info = self.info_for(api_version, kind)
        return [json.loads(json.dumps(self.registry.render(info, o)))
                for o in self.tracker.items(info.group_resource, namespace)]


def _checked(call: Callable[[], Obj]) -> Obj:
    try:
        return json.loads(json.dumps(call()))
    except ApiError as err:
        from discovery.errors import status_error_from_response

        raise status_error_from_response(err.code, json.dumps(err.body).encode()) from None


class _Installed:
    """Clusters routed into every new ``dynclient.http.ConnectionPool`` (by host)."""

    _lock = threading.Lock()
    _by_host: Dict[str, FakeCluster] = {}

    @classmethod
    def add(cls, cluster: FakeCluster) -> None:
        from dynclient import http

        with cls._lock:
            if cluster.host in cls._by_host:
                raise RuntimeError(f"another FakeCluster is already installed for {cluster.host}")
            cls._by_host[cluster.host] = cluster
            if len(cls._by_host) == 1:
                http.add_pool_hook(cls._route)

    @classmethod
    def _route(cls, pool: Any) -> None:
        found = cls._by_host.get(pool.base_url)
        if found is not None:
            pool.mount(found.adapter)

    @classmethod
    def remove(cls, cluster: FakeCluster) -> None:
        from dynclient import http

        with cls._lock:
            cls._by_host.pop(cluster.host, None)
            if not cls._by_host:
                http.remove_pool_hook(cls._route)


