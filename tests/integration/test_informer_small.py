"""Informers that stay small, on the real API server: transform, metadata-only, WatchList start; the metadata client."""

from __future__ import annotations

import threading
import time
from typing import Dict, List

import pytest

import dynclient
from dynclient.informer import strip_managed_fields
from dynclient.tools.informer import Informer
from dynclient.tools.metadata import LIST_ACCEPT, OBJECT_ACCEPT, MetadataClient

CM = dynclient.GroupVersionResource("", "v1", "configmaps")


@pytest.fixture
def cms(dyn, namespace):
    client = dyn.resource(CM).namespace(namespace)
    for i in range(5):
        client.create({"metadata": {"name": f"cm{i}", "labels": {"app": "small"}}, "data": {"payload": "x" * 900}})
    return client


def until(predicate, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class Seen:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: List[tuple] = []

    def add(self, kind):
        def handler(*objs):
            with self.lock:
                self.events.append((kind, objs[-1]))
        return handler

    def of(self, kind) -> List[Dict]:
        with self.lock:
            return [o for k, o in self.events if k == kind]


def watch_informer(inf: Informer) -> Seen:
    seen = Seen()
    inf.add_event_handler(on_add=seen.add("add"), on_update=seen.add("update"), on_delete=seen.add("delete"))
    return seen


def test_transform_strips_managed_fields_from_the_store_and_the_handlers(dyn, cms, namespace):
    assert "managedFields" in cms.get("cm0")["metadata"]  # the server does send them
    with Informer(dyn, CM, namespace=namespace, transform=strip_managed_fields) as inf:
        seen = watch_informer(inf)
        assert inf.wait_for_sync(20)
        cms.patch("cm1", {"data": {"more": "1"}})
        cms.create({"metadata": {"name": "late"}, "data": {}})
        assert until(lambda: len(seen.of("update")) >= 1 and any(o["metadata"]["name"] == "late"
                                                                 for o in seen.of("add")))
        stored = inf.store.list()
        assert len(stored) == 6 and all("managedFields" not in o["metadata"] for o in stored)
        assert all("managedFields" not in o["metadata"] for _, o in seen.events)
        assert inf.store.get(f"{namespace}/cm1")["data"]["more"] == "1"  # the rest is kept


def test_the_default_transform_keeps_everything(dyn, cms, namespace):
    with Informer(dyn, CM, namespace=namespace) as inf:
        assert inf.wait_for_sync(20)
        assert all("managedFields" in o["metadata"] for o in inf.store.list())


@pytest.mark.parametrize("watch_list", [False, True], ids=["list", "watch-list"])
def test_metadata_only_informer_holds_partial_object_metadata(dyn, cms, namespace, request_log, watch_list):
    with Informer(dyn, CM, namespace=namespace, metadata_only=True, watch_list=watch_list) as inf:
        seen = watch_informer(inf)
        assert inf.wait_for_sync(20)
        cms.patch("cm2", {"metadata": {"labels": {"changed": "yes"}}})
        assert until(lambda: any(o["metadata"].get("labels", {}).get("changed") for o in seen.of("update")))
        stored = inf.store.list()
        assert len(stored) == 5
        for obj in stored + [o for _, o in seen.events]:
            assert obj.get("kind") == "PartialObjectMetadata" and obj.get("apiVersion") == "meta.k8s.io/v1"
            assert "data" not in obj and obj["metadata"]["name"].startswith("cm")
        assert inf.stats["watch_lists" if watch_list else "lists"] == 1


def test_watch_list_start_streams_the_initial_objects_and_watches_on(dyn, cms, namespace, request_log):
    request_log.clear()
    with Informer(dyn, CM, namespace=namespace, watch_list=True) as inf:
        seen = watch_informer(inf)
        assert inf.wait_for_sync(20)
        informer_urls = [i.url for i in request_log.infos if "/configmaps" in i.url]
        assert inf.stats["watch_lists"] == 1 and inf.stats["lists"] == 0 and not inf.watch_list_refused
        listed = {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in cms.list()["items"]}
        assert {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in inf.store.list()} == listed
        assert inf.last_sync_resource_version
        cms.delete("cm3")
        cms.create({"metadata": {"name": "new"}, "data": {}})
        assert until(lambda: seen.of("delete") and any(o["metadata"]["name"] == "new" for o in seen.of("add")))
        assert sorted(o["metadata"]["name"] for o in inf.store.list()) == ["cm0", "cm1", "cm2", "cm4", "new"]
    # The sync was one WatchList request (the hook reports a stream when it opens), no LIST.
    assert len(informer_urls) == 1 and "watch=true" in informer_urls[0], informer_urls
    assert "sendInitialEvents=true" in informer_urls[0] and "resourceVersionMatch=NotOlderThan" in informer_urls[0]


def test_metadata_client_verbs(dyn, cms, namespace, request_log):
    meta = MetadataClient(cms)
    one = meta.get("cm0")
    assert one["kind"] == "PartialObjectMetadata" and "data" not in one and one["metadata"]["name"] == "cm0"
    listed = meta.list(label_selector="app=small")
    assert listed["kind"] == "PartialObjectMetadataList" and len(listed["items"]) == 5
    assert all("data" not in item for item in listed["items"])
    assert [i["metadata"]["name"] for i in meta.iter(limit=2)] == [f"cm{i}" for i in range(5)]
    rv = listed["metadata"]["resourceVersion"]
    got: List[tuple] = []
    watch = meta.watch(resource_version=rv, timeout_seconds=20)

    def read():
        for kind, obj in watch:
            got.append((kind, obj))
            watch.stop()

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.3)
    cms.patch("cm4", {"data": {"z": "1"}})
    reader.join(25)
    assert got and got[0][0] == "MODIFIED" and got[0][1]["kind"] == "PartialObjectMetadata"
    assert "data" not in got[0][1]
    assert LIST_ACCEPT.endswith("g=meta.k8s.io;v=v1") and "as=PartialObjectMetadata;" in OBJECT_ACCEPT
    assert meta.namespace(namespace).ns == namespace and meta.metadata() is meta
