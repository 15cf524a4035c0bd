"""Log follow throughput on the harness's full cluster: dynclient beside ``kubectl logs -f`` and kubernetes-client.

Not a test. One pod's fake container writes ``--lines`` lines at once and ends
(``restartPolicy: Never``); each client then follows its log to the end, in a
fresh process per run, the clients taking turns within each run so the
machine's load falls on all of them alike:

- ``dynclient``: ``ResourceClient.logs(name, follow=True)``, iterated (``LogFollow``: str lines),
- ``dynclient-cli``: ``python -m dynclient logs -f`` to /dev/null,
- ``kubectl``: ``kubectl logs -f`` to /dev/null,
- ``kubernetes``: ``watch.Watch().stream(CoreV1Api.read_namespaced_pod_log, ..., follow=True)``, the
  kubernetes-client way to follow a log line by line (needs ``kubernetes`` in the peers' virtualenv that
  ``bench/run.py`` installs, ``~/.cache/dynclient/bench/venv-peers``; ``--install-peer`` puts it there).

Figures per client, medians of ``--runs``: the process's wall time (start to exit, what a user
waits for); the same for a pod with one line (``tiny``: start-up, discovery from a warm cache, the pod
GET, one request), and the throughput those leave: ``--lines`` over (big - tiny) seconds, which
takes each client's start-up out (the Python CLIs spend seconds importing on a loaded machine); and,
for the Python libraries, the follow alone timed inside the process (request to last line).
Ratios are dynclient's time over the client's (above 1: the client is faster), from the same run.

    python bench/bench_pods_logs.py --kubeconfig "$(cat /tmp/coord/kubeconfig-full)" --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
sys.path[:0] = [str(ROOT)]

import dynclient  # noqa: E402

try:
    import platformdirs

    CACHE = Path(platformdirs.user_cache_path("dynclient"))
except ImportError:
    CACHE = Path.home() / ".cache" / "dynclient"
PEER_PY = CACHE / "bench" / "venv-peers" / "bin" / "python"
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(ROOT))
ENV.pop("KUBECONFIG", None)

DYNCLIENT_CHILD = """
import json, sys, time
import dynclient
kc, ns, name, cache = sys.argv[1:5]
dyn = dynclient.connect(kc, cache_dir=cache, qps=0)
pods = dyn.resource("pods").namespace(ns)
start = time.perf_counter()
n = 0
for line in pods.logs(name, follow=True):
    n += 1
print(json.dumps({"lines": n, "follow": time.perf_counter() - start}))
"""

KUBERNETES_CHILD = """
import json, sys, time
from kubernetes import client, config, watch
kc, ns, name = sys.argv[1:4]
config.load_kube_config(config_file=kc)
api = client.CoreV1Api()
start = time.perf_counter()
n = 0
for line in watch.Watch().stream(api.read_namespaced_pod_log, name=name, namespace=ns, follow=True):
    n += 1
print(json.dumps({"lines": n, "follow": time.perf_counter() - start}))
"""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def has_kubernetes() -> bool:
    return PEER_PY.exists() and subprocess.run([str(PEER_PY), "-c", "import kubernetes"],
                                               capture_output=True).returncode == 0


def install_peer() -> None:
    """kubernetes-client into bench/run.py's peers virtualenv, as run.py makes it (it adds the other peers)."""
    if not PEER_PY.exists():
        log(f"creating {PEER_PY.parent.parent}")
        subprocess.run([sys.executable, "-m", "venv", str(PEER_PY.parent.parent)], check=True)
    log("installing kubernetes into the peers' virtualenv")
    subprocess.run([str(PEER_PY), "-m", "pip", "install", "--quiet", "kubernetes"], check=True)


def make_pods(kubeconfig: str, lines: int) -> tuple:
    """A namespace with two pods whose containers have written their lines and ended: ``writer``
    (``lines`` lines) and ``tiny`` (one line)."""
    namespace = f"bench-logs-{uuid.uuid4().hex[:6]}"
    dyn = dynclient.connect(kubeconfig, disk_cache=False)
    dyn.resource("namespaces").create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    deadline = time.monotonic() + 60
    while True:
        try:
            dyn.resource("serviceaccounts").namespace(namespace).get("default")
            break
        except dynclient.NotFound:
            if time.monotonic() > deadline:
                raise SystemExit("no default service account after 60 s")
            time.sleep(0.1)
    pods = dyn.resource("pods").namespace(namespace)
    for name, count in (("writer", lines), ("tiny", 1)):
        pods.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "annotations": {
            "harness.dynclient.test/log-lines": str(count), "harness.dynclient.test/exit-code": "0"}},
            "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "main", "image": "harness/fake"}]}})
    deadline = time.monotonic() + 120
    while any((pods.get(n).get("status") or {}).get("phase") != "Succeeded" for n in ("writer", "tiny")):
        if time.monotonic() > deadline:
            raise SystemExit("the pods did not finish in 120 s")
        time.sleep(0.2)
    return dyn, namespace


def run_child(cmd: List[str], lines: int) -> Dict[str, float]:
    start = time.perf_counter()
    proc = subprocess.run(["nice", "-n", "10", *cmd], capture_output=True, env=ENV, timeout=600)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr[-2000:].decode(errors='replace')}")
    figures: Dict[str, float] = {"wall": wall}
    text = proc.stdout.decode().strip()
    if text.startswith("{"):
        figures.update(json.loads(text.splitlines()[-1]))
        if figures.get("lines") != lines:
            raise RuntimeError(f"{cmd[:4]} read {figures.get('lines')} lines, not {lines}")
    return figures


def run_counted(cmd: List[str], lines: int) -> Dict[str, float]:
    """A CLI to a pipe that counts its lines (the output must be the whole log, not merely some bytes)."""
    start = time.perf_counter()
    proc = subprocess.run(["nice", "-n", "10", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                          timeout=600)
    wall = time.perf_counter() - start
    got = proc.stdout.count(b"\n")
    if proc.returncode or got != lines:
        raise RuntimeError(f"{cmd[:4]}: exit {proc.returncode}, {got} lines: "
                           f"{proc.stderr[-2000:].decode(errors='replace')}")
    return {"wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", default=os.environ.get("DYNCLIENT_TEST_FULL_KUBECONFIG"),
                        help="a full-cluster harness kubeconfig (tests/apiserver/run start)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--install-peer", action="store_true",
                        help="install kubernetes-client into the peers' virtualenv if it is not there")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args()
    if not args.kubeconfig:
        raise SystemExit("--kubeconfig (or DYNCLIENT_TEST_FULL_KUBECONFIG) is needed")
    if args.install_peer and not has_kubernetes():
        install_peer()
    peer = has_kubernetes()
    if not peer:
        log(f"kubernetes-client is not in {PEER_PY}: skipped (run with --install-peer, or bench/run.py once)")
    dyn, namespace = make_pods(args.kubeconfig, args.lines)
    cache = tempfile.mkdtemp(prefix="bench-logs-cache-")

    def clients_for(pod: str, lines: int) -> Dict[str, Any]:
        target = [args.kubeconfig, namespace, pod]
        made: Dict[str, Any] = {
            "dynclient": lambda: run_child([sys.executable, "-c", DYNCLIENT_CHILD, *target, cache], lines),
            "dynclient-cli": lambda: run_counted([sys.executable, "-m", "dynclient", "--kubeconfig", args.kubeconfig,
                                                  "--cache-dir", cache, "-n", namespace, "logs", "-f", pod], lines),
            "kubectl": lambda: run_counted(["kubectl", "--kubeconfig", args.kubeconfig, "-n", namespace, "logs", "-f",
                                            pod], lines),
        }
        if peer:
            made["kubernetes"] = lambda: run_child([str(PEER_PY), "-c", KUBERNETES_CHILD, *target], lines)
        return made

    big, tiny = clients_for("writer", args.lines), clients_for("tiny", 1)
    results: Dict[str, List[Dict[str, float]]] = {name: [] for name in big}
    try:
        for name in big:  # warm-up: the server's caches, the page cache, .pyc files, discovery caches
            big[name]()
            tiny[name]()
        for i in range(args.runs):
            for name in big:
                small = tiny[name]()
                figures = big[name]()
                figures["tiny"] = small["wall"]
                results[name].append(figures)
            log(f"run {i + 1}/{args.runs}: " + ", ".join(f"{n} {results[n][-1]['wall']:.2f}s" for n in big))
    finally:
        try:
            dyn.resource("namespaces").delete(namespace)
        except dynclient.NotFound:
            pass
        dyn.close()
        shutil.rmtree(cache, ignore_errors=True)
    summary: Dict[str, Dict[str, Optional[float]]] = {}
    for name, runs in results.items():
        summary[name] = {
            "wall_s": statistics.median(r["wall"] for r in runs),
            "tiny_s": statistics.median(r["tiny"] for r in runs),
            "net_s": statistics.median(r["wall"] - r["tiny"] for r in runs),
            "follow_s": statistics.median(r["follow"] for r in runs) if "follow" in runs[0] else None,
        }
    base = summary["dynclient"]
    print(f"log follow to the end, {args.lines:,} lines written at once, median of {args.runs} runs; "
          f"ratio = dynclient's seconds / the client's (same run)")
    print(f"{'client':<14} {'process s':>9} {'1-line s':>8} {'net s':>6} {'net lines/s':>12} {'ratio':>6} "
          f"{'in-process s':>12} {'lines/s':>9} {'ratio':>6}")
    for name, fig in summary.items():
        net = fig["net_s"] or 0.0
        row = f"{name:<14} {fig['wall_s']:>9.2f} {fig['tiny_s']:>8.2f} "
        if net > 0.25 * (fig["wall_s"] or 0.0) and (base["net_s"] or 0.0) > 0:
            row += f"{net:>6.2f} {args.lines / net:>12,.0f} {(base['net_s'] or 0.0) / net:>6.2f}"
        else:  # start-up is nearly all of it: the difference is the machine's noise, not a rate
            row += f"{'-':>6} {'(start-up)':>12} {'-':>6}"
        if fig["follow_s"] is not None and base["follow_s"]:
            row += (f" {fig['follow_s']:>12.2f} {args.lines / fig['follow_s']:>9,.0f} "
                    f"{base['follow_s'] / fig['follow_s']:>6.2f}")
        print(row)
    if args.json:
        Path(args.json).write_text(json.dumps({"lines": args.lines, "runs": args.runs, "raw": results,
                                               "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
