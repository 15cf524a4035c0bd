"""Informer semantics on a fake list/watch source: store, indexers, diffs, handlers, factory."""

from __future__ import annotations

import json
import threading
import time

import pytest

from dynclient.watch import Watch

from discovery.types import GroupVersionKind, GroupVersionResource
from dynclient.tools.informer import Informer, InformerFactory, Store, by_label, meta_namespace_key, namespace_index
from dynclient.resource import ResourceClient
from restmapper.mapping import RESTMapping, Scope

CM = RESTMapping(GroupVersionResource("", "v1", "configmaps"), GroupVersionKind("", "v1", "ConfigMap"), Scope.NAMESPACE)
NODES = RESTMapping(GroupVersionResource("", "v1", "nodes"), GroupVersionKind("", "v1", "Node"), Scope.ROOT)


def obj(name, rv, uid=None, ns="default", labels=None):
    meta = {"name": name, "resourceVersion": str(rv), "uid": uid or f"uid-{name}"}
    if ns:
        meta["namespace"] = ns
    if labels:
        meta["labels"] = labels
    return {"kind": "ConfigMap", "metadata": meta}


class Stream:
    def __init__(self, events, end=None):
        self.lines = [json.dumps({"type": t, "object": o}).encode() for t, o in events]
        self.end = end
        self.closed = threading.Event()

    def iter_lines(self):
        yield from self.lines
        if self.end == "block":
            self.closed.wait(5)
            raise OSError("closed")

    def close(self):
        self.closed.set()

    def interrupt(self):  # Watch.stop() wakes the reader, then closes
        pass


class FakeInformer(Informer):
    """An informer whose LISTs and watch streams come from scripts."""

    def __init__(self, lists, streams, **kw):
        super().__init__(None, ResourceClient(None, CM), **kw)
        self.lists, self.streams, self.opened = list(lists), list(streams), []

    def _list_pages(self):
        items, rv = self.lists.pop(0) if len(self.lists) > 1 else self.lists[0]
        return [self._transformed(item) for item in items], rv  # as the real pager applies the transform

    def _start_watch(self, rv):
        return Watch(self._open, resource_version=rv, backoff_base=self.backoff_base, max_backoff=self.max_backoff)

    def _open(self, watch):
        self.opened.append(watch.resource_version)
        return self.streams.pop(0) if self.streams else Stream([], end="block")


class Recorder:
    def __init__(self):
        self.calls = []

    def add(self, o):
        self.calls.append(("add", o["metadata"]["name"], o["metadata"]["resourceVersion"]))

    def update(self, old, new):
        self.calls.append(("update", new["metadata"]["name"], old["metadata"]["resourceVersion"],
                           new["metadata"]["resourceVersion"]))

    def delete(self, o):
        self.calls.append(("delete", o["metadata"]["name"], o["metadata"]["resourceVersion"]))


def wait_until(cond, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize(
    "o, key",
    [(obj("a", 1), "default/a"), (obj("n1", 1, ns=None), "n1")],
    ids=["namespaced", "cluster-scoped"],
)
def test_keys(o, key):
    assert meta_namespace_key(o) == key


def test_store_indexes_follow_updates_and_deletes():
    store = Store({"namespace": namespace_index, "app": by_label("app")})
    store.put("default/a", obj("a", 1, labels={"app": "web"}))
    store.put("kube/b", obj("b", 1, ns="kube", labels={"app": "web"}))
    assert [o["metadata"]["name"] for o in store.by_index("app", "web")] == ["a", "b"]
    store.put("default/a", obj("a", 2, labels={"app": "db"}))
    assert [o["metadata"]["name"] for o in store.by_index("app", "web")] == ["b"]
    assert store.index_values("app") == ["db", "web"]
    store.pop("kube/b")
    assert store.by_index("namespace", "kube") == [] and store.index_values("namespace") == ["default"]
    store.add_indexers({"ns2": namespace_index})
    assert len(store.by_index("ns2", "default")) == 1
    with pytest.raises(KeyError):
        store.by_index("nope", "x")


def test_relist_turns_the_difference_into_events():
    inf = FakeInformer([], [])
    rec = Recorder()
    inf.add_event_handler(rec.add, rec.update, rec.delete)
    inf._replace([obj("a", 1), obj("b", 1), obj("c", 1, uid="old"), obj("same", 1)])
    rec.calls.clear()
    inf._replace([obj("a", 2), obj("c", 3, uid="new"), obj("d", 3), obj("same", 1)])
    assert sorted(rec.calls) == sorted([
        ("update", "a", "1", "2"),
        ("delete", "b", "1"),          # vanished: its final known state
        ("delete", "c", "1"),          # re-created under the same name: delete + add, never update
        ("add", "c", "3"),
        ("add", "d", "3"),
    ])
    assert sorted(inf.store.keys()) == ["default/a", "default/c", "default/d", "default/same"]


def test_watch_events_update_the_store_and_handler_errors_are_contained(caplog):
    inf = FakeInformer([], [])
    rec = Recorder()
    inf.add_event_handler(on_add=lambda o: 1 / 0)
    inf.add_event_handler(rec.add, rec.update, rec.delete)
    for kind, o in [("ADDED", obj("a", 1)), ("MODIFIED", obj("a", 2)), ("MODIFIED", obj("a", 2)),
                    ("DELETED", obj("a", 3)), ("DELETED", obj("a", 4)), ("MODIFIED", obj("b", 5))]:
        inf._apply(kind, o)
    assert rec.calls == [("add", "a", "1"), ("update", "a", "1", "2"), ("delete", "a", "3"), ("add", "b", "5")]
    assert inf.stats["handler_errors"] == 2 and "event handler" in caplog.text


def test_late_handler_gets_synthetic_adds():
    inf = FakeInformer([], [])
    inf._replace([obj("a", 1), obj("b", 1)])
    rec = Recorder()
    handle = inf.add_event_handler(rec.add, rec.update, rec.delete)
    assert sorted(rec.calls) == [("add", "a", "1"), ("add", "b", "1")]
    inf.remove_event_handler(handle)
    inf._apply("ADDED", obj("c", 2))
    assert len(rec.calls) == 2


def test_list_then_watch_then_relist_after_410():
    gone = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}
    inf = FakeInformer(
        lists=[([obj("a", 1)], "10"), ([obj("a", 1), obj("c", 30)], "30")],
        streams=[Stream([("ADDED", obj("b", 11)), ("BOOKMARK", {"metadata": {"resourceVersion": "15"}})], end="drop"),
                 Stream([("MODIFIED", obj("b", 16)), ("ERROR", gone)])],
        backoff_base=0.001,
    )
    rec = Recorder()
    inf.add_event_handler(rec.add, rec.update, rec.delete)
    with inf:
        assert inf.wait_for_sync(5)
        assert wait_until(lambda: "default/c" in inf.store)
    assert inf.opened[:3] == ["10", "15", "30"]  # resumed from the bookmark, then from the relist
    assert rec.calls == [("add", "a", "1"), ("add", "b", "11"), ("update", "b", "11", "16"),
                         ("delete", "b", "16"), ("add", "c", "30")]
    assert inf.stats["relists"] == 1 and not inf.running


def test_resync_redelivers_updates():
    inf = FakeInformer([([obj("a", 1)], "1")], [], resync_period=0.02)
    seen = []
    inf.add_event_handler(on_update=lambda old, new: seen.append(old is new))
    with inf:
        assert wait_until(lambda: len(seen) >= 2)
    assert all(seen)


class FakeDyn:
    def resource(self, what):
        return ResourceClient(None, {"configmaps": CM, "nodes": NODES}[what])


def test_factory_shares_one_informer_per_key():
    factory = InformerFactory(FakeDyn())
    a = factory.for_resource("configmaps", namespace="x")
    assert factory.for_resource("configmaps", namespace="x") is a
    assert factory.for_resource("configmaps", namespace="x", label_selector="app=web") is not a
    nodes = factory.for_resource("nodes", namespace="ignored-for-cluster-scope")
    assert nodes.client.ns is None
    factory.for_resource("configmaps", namespace="x", indexers={"app": by_label("app")})
    assert "app" in a.store._indexers
    assert len(factory.informers) == 3
    factory.shutdown()
