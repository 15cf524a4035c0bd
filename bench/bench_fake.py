"""How long one unit test through FakeCluster takes, in process (issue 19's budget: under 50 ms).

Not a test: run it by hand (``python bench/bench_fake.py [--runs N]``). One
"unit test" is: make a FakeCluster, connect a client, apply a CRD and 10 of
its CRs (server-side apply, as ``apply_manifests`` does it, in one call),
list them, and watch the 10 ADDED events from the list's start. The first
run (imports, the recorded release decompressed once per process) is
reported apart; the figure is the median of the rest, with the fastest and
slowest, the phases of the median run, and the median CPU time of the
process (steady when other work shares the machine).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GROUP = "bench.example.com"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{GROUP}"},
    "spec": {"group": GROUP, "scope": "Namespaced", "names": {"plural": "widgets", "kind": "Widget"},
             "versions": [{"name": "v1", "served": True, "storage": True,
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-fields": True}}}]},
}
CRS = [{"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": f"w{i}", "namespace": "default"},
        "spec": {"size": i}} for i in range(10)]


def one_test() -> Dict[str, float]:
    from dynclient.testing import FakeCluster

    cpu = time.process_time()
    marks = {"start": time.perf_counter()}
    cluster = FakeCluster()
    dyn = cluster.connect()
    marks["connect"] = time.perf_counter()
    dyn.apply_manifests([CRD, *CRS])
    marks["apply"] = time.perf_counter()
    widgets = dyn.resource(f"widgets.{GROUP}").namespace("default")
    listed = widgets.list()
    assert len(listed["items"]) == 10
    marks["list"] = time.perf_counter()
    seen = 0
    watch = widgets.watch(resource_version="0", timeout_seconds=5)
    for kind, _ in watch:
        seen += kind == "ADDED"
        if seen == 10:
            watch.stop()
    marks["watch"] = time.perf_counter()
    dyn.close()
    assert seen == 10
    names = list(marks)
    return {"total": marks["watch"] - marks["start"], "cpu": time.process_time() - cpu,
            **{b: marks[b] - marks[a] for a, b in zip(names, names[1:])}}


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    first = one_test()
    runs = sorted((one_test() for _ in range(args.runs)), key=lambda r: r["total"])
    median = runs[len(runs) // 2]
    result = {"first_ms": round(first["total"] * 1e3, 1),
              "median_ms": round(statistics.median(r["total"] for r in runs) * 1e3, 1),
              "min_ms": round(runs[0]["total"] * 1e3, 1), "max_ms": round(runs[-1]["total"] * 1e3, 1),
              "cpu_median_ms": round(statistics.median(r["cpu"] for r in runs) * 1e3, 1),
              "phases_ms": {k: round(v * 1e3, 1) for k, v in median.items() if k not in ("total", "cpu")},
              "runs": args.runs}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"FakeCluster unit test (connect, CRD + 10 CRs applied, list, watch 10): median {result['median_ms']} ms "
              f"(min {result['min_ms']}, max {result['max_ms']}, {args.runs} runs; first run {result['first_ms']} ms); "
              f"CPU time median {result['cpu_median_ms']} ms (steady on a busy machine)")
        print("  phases of the median run: " + ", ".join(f"{k} {v} ms" for k, v in result["phases_ms"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
