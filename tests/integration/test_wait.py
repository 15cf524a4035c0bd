"""tools.wait on the real API server: conditions met through the watch, deletions, selections, drops and 410s,
and wait_for_kind for a CRD that was just created."""

from __future__ import annotations

import threading
import time

import pytest

import dynclient
from dynclient.tools.wait import NoMatchingResources, WaitTimeout, wait_for, wait_for_kind

from .crds import CRD_GVR, crd, unique_group
from .faultproxy import for_kubeconfig, proxy_kubeconfig

CM = dynclient.GroupVersionResource("", "v1", "configmaps")


def later(seconds: float, fn) -> threading.Thread:
    def run():
        time.sleep(seconds)
        fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def cms(dyn, namespace):
    client = dyn.resource(CM).namespace(namespace)
    for name in ("a", "b"):
        client.create({"metadata": {"name": name, "labels": {"app": "w"}}, "data": {"x": "1"}})
    return client


def test_a_value_set_while_waiting_is_seen_through_the_watch(cms, request_log):
    request_log.clear()

    def change_once_watching():
        deadline = time.monotonic() + 15
        while not any("watch=true" in i.url for i in list(request_log.infos)) and time.monotonic() < deadline:
            time.sleep(0.01)
        cms.patch("a", {"data": {"x": "2"}})

    changer = later(0, change_once_watching)
    started = time.monotonic()
    got = wait_for(cms, "a", condition="jsonpath={.data.x}=2", timeout=20)
    changer.join()
    assert got["data"]["x"] == "2" and got["kind"] == "ConfigMap"
    assert time.monotonic() - started < 5
    reads = [i.url for i in request_log.infos if "/configmaps" in i.url and i.status]
    # One LIST of the name, one WATCH from its resourceVersion, one PATCH: no polling.
    assert sum("watch=true" in u for u in reads) == 1 and sum("watch=true" not in u for u in reads) == 2, reads


def test_deletion_while_waiting(cms):
    later(0.5, lambda: cms.delete("a"))
    got = wait_for(cms, "a", condition="delete", timeout=20)
    assert got["metadata"]["name"] == "a"
    assert wait_for(cms, "a", condition="delete", timeout=5) is None  # already gone


def test_a_selection_waits_for_each(cms):
    later(0.5, lambda: [cms.patch(n, {"metadata": {"labels": {"done": "1"}}}) for n in ("a", "b")])
    got = wait_for(cms, condition="jsonpath={.metadata.labels.done}=1", label_selector="app=w", timeout=20)
    assert [o["metadata"]["name"] for o in got] == ["a", "b"]
    with pytest.raises(NoMatchingResources):
        wait_for(cms, condition="condition=Ready", label_selector="app=none", timeout=1)


def test_the_timeout_is_kept(cms):
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as info:
        wait_for(cms, "a", condition="jsonpath={.data.x}=9", timeout=1.0)
    assert 0.9 <= time.monotonic() - started < 1.8  # stopped at the deadline, not at the server's whole second
    assert str(info.value) == "timed out waiting for the condition on configmaps/a"


@pytest.mark.parametrize("fault", ["drop_mid_event", "gone_event", "gone_reply", "stall"])
def test_the_wait_survives_drops_and_410s(kubeconfig, tmp_path, cms, namespace, fault):
    with for_kubeconfig(kubeconfig, kinds=(fault,), target=2, probability=1.0, events_before_fault=(0, 0),
                        stall_limit=3.0) as proxy:
        with dynclient.connect(proxy_kubeconfig(proxy), cache_dir=str(tmp_path / "p"), qps=0) as pdyn:
            client = pdyn.resource(CM).namespace(namespace)
            changer = later(1.5, lambda: cms.patch("a", {"data": {"x": "3"}}))
            got = wait_for(client, "a", condition="jsonpath={.data.x}=3", timeout=40)
            changer.join()
            assert got["data"]["x"] == "3"
        assert proxy.counts[fault] >= 1, proxy.counts


def test_wait_for_kind_returns_once_discovery_serves_a_new_crd(dyn, make_client):
    group = unique_group("wk")
    crds = dyn.resource(CRD_GVR)
    doc = crd(group, "Gadget")
    other = make_client()
    other.resource("configmaps")  # discovery is cached before the CRD exists
    crds.create(doc)
    try:
        mapping = wait_for_kind(other, f"{group}/v1", "Gadget", timeout=60)
        assert mapping.resource.resource == "gadgets" and mapping.resource.group == group
        other.resource(mapping).namespace("default").list()  # and it is served
        with pytest.raises(WaitTimeout):
            wait_for_kind(other, f"{group}/v1", "Nothing", timeout=0.5)
    finally:
        crds.delete(doc["metadata"]["name"])
