"""The integration suite's second face: the same tests against ``dynclient.testing.FakeCluster``.

``fake_client_factory`` mirrors conftest's ``make_client(**kw)`` contract
(a private cache dir under ``tmp_path``, the ``request_log`` hook, clients
closed by the caller's fixture), so conftest can parametrize its client
fixture over the real server and the fake without copying a test.
``fake_kubeconfig`` is the ``kubeconfig`` fixture's fake face: a
session-wide cluster, served on a loopback socket for the kubectl oracle
and installed for every dynclient connection to it. ``suite_cluster`` is
set up as the harness is started, so expiry and namespace tests behave alike.
``KNOWN_DIFFERENCES`` names what the fake does not model, per test.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

import dynclient
from dynclient.testing import FakeCluster

__all__ = ["suite_cluster", "fake_client_factory", "fake_kubeconfig", "KNOWN_DIFFERENCES", "FACE_MODULES"]

#: The modules whose tests run on both faces (issue 19: verbs, watch, manifests, informer).
FACE_MODULES = ("test_verbs", "test_watch", "test_manifests", "test_informer", "test_informer_small")

#: Test name -> the behaviour FakeCluster does not model, for the fake face's skip reason.
KNOWN_DIFFERENCES: Dict[str, str] = {
    "test_forbidden_for_the_unprivileged_user": "FakeCluster has no authorization: every request is an admin's",
}


def suite_cluster() -> FakeCluster:
    """A FakeCluster set up like the harness apiserver (compaction every 5 s, a bearer token required, no
    controller-manager: a deleted namespace stays Terminating, GC finalizers stay; 2 ms a request, so
    concurrent requests overlap as on a real server)."""
    return FakeCluster(compaction_interval=5.0, token="fake-admin-token", controllers=False, latency=0.002)


@contextlib.contextmanager
def fake_kubeconfig(directory: os.PathLike) -> Iterator[str]:
    """A kubeconfig path for a new suite cluster: kubectl reaches it on a loopback socket, dynclient in process."""
    cluster = suite_cluster()
    with cluster.serve():
        path = cluster.write_kubeconfig(Path(directory) / "fake-kubeconfig")
        with cluster.install():
            yield path


def fake_client_factory(tmp_path: Path, request_log: Callable[[Any], None],
                        cluster: Optional[FakeCluster] = None) -> Callable[..., dynclient.DynamicClient]:
    """``make(**kw)`` building clients on ``cluster`` (default: a new one) as ``make_client`` does on the server."""
    target = cluster if cluster is not None else suite_cluster()

    def make(**kw: Any) -> dynclient.DynamicClient:
        kw.setdefault("cache_dir", str(tmp_path / "cache"))
        kw.setdefault("hooks", [request_log])
        return target.connect(**kw)

    make.cluster = target  # type: ignore[attr-defined]
    return make
