"""Fault injection against the real API server: nothing is lost, every bound holds.

The fault proxy (``faultproxy.py``) sits between one dynclient and the
server; writers use a clean connection. Figures are printed at the end of
each test (they show with ``-q`` too).
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple

import pytest

import dynclient
from dynclient.informer import Informer

from .faultproxy import ALL_FAULTS, for_kubeconfig, proxy_kubeconfig

CONFIGMAPS = dynclient.GroupVersionResource("", "v1", "configmaps")
SEED = 20240607
TARGET = int(os.environ.get("DYNCLIENT_FAULT_TARGET", "100"))  # faults of every kind


@pytest.fixture
def report(capsys):
    """Print figures into the test output even when pytest captures it."""

    def emit(title: str, figures: Dict[str, object]) -> None:
        with capsys.disabled():
            print(f"\n[{title}] " + ", ".join(f"{k}={v}" for k, v in figures.items()))

    return emit


@pytest.fixture
def proxy(kubeconfig):
    # Every request of the informer gets a fault until each kind fired TARGET times.
    with for_kubeconfig(kubeconfig, seed=SEED, probability=1.0, events_before_fault=(0, 3)) as p:
        yield p


@pytest.fixture
def proxied(proxy, tmp_path):
    made = []

    def make(**kw):
        kw.setdefault("cache_dir", str(tmp_path / "proxied-cache"))
        client = dynclient.connect(proxy_kubeconfig(proxy), **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


class HandlerLog:
    """Checks, per uid, that handlers tell a consistent story: add, updates, delete, nothing after."""

    def __init__(self) -> None:
        self.state: Dict[str, str] = {}
        self.errors: List[str] = []
        self.counts = {"add": 0, "update": 0, "delete": 0}

    def _uid(self, obj) -> str:
        return obj["metadata"]["uid"]

    def on_add(self, obj) -> None:
        self.counts["add"] += 1
        uid = self._uid(obj)
        if uid in self.state:
            self.errors.append(f"add of {obj['metadata']['name']} ({uid}) when {self.state[uid]}")
        self.state[uid] = "live"

    def on_update(self, old, new) -> None:
        self.counts["update"] += 1
        if self._uid(old) != self._uid(new):
            self.errors.append(f"update across uids for {new['metadata']['name']}")
        if self.state.get(self._uid(new)) != "live":
            self.errors.append(f"update of {new['metadata']['name']} without add ({self.state.get(self._uid(new))})")

    def on_delete(self, obj) -> None:
        self.counts["delete"] += 1
        uid = self._uid(obj)
        if self.state.get(uid) != "live":
            self.errors.append(f"delete of {obj['metadata']['name']} when {self.state.get(uid)}")
        self.state[uid] = "deleted"

    def live(self) -> set:
        return {uid for uid, s in self.state.items() if s == "live"}


def snapshot(objs) -> Dict[str, Tuple[str, str]]:
    return {o["metadata"]["name"]: (o["metadata"]["uid"], o["metadata"]["resourceVersion"]) for o in objs}


def test_informer_loses_nothing_under_every_fault(kubeconfig, make_client, namespace, proxy, proxied, report):
    started = time.monotonic()
    writer = make_client(qps=0)
    cms = writer.resource(CONFIGMAPS).namespace(namespace)
    pdyn = proxied(qps=0, timeout=(5.0, 10.0))
    informer = Informer(pdyn, CONFIGMAPS, namespace=namespace, watch_timeout=3, watch_read_timeout=0.2,
                        backoff_base=0.01, max_backoff=0.2)
    log = HandlerLog()
    informer.add_event_handler(log.on_add, log.on_update, log.on_delete)
    ops = {"create": 0, "update": 0, "delete": 0}
    lock = threading.Lock()
    rng = random.Random(SEED)

    def count(op: str) -> None:
        with lock:
            ops[op] += 1

    def create(name: str) -> None:
        cms.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": "0"}})
        count("create")

    def update(name: str) -> None:
        try:
            cms.patch(name, {"data": {"v": uuid.uuid4().hex[:8]}})
            count("update")
        except dynclient.NotFound:
            pass

    def delete(name: str) -> None:
        cms.delete(name)
        count("delete")

    with informer, ThreadPoolExecutor(8) as pool:
        assert informer.wait_for_sync(30)
        proxy.target = TARGET  # faults from now on, on the informer's connection only
        names = [f"cm-{i:04d}" for i in range(400)]
        list(pool.map(create, names))
        list(pool.map(update, [rng.choice(names) for _ in range(400)]))
        doomed = rng.sample(names, 200)
        list(pool.map(delete, doomed))
        # Re-create a quarter of the deleted names: same key, new uid.
        list(pool.map(create, doomed[:50]))
        survivors = sorted(set(names) - set(doomed[50:]))
        # Some faults need events in flight (a cut mid-event): keep writing until every kind fired.
        deadline = time.monotonic() + 75
        while not proxy.targets_met() and time.monotonic() < deadline:
            list(pool.map(update, rng.sample(survivors, 8)))
            time.sleep(0.03)
        faults = dict(proxy.counts)
        proxy.pause_faults()
        writes_done = time.monotonic()

        server: Dict[str, Tuple[str, str]] = {}
        converge_deadline = time.monotonic() + 30
        while time.monotonic() < converge_deadline:
            server = snapshot(cms.list()["items"])
            if snapshot(informer.store.list()) == server:
                break
            time.sleep(0.2)
        mine = snapshot(informer.store.list())
        stats = dict(informer.stats)

    diff = {k for k in set(server) | set(mine) if server.get(k) != mine.get(k)}
    elapsed = time.monotonic() - started
    report("informer-under-faults", {
        "faults": dict(sorted(faults.items())), "total_faults": sum(faults.values()),
        "requests": dict(proxy.requests), "writes": ops, "handler_calls": log.counts, "informer": stats,
        "objects": len(server), "diff": len(diff), "catch_up_s": round(time.monotonic() - writes_done, 2),
        "elapsed_s": round(elapsed, 1),
        "stall_s": round(sum(sec for _, sec, _, f in proxy.timeline if f == "stall"), 1),
    })
    missing = [k for k in ALL_FAULTS if faults.get(k, 0) < TARGET]
    assert not missing, f"faults not injected {TARGET} times: {missing} ({faults})"
    assert not diff, f"store differs from the server for {sorted(diff)[:10]}"
    assert not log.errors, log.errors[:10]
    assert log.live() == {uid for uid, _ in server.values()}
    assert sum(ops.values()) >= 1000
    assert elapsed < 120


def test_list_under_429_and_503_honours_retry_after(proxy, proxied, namespace, report):
    client = proxied(qps=0)
    cms = client.resource(CONFIGMAPS).namespace(namespace)  # discovery happens here, before the faults
    proxy.retry_after = "1"
    proxy.script = ["status_429", "status_503", "status_429"]
    start = time.monotonic()
    listed = cms.list()
    elapsed = time.monotonic() - start
    report("retry-after", {"faults": dict(proxy.counts), "retry_after_sum_s": 3, "elapsed_s": round(elapsed, 2)})
    assert listed["kind"] == "ConfigMapList"
    assert dict(proxy.counts) == {"status_429": 2, "status_503": 1}
    assert 3.0 <= elapsed < 3.0 + 5.0


def test_list_gives_up_after_max_retries(proxy, proxied, namespace):
    client = proxied(qps=0)
    cms = client.resource(CONFIGMAPS).namespace(namespace)
    proxy.script = ["status_503"] * 10
    with pytest.raises(dynclient.ServiceUnavailable):
        cms.list()
    assert proxy.counts["status_503"] == client.transport.max_retries + 1


def test_qps_and_burst_bound_the_request_rate(make_client, namespace, report):
    client = make_client(qps=20, burst=5)
    cms = client.resource(CONFIGMAPS).namespace(namespace)
    time.sleep(0.3)  # let the bucket refill to its burst after discovery
    start = time.monotonic()
    for _ in range(60):
        cms.list(limit=1)
    elapsed = time.monotonic() - start
    bound = (60 - 5) / 20
    report("qps", {"requests": 60, "qps": 20, "burst": 5, "bound_s": bound, "elapsed_s": round(elapsed, 2)})
    assert elapsed >= bound - 0.05


def test_discovery_maps_every_healthy_group_when_one_fails(proxy, proxied, report):
    proxy.fail_paths["/apis/apps/v1"] = 503
    client = proxied(qps=0, legacy_discovery=True, disk_cache=False)
    with pytest.raises(dynclient.GroupDiscoveryFailed) as info:
        client.discovery.server_preferred_resources()
    assert [str(gv) for gv in info.value.failed] == ["apps/v1"]
    assert "apps/v1" in str(info.value)
    healthy = [rl for rl in info.value.partial if rl.resources]
    assert any(str(rl.group_version) == "v1" for rl in healthy)
    # Every healthy resource still maps; the broken group's resources do not.
    for name in ("configmaps", "pods", "namespaces", "roles.rbac.authorization.k8s.io", "jobs.batch"):
        assert client.resource(name).gvr.resource == name.split(".")[0]
    with pytest.raises(dynclient.DynclientError) as broken:
        client.resource("deployments.apps")
    report("discovery-503", {"failed": [str(gv) for gv in info.value.failed], "healthy_lists": len(healthy),
                             "deployments_error": type(broken.value).__name__})
