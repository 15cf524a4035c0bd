"""``dynclient logs`` against ``kubectl logs`` on the harness's full cluster: stdout, stderr and exit code.

Both run as subprocesses, so the bytes compared are the bytes each writes. kubectl's usage hint names
its program ("See 'kubectl logs -h'"); that word is the only one changed before comparing.

The objects are made once for the module (``scene``) and are not changed by the tests: pods whose
fake containers have written their lines and ended or keep running, a pod restarted once, a
Deployment with two pods, a Job, a Service without a selector.

Where kubectl's own output is not fixed (``--all-containers``, ``-l``, ``--all-pods`` range over a Go
map: the order changes from run to run), kubectl is asked again until it prints dynclient's order; the
test fails only if it never does in 40 runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator, List, Sequence, Tuple

import pytest

import dynclient

from ..faultproxy import proxy_kubeconfig
from .conftest import GVR_PODS, new_pod_namespace
from .test_logs import lines_text, log_cut_proxy

ROOT = Path(__file__).resolve().parents[3]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))
ENV.pop("KUBECONFIG", None)

SCENE = """
apiVersion: v1
kind: Pod
metadata:
  name: one
  annotations: {harness.dynclient.test/log-lines: "5", harness.dynclient.test/exit-code: "0"}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers: [{name: main, image: harness/fake}]
---
apiVersion: v1
kind: Pod
metadata:
  name: duo
  annotations: {harness.dynclient.test/log-lines: "3"}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: a, image: harness/fake}, {name: b, image: harness/fake}]
---
apiVersion: v1
kind: Pod
metadata:
  name: duoend
  annotations: {harness.dynclient.test/log-lines: "3", harness.dynclient.test/log-interval: "20ms",
                harness.dynclient.test/exit-code: "0"}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers: [{name: a, image: harness/fake}, {name: b, image: harness/fake}]
---
apiVersion: v1
kind: Pod
metadata:
  name: annotated
  annotations: {harness.dynclient.test/log-lines: "2", kubectl.kubernetes.io/default-container: b}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: a, image: harness/fake}, {name: b, image: harness/fake}]
---
apiVersion: v1
kind: Pod
metadata:
  name: misannotated
  annotations: {harness.dynclient.test/log-lines: "2", kubectl.kubernetes.io/default-container: gone}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: a, image: harness/fake}, {name: b, image: harness/fake}]
---
apiVersion: v1
kind: Pod
metadata:
  name: withinit
  annotations: {harness.dynclient.test/log-lines: "2"}
spec:
  terminationGracePeriodSeconds: 0
  initContainers: [{name: setup, image: harness/fake}]
  containers: [{name: app, image: harness/fake}]
---
apiVersion: v1
kind: Pod
metadata:
  name: prev
  annotations: {harness.dynclient.test/log-lines: "2", harness.dynclient.test/exit-code: "0",
                harness.dynclient.test/run-for: "3s", harness.dynclient.test/log-text: "{pod} {container} {n}"}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: main, image: harness/fake}]
---
apiVersion: v1
kind: Pod
metadata:
  name: big
  annotations: {harness.dynclient.test/log-lines: "100000", harness.dynclient.test/exit-code: "0"}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers: [{name: main, image: harness/fake}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {harness.dynclient.test/log-lines: "12", harness.dynclient.test/log-text: "{pod} {n}"}
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: c1, image: harness/fake}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: empty}
spec:
  replicas: 0
  selector: {matchLabels: {app: empty}}
  template:
    metadata: {labels: {app: empty}}
    spec:
      containers: [{name: c1, image: harness/fake}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: job}
spec:
  template:
    metadata:
      annotations: {harness.dynclient.test/log-lines: "2", harness.dynclient.test/exit-code: "0"}
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 0
      containers: [{name: j, image: harness/fake}]
---
apiVersion: v1
kind: Service
metadata: {name: bare}
spec:
  ports: [{port: 80}]
"""


def run_kubectl(kubeconfig: str, cache: Path, args: Sequence[str], timeout: float = 120) -> Tuple[int, bytes, bytes]:
    proc = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "--cache-dir", str(cache), *args],
                          capture_output=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr.replace(b"See 'kubectl ", b"See 'dynclient ")


def run_dynclient(kubeconfig: str, cache: Path, args: Sequence[str], timeout: float = 120) -> Tuple[int, bytes, bytes]:
    proc = subprocess.run([sys.executable, "-m", "dynclient", "--kubeconfig", kubeconfig, "--cache-dir", str(cache),
                           *args], capture_output=True, timeout=timeout, env=ENV, cwd=str(ROOT))
    return proc.returncode, proc.stdout, proc.stderr


def _pods_ready(pods, names: Sequence[str]) -> bool:
    wanted = {"one": "Succeeded", "big": "Succeeded", "duoend": "Succeeded"}
    for name in names:
        try:
            pod = pods.get(name)
        except dynclient.NotFound:
            return False
        if (pod.get("status") or {}).get("phase") != wanted.get(name, "Running"):
            return False
    return True


@pytest.fixture(scope="module")
def scene(full_kubeconfig: str, tmp_path_factory) -> Iterator[str]:
    """The namespace holding every object the tests read; made once, deleted at the end."""
    dyn = dynclient.connect(full_kubeconfig, disk_cache=False)
    ns_rc = dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces"))
    namespace = new_pod_namespace(dyn, "pl")
    try:
        applied = subprocess.run(["kubectl", "--kubeconfig", full_kubeconfig, "-n", namespace, "apply", "-f", "-"],
                                 input=SCENE.encode(), capture_output=True, timeout=120)
        assert applied.returncode == 0, applied.stderr
        pods = dyn.resource(GVR_PODS).namespace(namespace)
        deadline = time.monotonic() + 120
        while True:
            web = [p for p in pods.list(label_selector="app=web")["items"]
                   if (p.get("status") or {}).get("phase") == "Running"]
            jobs = [p for p in pods.list(label_selector="job-name=job")["items"]
                    if (p.get("status") or {}).get("phase") == "Succeeded"]
            restarted = any(int(c.get("restartCount") or 0) >= 1
                            for c in (pods.get("prev").get("status") or {}).get("containerStatuses") or [])
            if (len(web) == 2 and jobs and restarted
                    and _pods_ready(pods, ["one", "duo", "duoend", "annotated", "misannotated", "withinit", "big"])):
                break
            assert time.monotonic() < deadline, "the scene did not settle in 120 s"
            time.sleep(0.3)
        yield namespace
    finally:
        try:
            ns_rc.delete(namespace)
        except dynclient.NotFound:
            pass
        dyn.close()


@pytest.fixture
def both(full_kubeconfig: str, scene: str, tmp_path: Path):
    """``both(*args)``: (dynclient's, kubectl's) (exit code, stdout, stderr) for ``-n SCENE logs ARGS``."""

    def run(*args: str, retries: int = 1) -> Tuple[Tuple[int, bytes, bytes], Tuple[int, bytes, bytes]]:
        argv = ["-n", scene, "logs", *args]
        ours = run_dynclient(full_kubeconfig, tmp_path / "d", argv)
        for _ in range(retries):
            theirs = run_kubectl(full_kubeconfig, tmp_path / "k", argv)
            if theirs == ours:
                break
        return ours, theirs

    return run


SAME = [
    ["one"], ["one", "--timestamps"], ["one", "--tail=2"], ["one", "--tail=0"], ["one", "--tail", "-1"],
    ["one", "--limit-bytes=12"], ["one", "--limit-bytes=0"], ["one", "--since=1h"],
    ["one", "--since-time=2000-01-01T00:00:00Z"], ["one", "--since-time=2999-01-01T00:00:00+02:00"],
    ["one", "--timestamps", "--tail=1", "--limit-bytes=35"], ["-f", "one"], ["-f", "one", "--limit-bytes=12"],
    ["-f", "one", "--timestamps", "--tail=3"], ["pod/one"], ["po/one", "--prefix"], ["one", "--follow=false"],
    ["duo"], ["duo", "b"], ["duo", "-c", "b", "--prefix"], ["annotated"], ["misannotated"], ["withinit"],
    ["prev", "-p"], ["prev", "--previous", "--timestamps"], ["deploy/web"],
    ["deployment.apps/web", "--prefix", "--tail=3"], ["job/job"], ["-l", "app=none"],
    ["duo", "--insecure-skip-tls-verify-backend"],
]

ERRORS = [
    [], ["nope"], ["deploy/nope"], ["cm/kube-root-ca.crt"], ["foo/bar"], ["a/b/c"], ["deploy/"], ["/x"],
    ["one", "two", "three"], ["one", "-l", "a=b"], ["one", "--since=5m", "--since-time=2020-01-01T00:00:00Z"],
    ["one", "--since=x"], ["one", "--since-time=x"], ["one", "--since-time=2020-02-30T00:00:00Z"],
    ["one", "--tail=-2"], ["one", "--tail=x"], ["one", "--limit-bytes=-1"], ["one", "--since=-1s"],
    ["one", "--since=100ms"], ["duo", "-c", "a", "--all-containers"], ["duo", "a", "-c", "a"], ["duo", "zz"],
    ["one", "--pod-running-timeout=0"], ["svc/bare"], ["deploy/empty", "--pod-running-timeout=1s"],
    ["one", "--bogus"], ["-p", "one"], ["-f", "duo", "--all-containers", "--max-log-requests=1"],
    ["deploy/web", "nope-container"], ["node/harness-node"], ["rs/nope"],
    # The fake kubelet serves no init container's log: the server's 404, as it says it, in both.
    ["withinit", "-c", "setup"], ["withinit", "--all-containers", "--prefix"],
]


@pytest.mark.parametrize("args", SAME, ids=[" ".join(a) for a in SAME])
def test_same_bytes_as_kubectl(both, args):
    ours, theirs = both(*args)
    assert ours == theirs
    assert ours[0] == 0


@pytest.mark.parametrize("args", ERRORS, ids=[" ".join(a) or "no-args" for a in ERRORS])
def test_same_errors_as_kubectl(both, args):
    # --all-containers: kubectl may print a container's lines before the failing one, or not (its map order).
    ours, theirs = both(*args, retries=40 if "--all-containers" in args else 1)
    assert ours == theirs
    assert ours[0] == 1


@pytest.mark.parametrize("args", [
    ["duo", "--all-containers"], ["duo", "--all-containers", "--prefix", "--timestamps"],
    ["-l", "app=web", "--prefix"], ["-l", "app=web", "--tail=2"],
    ["deploy/web", "--all-pods"], ["-l", "app=web", "--all-containers", "--all-pods", "--tail=1"],
], ids=["all-containers", "all-containers-prefix-timestamps", "selector-prefix", "selector-tail",
        "all-pods", "selector-all-pods"])
def test_same_bytes_as_one_of_kubectls_orders(both, args):
    ours, theirs = both(*args, retries=40)
    assert ours == theirs
    assert ours[0] == 0


def test_100k_lines(both):
    ours, theirs = both("big")
    assert ours == theirs
    assert ours[1] == lines_text(100_000).encode()


def test_follow_every_container_at_once(both):
    """Several streams interleave by whole lines in both: the same lines, each container's in order."""
    (code, out, err), (kcode, kout, kerr) = both("-f", "duoend", "--all-containers", "--prefix")
    assert (code, err) == (kcode, kerr) == (0, b"")
    assert sorted(out.splitlines()) == sorted(kout.splitlines())
    for container in ("a", "b"):
        mine = [line for line in out.splitlines() if line.startswith(f"[pod/duoend/{container}] ".encode())]
        assert mine == [f"[pod/duoend/{container}] {container} line {n}".encode() for n in (1, 2, 3)]


def start_pod(kubeconfig: str, namespace: str, manifest: str, name: str) -> None:
    """Create a pod and wait until its container runs."""
    applied = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "-n", namespace, "apply", "-f", "-"],
                             input=manifest.encode(), capture_output=True, timeout=60)
    assert applied.returncode == 0, applied.stderr
    dyn = dynclient.connect(kubeconfig, disk_cache=False)
    try:
        pods = dyn.resource(GVR_PODS).namespace(namespace)
        deadline = time.monotonic() + 60
        while (pods.get(name).get("status") or {}).get("phase") != "Running":
            assert time.monotonic() < deadline, f"pod {name} is not Running after 60 s"
            time.sleep(0.05)
    finally:
        dyn.close()


def test_follow_a_live_log_like_kubectl(full_kubeconfig, scene, tmp_path):
    """Both follow the same running container from its start to its end."""
    name = f"live-{uuid.uuid4().hex[:6]}"
    manifest = f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  annotations: {{harness.dynclient.test/log-lines: "40", harness.dynclient.test/log-interval: "50ms",
                harness.dynclient.test/exit-code: "0", harness.dynclient.test/run-for: "3s"}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers: [{{name: main, image: harness/fake}}]
"""
    start_pod(full_kubeconfig, scene, manifest, name)
    results: List[Tuple[int, bytes, bytes]] = [None, None]  # type: ignore[list-item]
    argv = ["-n", scene, "logs", "-f", name]
    threads = [threading.Thread(target=lambda: results.__setitem__(0, run_dynclient(full_kubeconfig, tmp_path / "d",
                                                                                    argv))),
               threading.Thread(target=lambda: results.__setitem__(1, run_kubectl(full_kubeconfig, tmp_path / "k",
                                                                                  argv)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert results[0] == results[1]
    assert results[0][1] == lines_text(40).encode()


def test_follow_through_a_drop_prints_the_whole_log_once(full_kubeconfig, scene, tmp_path):
    """kubectl stops at a broken stream; dynclient resumes it, and prints what kubectl reads afterwards."""
    name = f"cut-{uuid.uuid4().hex[:6]}"
    manifest = f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  annotations: {{harness.dynclient.test/log-lines: "2000", harness.dynclient.test/log-interval: "1ms",
                harness.dynclient.test/exit-code: "0"}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers: [{{name: main, image: harness/fake}}]
"""
    start_pod(full_kubeconfig, scene, manifest, name)
    with log_cut_proxy(full_kubeconfig, [900]) as proxy:
        config = tmp_path / "proxy-kubeconfig"
        config.write_text(json.dumps({**proxy_kubeconfig(proxy), "contexts": [
            {"name": "proxy", "context": {"cluster": "proxy", "user": "nobody", "namespace": scene}}]}))
        code, out, err = run_dynclient(str(config), tmp_path / "d", ["logs", "-f", name])
        assert proxy.counts["cut_log"] == 1
    assert (code, err) == (0, b"")
    theirs = run_kubectl(full_kubeconfig, tmp_path / "k", ["-n", scene, "logs", name])
    assert out == theirs[1] == lines_text(2000).encode()
