"""The integration suite's second face: the same tests against ``dynclient.testing.FakeCluster``.

``fake_client_factory`` mirrors conftest's ``make_client(**kw)`` contract
(a private cache dir under ``tmp_path``, the ``request_log`` hook, clients
closed by the caller's fixture), so conftest can parametrize its client
fixture over the real server and the fake without copying a test.
``suite_cluster`` is configured as the harness is started
(``--etcd-compaction-interval=5s``), so expiry tests behave alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

import dynclient
from dynclient.testing import FakeCluster

__all__ = ["suite_cluster", "fake_client_factory"]


def suite_cluster() -> FakeCluster:
    """A FakeCluster set up like the harness apiserver (compaction every 5 s, a bearer token required, no
    controller-manager: a deleted namespace stays Terminating, GC finalizers stay; 2 ms a request, so concurrent requests overlap as on a real server)."""
    return FakeCluster(compaction_interval=5.0, token="fake-admin-token", controllers=False,
                       latency=0.002)


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
