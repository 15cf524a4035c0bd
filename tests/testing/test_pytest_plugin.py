"""The pytest plugin's fixtures."""

from __future__ import annotations

from dynclient.testing import FakeCluster
from dynclient.testing.pytest_plugin import harness_path


def test_fake_cluster_fixture_is_fresh(fake_cluster):
    assert isinstance(fake_cluster, FakeCluster)
    assert [n["metadata"]["name"] for n in fake_cluster.objects("v1", "Namespace")] == [
        "default", "kube-node-lease", "kube-public", "kube-system"]


def test_harness_path_prefers_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DYNCLIENT_APISERVER_HARNESS", str(tmp_path / "run"))
    assert harness_path() == tmp_path / "run"
    monkeypatch.delenv("DYNCLIENT_APISERVER_HARNESS")
    assert harness_path().parts[-3:] == ("tests", "apiserver", "run")


def test_dynclient_apiserver_is_a_reachable_server(dynclient_apiserver, tmp_path):
    import dynclient

    with dynclient.connect(dynclient_apiserver, cache_dir=str(tmp_path)) as dyn:
        assert dyn.discovery.server_version()["gitVersion"].startswith("v1.")
