"""asyncio clients side by side: 200 concurrent GETs of different ConfigMaps at 20 ms RTT.

Not a test and not run in CI. From the repository root, with the harness API
server running (or any cluster whose kubeconfig has a bearer token)::

    python bench/bench_aio.py --kubeconfig "$DYNCLIENT_TEST_KUBECONFIG" \\
        --python /tmp/aio-peers/bin/python          # a venv with kr8s, kubernetes_asyncio and dynclient

It creates 200 ConfigMaps in namespace ``bench-aio`` (idempotent), starts
``bench/latencyproxy`` (``servers.LatencyProxy``: plain HTTP on loopback, the
delay per request, the admin token injected) and runs each client in a fresh
process of ``--python``: connect, one GET to warm up (discovery, the first
connection), then ``--rounds`` rounds of 200 GETs at once (``asyncio.gather``),
each of a different ConfigMap. The first round opens the connections (cold);
the later ones reuse them (warm). Figures are the median over ``--runs``
processes; ratios are peer / dynclient.aio, so above 1 means dynclient.aio is
faster. Each process also reports the CPU time of a warm round: on a loaded
machine the wall time is mostly the server's, and the CPU column is what the
client itself costs. ``python bench/run.py --only aio`` runs the same through
the bench (its ``aio`` section), with the rest of the bench's reporting. Nobody is throttled (dynclient with ``qps=0``; the peers have no
client-side rate limit). Connection limits are each client's default:
dynclient.aio's call pool is its connection pool (64), kr8s (httpx) and
kubernetes_asyncio (aiohttp) allow 100 connections; ``--workers`` sizes
dynclient's pool instead.
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
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

NAMESPACE = "bench-aio"
COUNT = 200

CHILD = r'''
import asyncio, json, sys, time
client, kubeconfig, namespace, count, rounds, workers = sys.argv[1:7]
count, rounds, workers = int(count), int(rounds), int(workers)
names = [f"cm-{i:03d}" for i in range(count)]

async def timed(get):
    await get(names[0])  # warm up: discovery, the first connection
    walls, cpus = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        got = await asyncio.gather(*(get(n) for n in names))
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        assert len(got) == count
    return walls, cpus

async def dynclient_aio():
    import dynclient.aio
    options = {"max_workers": workers} if workers else {}
    async with await dynclient.aio.connect(kubeconfig, disk_cache=False, qps=0, **options) as dyn:
        cms = dyn.resource("configmaps").namespace(namespace)
        async def get(name):
            return (await cms.get(name))["metadata"]["name"]
        return await timed(get)

async def kr8s_async():
    import kr8s.asyncio
    from kr8s.asyncio.objects import ConfigMap
    api = await kr8s.asyncio.api(kubeconfig=kubeconfig)
    async def get(name):
        return (await ConfigMap.get(name, namespace=namespace, api=api)).name
    return await timed(get)

async def kubernetes_asyncio():
    from kubernetes_asyncio import client as k8s, config
    await config.load_kube_config(config_file=kubeconfig)
    async with k8s.ApiClient() as api:
        core = k8s.CoreV1Api(api)
        async def get(name):
            return (await core.read_namespaced_config_map(name, namespace)).metadata.name
        return await timed(get)

walls, cpus = asyncio.run({"dynclient.aio": dynclient_aio, "kr8s": kr8s_async,
                            "kubernetes_asyncio": kubernetes_asyncio}[client]())
print(json.dumps({"cold": walls[0], "warm": walls[1:], "warm_cpu": cpus[1:]}))
'''

CLIENTS = ["dynclient.aio", "kr8s", "kubernetes_asyncio"]


def populate(kubeconfig: str) -> None:
    import dynclient

    with dynclient.connect(kubeconfig, disk_cache=False, qps=0) as dyn:
        try:
            dyn.resource("ns").create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        except dynclient.AlreadyExists:
            pass
        cms = dyn.resource("cm").namespace(NAMESPACE)
        have = {o["metadata"]["name"] for o in cms.list()["items"]}
        for i in range(COUNT):
            name = f"cm-{i:03d}"
            if name not in have:
                cms.create({"metadata": {"name": name}, "data": {"payload": "x" * 800}})


def child(python: str, client: str, kubeconfig: str, rounds: int, workers: int) -> Dict[str, Any]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("KUBECONFIG", None)
    proc = subprocess.run([python, "-c", CHILD, client, kubeconfig, NAMESPACE, str(COUNT), str(rounds), str(workers)],
                          capture_output=True, text=True, env=env, timeout=600, cwd=tempfile.gettempdir())
    if proc.returncode:
        raise RuntimeError(f"{client} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(kubeconfig: str, python: str, *, delay: float = 0.02, runs: int = 5, rounds: int = 4,
            workers: int = 0) -> Dict[str, Any]:
    """Populate, put a latency proxy in front of ``kubeconfig``'s server, run every client ``runs`` times.

    Returns, per client, the medians over the processes: ``cold`` and
    ``warm`` wall seconds of one round of 200 GETs, and ``warm_cpu``, the
    CPU seconds the client's process spent in a warm round (what decides
    the wall time once the machine, not the network, is the limit).
    """
    import servers

    populate(kubeconfig)
    upstream, ca, token = servers.harness_upstream(kubeconfig)
    proxy = servers.LatencyProxy(upstream, ca, token, delay=delay)
    results: Dict[str, Dict[str, List[float]]] = {c: {"cold": [], "warm": [], "warm_cpu": []} for c in CLIENTS}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plain = servers.plain_kubeconfig(proxy.url, os.path.join(tmp, "kubeconfig"), NAMESPACE)
            for _ in range(runs):
                for client in CLIENTS:  # interleaved, so a busy moment of the machine hits every client
                    out = child(python, client, plain, rounds, workers)
                    results[client]["cold"].append(out["cold"])
                    results[client]["warm"].append(statistics.median(out["warm"]))
                    results[client]["warm_cpu"].append(statistics.median(out["warm_cpu"]))
    finally:
        proxy.close()
    return {c: {k: statistics.median(v) for k, v in r.items()} for c, r in results.items()}


def report(med: Dict[str, Any], delay: float, runs: int) -> List[str]:
    """The table: each client's figures and its ratio to dynclient.aio's (above 1: dynclient.aio is faster)."""
    base = med["dynclient.aio"]
    lines = [f"200 concurrent GETs of different ConfigMaps, {delay * 1000:.0f} ms per request, "
             f"median of {runs} processes (ratio = peer / dynclient.aio)",
             f"{'client':<20} {'cold ms':>9} {'ratio':>6} {'warm ms':>9} {'ratio':>6} {'warm CPU ms':>12} {'ratio':>6}"]
    for client in CLIENTS:
        m = med[client]
        lines.append(f"{client:<20} {m['cold'] * 1000:9.1f} {m['cold'] / base['cold']:6.2f} "
                     f"{m['warm'] * 1000:9.1f} {m['warm'] / base['warm']:6.2f} "
                     f"{m['warm_cpu'] * 1000:12.1f} {m['warm_cpu'] / base['warm_cpu']:6.2f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", default=os.environ.get("DYNCLIENT_TEST_KUBECONFIG"), required=False)
    parser.add_argument("--python", default=sys.executable, help="a Python with the three clients installed")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds added per request (the RTT)")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per client")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of 200 GETs per process (the first is cold)")
    parser.add_argument("--workers", type=int, default=0, help="dynclient.aio's max_workers (0: its default)")
    args = parser.parse_args()
    if not args.kubeconfig:
        parser.error("--kubeconfig (or $DYNCLIENT_TEST_KUBECONFIG) is required")
    med = measure(args.kubeconfig, args.python, delay=args.delay, runs=args.runs, rounds=args.rounds,
                  workers=args.workers)
    print("\n".join(report(med, args.delay, args.runs)))
    print(json.dumps({"delay": args.delay, "runs": args.runs, "workers": args.workers, "median": med}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
