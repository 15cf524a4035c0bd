"""pytest plugin: ``fake_cluster`` (an in-process FakeCluster) and ``dynclient_apiserver`` (a real one).

Installed with dynclient, it is found through the ``pytest11`` entry point;
in a source tree, import the fixtures into a conftest.

* ``fake_cluster``: a fresh ``FakeCluster`` per test; ``fake_cluster.connect()``
  gives a client. Fast (about a millisecond to make).
* ``dynclient_apiserver``: the path of a kubeconfig for a real API server,
  for the integration tests that a fake cannot answer for, as envtest
  does for Go. ``DYNCLIENT_TEST_KUBECONFIG`` names an existing cluster;
  otherwise, when Go is installed, dynclient's harness (a kube-apiserver
  with etcd, ``tests/apiserver/run`` in dynclient's source tree, or the
  script ``DYNCLIENT_APISERVER_HARNESS`` names) is started once per session
  and stopped at the end. Without either the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator, Optional

import pytest

from .cluster import FakeCluster

__all__ = ["fake_cluster", "dynclient_apiserver", "harness_path", "start_harness", "stop_harness"]


@pytest.fixture
def fake_cluster() -> FakeCluster:
    """A new, empty FakeCluster (the default namespaces exist)."""
    return FakeCluster()


def harness_path() -> Optional[Path]:
    """The harness script: ``$DYNCLIENT_APISERVER_HARNESS``, else the source tree's ``tests/apiserver/run``."""
    named = os.environ.get("DYNCLIENT_APISERVER_HARNESS")
    if named:
        return Path(named)
    candidate = Path(__file__).resolve().parents[2] / "tests" / "apiserver" / "run"
    return candidate if candidate.is_file() else None


@pytest.fixture(scope="session")
def dynclient_apiserver() -> Iterator[str]:
    """A kubeconfig path for a real API server (an existing cluster, or the harness started for the session)."""
    external = os.environ.get("DYNCLIENT_TEST_KUBECONFIG")
    if external:
        yield external
        return
    harness = harness_path()
    if harness is None:
        pytest.skip("no real API server: set DYNCLIENT_TEST_KUBECONFIG or DYNCLIENT_APISERVER_HARNESS")
    if shutil.which("go") is None:
        pytest.skip(f"no real API server: Go is needed to build the harness at {harness}")
    try:
        path = start_harness(harness)
    except RuntimeError as err:
        pytest.skip(str(err))
    try:
        yield path
    finally:
        stop_harness(harness, path)


def start_harness(harness: Path, *args: str) -> str:
    """Run ``harness start [-- args]`` and return the kubeconfig path it prints last; ``RuntimeError`` if it fails."""
    command = [str(harness), "start", *(["--", *args] if args else [])]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{harness} start failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return lines[-1]


def stop_harness(harness: Path, path: str) -> None:
    subprocess.run([str(harness), "stop", path], capture_output=True, text=True, timeout=120)
