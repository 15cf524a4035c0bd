"""Leader election on the real API server: failover, fencing, release, and a leader cut off from the server.

Candidates run as separate processes (the script below), each logging one
JSON line per event with the wall-clock time (one machine, one clock for
the comparisons). Short timings keep the tests fast: lease 2 s, renew
deadline 1.5 s, retry period 0.3 s.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

import pytest

import dynclient
from dynclient.tools.leaderelection import JITTER_FACTOR, LeaderElector

from .faultproxy import for_kubeconfig, proxy_kubeconfig

LEASE, RENEW, RETRY = 2.0, 1.5, 0.3
ROOT = Path(__file__).resolve().parents[2]

CANDIDATE = r'''
import json, sys, threading, time
import dynclient
from dynclient.tools.leaderelection import LeaderElector

kubeconfig, cache, namespace, identity, release, fence = sys.argv[1:7]
lease, renew, retry = 2.0, 1.5, 0.3
dyn = dynclient.connect(kubeconfig, cache_dir=cache)
cms = dyn.resource("configmaps").namespace(namespace)
lock = threading.Lock()

def out(**kw):
    with lock:
        print(json.dumps({"t": time.time(), "id": identity, **kw}), flush=True)

def lead(lost):
    term = elector.observed_record.leader_transitions
    out(event="started", term=term)
    if fence != "1":
        return
    cm = cms.get("fence")
    while not lost.wait(retry):
        if not elector.is_leader():
            break
        cm["data"] = {"holder": identity, "term": str(term)}
        try:
            cm = cms.update(cm)  # precondition: the resourceVersion this leader last read or wrote
            out(event="write", term=term, rv=cm["metadata"]["resourceVersion"])
        except dynclient.Conflict:
            out(event="conflict", term=term)
            if not elector.is_leader():
                break
            cm = cms.get("fence")

elector = LeaderElector(dyn, lock_name="lock", namespace=namespace, identity=identity, on_started_leading=lead,
                        on_stopped_leading=lambda: out(event="stopped"), lease_duration=lease,
                        renew_deadline=renew, retry_period=retry, release_on_cancel=release == "1")
threading.Thread(target=lambda: (sys.stdin.read(), elector.stop()), daemon=True).start()  # stdin closed: stop
while True:
    elector.run()
    if elector._stop.is_set():
        break
out(event="exit")
'''


class Candidates:
    """Candidate processes and their merged, time-ordered log."""

    def __init__(self, tmp_path: Path, kubeconfig: str, namespace: str, *, release: bool = False,
                 fence: bool = False) -> None:
        script = tmp_path / "candidate.py"
        script.write_text(CANDIDATE)
        self.events: List[Dict] = []
        self.procs: Dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self._readers: List[threading.Thread] = []
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for i in range(3):
            ident = f"c{i}"
            proc = subprocess.Popen(
                [sys.executable, str(script), kubeconfig, str(tmp_path / f"cache-{ident}"), namespace, ident,
                 "1" if release else "0", "1" if fence else "0"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
            self.procs[ident] = proc
            reader = threading.Thread(target=self._read, args=(proc,), daemon=True)
            reader.start()
            self._readers.append(reader)

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            with self._lock:
                self.events.append(json.loads(line))

    def log(self) -> List[Dict]:
        with self._lock:
            return sorted(self.events, key=lambda e: e["t"])

    def wait_for(self, predicate, timeout: float = 30.0) -> Dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.log():
                if predicate(event):
                    return event
            time.sleep(0.02)
        raise AssertionError(f"no such event within {timeout}s; log: {self.log()[-10:]}")

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                proc.kill()
            proc.wait(10)
            proc.stdout.close()
            if proc.stdin:
                proc.stdin.close()
        for reader in self._readers:
            reader.join(5)


@pytest.fixture
def candidates(tmp_path, kubeconfig, namespace):
    made: List[Candidates] = []

    def make(**kw) -> Candidates:
        c = Candidates(tmp_path, kubeconfig, namespace, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def terms(log: List[Dict], ended: Optional[Dict[str, float]] = None) -> List[tuple]:
    """(start, end, id) of each leadership term: from "started" to that candidate's next "stopped" (or its end)."""
    out, open_terms = [], {}
    for event in log:
        if event["event"] == "started":
            open_terms[event["id"]] = event["t"]
        elif event["event"] == "stopped" and event["id"] in open_terms:
            out.append((open_terms.pop(event["id"]), event["t"], event["id"]))
    for ident, start in open_terms.items():
        out.append((start, (ended or {}).get(ident, float("inf")), ident))
    return sorted(out)


def test_kill_9_the_leader_and_another_takes_over_in_time(candidates):
    c = candidates()
    first = c.wait_for(lambda e: e["event"] == "started")
    time.sleep(1.0)  # let it renew a few times
    killed_at = time.time()
    c.procs[first["id"]].send_signal(signal.SIGKILL)
    second = c.wait_for(lambda e: e["event"] == "started" and e["id"] != first["id"], timeout=LEASE * 5)
    took = second["t"] - killed_at
    # Expiry is measured from when a candidate saw the last renewal, which it polls for every retry period
    # (jittered up to 1.2 more); lease + one jittered retry bounds the handover.
    assert took <= LEASE + RETRY * (1 + JITTER_FACTOR), took
    assert took >= LEASE - RENEW, took  # not before the lease could have run out by anyone's clock
    spans = terms(c.log(), ended={first["id"]: killed_at})
    for (s1, e1, a), (s2, e2, b) in zip(spans, spans[1:]):
        assert e1 <= s2, f"{a} and {b} both led between {s2} and {e1}"


def test_fencing_over_forced_failovers(candidates, dyn, namespace):
    """Freeze the leader (SIGSTOP) past its lease until another leads, then thaw it; N times.

    Every leader writes the fence ConfigMap on each renewal with a
    resourceVersion precondition. The server's own order of those writes
    (a watch) must never show an older term after a newer one: no write by
    a deposed leader lands after its successor's first.
    """
    cms = dyn.resource("configmaps").namespace(namespace)
    start_rv = cms.create({"metadata": {"name": "fence"}, "data": {}})["metadata"]["resourceVersion"]
    writes: List[tuple] = []
    watch = cms.watch(name="fence", resource_version=start_rv)

    def record() -> None:
        for kind, obj in watch:
            if kind == "MODIFIED":
                data = obj.get("data") or {}
                writes.append((int(data["term"]), data["holder"], obj["metadata"]["resourceVersion"]))

    watcher = threading.Thread(target=record, daemon=True)
    watcher.start()
    c = candidates(fence=True)
    failovers, budget_end = 0, time.monotonic() + 55.0
    leader = c.wait_for(lambda e: e["event"] == "started")
    try:
        while failovers < 20 and time.monotonic() < budget_end:
            c.wait_for(lambda e: e["event"] == "write" and e["term"] == leader["term"], timeout=10)
            proc = c.procs[leader["id"]]
            proc.send_signal(signal.SIGSTOP)
            try:
                successor = c.wait_for(lambda e: e["event"] == "started" and e["term"] > leader["term"], timeout=15)
            finally:
                proc.send_signal(signal.SIGCONT)
            failovers += 1
            leader = successor
        c.wait_for(lambda e: e["event"] == "write" and e["term"] == leader["term"], timeout=10)
    finally:
        watch.stop()
        watcher.join(10)
    print(f"fencing: {failovers} forced failovers, {len(writes)} fenced writes")
    assert failovers >= 15, failovers
    seen_terms = [t for t, _, _ in writes]
    assert seen_terms == sorted(seen_terms), writes
    holders: Dict[int, str] = {}
    for term, holder, _ in writes:
        assert holders.setdefault(term, holder) == holder  # one writer per term
    assert len(holders) >= failovers  # every term wrote
    # Thawed leaders noticed: each deposed candidate logged "stopped" after its term.
    stopped = {e["id"] for e in c.log() if e["event"] == "stopped"}
    assert stopped, c.log()


def test_release_on_cancel_hands_over_at_once(candidates):
    c = candidates(release=True)
    first = c.wait_for(lambda e: e["event"] == "started")
    time.sleep(0.5)
    asked = time.time()
    c.procs[first["id"]].stdin.close()  # the script stops its elector when stdin closes
    stopped = c.wait_for(lambda e: e["event"] == "stopped" and e["id"] == first["id"])
    second = c.wait_for(lambda e: e["event"] == "started" and e["id"] != first["id"], timeout=10)
    assert second["t"] - asked < 2.0, second["t"] - asked
    assert second["t"] - stopped["t"] < LEASE - 0.5  # far sooner than waiting out the lease
    c.wait_for(lambda e: e["event"] == "exit" and e["id"] == first["id"])


def test_a_leader_cut_off_stops_before_the_lease_can_pass(kubeconfig, tmp_path, namespace, make_client):
    """The leader talks through the fault proxy, which is then closed: it must give up within its renew deadline.

    A second candidate, connected directly, may only take over after the
    lease has run out; the first must have stopped leading before that.
    """
    times: Dict[str, float] = {}
    started = threading.Event()
    with for_kubeconfig(kubeconfig) as proxy:
        cut_dyn = dynclient.connect(proxy_kubeconfig(proxy), cache_dir=str(tmp_path / "p"))
        leader = LeaderElector(cut_dyn, lock_name="cut", namespace=namespace, identity="cut",
                               on_started_leading=lambda lost: (times.setdefault("cut-start", time.monotonic()),
                                                                started.set()),
                               on_stopped_leading=lambda: times.setdefault("cut-stop", time.monotonic()),
                               lease_duration=LEASE, renew_deadline=RENEW, retry_period=RETRY)
        runner = threading.Thread(target=leader.run, daemon=True)
        runner.start()
        assert started.wait(20)
        time.sleep(1.0)
        other = LeaderElector(make_client(), lock_name="cut", namespace=namespace, identity="other",
                              on_started_leading=lambda lost: times.setdefault("other-start", time.monotonic()),
                              on_stopped_leading=lambda: None,
                              lease_duration=LEASE, renew_deadline=RENEW, retry_period=RETRY)
        other_runner = threading.Thread(target=other.run, daemon=True)
        other_runner.start()
        time.sleep(0.5)
        assert "other-start" not in times  # the lease is held and renewed
        renewed = leader.observed_record
        proxy.close()
        cut_at = time.monotonic()
    try:
        runner.join(RENEW + 3)
        assert not runner.is_alive()
        deadline = time.monotonic() + LEASE * 4
        while "other-start" not in times and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "other-start" in times
        # The cut leader gave up within its renew deadline of the cut (its last renewal was before it) ...
        assert times["cut-stop"] - cut_at <= RENEW + 0.3, times["cut-stop"] - cut_at
        # ... and before the other could take the lease, which needs a full lease duration of silence.
        assert times["cut-stop"] < times["other-start"]
        assert times["other-start"] - cut_at >= LEASE - RETRY * (1 + JITTER_FACTOR)
        assert renewed is not None and renewed.holder_identity == "cut"
        assert not leader.is_leader() and other.is_leader()
    finally:
        other.stop()
        other_runner.join(5)
        cut_dyn.close()
