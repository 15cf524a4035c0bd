"""FakeCluster.serve(): the same fake on a loopback TLS socket (the socket is the point: kubectl and subprocesses)."""

from __future__ import annotations

import shutil
import subprocess
import threading

import pytest

import dynclient
from dynclient.testing import FakeCluster

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="serve() makes its certificate with openssl")


@pytest.fixture
def served():
    cluster = FakeCluster(token="socket-token")
    with cluster.serve():
        yield cluster


def test_a_client_through_the_socket_sees_what_the_adapter_stored(served, tmp_path):
    served.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "default"}})
    assert served.host.startswith("https://127.0.0.1:")
    # An ordinary connect (no install): real TLS to the socket, the token checked there.
    with dynclient.connect(served.kubeconfig(), cache_dir=str(tmp_path)) as dyn:
        cms = dyn.resource("cm").namespace("default")
        assert [i["metadata"]["name"] for i in cms.list()["items"]] == ["a"]
        rv = cms.list()["metadata"]["resourceVersion"]
        watch = cms.watch(resource_version=rv, timeout_seconds=10)
        seen = []

        def consume():
            for kind, obj in watch:
                seen.append((kind, obj["metadata"]["name"]))
                watch.stop()

        reader = threading.Thread(target=consume)
        reader.start()
        served.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "default"}})
        reader.join(10)
    assert seen == [("ADDED", "b")]
    assert any(r.verb == "watch" for r in served.requests)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_reads_the_fake(served, tmp_path):
    served.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seen", "namespace": "default"}})
    path = served.write_kubeconfig(tmp_path / "kubeconfig")
    proc = subprocess.run(["kubectl", "--kubeconfig", path, "--cache-dir", str(tmp_path / "cache"), "get", "cm",
                           "-n", "default", "-o", "name"], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "configmap/seen\n"), proc.stderr
