"""dynclient.aio against the real API server, from coroutines (``asyncio.run`` in plain tests), kubectl the oracle."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from typing import Any, Dict, List, Tuple

import pytest

import dynclient
import dynclient.aio

from .crds import crd, unique_group


def _run(coro: Any, timeout: float = 120.0) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def _threads() -> set:
    return set(threading.enumerate())


@pytest.fixture
def aio_connect(kubeconfig, tmp_path, request_log):
    """``await aio_connect(**kw)``: an aio client on the real server with a private cache dir."""

    def connect(**kw: Any) -> Any:
        kw.setdefault("cache_dir", str(tmp_path / "cache"))
        kw.setdefault("hooks", [request_log])
        return dynclient.aio.connect(kubeconfig, **kw)

    return connect


def test_every_verb_from_a_coroutine(aio_connect, namespace, kubectl):
    async def main() -> Dict[str, Any]:
        async with await aio_connect() as dyn:
            cms = dyn.resource("cm").namespace(namespace)
            made = await cms.create({"metadata": {"name": "a"}, "data": {"k": "1"}})
            got = await cms.get("a")
            patched = await cms.patch("a", {"data": {"k": "2"}})
            got["data"] = {"k": "3"}
            got["metadata"]["resourceVersion"] = patched["metadata"]["resourceVersion"]
            updated = await cms.update(got)
            applied = await cms.apply({"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": "b", "namespace": namespace}, "data": {"x": "y"}},
                                      field_manager="aio-test")
            listed = await cms.list()
            iterated = [o["metadata"]["name"] async for o in cms.iter(limit=1)]
            kubectl_sees = json.loads(kubectl("get", "cm", "-n", namespace, "-o", "json").stdout)
            await cms.delete("a")
            await cms.delete_collection()
            after = await cms.list()
            return {"made": made, "updated": updated, "applied": applied, "listed": listed, "iterated": iterated,
                    "kubectl": kubectl_sees, "after": after}

    out = _run(main())
    assert out["made"]["metadata"]["name"] == "a"
    assert out["updated"]["data"] == {"k": "3"}
    assert out["applied"]["data"] == {"x": "y"}
    names = sorted(o["metadata"]["name"] for o in out["listed"]["items"])
    assert "a" in names and "b" in names
    assert sorted(out["iterated"]) == names
    assert sorted(o["metadata"]["name"] for o in out["kubectl"]["items"]) == names
    assert [o["metadata"]["name"] for o in out["after"]["items"] if o["metadata"]["name"] in ("a", "b")] == []


def test_update_status_of_a_custom_resource(aio_connect, dyn, namespace):
    group = unique_group("aio")
    crds = dyn.resource(dynclient.GroupVersionResource("apiextensions.k8s.io", "v1", "customresourcedefinitions"))
    crds.create(crd(group, "Gadget"))
    try:
        async def main() -> Dict[str, Any]:
            async with await aio_connect() as adyn:
                for _ in range(100):  # the CRD becomes Established, then its kind is served
                    try:
                        gadgets = (await adyn.resource_for_kind(f"{group}/v1", "Gadget")).namespace(namespace)
                        break
                    except dynclient.NoKindMatch:
                        adyn.sync.mapper.reset()
                        await asyncio.sleep(0.1)
                made = await gadgets.create({"apiVersion": f"{group}/v1", "kind": "Gadget",
                                             "metadata": {"name": "g"}, "spec": {"size": 1}})
                made["status"] = {"ready": True}
                return await gadgets.update_status(made)

        assert _run(main())["status"] == {"ready": True}
    finally:
        crds.delete(f"gadgets.{group}")


def test_errors_are_the_sync_clients_and_kubectls(aio_connect, dyn, namespace, kubectl):
    with pytest.raises(dynclient.NotFound) as sync_error:
        dyn.resource("cm").namespace(namespace).get("missing")

    async def main() -> BaseException:
        async with await aio_connect() as adyn:
            with pytest.raises(dynclient.NotFound) as aio_error:
                await adyn.resource("cm").namespace(namespace).get("missing")
            return aio_error.value

    error = _run(main())
    assert str(error) == str(sync_error.value)
    assert error.status == sync_error.value.status
    oracle = kubectl("get", "cm", "missing", "-n", namespace, check=False)
    assert 'configmaps "missing" not found' in oracle.stderr
    assert 'configmaps "missing" not found' in str(error)


def test_200_concurrent_gets_all_arrive(aio_connect, dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    for i in range(40):
        cms.create({"metadata": {"name": f"c{i:02d}"}, "data": {"i": str(i)}})

    async def main() -> List[str]:
        async with await aio_connect(qps=0, max_workers=16) as adyn:
            acms = adyn.resource("cm").namespace(namespace)
            got = await asyncio.gather(*(acms.get(f"c{i % 40:02d}") for i in range(200)))
            return [g["data"]["i"] for g in got]

    assert _run(main()) == [str(i % 40) for i in range(200)]


def test_watch_resumes_from_a_resource_version_and_cancel_ends_it(aio_connect, dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    start_rv = cms.list()["metadata"]["resourceVersion"]
    before = _threads()

    async def main() -> Dict[str, Any]:
        async with await aio_connect() as adyn:
            acms = adyn.resource("cm").namespace(namespace)
            seen: List[Tuple[str, str]] = []
            events = acms.watch(resource_version=start_rv)

            async def consume() -> None:
                async for kind, obj in events:
                    seen.append((kind, obj["metadata"]["name"]))

            task = asyncio.ensure_future(consume())
            await acms.create({"metadata": {"name": "w1"}})
            await acms.patch("w1", {"data": {"a": "b"}})
            await acms.delete("w1")
            for _ in range(200):
                if len(seen) >= 3:
                    break
                await asyncio.sleep(0.02)
            resumed_at = events.resource_version
            reader = events._thread
            cancelled = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            took = time.monotonic() - cancelled
            reader.join(0.1)
            # A new watch from where the old one stopped sees only what came after.
            await acms.create({"metadata": {"name": "w2"}})
            later = []
            async with acms.watch(resource_version=resumed_at, timeout_seconds=5) as again:
                async for kind, obj in again:
                    later.append((kind, obj["metadata"]["name"]))
                    break
            return {"seen": seen, "took": took, "reader_alive": reader.is_alive(), "later": later}

    out = _run(main())
    assert out["seen"][:3] == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
    assert out["took"] < 0.1
    assert not out["reader_alive"]
    assert out["later"] == [("ADDED", "w2")]
    assert _threads() - before == set(), "no thread of the client is left after close"


def test_informer_with_async_and_plain_handlers(aio_connect, dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    cms.create({"metadata": {"name": "first"}})

    async def main() -> Dict[str, Any]:
        events: List[Tuple[str, str, bool]] = []
        loop_thread = threading.current_thread()

        async def on_add(obj: Dict[str, Any]) -> None:
            await asyncio.sleep(0)
            events.append(("add", obj["metadata"]["name"], threading.current_thread() is loop_thread))

        def on_delete(obj: Dict[str, Any]) -> None:
            events.append(("delete", obj["metadata"]["name"], threading.current_thread() is loop_thread))

        async with await aio_connect() as adyn:
            inf = dynclient.aio.Informer(adyn, "configmaps", namespace=namespace)
            inf.add_event_handler(on_add=on_add, on_delete=on_delete)
            async with inf:
                synced = await inf.wait_for_sync(30)
                at_sync = list(events)
                await adyn.resource("cm").namespace(namespace).create({"metadata": {"name": "second"}})
                await adyn.resource("cm").namespace(namespace).delete("first")
                for _ in range(200):
                    if len(events) >= 3:
                        break
                    await asyncio.sleep(0.02)
                stored = sorted(inf.store.keys())
        return {"synced": synced, "at_sync": at_sync, "events": events, "stored": stored}

    out = _run(main())
    assert out["synced"]
    assert ("add", "first", True) in out["at_sync"], "wait_for_sync returns after the handlers saw the first LIST"
    assert ("add", "second", True) in out["events"] and ("delete", "first", True) in out["events"]
    assert out["stored"] == [f"{namespace}/second"]


def test_a_crd_and_its_resources_apply_in_one_pass(aio_connect, dyn, kubectl):
    group, ns = unique_group("aio"), f"aio-{uuid.uuid4().hex[:8]}"
    text = f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: widgets.{group}}}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: widgets, singular: widget, kind: Widget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
---
apiVersion: {group}/v1
kind: Widget
metadata: {{name: w1, namespace: {ns}}}
spec: {{size: 1}}
"""
    progress: List[Tuple[int, int, bool]] = []

    async def main() -> List[str]:
        loop_thread = threading.current_thread()
        async with await aio_connect() as adyn:
            results = await adyn.apply_manifests(
                text, progress=lambda i, n, r: progress.append((i, n, threading.current_thread() is loop_thread)))
            return [str(r) for r in results]

    try:
        assert _run(main()) == [f"namespace/{ns} created",
                                f"customresourcedefinition.apiextensions.k8s.io/widgets.{group} created",
                                f"widget.{group}/w1 created"]
        assert progress == [(1, 3, True), (2, 3, True), (3, 3, True)]
        assert kubectl("get", f"widgets.{group}", "-n", ns, "-o", "name").stdout.split() == [f"widget.{group}/w1"]
    finally:
        kubectl("delete", "--wait=false", "--ignore-not-found", f"crd/widgets.{group}", f"ns/{ns}", check=False)


def test_the_metadata_view_awaited(aio_connect, dyn, namespace, kubectl):
    """``metadata()`` through dynclient.aio: PartialObjectMetadata for get, list, iter and watch, the same
    metadata kubectl reads in the whole objects, and no data."""
    cms = dyn.resource("cm").namespace(namespace)
    for i in range(3):
        cms.create({"metadata": {"name": f"m{i}", "labels": {"even": str(i % 2 == 0).lower()}},
                    "data": {"payload": "p" * 4096}})

    async def main() -> Dict[str, Any]:
        async with await aio_connect() as adyn:
            view = adyn.resource("cm").namespace(namespace).metadata()
            got = await view.get("m1")
            listed = await view.list(label_selector="even=true")
            iterated = [m async for m in view.iter(limit=1)]
            events: List[Tuple[str, Dict[str, Any]]] = []
            async with view.watch(resource_version=listed["metadata"]["resourceVersion"]) as stream:
                await adyn.resource("cm").namespace(namespace).patch("m2", {"metadata": {"labels": {"x": "y"}}})
                async for kind, obj in stream:
                    events.append((kind, obj))
                    break
            return {"get": got, "listed": listed, "iterated": iterated, "events": events}

    out = _run(main())
    listing = kubectl("get", "cm", "-n", namespace, "-o", "json", "--show-managed-fields").stdout
    whole = {o["metadata"]["name"]: o for o in json.loads(listing)["items"]}
    assert (out["get"]["apiVersion"], out["get"]["kind"]) == ("meta.k8s.io/v1", "PartialObjectMetadata")
    assert out["get"]["metadata"] == whole["m1"]["metadata"] and "data" not in out["get"]
    assert out["listed"]["kind"] == "PartialObjectMetadataList"
    assert sorted(m["metadata"]["name"] for m in out["listed"]["items"]) == ["m0", "m2"]
    names = sorted(n for n in whole if n.startswith("m"))
    assert [m["metadata"]["name"] for m in out["iterated"] if m["metadata"]["name"] in names] == names
    assert all(m["kind"] == "PartialObjectMetadata" and "data" not in m for m in out["iterated"])
    kind, obj = out["events"][0]
    assert (kind, obj["kind"], obj["metadata"]["name"]) == ("MODIFIED", "PartialObjectMetadata", "m2")
    assert obj["metadata"]["labels"] == whole["m2"]["metadata"]["labels"] == {"even": "true", "x": "y"}
    assert "p" * 4096 not in json.dumps(out)
