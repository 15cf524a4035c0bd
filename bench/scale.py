"""Discovery and name resolution at cluster scale: dynclient beside kubectl, N CRD groups.

Not a test: run it by hand (``python bench/scale.py``), or as the scaling
section of the bench. A loopback HTTP server serves the real discovery
documents of a Kubernetes release (``/work/shared/fixtures/discovery/kube``)
plus N CRD groups of two versions each (one namespaced resource with a
status subresource and a short name per version, as a CRD gets), adding a
fixed delay per request (a remote cluster's round trip). For each N, in the
same run and each in a fresh process:

* cold: empty cache directory, then resolve the last CRD's plural and list it;
* warm: the same again with the cache the cold run left (within its TTL);

for dynclient (``dynclient.connect(...).resource(plural).list()``) and for
kubectl (``kubectl --kubeconfig K --cache-dir C get <plural>``). Wall time
is the median of ``--runs``; peak RSS is the child's ``ru_maxrss``.

``--legacy`` serves legacy discovery only (no aggregated documents), and
``--backlog`` sets the server's listen backlog (5 is socketserver's default,
what a small server has): together they measure the legacy fetch's connects.

Results go to ``bench/results/scale-<date>.json``, and ``bench/plot.py scale``
draws them beside it as an SVG (no matplotlib needed).
"""

from __future__ import annotations

import argparse
import datetime
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
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "discovery" / "kube"
RESULTS = ROOT / "bench" / "results"
V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
SIZES = (0, 100, 500, 1000, 2000)
VERBS = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]
EMPTY_LIST = json.dumps({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                         "items": []}).encode()


def _crd(i: int) -> Tuple[str, str, str]:
    """(group, plural, kind) of CRD group ``i``."""
    return f"g{i}.scale.example.com", f"widget{i}s", f"Widget{i}"


def build_documents(n: int) -> Tuple[Dict[str, bytes], Dict[str, bytes]]:
    """(legacy documents by path, aggregated documents by path) for the fixtures plus ``n`` CRD groups."""
    legacy: Dict[str, bytes] = {}
    for f in FIXTURES.glob("*.json"):
        if not f.name.startswith("aggregated"):
            legacy["/" + f.stem.replace("__", "/")] = f.read_bytes()
    apis = json.loads(legacy["/apis"])
    aggregated = json.loads((FIXTURES / "aggregated_v2.json").read_bytes())
    for i in range(n):
        group, plural, kind = _crd(i)
        versions = ["v2", "v1"]  # preferred first, as the API server orders a CRD's versions
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        apigroup = {"name": group, "versions": entries, "preferredVersion": entries[0]}
        apis["groups"].append(apigroup)
        legacy[f"/apis/{group}"] = json.dumps({"kind": "APIGroup", "apiVersion": "v1", **apigroup}).encode()
        agg_versions = []
        for v in versions:
            legacy[f"/apis/{group}/{v}"] = json.dumps({
                "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{v}",
                "resources": [
                    {"name": plural, "singularName": kind.lower(), "namespaced": True, "kind": kind, "verbs": VERBS,
                     "shortNames": [f"wd{i}"], "storageVersionHash": "abcdefghijk="},
                    {"name": f"{plural}/status", "singularName": "", "namespaced": True, "kind": kind,
                     "verbs": ["get", "patch", "update"]},
                ]}).encode()
            agg_versions.append({"version": v, "freshness": "Current", "resources": [{
                "resource": plural, "singularResource": kind.lower(), "scope": "Namespaced", "verbs": VERBS,
                "shortNames": [f"wd{i}"], "responseKind": {"group": group, "version": v, "kind": kind},
                "subresources": [{"subresource": "status", "verbs": ["get", "patch", "update"],
                                  "responseKind": {"group": group, "version": v, "kind": kind}}],
            }]})
        aggregated["items"].append({"metadata": {"name": group, "creationTimestamp": None}, "versions": agg_versions})
    legacy["/apis"] = json.dumps(apis).encode()
    agg = {"/api": (FIXTURES / "aggregated_v2_api.json").read_bytes(), "/apis": json.dumps(aggregated).encode()}
    return legacy, agg


class ScaleServer:
    """The simulated API server: discovery documents, an empty list for any collection, a delay per request."""

    def __init__(self, n: int, *, delay: float = 0.02, aggregated: bool = True, backlog: int = 1024) -> None:
        self.delay = delay
        self.aggregated = aggregated
        self.legacy_docs, self.agg_docs = build_documents(n)
        self.lock = threading.Lock()
        self.count = 0
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with outer.lock:
                    outer.connections += 1

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                time.sleep(outer.delay)
                path = self.path.split("?", 1)[0]
                with outer.lock:
                    outer.count += 1
                ctype = "application/json"
                if outer.aggregated and path in outer.agg_docs and "apidiscovery.k8s.io" in self.headers.get("Accept", ""):
                    body, ctype = outer.agg_docs[path], V2
                elif path in outer.legacy_docs:
                    body = outer.legacy_docs[path]
                elif path == "/version":
                    body = json.dumps({"major": "1", "minor": "36", "gitVersion": "v1.36.0"}).encode()
                elif path.startswith(("/api/", "/apis/")) and "/namespaces/" in path:
                    body = EMPTY_LIST
                else:
                    body = b'{"kind":"Status","apiVersion":"v1","status":"Failure","code":404,"reason":"NotFound"}'
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

        class Server(ThreadingHTTPServer):
            request_queue_size = backlog
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def take(self) -> Tuple[int, int]:
        """(requests, connections) since the last call."""
        with self.lock:
            taken = self.count, self.connections
            self.count = self.connections = 0
        return taken

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def write_kubeconfig(url: str, directory: str) -> str:
    path = os.path.join(directory, "kubeconfig")
    with open(path, "w") as fh:
        json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "scale",
                   "clusters": [{"name": "scale", "cluster": {"server": url}}],
                   "users": [{"name": "scale", "user": {}}],
                   "contexts": [{"name": "scale", "context": {"cluster": "scale", "user": "scale",
                                                             "namespace": "default"}}]}, fh)
    return path


#: The dynclient child. DYNCLIENT_BENCH_START overrides the legacy fetch's connect ramp (bench knob only).
DYN_CHILD = """
import os, sys
if os.environ.get("DYNCLIENT_BENCH_START"):
    import discovery.parallel
    discovery.parallel.DEFAULT_START = int(os.environ["DYNCLIENT_BENCH_START"])
import dynclient
dyn = dynclient.connect(sys.argv[1], cache_dir=sys.argv[2], legacy_discovery=sys.argv[4] == "1")
dyn.resource(sys.argv[3]).namespace("default").list()
dyn.close()
"""


def run_child(cmd: List[str], env: Dict[str, str]) -> Tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err[-2000:]}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def peers(kc: str, plural: str, legacy_client: bool, starts: Optional[List[int]] = None) -> Dict[str, Any]:
    """Command builders by peer name; ``starts`` runs dynclient once per legacy connect-ramp start."""
    def dyn(start: Optional[int]) -> Any:
        prefix = ["env", f"DYNCLIENT_BENCH_START={start}"] if start else []
        return lambda cache: prefix + [sys.executable, "-c", DYN_CHILD, kc, cache, plural,
                                       "1" if legacy_client else "0"]

    out = {f"dynclient(start={k})": dyn(k) for k in starts} if starts else {"dynclient": dyn(None)}
    if shutil.which("kubectl"):
        out["kubectl"] = lambda cache: ["kubectl", "--kubeconfig", kc, "--cache-dir", cache, "get", plural,
                                        "-n", "default"]
    return out


#: Byte-compiled modules for the children, kept out of the tree; a user's install has them too.
PYCACHE = Path(tempfile.gettempdir()) / "dynclient-bench-pycache"


def child_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The children's environment: the repository on the path, and bytecode caching on.

    With ``PYTHONDONTWRITEBYTECODE`` set (some shells and CI set it), every
    fresh process would compile dynclient from source again, about 0.15 s of
    CPU that no installed copy pays.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(PYCACHE), **(extra or {}))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure_size(n: int, *, runs: int, delay: float, aggregated: bool, backlog: int,
                 only: Optional[List[str]] = None, env_extra: Optional[Dict[str, str]] = None,
                 starts: Optional[List[int]] = None) -> Dict[str, Dict[str, float]]:
    """Median cold/warm wall time, peak RSS, requests and connections per peer, at ``n`` CRD groups."""
    server = ScaleServer(n, delay=delay, aggregated=aggregated, backlog=backlog)
    env = child_env(env_extra)
    subprocess.run([sys.executable, "-c", "import dynclient.client, dynclient.resource"], env=env, check=True)
    plural = _crd(n - 1)[1] if n else "deployments.apps"
    samples: Dict[str, Dict[str, List[float]]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
            kc = write_kubeconfig(server.url, tmp)
            all_peers = peers(kc, plural, legacy_client=False, starts=starts)
            chosen = {k: v for k, v in all_peers.items() if not only or k.split("(")[0] in only}
            for _ in range(runs):
                for name, cmd in chosen.items():  # interleaved, so drift hits both peers alike
                    rec = samples.setdefault(name, {k: [] for k in (
                        "cold_s", "warm_s", "cold_cpu_s", "warm_cpu_s", "cold_rss_kib", "warm_rss_kib", "cold_req", "warm_req",
                        "cold_conn")})
                    cache = tempfile.mkdtemp(prefix="cache-", dir=tmp)
                    server.take()
                    wall, rss, cpu = run_child(cmd(cache), env)
                    req, conn = server.take()
                    rec["cold_s"].append(wall)
                    rec["cold_cpu_s"].append(cpu)
                    rec["cold_rss_kib"].append(rss)
                    rec["cold_req"].append(req)
                    rec["cold_conn"].append(conn)
                    wall, rss, cpu = run_child(cmd(cache), env)
                    rec["warm_s"].append(wall)
                    rec["warm_cpu_s"].append(cpu)
                    rec["warm_rss_kib"].append(rss)
                    rec["warm_req"].append(server.take()[0])
                    shutil.rmtree(cache, ignore_errors=True)
    finally:
        server.close()
    return {peer: {k: statistics.median(v) for k, v in rec.items()} for peer, rec in samples.items()}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="CRD group counts (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds per request (default 20 ms)")
    parser.add_argument("--legacy", action="store_true", help="serve legacy discovery only")
    parser.add_argument("--backlog", type=int, default=1024, help="listen backlog of the server (default 1024)")
    parser.add_argument("--only", default="", help="comma list of peers (dynclient,kubectl)")
    parser.add_argument("--starts", default="", help="comma list: run dynclient once per legacy connect-ramp start")
    parser.add_argument("--out", default="", help="results file (default bench/results/scale-<date>.json)")
    args = parser.parse_args(argv)
    if not FIXTURES.is_dir():
        print(f"shared fixtures not found at {FIXTURES}", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",") if s]
    mode = "legacy" if args.legacy else "aggregated"
    print(f"{mode} discovery, {args.delay * 1000:.0f} ms per request, backlog {args.backlog}, median of {args.runs}"
          f" runs, fresh process each")
    print(f"{'groups':>6} {'client':<18} {'cold s':>7} {'warm s':>7} {'cold cpu':>8} {'warm cpu':>8} {'cold MiB':>8} "
          f"{'warm MiB':>8} {'cold req':>8} {'cold conn':>9} {'cold/kubectl':>12} {'warm/kubectl':>12}")
    rows = []
    for n in sizes:
        figures = measure_size(n, runs=args.runs, delay=args.delay, aggregated=not args.legacy,
                               backlog=args.backlog, only=[p for p in args.only.split(",") if p] or None,
                               starts=[int(k) for k in args.starts.split(",") if k] or None)
        base = figures.get("kubectl")
        for peer, f in figures.items():
            cold_ratio = f["cold_s"] / base["cold_s"] if base else float("nan")
            warm_ratio = f["warm_s"] / base["warm_s"] if base else float("nan")
            print(f"{n:>6} {peer:<18} {f['cold_s']:>7.2f} {f['warm_s']:>7.2f} {f['cold_cpu_s']:>8.2f} "
                  f"{f['warm_cpu_s']:>8.2f} {f['cold_rss_kib'] / 1024:>8.0f} "
                  f"{f['warm_rss_kib'] / 1024:>8.0f} {f['cold_req']:>8.0f} {f['cold_conn']:>9.0f} "
                  f"{cold_ratio:>11.2f}x {warm_ratio:>11.2f}x", flush=True)
            rows.append({"groups": n, "client": peer, **f})
    date = datetime.date.today().isoformat()
    out = Path(args.out) if args.out else RESULTS / f"scale-{date}{'-legacy' if args.legacy else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": date, "mode": mode, "delay_s": args.delay, "backlog": args.backlog,
                               "runs": args.runs, "rows": rows}, indent=1) + "\n")
    svg = out.with_suffix(".svg")
    subprocess.run([sys.executable, str(ROOT / "bench" / "plot.py"), "scale", str(out), str(svg)], check=True)
    print(f"wrote {out} and {svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
