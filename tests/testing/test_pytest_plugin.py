"""The pytest plugin's fixtures and the harness start/stop they use."""

from __future__ import annotations

import os
import stat

import pytest

from dynclient.testing import FakeCluster
from dynclient.testing.pytest_plugin import harness_path, start_harness, stop_harness


def test_fake_cluster_fixture_is_fresh(fake_cluster):
    assert isinstance(fake_cluster, FakeCluster)
    assert [n["metadata"]["name"] for n in fake_cluster.objects("v1", "Namespace")] == [
        "default", "kube-node-lease", "kube-public", "kube-system"]


def test_harness_path_prefers_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DYNCLIENT_APISERVER_HARNESS", str(tmp_path / "run"))
    assert harness_path() == tmp_path / "run"
    monkeypatch.delenv("DYNCLIENT_APISERVER_HARNESS")
    assert harness_path().parts[-3:] == ("tests", "apiserver", "run")


def _script(tmp_path, body):
    path = tmp_path / "run"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_start_and_stop_a_harness(tmp_path):
    log = tmp_path / "calls"
    harness = _script(tmp_path, f'echo "$@" >> {log}\nif [ "$1" = start ]; then echo building; echo /k/config; fi\n')
    assert start_harness(harness, "--etcd-compaction-interval=5s") == "/k/config"
    stop_harness(harness, "/k/config")
    assert log.read_text().splitlines() == ["start -- --etcd-compaction-interval=5s", "stop /k/config"]


def test_a_harness_that_fails_names_itself(tmp_path):
    harness = _script(tmp_path, "echo 'no etcd' >&2\nexit 3\n")
    with pytest.raises(RuntimeError, match=r"run start failed \(3\): no etcd"):
        start_harness(harness)


@pytest.mark.skipif(not os.environ.get("DYNCLIENT_TEST_KUBECONFIG"),
                    reason="starting a real harness is the integration suite's job; set DYNCLIENT_TEST_KUBECONFIG")
def test_dynclient_apiserver_is_a_reachable_server(dynclient_apiserver, tmp_path):
    import dynclient

    with dynclient.connect(dynclient_apiserver, cache_dir=str(tmp_path)) as dyn:
        assert dyn.discovery.server_version()["gitVersion"].startswith("v1.")
