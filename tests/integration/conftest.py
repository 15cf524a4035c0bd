"""The real API server for the integration suite.

A session-scoped fixture builds (cached) and starts the Go harness in
``tests/apiserver`` and yields its kubeconfig, or uses the cluster named by
``DYNCLIENT_TEST_KUBECONFIG`` so the same suite runs against any real cluster.
Without Go and without a cluster the tests skip with the reason; under
``CI=true`` they must run, so a harness that cannot start fails the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

import dynclient
from dynclient.transport import RequestInfo

from .harness import harness_cluster, unavailable



def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


_unavailable = unavailable


#: The modules whose tests also run through ``dynclient.aio`` (issue 15: the verbs, watch-resume and
#: informer tests; the one-pass CRD-then-CR apply through aio is in test_aio.py).
AIO_MODULES = ("test_verbs", "test_informer", "test_informer_small")


def pytest_generate_tests(metafunc):
    """The same tests on several faces, not copied: the real server, FakeCluster, and dynclient.aio.

    ``apiserver`` is the sync client on the real server, ``fake`` the sync
    client on ``dynclient.testing.FakeCluster`` (``faces.FACE_MODULES``),
    ``aio`` the asyncio client on the real server behind a sync proxy
    (``aioface``, ``AIO_MODULES``).
    """
    from .faces import FACE_MODULES

    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "kubeconfig" not in metafunc.fixturenames:
        return
    faces = ["apiserver"]
    if module in FACE_MODULES:
        faces.append("fake")
    if module in AIO_MODULES:
        faces.append("aio")
    if len(faces) > 1:
        metafunc.parametrize("face", faces, indirect=True, scope="session")


@pytest.fixture(scope="session")
def face(request) -> str:
    """Which face the test talks through: ``apiserver`` (default), ``fake`` or ``aio``."""
    return getattr(request, "param", "apiserver")


@pytest.fixture(autouse=True)
def _known_difference(request):
    """On the fake face, a test FakeCluster does not model is skipped with the missing behaviour."""
    from .faces import KNOWN_DIFFERENCES

    if "face" in request.fixturenames and request.getfixturevalue("face") == "fake":
        reason = KNOWN_DIFFERENCES.get(request.node.originalname)
        if reason:
            pytest.skip(f"not modelled by FakeCluster: {reason}")


@pytest.fixture(scope="session")
def real_kubeconfig() -> Iterator[str]:
    """Path to a kubeconfig whose current context is an admin of a real API server (one per session)."""
    # A short compaction interval lets the suite see a continue token expire (410) within seconds.
    # --minimal: the apiserver alone; the suite checks, with kubectl, what a bare apiserver does (a
    # deleted namespace stays Terminating). tests/integration/test_cluster.py starts a full cluster.
    with harness_cluster("--minimal", "--", "--etcd-compaction-interval=5s", env="DYNCLIENT_TEST_KUBECONFIG") as path:
        yield path


@pytest.fixture(scope="session")
def kubeconfig(face: str, request, tmp_path_factory) -> Iterator[str]:
    """The kubeconfig of the face's server: the real one (also for ``aio``), or the fake face's."""
    if face == "fake":
        from .faces import fake_kubeconfig

        with fake_kubeconfig(tmp_path_factory.mktemp("fake-face")) as path:
            yield path
        return
    yield request.getfixturevalue("real_kubeconfig")


@pytest.fixture(scope="session")
def has_unprivileged_context(face: str) -> bool:
    return face == "apiserver" and not os.environ.get("DYNCLIENT_TEST_KUBECONFIG")


class RequestLog:
    """Counts requests through the transport hook: the seam the issue asks tests to use."""

    def __init__(self) -> None:
        self.infos: List[RequestInfo] = []

    def __call__(self, info: RequestInfo) -> None:
        self.infos.append(info)

    def paths(self) -> List[str]:
        from urllib.parse import urlsplit

        return [urlsplit(i.url).path for i in self.infos]

    def discovery_paths(self) -> List[str]:
        return [p for p in self.paths() if _is_discovery(p)]

    def clear(self) -> None:
        self.infos.clear()


def _is_discovery(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    if parts in (["api"], ["apis"], ["version"]):
        return True
    if parts[:1] == ["api"] and len(parts) == 2:
        return True
    return parts[:1] == ["apis"] and len(parts) in (2, 3)


@pytest.fixture
def request_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def make_client(kubeconfig: str, face: str, tmp_path: Path,
                request_log: RequestLog) -> Iterator[Callable[..., dynclient.DynamicClient]]:
    """Build clients on the face's server, each with a private cache dir unless one is given."""
    if face == "aio":
        from .aioface import aio_client_factory

        make_aio = aio_client_factory(kubeconfig, tmp_path, request_log)
        yield make_aio
        make_aio.close_all()  # type: ignore[attr-defined]
        return
    made = []

    def make(**kw) -> dynclient.DynamicClient:
        kw.setdefault("cache_dir", str(tmp_path / "cache"))
        kw.setdefault("hooks", [request_log])
        client = dynclient.connect(kubeconfig, **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def dyn(make_client) -> dynclient.DynamicClient:
    return make_client()


@pytest.fixture
def namespace(dyn: dynclient.DynamicClient) -> Iterator[str]:
    """A fresh namespace per test. Nothing waits for it to terminate (no controller-manager runs)."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    ns = dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces"))
    ns.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    try:
        ns.delete(name)
    except dynclient.NotFound:
        pass


@pytest.fixture
def kubectl(kubeconfig: str, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run the machine's kubectl (the oracle) against the same server."""
    if shutil.which("kubectl") is None:
        _unavailable("kubectl is not installed")

    def run(*args: str, check: bool = True, cache_dir: str = "", input: str = None) -> subprocess.CompletedProcess:
        cmd = ["kubectl", "--kubeconfig", kubeconfig, "--cache-dir", cache_dir or run.cache_dir, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed: {proc.stderr}")
        return proc

    run.cache_dir = str(tmp_path / "kubectl-cache")  # type: ignore[attr-defined]
    return run
