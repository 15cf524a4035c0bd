"""Informer over many ConfigMaps on a real API server: sync time and memory per mode, event latency.

Modes: ``full`` (whole objects), ``stripped`` (``transform=strip_managed_fields``),
``metadata`` (``metadata_only=True``: PartialObjectMetadata, whose
``managedFields`` the informer drops by default), ``metadata_managed``
(metadata-only keeping them: ``transform=keep_managed_fields``) and
``watchlist`` (a WatchList start, ``sendInitialEvents=true``) and
``metadata_watchlist`` (both: no continue token to expire). Each mode
runs in a fresh child process, so its memory is its own.

The memory figure, ``store_mib``, is steady-state RSS with the process's
baseline subtracted: RSS (``/proc/self/statm``) after a ``gc.collect()``
once the informer has synced, minus RSS after a ``gc.collect()`` just
before it starts (the interpreter, dynclient, a connection and discovery:
about 36 MiB, the same in every mode, so it would only blur the ratio).
``peak_rss_mib`` is the child's ``VmHWM``, baseline included (not
``ru_maxrss``: Linux carries that across ``exec`` from the parent). ``stats.full_lists``
says whether the paged LIST outlived its continue token and finished as
one LIST of everything (the harness compacts etcd every few seconds, so a
slow LIST may); that run's RSS keeps some of the bigger reply, so compare
modes on runs without it. Event latency: after the ``full`` sync the child
patches ``--updates`` objects one by one, each carrying its send time in an
annotation; the handler notes the delay. The peer is ``kubectl get -o json``
on the same objects (the ``kubernetes`` package is not installed here), and
a plain ``ResourceClient.list`` as the floor.

Run it against a server of its own, not a shared one::

    KC=$(tests/apiserver/run start --minimal)
    nice -n 10 .venv/bin/python bench/bench_informer.py --kubeconfig "$KC" --objects 20000 --updates 2000 \
        --namespace my-bench --delete-namespace
    tests/apiserver/run stop "$KC"
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT]

import dynclient  # noqa: E402

NAMESPACE = "bench-informer"
CM = dynclient.GroupVersionResource("", "v1", "configmaps")
MODES = ("full", "stripped", "metadata", "metadata_managed", "watchlist", "metadata_watchlist")


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def peak_rss_mib() -> float:
    """This process's high-water RSS (``VmHWM``), which starts afresh at ``exec``."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def populate(kubeconfig: str, objects: int, workers: int = 8) -> None:
    """Create the namespace and ``objects`` ConfigMaps of about 1 KiB each (kept when already there)."""
    with dynclient.connect(kubeconfig, qps=0, disk_cache=False) as dyn:
        ns = dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces"))
        try:
            ns.create({"metadata": {"name": NAMESPACE}})
        except dynclient.AlreadyExists:
            pass
        cms = dyn.resource(CM).namespace(NAMESPACE)
        # One unpaged metadata LIST: paged, it can outlive its continue token on a loaded harness.
        have = {o["metadata"]["name"] for o in cms.metadata().list().get("items") or []}
        todo = [i for i in range(objects) if f"cm-{i:05d}" not in have]
        payload = "x" * 900

        def make(i: int) -> None:
            cms.create({"metadata": {"name": f"cm-{i:05d}", "labels": {"app": "bench", "shard": str(i % 10)}},
                        "data": {"payload": payload}})

        start = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(make, todo))
        print(f"created {len(todo)} ConfigMaps in {time.perf_counter() - start:.1f}s", file=sys.stderr)


def child(kubeconfig: str, mode: str, updates: int) -> Dict[str, Any]:
    """One mode, in this (fresh) process: sync, memory, and (full) event latency."""
    from dynclient.informer import Informer, keep_managed_fields, strip_managed_fields

    options: Dict[str, Any] = {"full": {}, "stripped": {"transform": strip_managed_fields},
                               "metadata": {"metadata_only": True},
                               "metadata_managed": {"metadata_only": True, "transform": keep_managed_fields},
                               "watchlist": {"watch_list": True},
                               "metadata_watchlist": {"watch_list": True, "metadata_only": True}}[mode]
    dyn = dynclient.connect(kubeconfig, qps=0, disk_cache=False)
    dyn.resource(CM)  # discovery before the clock starts
    gc.collect()
    base = rss_mib()
    inf = Informer(dyn, CM, namespace=NAMESPACE, **options)
    start = time.perf_counter()
    inf.start()
    assert inf.wait_for_sync(600), "no sync"
    synced = time.perf_counter() - start
    gc.collect()
    after = rss_mib()
    out: Dict[str, Any] = {"mode": mode, "objects": len(inf.store), "sync_s": round(synced, 2),
                           "rss_base_mib": round(base, 1), "rss_synced_mib": round(after, 1),
                           "store_mib": round(after - base, 1),
                           "peak_rss_mib": peak_rss_mib(),
                           "stats": inf.stats}
    if updates and mode == "full":
        out.update(latency(dyn, inf, updates))
    inf.stop()
    dyn.close()
    return out


def latency(dyn: Any, inf: Any, updates: int) -> Dict[str, Any]:
    delays: List[float] = []
    done = threading.Event()

    def on_update(old: Dict, new: Dict) -> None:
        sent = ((new.get("metadata") or {}).get("annotations") or {}).get("bench/sent")
        if sent and sent != ((old.get("metadata") or {}).get("annotations") or {}).get("bench/sent"):
            delays.append(time.time() - float(sent))
            if len(delays) >= updates:
                done.set()

    inf.add_event_handler(on_update=on_update)
    cms = dyn.resource(CM).namespace(NAMESPACE)
    names = sorted(o["metadata"]["name"] for o in inf.store.list())[:updates]
    start = time.perf_counter()
    for name in names:
        cms.patch(name, {"metadata": {"annotations": {"bench/sent": repr(time.time())}}})
    done.wait(120)
    spent = time.perf_counter() - start
    delays.sort()
    q = statistics.quantiles(delays, n=100) if len(delays) > 1 else [0.0] * 99
    return {"updates": len(delays), "latency_p50_ms": round(q[49] * 1000, 1), "latency_p99_ms": round(q[98] * 1000, 1),
            "updates_s": round(spent, 1)}


def peers(kubeconfig: str, runs: int = 3) -> Dict[str, Any]:
    """``kubectl get -o json`` and a plain dynclient LIST of the same objects: best of ``runs``."""
    kubectl = []
    for _ in range(runs):
        start = time.perf_counter()
        # One LIST: a paged one can outlive its continue token on a server compacting every few seconds.
        subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "-n", NAMESPACE, "get", "configmaps", "-o", "json",
                        "--chunk-size=0"],
                       check=True, stdout=subprocess.DEVNULL)
        kubectl.append(time.perf_counter() - start)
    plain = []
    with dynclient.connect(kubeconfig, qps=0, disk_cache=False) as dyn:
        cms = dyn.resource(CM).namespace(NAMESPACE)
        for _ in range(runs):
            start = time.perf_counter()
            n = len(cms.list().get("items") or [])  # unpaged, as kubectl's --chunk-size=0 above
            plain.append(time.perf_counter() - start)
    return {"kubectl_get_json_s": round(min(kubectl), 2), "dynclient_list_s": round(min(plain), 2), "listed": n}


def delete_namespace(kubeconfig: str) -> None:
    """Delete the ConfigMaps (a minimal harness has no namespace controller to do it), then the namespace."""
    with dynclient.connect(kubeconfig, disk_cache=False) as dyn:
        cms = dyn.resource(CM).namespace(NAMESPACE)
        for _ in range(10):  # the server's own paged LIST inside a DELETE collection can expire: again
            try:
                cms.delete_collection()
            except dynclient.DynclientError as err:
                print(f"delete collection: {err}", file=sys.stderr)
            if not cms.metadata().list().get("items"):
                break
        dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces")).delete(NAMESPACE)
    print(f"deleted namespace {NAMESPACE}", file=sys.stderr)


def main() -> int:
    global NAMESPACE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--objects", type=int, default=20000)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--namespace", default="bench-informer", help="where the ConfigMaps are made (default %(default)s)")
    parser.add_argument("--populate-only", action="store_true", help="create the ConfigMaps and stop")
    parser.add_argument("--delete-namespace", action="store_true", help="delete the namespace at the end")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    NAMESPACE = args.namespace
    if args.child:
        print(json.dumps(child(args.kubeconfig, args.child, args.updates)))
        return 0
    populate(args.kubeconfig, args.objects)
    if args.populate_only:
        return 0
    results = []
    for mode in args.modes.split(","):
        proc = subprocess.run([sys.executable, __file__, "--kubeconfig", args.kubeconfig, "--child", mode,
                               "--namespace", NAMESPACE, "--updates", str(args.updates)], check=True, capture_output=True, text=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    print(json.dumps({"peers": peers(args.kubeconfig)}), flush=True)
    full = next((r for r in results if r["mode"] == "full"), None)
    if full:
        print(json.dumps({f"{r['mode']}_store_over_full_store": round(r["store_mib"] / full["store_mib"], 3)
                          for r in results if r is not full}))
    if args.delete_namespace:
        delete_namespace(args.kubeconfig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
