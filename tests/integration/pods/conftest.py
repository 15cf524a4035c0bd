"""Pod I/O against the harness's full cluster: its fake kubelet serves logs, exec, attach and port-forward.

One full cluster per session for every module here (``DYNCLIENT_TEST_FULL_KUBECONFIG`` names one already
running instead). ``kubeconfig`` is overridden so the parent conftest's ``dyn``, ``make_client``,
``kubectl`` and ``namespace`` fixtures all talk to it. ``pod_namespace`` waits for the namespace's
``default`` service account, which admission needs before any pod; ``make_pod`` creates a pod whose fake
containers do what its ``harness.dynclient.test/*`` annotations say (tests/apiserver/README.md) and waits
until it is Running.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

import pytest

import dynclient

from ..harness import harness_cluster

ANN = "harness.dynclient.test/"
GVR_PODS = dynclient.GroupVersionResource("", "v1", "pods")
GVR_SA = dynclient.GroupVersionResource("", "v1", "serviceaccounts")


@pytest.fixture(scope="session")
def full_kubeconfig() -> Iterator[str]:
    with harness_cluster("--full", env="DYNCLIENT_TEST_FULL_KUBECONFIG") as path:
        yield path


@pytest.fixture(scope="session")
def face() -> str:
    return "apiserver"


@pytest.fixture(scope="session")
def kubeconfig(full_kubeconfig: str) -> str:
    return full_kubeconfig


def new_pod_namespace(dyn: dynclient.DynamicClient, prefix: str = "p") -> str:
    """Create a namespace ``PREFIX-<random>`` and wait for its ``default`` service account (pods need it)."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces")).create(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    deadline = time.monotonic() + 60
    while True:
        try:
            dyn.resource(GVR_SA).namespace(name).get("default")
            return name
        except dynclient.NotFound:
            if time.monotonic() > deadline:
                raise AssertionError(f"namespace {name} got no default service account in 60 s")
            time.sleep(0.1)


@pytest.fixture
def pod_namespace(dyn: dynclient.DynamicClient) -> Iterator[str]:
    """A fresh namespace whose ``default`` service account exists (pods are refused before it does)."""
    name = new_pod_namespace(dyn)
    yield name
    try:
        dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces")).delete(name)
    except dynclient.NotFound:
        pass


def pod_manifest(name: str, annotations: Optional[Mapping[str, str]] = None, containers: List[str] = ("main",),
                 restart_policy: str = "Always", **spec: Any) -> Dict[str, Any]:
    """A pod whose fake containers behave as ``annotations`` say (keys without the harness prefix)."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "annotations": {ANN + k: str(v) for k, v in (annotations or {}).items()}},
        "spec": {"restartPolicy": restart_policy, "terminationGracePeriodSeconds": 0,
                 "containers": [{"name": c, "image": "harness/fake"} for c in containers], **spec},
    }


@pytest.fixture
def make_pod(dyn: dynclient.DynamicClient, pod_namespace: str) -> Callable[..., Dict[str, Any]]:
    """``make_pod(name, annotations={...}, containers=[...], phase="Running")``: create, wait, return the pod."""
    pods = dyn.resource(GVR_PODS).namespace(pod_namespace)

    def make(name: str, annotations: Optional[Mapping[str, str]] = None, containers: List[str] = ("main",),
             phase: str = "Running", **kw: Any) -> Dict[str, Any]:
        pods.create(pod_manifest(name, annotations, list(containers), **kw))
        deadline = time.monotonic() + 60
        while True:
            pod = pods.get(name)
            if (pod.get("status") or {}).get("phase") == phase:
                return pod
            if time.monotonic() > deadline:
                raise AssertionError(f"pod {name} is not {phase} after 60 s: {pod.get('status')}")
            time.sleep(0.1)

    make.namespace = pod_namespace  # type: ignore[attr-defined]
    return make
