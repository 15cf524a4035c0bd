"""Watch throughput of dynclient alone: events/s over a replayed chunked stream, on this machine.

The full bench (``bench/run.py``) compares peers in fresh virtualenvs; this
is the quick check to run before and after a change to the wire (the
transport, ``Response.iter_lines``, ``Watch``): the same ``WatchReplay``
stream of 1 KiB ConfigMap events, read by ``ResourceClient.watch`` in this
process from the source tree, best and median of ``--runs``.

Two rates: per wall-clock second (what bench/run.py reports) and per second
of the reading thread's own CPU time (``time.thread_time``; the replay server
runs in another thread), which a busy machine disturbs much less.

    python bench/bench_watch.py --events 10000 --runs 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

import servers  # noqa: E402

import dynclient  # noqa: E402
from dynclient import GroupVersionKind, GroupVersionResource, RESTMapping, Scope  # noqa: E402


def one_run(url: str, events: int) -> Tuple[float, float]:
    """Events per wall-clock second and per CPU second of one watch read to ``events`` events."""
    kubeconfig = {"apiVersion": "v1", "kind": "Config", "current-context": "r",
                  "clusters": [{"name": "r", "cluster": {"server": url}}],
                  "users": [{"name": "r", "user": {}}],
                  "contexts": [{"name": "r", "context": {"cluster": "r", "user": "r"}}]}
    mapping = RESTMapping(GroupVersionResource("", "v1", "configmaps"), GroupVersionKind("", "v1", "ConfigMap"),
                          Scope.NAMESPACE)
    with dynclient.connect(kubeconfig, disk_cache=False, qps=0) as dyn:
        watch = dyn.resource(mapping).namespace("bench").watch(resume=False)
        seen = 0
        start, cpu = time.perf_counter(), time.thread_time()
        for _kind, _obj in watch:
            seen += 1
            if seen >= events:
                watch.stop()
                break
        seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu
    if seen != events:
        raise SystemExit(f"saw {seen} events, expected {events}")
    return events / seconds, events / cpu_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    replay = servers.WatchReplay(args.events, "bench")
    try:
        one_run(replay.url, args.events)  # warm-up: imports, first connection
        runs = [one_run(replay.url, args.events) for _ in range(args.runs)]
    finally:
        replay.close()
    wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
    print(f"watch {args.events} events of {replay.event_bytes:.0f} bytes, {args.runs} runs: "
          f"wall median {statistics.median(wall):,.0f} best {max(wall):,.0f} events/s; "
          f"CPU median {statistics.median(cpu):,.0f} best {max(cpu):,.0f} events/CPU-s")


if __name__ == "__main__":
    main()
