"""exec round trip of ``true`` on a full cluster: dynclient beside ``kubectl exec`` and kubernetes' ``stream()``.

Usage::

    python bench/bench_pods_exec.py --kubeconfig KC [--runs 10] [--cat-mib 10] [--json out.json]

``KC`` must be a cluster whose node serves exec (the harness's full
cluster: ``tests/apiserver/run start``). The script makes a namespace
with one fake pod, times N runs of each, in the same run, and prints the
medians (milliseconds) and the ratios peer / dynclient:

- ``dynclient``: ``pods.exec(name, ["true"])`` in one process, one client
  (a GET of the pod, then the WebSocket: kubectl's two steps);
- ``dynclient-nocheck``: the stream alone, the pod already fetched
  (``connect_stream(pod=...)``), which is what ``stream()`` does;
  ``dynclient-nocheck-v4`` the same offering only v4, which is what
  ``stream()`` offers (the API server then proxies the upgrade to the
  kubelet's own WebSocket instead of translating v5 to SPDY);
- ``dynclient-cli`` and ``kubectl``: ``exec POD -- true`` as a new process
  each time (start-up included, as a user sees it);
- ``kubernetes``: ``kubernetes.stream.stream(connect_get_namespaced_pod_exec)``
  in one process of the peers' virtualenv that ``bench/run.py`` sets up
  (``~/.cache/dynclient/bench/venv-peers``), or of ``--peer-python``; it is
  left out, and said so, when no interpreter with ``kubernetes`` is found.

``--cat-mib`` also pipes that many MiB through ``cat`` (dynclient and
kubectl, a few runs) and reports MiB/s. Everything runs niced; keep
``--runs`` small on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POD = "bench-exec"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median_ms(samples: List[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


# -- the kubernetes peer, in its own interpreter -----------------------------------------


def child_kubernetes(kubeconfig: str, namespace: str, runs: int) -> None:
    """Runs in the peers' interpreter: N ``stream()`` round trips of ``true``; prints the seconds as JSON."""
    from kubernetes import client, config
    from kubernetes.stream import stream

    config.load_kube_config(config_file=kubeconfig)
    api = client.CoreV1Api()
    samples = []
    for _ in range(runs + 1):  # the first one warms the connection pool and imports
        start = time.perf_counter()
        out = stream(api.connect_get_namespaced_pod_exec, POD, namespace, command=["true"], stderr=True,
                     stdin=False, stdout=True, tty=False)
        samples.append(time.perf_counter() - start)
        assert out == "", out
    print(json.dumps({"seconds": samples[1:]}))


def peer_python(given: Optional[str]) -> Optional[str]:
    candidates = [given] if given else []
    try:
        import platformdirs

        cache = Path(platformdirs.user_cache_path("dynclient"))
    except ImportError:
        cache = Path.home() / ".cache" / "dynclient"
    candidates += [str(cache / "bench" / "venv-peers" / "bin" / "python"), sys.executable]
    for py in candidates:
        if py and Path(py).exists() and subprocess.run([py, "-c", "import kubernetes.stream"],
                                                       capture_output=True).returncode == 0:
            return py
    return None


# -- the run -------------------------------------------------------------------------------


def setup(kubeconfig: str) -> Any:
    import dynclient

    dyn = dynclient.connect(kubeconfig, disk_cache=False)
    ns = f"bench-exec-{uuid.uuid4().hex[:6]}"
    dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces")).create(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    sas = dyn.resource(dynclient.GroupVersionResource("", "v1", "serviceaccounts")).namespace(ns)
    pods = dyn.resource("pods").namespace(ns)
    deadline = time.monotonic() + 60
    while True:
        try:
            sas.get("default")
            break
        except dynclient.NotFound:
            if time.monotonic() > deadline:
                raise SystemExit(f"namespace {ns} got no default service account")
            time.sleep(0.1)
    pods.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": POD},
                 "spec": {"terminationGracePeriodSeconds": 0,
                          "containers": [{"name": "main", "image": "harness/fake"}]}})
    while (pods.get(POD).get("status") or {}).get("phase") != "Running":
        if time.monotonic() > deadline:
            raise SystemExit(f"pod {POD} is not Running: is this the harness's full cluster?")
        time.sleep(0.1)
    return dyn, pods, ns


def time_library(pods: Any, runs: int, nocheck: bool, v4: bool = False) -> List[float]:
    from dynclient.pods import channels
    from dynclient.pods.exec import connect_stream

    pod = pods.get(POD)
    samples = []
    offered = channels.PROTOCOLS
    if v4:
        channels.PROTOCOLS = (channels.V4,)  # the API server then proxies to the kubelet's own WebSocket
    try:
        for _ in range(runs + 1):
            start = time.perf_counter()
            if nocheck:
                with connect_stream(pods, POD, "main", "exec", ["true"], stdin=False, tty=False, pod=pod) as s:
                    code = s.wait(60)
            else:
                code = pods.exec(POD, ["true"]).exit_code
            samples.append(time.perf_counter() - start)
            assert code == 0
    finally:
        channels.PROTOCOLS = offered
    return samples[1:]


def time_process(cmd: List[str], runs: int, stdin: Optional[str] = None) -> List[float]:
    samples = []
    for _ in range(runs):
        fh = open(stdin, "rb") if stdin else subprocess.DEVNULL
        try:
            start = time.perf_counter()
            proc = subprocess.run(cmd, stdin=fh, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                                  timeout=300)
            samples.append(time.perf_counter() - start)
        finally:
            if stdin:
                fh.close()
        if proc.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-2000:]}")
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kubeconfig", default=os.environ.get("DYNCLIENT_TEST_FULL_KUBECONFIG"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cat-mib", type=int, default=0, help="also pipe this many MiB through cat (0: no)")
    parser.add_argument("--peer-python", default=None, help="an interpreter with the kubernetes package")
    parser.add_argument("--json", default=None, help="write the figures here too")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--namespace", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "kubernetes":
        child_kubernetes(args.kubeconfig, args.namespace, args.runs)
        return 0
    if not args.kubeconfig:
        parser.error("--kubeconfig (or DYNCLIENT_TEST_FULL_KUBECONFIG) is required")
    try:
        os.nice(10)
    except OSError:
        pass
    sys.path.insert(0, str(ROOT))
    dyn, pods, ns = setup(args.kubeconfig)
    figures: Dict[str, Any] = {"runs": args.runs, "unit": "ms (median)", "round_trip_true": {}, "notes": []}
    rt = figures["round_trip_true"]
    try:
        log(f"namespace {ns}: {args.runs} runs each")
        rt["dynclient"] = median_ms(time_library(pods, args.runs, nocheck=False))
        rt["dynclient-nocheck"] = median_ms(time_library(pods, args.runs, nocheck=True))
        rt["dynclient-nocheck-v4"] = median_ms(time_library(pods, args.runs, nocheck=True, v4=True))
        base = ["--kubeconfig", args.kubeconfig, "-n", ns, "exec", POD, "--", "true"]
        rt["kubectl"] = median_ms(time_process(["kubectl", *base], args.runs))
        rt["dynclient-cli"] = median_ms(time_process([sys.executable, "-m", "dynclient", *base], args.runs))
        py = peer_python(args.peer_python)
        if py is None:
            figures["notes"].append("kubernetes: no interpreter with the kubernetes package (--peer-python)")
        else:
            proc = subprocess.run([py, str(Path(__file__).resolve()), "--child", "kubernetes", "--kubeconfig",
                                   args.kubeconfig, "--namespace", ns, "--runs", str(args.runs)],
                                  capture_output=True, text=True, timeout=600, cwd=tempfile.gettempdir())
            if proc.returncode:
                figures["notes"].append(f"kubernetes failed: {proc.stderr.strip()[-500:]}")
            else:
                rt["kubernetes"] = median_ms(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])
        figures["ratios"] = {
            "kubectl/dynclient-cli": round(rt["kubectl"] / rt["dynclient-cli"], 2),
            **({"kubernetes/dynclient-nocheck": round(rt["kubernetes"] / rt["dynclient-nocheck"], 2),
                "kubernetes/dynclient-nocheck-v4": round(rt["kubernetes"] / rt["dynclient-nocheck-v4"], 2),
                "kubernetes/dynclient": round(rt["kubernetes"] / rt["dynclient"], 2)} if "kubernetes" in rt else {}),
        }
        if args.cat_mib:
            with tempfile.NamedTemporaryFile(suffix=".bin") as fh:
                fh.write(os.urandom(args.cat_mib * 1024 * 1024))
                fh.flush()
                runs = min(args.runs, 3)
                cat = ["--kubeconfig", args.kubeconfig, "-n", ns, "exec", "-i", POD, "--", "cat"]
                lib = []
                for _ in range(runs):
                    with open(fh.name, "rb") as src:
                        start = time.perf_counter()
                        out = pods.exec(POD, ["cat"], stdin=src).stdout
                        lib.append(time.perf_counter() - start)
                    assert len(out) == args.cat_mib * 1024 * 1024
                mibs = {"dynclient": lib,
                        "kubectl": time_process(["kubectl", *cat], runs, stdin=fh.name),
                        "dynclient-cli": time_process([sys.executable, "-m", "dynclient", *cat], runs,
                                                      stdin=fh.name)}
                figures["cat_mib_per_s"] = {k: round(args.cat_mib / statistics.median(v), 1)
                                            for k, v in mibs.items()}
                figures["cat_mib"] = args.cat_mib
    finally:
        try:
            dyn.resource("namespaces").delete(ns)
        except Exception:  # best effort: the namespace goes with the cluster anyway
            pass
        dyn.close()
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
