"""The informer against the real API server: sync, events, indexes, the shared factory, relist after 410."""

from __future__ import annotations

import time

import dynclient
from dynclient.informer import Informer, InformerFactory, by_label

from .faultproxy import for_kubeconfig, proxy_kubeconfig

CONFIGMAPS = dynclient.GroupVersionResource("", "v1", "configmaps")


def cm(name, **labels):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"v": "1"}}


def wait_until(cond, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_informer_follows_creates_updates_and_deletes(dyn, namespace):
    cms = dyn.resource("configmaps").namespace(namespace)
    cms.create(cm("before", app="web"))
    calls = []
    informer = Informer(dyn, "configmaps", namespace=namespace, indexers={"app": by_label("app")})
    informer.add_event_handler(on_add=lambda o: calls.append(("add", o["metadata"]["name"])),
                               on_update=lambda old, new: calls.append(("update", new["metadata"]["name"])),
                               on_delete=lambda o: calls.append(("delete", o["metadata"]["name"])))
    with informer:
        assert informer.wait_for_sync(15)
        assert informer.store.get(f"{namespace}/before")["metadata"]["labels"] == {"app": "web"}
        cms.create(cm("after", app="db"))
        cms.patch("before", {"data": {"v": "2"}})
        cms.delete("after")
        assert wait_until(lambda: ("delete", "after") in calls)
        assert [o["metadata"]["name"] for o in informer.store.by_index("app", "web")] == ["before"]
        assert informer.store.by_index("app", "db") == []
    assert calls == [("add", "before"), ("add", "after"), ("update", "before"), ("delete", "after")]


def test_factory_shares_informers_and_syncs(dyn, namespace):
    with InformerFactory(dyn) as factory:
        a = factory.for_resource("configmaps", namespace=namespace)
        assert factory.for_resource("cm", namespace=namespace) is a
        factory.start()
        assert all(factory.wait_for_cache_sync(15).values())
        assert a.has_synced()


def test_informer_relists_after_410_and_keeps_up(kubeconfig, dyn, namespace, tmp_path):
    cms = dyn.resource("configmaps").namespace(namespace)
    with for_kubeconfig(kubeconfig) as proxy:
        pdyn = dynclient.connect(proxy_kubeconfig(proxy), cache_dir=str(tmp_path / "p"), qps=0)
        try:
            informer = Informer(pdyn, CONFIGMAPS, namespace=namespace, backoff_base=0.01, watch_timeout=1)
            with informer:
                assert informer.wait_for_sync(15)
                proxy.script = ["gone_reply"]  # the next watch (within a second) gets 410
                cms.create(cm("x"))
                assert wait_until(lambda: informer.stats["relists"] >= 1 and f"{namespace}/x" in informer.store)
        finally:
            pdyn.close()
