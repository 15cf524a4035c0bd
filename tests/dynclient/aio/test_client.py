"""The asyncio face against a loopback server that delays every reply: the loop never blocks, cancellation
is real, concurrency is bounded, errors are the sync client's, and close() leaves no thread behind."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from typing import Any, Callable, Dict, List

import pytest

import dynclient
import dynclient.aio
from dynclient.aio import AsyncDynamicClient, AsyncResourceClient

from .conftest import client_threads, connect_options, pool_threads
from .slowserver import SlowServer


async def heartbeat(gaps: List[float], stop: asyncio.Event) -> None:
    """Wake every millisecond and record how late each wake-up was: a blocked loop shows as a long gap."""
    loop = asyncio.get_running_loop()
    last = loop.time()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = loop.time()
        gaps.append(now - last)
        last = now


async def busy_beside_heartbeat(server: SlowServer, block: float = 0.0) -> Dict[str, Any]:
    """50 concurrent lists, a cold discovery and a watch, with a 1 ms heartbeat beside them.

    ``block`` seconds of ``time.sleep`` on the loop: the control that shows the heartbeat sees a block.
    """
    gaps: List[float] = []
    stop = asyncio.Event()
    beat = asyncio.ensure_future(heartbeat(gaps, stop))
    await asyncio.sleep(0.01)
    start = time.monotonic()
    async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
        cms = dyn.resource("cm").namespace("ns")  # cold: discovery happens on the first await

        async def watch_two() -> List[str]:
            names = []
            async with cms.watch() as events:
                async for _kind, obj in events:
                    names.append(obj["metadata"]["name"])
                    if len(names) == 2:
                        break
            return names

        async def blocker() -> None:
            await asyncio.sleep(0.02)
            time.sleep(block)

        *listed, watched, _ = await asyncio.gather(*(cms.list() for _ in range(50)), watch_two(), blocker())
    elapsed = time.monotonic() - start
    stop.set()
    await beat
    return {"listed": listed, "watched": watched, "elapsed": elapsed, "worst": max(gaps), "beats": len(gaps)}


def test_nothing_blocks_the_loop(server, run):
    """Every reply 50 ms late: the heartbeat's worst gap stays under 20 ms.

    The machine is shared, and the OS may deschedule the whole process for
    longer than that; a call that blocks the loop would block it in every
    attempt, so the best of five attempts is what is held to the bound.
    """
    attempts = []
    for _ in range(5):
        server.requests.clear()
        out = run(busy_beside_heartbeat(server))
        assert [len(x["items"]) for x in out["listed"]] == [2] * 50
        assert out["watched"] == ["a", "b"]
        assert out["elapsed"] >= 0.1, "discovery then the lists: at least two 50 ms round trips"
        assert server.requests.count("GET /api/v1/namespaces/ns/configmaps") == 51  # 50 lists and the watch
        assert "GET /api/v1" in server.requests, "discovery was cold"
        assert out["beats"] > 50
        attempts.append(out["worst"])
        if out["worst"] < 0.020:
            break
    assert min(attempts) < 0.020, f"the loop was blocked: worst gaps {[round(a * 1000, 1) for a in attempts]} ms"


def test_the_heartbeat_sees_a_blocked_loop(server, run):
    """The control: 60 ms of blocking on the loop shows as a gap of at least that."""
    out = run(busy_beside_heartbeat(server, block=0.06))
    assert out["worst"] >= 0.06


def test_cancelling_a_list_stops_the_task_at_once(server, run):
    server.delay = 0.5

    async def main() -> float:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            cms = await dyn.resource_for_kind("v1", "ConfigMap")
            task = asyncio.ensure_future(cms.namespace("ns").list())
            await asyncio.sleep(0.05)
            assert not task.done()
            cancelled_at = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return time.monotonic() - cancelled_at

    assert run(main()) < 0.1


def test_cancelling_a_watch_closes_its_stream_and_ends_its_thread(server, run):
    async def main() -> Dict[str, Any]:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            events = dyn.resource("cm").namespace("ns").watch(resource_version="999")  # nothing comes: held open

            async def consume() -> None:
                async for _ in events:
                    pass

            task = asyncio.ensure_future(consume())
            await asyncio.sleep(0.5)  # discovery, then the stream is open and its reader blocked on the socket
            assert events.watch is not None and not task.done()
            reader = events._thread
            assert reader is not None and reader.is_alive()
            cancelled_at = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            took = time.monotonic() - cancelled_at
            reader.join(0.1)
            return {"took": took, "stopped": events.watch.stopped, "reader_alive": reader.is_alive(),
                    "ended_within": time.monotonic() - cancelled_at}

    out = run(main())
    assert out["took"] < 0.1
    assert out["stopped"], "the cancel went through Watch.stop()"
    assert not out["reader_alive"], "the reader thread woke from its socket and ended"
    assert out["ended_within"] < 0.1


# Every awaited call, against a server that answers only after a second: wait_for ends each at its timeout.
CALLS: Dict[str, Callable[[AsyncDynamicClient, AsyncResourceClient], Any]] = {
    "get": lambda dyn, cms: cms.get("a"),
    "list": lambda dyn, cms: cms.list(),
    "iter": lambda dyn, cms: cms.iter().__anext__(),
    "watch": lambda dyn, cms: cms.watch().__anext__(),
    "create": lambda dyn, cms: cms.create({"metadata": {"name": "new"}}),
    "update": lambda dyn, cms: cms.update({"metadata": {"name": "a"}}),
    "update_status": lambda dyn, cms: cms.update_status({"metadata": {"name": "a"}}),
    "patch": lambda dyn, cms: cms.patch("a", {"data": {}}),
    "apply": lambda dyn, cms: cms.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
    "delete": lambda dyn, cms: cms.delete("a"),
    "delete_collection": lambda dyn, cms: cms.delete_collection(),
    "resolve": lambda dyn, cms: dyn.resource("cm").resolve(),
    "resource_for_kind": lambda dyn, cms: dyn.resource_for_kind("v1", "ConfigMap"),
    "resources": lambda dyn, cms: dyn.resources("cm"),
    "apply_manifests": lambda dyn, cms: dyn.apply_manifests(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m, namespace: ns}\n"),
}


@pytest.mark.parametrize("call", sorted(CALLS), ids=sorted(CALLS))
def test_wait_for_works_on_every_call(server, run, call):
    async def main() -> float:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            cms = (await dyn.resource_for_kind("v1", "ConfigMap")).namespace("ns")
            server.delay = 1.0  # from here on every reply takes a second
            if call in ("resolve", "resource_for_kind", "resources", "apply_manifests"):
                dyn.sync.mapper.reset()  # so that these need discovery again
            start = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(CALLS[call](dyn, cms), 0.05)
            took = time.monotonic() - start
            server.delay = 0.0
            return took

    assert run(main()) < 0.15


def test_close_leaves_no_thread_of_the_client(server, run):
    before = client_threads()

    async def main() -> int:
        dyn = await dynclient.aio.connect(server.kubeconfig(), **connect_options(server, max_workers=8))
        cms = dyn.resource("cm").namespace("ns")
        await asyncio.gather(*(cms.list() for _ in range(20)))
        held = cms.watch(resource_version="999")
        waiting = asyncio.ensure_future(held.__anext__())  # a watch left open and awaited
        dropped = cms.watch()
        await dropped.__anext__()  # a watch read once and dropped without closing it
        inf = dynclient.aio.Informer(dyn, "cm", namespace="ns")
        await inf.start()  # an informer left running
        await inf.wait_for_sync(5)
        during = len(client_threads() - before)
        await dyn.close()
        with pytest.raises(StopAsyncIteration):  # close() ended the watch its task was waiting on
            await waiting
        return during

    during = run(main())
    assert during >= 8, "the pool, two watch readers and the informer were running"
    left = client_threads() - before
    assert not left, sorted(t.name for t in left)


@pytest.mark.parametrize("workers", [1, 4], ids=["one-thread", "four-threads"])
def test_concurrency_is_bounded_by_the_pool_and_excess_calls_queue(server, run, workers):
    seen: List[int] = []

    async def main() -> List[Dict[str, Any]]:
        async with await dynclient.aio.connect(server.kubeconfig(),
                                               **connect_options(server, max_workers=workers)) as dyn:
            cms = (await dyn.resource_for_kind("v1", "ConfigMap")).namespace("ns")
            server.max_in_flight = 0

            async def one() -> Dict[str, Any]:
                reply = await cms.list()
                seen.append(len(pool_threads()))
                return reply

            return await asyncio.gather(*(one() for _ in range(12)))

    start = time.monotonic()
    replies = run(main())
    assert len(replies) == 12 and all(len(r["items"]) == 2 for r in replies), "none failed"
    assert server.max_in_flight == workers
    assert max(seen) <= workers
    assert time.monotonic() - start >= 12 / workers * 0.05, "the excess queued"


def test_the_default_pool_is_the_connection_pool_size(server, run):
    async def main() -> List[int]:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            return [dyn.pool.max_workers, dyn.sync.transport.pool.maxsize]

    workers, connections = run(main())
    assert workers == connections == 64


def test_max_workers_is_checked_before_connecting(server, run):
    with pytest.raises(ValueError, match="max_workers must be at least 1, got 0"):
        run(dynclient.aio.connect(server.kubeconfig(), max_workers=0))
    assert server.requests == []


# The same failure through both faces: same class, same message.
FAILURES = {
    "not-found": lambda c: c.resource("cm").namespace("ns").get("nope"),
    "already-exists": lambda c: c.resource("cm").namespace("ns").create({"metadata": {"name": "a"}}),
    "no-such-resource": lambda c: c.resource("widgets").list(),
    "namespace-of-a-cluster-scoped-resource": lambda c: c.resource("ns").namespace("x").list(),
    "needs-a-namespace": lambda c: c.resource("cm").create({"metadata": {"name": "z"}}),
    "bad-patch-type": lambda c: c.resource("cm").namespace("ns").patch("a", {}, "nonsense"),
    "bad-name": lambda c: c.resource("cm").namespace("ns").get("a/b"),
    "bad-kind": lambda c: c.resource_for_kind("v1", "Widget"),
}


@pytest.mark.parametrize("case", sorted(FAILURES), ids=sorted(FAILURES))
def test_errors_are_the_sync_clients(server, run, case):
    with dynclient.connect(server.kubeconfig(), disk_cache=False) as sync:
        with pytest.raises(Exception) as sync_error:
            FAILURES[case](sync)

    async def main() -> BaseException:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            with pytest.raises(Exception) as aio_error:
                await FAILURES[case](dyn)
            return aio_error.value

    error = run(main())
    assert type(error) is type(sync_error.value)
    assert str(error) == str(sync_error.value)


def test_a_name_resolves_lazily_once_for_every_client_built_from_it(server, run):
    async def main() -> Dict[str, Any]:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            cms = dyn.resource("cm")
            in_ns = cms.namespace("ns")
            sent_before = list(server.requests)
            unresolved = repr(in_ns)
            with pytest.raises(RuntimeError, match="not resolved yet"):
                in_ns.gvr
            await in_ns.list()
            resolved = await cms.resolve()
            return {"sent_before": sent_before, "unresolved": unresolved, "gvr": resolved.gvr,
                    "both": cms.resolved and in_ns.resolved, "ns": in_ns.ns, "repr": repr(in_ns)}

    out = run(main())
    assert out["sent_before"] == [], "resource() and namespace() send nothing"
    assert out["unresolved"] == "<AsyncResourceClient (unresolved), namespace='ns'>"
    assert out["gvr"] == dynclient.GroupVersionResource("", "v1", "configmaps")
    assert out["both"] and out["ns"] == "ns"
    assert out["repr"] == "<AsyncResourceClient configmaps.v1., namespace='ns'>"
    assert server.requests.count("GET /api/v1") == 1


def test_a_resolved_clients_builders_check_at_once(server, run):
    async def main() -> None:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            namespaces = await dyn.resource("ns").resolve()
            with pytest.raises(ValueError, match="cluster-scoped"):
                namespaces.namespace("x")

    run(main())


def test_iter_pages_and_watch_relays_events_in_order(server, run):
    for i in range(7):
        server.add("ns", f"p{i}")

    async def main() -> Dict[str, Any]:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            cms = dyn.resource("cm").namespace("ns")
            server.requests.clear()
            names = [obj["metadata"]["name"] async for obj in cms.iter(limit=3)]
            pages = server.requests.count("GET /api/v1/namespaces/ns/configmaps")
            seen = []
            async with cms.watch() as events:
                async for kind, obj in events:
                    seen.append((kind, obj["metadata"]["name"]))
                    if len(seen) == 9:
                        break
            return {"names": names, "pages": pages, "seen": seen, "rv": events.resource_version}

    out = run(main())
    expected = ["a", "b"] + [f"p{i}" for i in range(7)]
    assert out["names"] == expected
    assert out["pages"] == 3
    assert out["seen"] == [("ADDED", n) for n in expected]
    assert out["rv"] == "109"


def test_breaking_out_of_iter_mid_page_closes_the_sync_iterator(server, run):
    async def main() -> List[str]:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            items = dyn.resource("cm").namespace("ns").iter(limit=1)
            first = await items.__anext__()
            await items.aclose()
            with pytest.raises(StopAsyncIteration):
                await items.__anext__()
            return [first["metadata"]["name"]]

    assert run(main()) == ["a"]


def test_connect_takes_every_argument_of_the_sync_connect():
    sync = inspect.signature(dynclient.connect).parameters
    aio = inspect.signature(dynclient.aio.connect).parameters
    assert [p for p in aio if p != "max_workers"] == list(sync)
    for name, param in sync.items():
        assert (aio[name].kind, aio[name].default) == (param.kind, param.default), name


def test_every_public_method_of_the_sync_client_is_on_the_async_one():
    public = {n for n, v in vars(dynclient.DynamicClient).items() if not n.startswith("_") and callable(v)}
    public -= {"from_config"}  # construction: AsyncDynamicClient(sync_client) or aio.connect
    missing = [n for n in sorted(public) if not hasattr(AsyncDynamicClient, n)]
    assert missing == []
    for name in public:
        attr = getattr(AsyncDynamicClient, name)
        if name != "resource":
            assert inspect.iscoroutinefunction(attr), f"{name} is awaited"


def test_calls_on_a_closed_client_fail_clearly(server, run):
    async def main() -> None:
        dyn = await dynclient.aio.connect(server.kubeconfig(), **connect_options(server))
        await dyn.close()
        await dyn.close()  # twice is fine
        with pytest.raises(RuntimeError, match="the dynclient.aio client is closed"):
            await dyn.resource("cm").list()

    run(main())


def test_a_cancelled_connect_closes_the_client_it_made(server, run):
    before = client_threads()
    server.delay = 0.0

    async def main() -> None:
        task = asyncio.ensure_future(dynclient.aio.connect(server.kubeconfig(), **connect_options(server)))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.3)

    run(main())
    deadline = time.monotonic() + 2
    while client_threads() - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not client_threads() - before


def test_the_loop_thread_never_runs_a_request(server, run):
    """Every request is sent from a pool thread (the transport hook says which thread sent it)."""
    senders: List[str] = []

    def hook(info: Any) -> None:
        senders.append(threading.current_thread().name)

    async def main() -> None:
        async with await dynclient.aio.connect(server.kubeconfig(), **connect_options(server, hooks=[hook])) as dyn:
            cms = dyn.resource("cm").namespace("ns")
            await cms.get("a")
            await cms.patch("a", {"data": {"k": "3"}})
            await dyn.apply_manifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m, namespace: ns}\n")

    run(main())
    assert senders and threading.main_thread().name not in senders
    assert all(name.startswith("dynclient-") for name in senders), senders


def test_connect_is_awaited_or_used_as_async_with(server, run):
    before = client_threads()

    async def main() -> List[Any]:
        async with dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            inside = [dyn.closed, len((await dyn.resource("cm").namespace("ns").list())["items"])]
        plain = await dynclient.aio.connect(server.kubeconfig(), **connect_options(server))
        await plain.close()
        return inside + [dyn.closed, plain.closed]

    assert run(main()) == [False, 2, True, True]
    assert not client_threads() - before


def test_cancelling_one_caller_does_not_cancel_the_lookup_the_others_share(server, run):
    async def main() -> Dict[str, Any]:
        async with dynclient.aio.connect(server.kubeconfig(), **connect_options(server)) as dyn:
            cms = dyn.resource("cm").namespace("ns")
            first = asyncio.ensure_future(cms.list())
            second = asyncio.ensure_future(cms.get("a"))
            await asyncio.sleep(0.01)  # both wait on the one discovery
            first.cancel()
            got = await second
            with pytest.raises(asyncio.CancelledError):
                await first
            return {"got": got["metadata"]["name"], "discoveries": server.requests.count("GET /api/v1")}

    assert run(main()) == {"got": "a", "discoveries": 1}


def test_connect_is_a_coroutine_for_asyncio_run_and_tasks(server):
    dyn = asyncio.run(dynclient.aio.connect(server.kubeconfig(), **connect_options(server)))

    async def main() -> bool:
        other = await asyncio.ensure_future(dynclient.aio.connect(server.kubeconfig(), **connect_options(server)))
        await other.close()
        await dyn.close()
        return other.closed

    assert asyncio.run(main()) and dyn.closed
