"""The aio metadata view (``AsyncResourceClient.metadata()``): the sync view's answers, awaited on the pool.

On ``dynclient.testing.FakeCluster`` (it answers the ``PartialObjectMetadata``
Accept as the API server does): each read verb gives what the sync
``MetadataClient`` gives, nothing of ``data``; ``metadata()`` is a builder
that does no I/O; a name resolves at the first await, with the sync errors;
a watch on the view is stopped by cancelling its task.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any, Awaitable, Callable, Dict, List

import pytest

import dynclient
from dynclient.aio import AsyncDynamicClient, AsyncMetadataClient, AsyncWatch
from dynclient.testing import FakeCluster
from dynclient.tools.metadata import MetadataClient

from .conftest import pool_threads

NS = "default"


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster()
    for i in range(5):
        cluster.create({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": f"cm{i}", "namespace": NS, "labels": {"n": str(i % 2)}},
                        "data": {"big": "x" * 1000}})
    return cluster


@pytest.fixture
def sync_view(cluster):
    dyn = cluster.connect()
    yield dyn.resource("cm").namespace(NS).metadata()
    dyn.close()


@pytest.fixture
def aio(cluster, run):
    """``aio(fn)``: run ``await fn(dyn)`` with an AsyncDynamicClient on the cluster, closed after."""

    def go(fn: Callable[[AsyncDynamicClient], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            async with AsyncDynamicClient(cluster.connect()) as dyn:
                return await fn(dyn)

        return run(main())

    return go


async def _iterated(view: AsyncMetadataClient, **kw: Any) -> List[Dict[str, Any]]:
    return [item async for item in view.iter(**kw)]


async def _watched(view: AsyncMetadataClient, n: int, **kw: Any) -> List[Any]:
    events = []
    async with view.watch(**kw) as stream:
        async for kind, obj in stream:
            events.append((kind, obj))
            if len(events) == n:
                break
    return events


#: (id, the awaited call on the aio view, the same call on the sync view)
READS = [
    ("get", lambda v: v.get("cm1"), lambda v: v.get("cm1")),
    ("list", lambda v: v.list(), lambda v: v.list()),
    ("list-selected", lambda v: v.list(label_selector="n=1"), lambda v: v.list(label_selector="n=1")),
    ("iter-paged", lambda v: _iterated(v, limit=2), lambda v: list(v.iter(limit=2))),
    ("watch", lambda v: _watched(v, 5, timeout_seconds=10),
     lambda v: [e for _, e in zip(range(5), v.watch(timeout_seconds=10))]),
]


@pytest.mark.parametrize("awaited,sync", [r[1:] for r in READS], ids=[r[0] for r in READS])
def test_each_read_gives_what_the_sync_view_gives(aio, sync_view, awaited, sync):
    got = aio(lambda dyn: awaited(dyn.resource("cm").namespace(NS).metadata()))
    expected = sync(sync_view)
    assert _without_versions(got) == _without_versions(expected)
    assert "x" * 1000 not in repr(got), "the view carries no data (only managedFields name the key)"


def test_the_replies_are_partial_object_metadata(aio):
    async def reads(dyn: AsyncDynamicClient) -> Dict[str, Any]:
        view = dyn.resource("cm").namespace(NS).metadata()
        return {"get": await view.get("cm0"), "list": await view.list(limit=2)}

    out = aio(reads)
    assert (out["get"]["apiVersion"], out["get"]["kind"]) == ("meta.k8s.io/v1", "PartialObjectMetadata")
    assert out["get"]["metadata"]["labels"] == {"n": "0"} and "data" not in out["get"]
    assert out["list"]["kind"] == "PartialObjectMetadataList"
    assert [i["metadata"]["name"] for i in out["list"]["items"]] == ["cm0", "cm1"]
    assert out["list"]["metadata"]["continue"]


def test_metadata_is_a_builder_and_the_name_resolves_at_the_first_await(cluster, aio):
    async def build(dyn: AsyncDynamicClient) -> Dict[str, Any]:
        cluster.clear_requests()
        view = dyn.resource("configmaps").metadata().namespace(NS)
        before = len(cluster.requests)
        resolved_before = view.resolved
        meta = await view.get("cm2")
        return {"before": before, "resolved_before": resolved_before, "resolved_after": view.resolved,
                "name": meta["metadata"]["name"], "gvr": view.gvr, "ns": view.ns}

    out = aio(build)
    assert out["before"] == 0 and not out["resolved_before"] and out["resolved_after"]
    assert out["name"] == "cm2" and out["gvr"].resource == "configmaps" and out["ns"] == NS


#: (id, the view's call, the error both faces raise): the client only differs in how it waits.
FAILURES = [
    ("unknown-name", lambda dyn: dyn.resource("nosuchthings").metadata().list(), dynclient.NoResourceMatch),
    ("missing-object", lambda dyn: dyn.resource("cm").namespace(NS).metadata().get("missing"), dynclient.NotFound),
]


@pytest.mark.parametrize("call,error", [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_errors_are_the_sync_clients_raised_in_the_awaiting_task(cluster, aio, call, error):
    async def fail(dyn: AsyncDynamicClient) -> BaseException:
        with pytest.raises(error) as info:
            await call(dyn)
        return info.value

    raised = aio(fail)
    with cluster.connect() as dyn, pytest.raises(error) as sync_info:
        call(dyn)  # the same builder calls on the sync client raise at once
    assert type(raised) is type(sync_info.value) and str(raised) == str(sync_info.value)


def test_cancelling_a_metadata_watch_stops_its_stream(cluster, aio):
    async def watch_then_cancel(dyn: AsyncDynamicClient) -> Dict[str, Any]:
        view = dyn.resource("cm").namespace(NS).metadata()
        stream = view.watch()
        seen: List[str] = []

        async def consume() -> None:
            async for _kind, obj in stream:
                seen.append(obj["kind"])

        task = asyncio.ensure_future(consume())
        for _ in range(500):
            if len(seen) >= 5:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        reader = stream._thread
        assert reader is not None
        await asyncio.get_running_loop().run_in_executor(None, reader.join, 5.0)
        return {"seen": seen, "stopped": stream.stopped, "reader_alive": reader.is_alive()}

    out = aio(watch_then_cancel)
    assert out["seen"][:5] == ["PartialObjectMetadata"] * 5
    assert out["stopped"] and not out["reader_alive"]
    assert not [t for t in threading.enumerate() if t.name.endswith("-watch") and t.is_alive()]
    assert not pool_threads()


def test_breaking_out_of_iter_reads_no_further_page(cluster, aio):
    async def first_then_break(dyn: AsyncDynamicClient) -> List[str]:
        view = dyn.resource("cm").namespace(NS).metadata()
        await view.resolve()
        cluster.clear_requests()
        names = []
        pages = view.iter(limit=2)
        async for item in pages:
            names.append(item["metadata"]["name"])
            break
        await pages.aclose()  # type: ignore[attr-defined]
        return names

    assert aio(first_then_break) == ["cm0"]
    assert [r.verb for r in cluster.requests] == ["list"], "one page of two, then nothing more"


#: The view's verbs, awaited, take exactly the sync view's arguments (so neither can drift).
VIEW_VERBS = ["get", "list", "iter", "watch", "namespace", "metadata"]


def _shape(fn):
    return [(p.name, p.kind, p.default, str(p.annotation)) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("verb", VIEW_VERBS, ids=VIEW_VERBS)
def test_the_view_takes_exactly_the_sync_views_arguments(verb):
    assert _shape(getattr(AsyncMetadataClient, verb)) == _shape(getattr(MetadataClient, verb))


def test_the_view_covers_every_public_verb_of_the_sync_view():
    public = {n for n, v in vars(MetadataClient).items() if not n.startswith("_") and inspect.isfunction(v)}
    assert public - set(VIEW_VERBS) == set()


@pytest.mark.parametrize("verb,check", [
    ("get", inspect.iscoroutinefunction), ("list", inspect.iscoroutinefunction),
    ("iter", inspect.isasyncgenfunction),
    ("watch", lambda f: inspect.signature(f).return_annotation in (AsyncWatch, "AsyncWatch")),
], ids=["get", "list", "iter", "watch"])
def test_the_views_reads_are_awaited(verb, check):
    assert check(getattr(AsyncMetadataClient, verb))


def _without_versions(value: Any) -> Any:
    """The answers without what moves between two reads (the list's resourceVersion, a watch's bookmarks)."""
    if isinstance(value, list):
        return [_without_versions(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_without_versions(v) for v in value)
    if isinstance(value, dict):
        return {k: _without_versions(v) for k, v in value.items() if k not in ("resourceVersion", "continue")}
    return value
