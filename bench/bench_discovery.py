"""Round trips and wall time for cold and warm resolve-then-list, dynclient beside kubectl.

Not a test: run it by hand (``python bench/bench_discovery.py``). It serves the
shared discovery documents of a real Kubernetes release from a loopback HTTP
server that adds a per-request delay (a remote cluster's RTT), in aggregated
and in legacy-only mode, and measures in the same run:

* dynclient cold (empty cache) and warm (fresh disk cache): requests and wall time
  for ``resource("deployments.apps")`` + ``list()`` in a fresh process;
* kubectl doing ``get deployments.apps`` with its own ``--cache-dir``, same server;
* ``import dynclient`` against ``import requests``.

Figures are medians of ``--runs`` runs; ratios are computed pair by pair.
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
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "discovery" / "kube"
V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


class Server:
    """Serves /api, /apis and per-group-version documents, plus an empty list for any collection."""

    def __init__(self, delay: float, aggregated: bool) -> None:
        self.delay = delay
        self.aggregated = aggregated
        self.count = 0
        self.paths: List[str] = []
        self.lock = threading.Lock()
        docs: Dict[str, bytes] = {}
        for f in FIXTURES.glob("*.json"):
            if f.name.startswith("aggregated"):
                continue
            docs["/" + f.stem.replace("__", "/")] = f.read_bytes()
        self.docs = docs
        self.agg = {"/api": (FIXTURES / "aggregated_v2_api.json").read_bytes(),
                    "/apis": (FIXTURES / "aggregated_v2.json").read_bytes()}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                time.sleep(outer.delay)
                path = self.path.split("?", 1)[0]
                with outer.lock:
                    outer.count += 1
                    outer.paths.append(path)
                accept = self.headers.get("Accept", "")
                ctype = "application/json"
                if outer.aggregated and path in outer.agg and "apidiscovery.k8s.io" in accept:
                    body, ctype = outer.agg[path], V2
                elif path in outer.docs:
                    body = outer.docs[path]
                elif path == "/version":
                    body = json.dumps({"major": "1", "minor": "36", "gitVersion": "v1.36.0"}).encode()
                elif path.startswith(("/api/", "/apis/")):
                    body = json.dumps({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                                       "items": []}).encode()
                else:
                    body, ctype = b'{"kind":"Status","code":404,"reason":"NotFound"}', "application/json"
                    self.send_response(404)
                    self._finish(body, ctype)
                    return
                self.send_response(200)
                self._finish(body, ctype)

            def _finish(self, body: bytes, ctype: str) -> None:
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def take(self) -> Tuple[int, List[str]]:
        with self.lock:
            n, paths = self.count, self.paths
            self.count, self.paths = 0, []
        return n, paths

    def close(self) -> None:
        self.httpd.shutdown()


def kubeconfig(url: str, directory: str) -> str:
    path = os.path.join(directory, "kubeconfig")
    with open(path, "w") as fh:
        json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "bench",
                   "clusters": [{"name": "bench", "cluster": {"server": url}}],
                   "users": [{"name": "bench", "user": {}}],
                   "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench",
                                                             "namespace": "default"}}]}, fh)
    return path


DYN_SNIPPET = """
import sys, dynclient
dyn = dynclient.connect(sys.argv[1], cache_dir=sys.argv[2], legacy_discovery=sys.argv[3] == "1")
dyn.resource("deployments.apps").namespace("default").list()
"""


def timed(cmd: List[str], env: Dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def measure(server: Server, kc: str, runs: int, legacy_client: bool) -> Dict[str, Dict[str, float]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out: Dict[str, Dict[str, List[float]]] = {}
    peers = {"dynclient": lambda cache: [sys.executable, "-c", DYN_SNIPPET, kc, cache, "1" if legacy_client else "0"]}
    if shutil.which("kubectl"):
        peers["kubectl"] = lambda cache: ["kubectl", "--kubeconfig", kc, "--cache-dir", cache,
                                          "get", "deployments.apps", "-n", "default"]
    for name, cmd in peers.items():
        rec = out.setdefault(name, {"cold_s": [], "cold_req": [], "warm_s": [], "warm_req": []})
        for _ in range(runs):
            cache = tempfile.mkdtemp(prefix="bench-cache-")
            server.take()
            rec["cold_s"].append(timed(cmd(cache), env))
            rec["cold_req"].append(server.take()[0])
            rec["warm_s"].append(timed(cmd(cache), env))
            rec["warm_req"].append(server.take()[0])
            shutil.rmtree(cache, ignore_errors=True)
    return {peer: {k: statistics.median(v) for k, v in rec.items()} for peer, rec in out.items()}


def import_times(runs: int) -> Dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = {}
    for mod in ("requests", "dynclient"):
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import {mod}"], check=True, env=env)
            samples.append(time.perf_counter() - start)
        result[mod] = statistics.median(samples)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.02, help="per-request delay in seconds (default 20 ms)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not FIXTURES.is_dir():
        print(f"shared fixtures not found at {FIXTURES}", file=sys.stderr)
        return 2
    print(f"per-request delay {args.delay * 1000:.0f} ms, median of {args.runs} runs, fresh process each\n")
    print(f"{'server':<11} {'client':<10} {'cold req':>8} {'cold ms':>8} {'warm req':>8} {'warm ms':>8} "
          f"{'cold ratio':>10}")
    for mode, aggregated in (("aggregated", True), ("legacy", False)):
        server = Server(args.delay, aggregated)
        with tempfile.TemporaryDirectory() as tmp:
            figures = measure(server, kubeconfig(server.url, tmp), args.runs, legacy_client=False)
        server.close()
        base = figures["dynclient"]["cold_s"]
        for peer, f in figures.items():
            print(f"{mode:<11} {peer:<10} {f['cold_req']:>8.0f} {f['cold_s'] * 1000:>8.0f} {f['warm_req']:>8.0f} "
                  f"{f['warm_s'] * 1000:>8.0f} {f['cold_s'] / base:>9.2f}x")
    imports = import_times(args.runs)
    print(f"\nimport requests {imports['requests'] * 1000:.0f} ms, import dynclient {imports['dynclient'] * 1000:.0f} ms "
          f"(+{(imports['dynclient'] - imports['requests']) * 1000:.0f} ms, interpreter start-up included in both)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
