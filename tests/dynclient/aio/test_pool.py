"""``CallPool`` on its own: results and errors reach the awaiting task, cancellation drops queued calls,
the pool grows only as calls overlap and never past ``max_workers``, shutdown leaves no call hanging.

No sockets: the calls are plain functions (a ``threading.Event`` holds one
running where a test needs that), so these run in milliseconds.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, List

import pytest

from dynclient.aio._pool import CallPool


@pytest.fixture
def pool():
    made: List[CallPool] = []

    def make(workers: int = 4) -> CallPool:
        made.append(CallPool(workers, name="dynclient-aio-test"))
        return made[-1]

    yield make
    for p in made:
        p.shutdown()


def _raise(exc: BaseException) -> Any:
    raise exc


def test_many_concurrent_calls_each_get_their_own_result(pool, run):
    p = pool(8)

    async def main() -> List[Any]:
        return await asyncio.gather(*(p.run(lambda i=i: (i, threading.current_thread().name)) for i in range(500)))

    out = run(main())
    assert [i for i, _ in out] == list(range(500))
    assert {name for _, name in out} <= {f"dynclient-aio-test_{n}" for n in range(8)}


ERRORS = [
    ("value-error", ValueError("bad"), ValueError, "bad"),
    ("keyboard-interrupt-is-not-swallowed", KeyboardInterrupt("stop"), KeyboardInterrupt, "stop"),
    ("stop-iteration-becomes-runtime-error", StopIteration("end"), RuntimeError, "StopIteration"),
]


@pytest.mark.parametrize("raised,expected,text", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_an_exception_is_raised_in_the_awaiting_task(pool, run, raised, expected, text):
    p = pool()

    async def main() -> BaseException:
        try:
            await p.run(_raise, raised)
        except BaseException as exc:  # noqa: BLE001 - what arrived is the point
            return exc
        raise AssertionError("no exception")

    got = run(main())
    assert type(got) is expected and text in repr(got)
    if expected is not RuntimeError:
        assert got is raised, "the same object, unchanged"


def test_a_cancelled_call_that_was_still_queued_never_runs(pool, run):
    p = pool(1)
    release, ran = threading.Event(), []

    async def main() -> None:
        blocker = asyncio.ensure_future(p.run(release.wait, 10))
        queued = asyncio.ensure_future(p.run(ran.append, "queued"))
        await asyncio.sleep(0.05)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        release.set()
        await blocker
        await p.run(ran.append, "after")  # the queue moved on past the dropped call

    run(main())
    assert ran == ["after"]


def test_a_cancelled_running_call_finishes_on_its_thread_and_its_result_is_dropped(pool, run):
    p = pool(1)
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        finished.set()
        return "late"

    async def main() -> str:
        task = asyncio.ensure_future(p.run(slow))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        return await p.run(lambda: "next")  # the dropped result reached nobody and broke nothing

    assert run(main()) == "next"
    assert finished.is_set()


@pytest.mark.parametrize("overlap,threads", [(1, 1), (3, 3), (20, 4)], ids=["one-at-a-time", "three", "twenty"])
def test_the_pool_grows_only_as_calls_overlap_and_never_past_max_workers(pool, run, overlap, threads):
    p = pool(4)
    seen = set()

    def hold() -> None:
        seen.add(threading.current_thread().name)
        time.sleep(0.05)

    async def main() -> None:
        for _ in range(3):
            await asyncio.gather(*(p.run(hold) for _ in range(overlap)))

    run(main())
    assert p.threads <= 4 and len(seen) <= 4
    if overlap == 1:
        assert p.threads == 1, "sequential calls need one thread"
    else:
        assert len(seen) == threads


def test_shutdown_cancels_queued_calls_and_refuses_new_ones(pool, run):
    p = pool(1)
    release = threading.Event()

    async def main() -> List[str]:
        blocker = asyncio.ensure_future(p.run(release.wait, 10))
        queued = [asyncio.ensure_future(p.run(lambda: "ran")) for _ in range(3)]
        await asyncio.sleep(0.05)
        closing = asyncio.get_running_loop().run_in_executor(None, p.shutdown)
        await asyncio.sleep(0.05)
        release.set()
        await closing
        await blocker
        outcomes = []
        for task in queued:
            try:
                outcomes.append(await task)
            except asyncio.CancelledError:
                outcomes.append("cancelled")
        with pytest.raises(RuntimeError, match="closed"):
            await p.run(lambda: None)
        return outcomes

    assert run(main()) == ["cancelled"] * 3
    assert not [t for t in threading.enumerate() if t.name.startswith("dynclient-aio-test_")]


def test_two_event_loops_share_a_pool_and_each_gets_its_own_results(pool):
    p = pool(4)
    out: dict = {}

    def loop_in_thread(key: str) -> None:
        async def main() -> List[Any]:
            return await asyncio.gather(*(p.run(lambda i=i: (key, i)) for i in range(100)))

        out[key] = asyncio.run(main())

    threads = [threading.Thread(target=loop_in_thread, args=(k,)) for k in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert out == {k: [(k, i) for i in range(100)] for k in ("a", "b")}


def test_submit_gives_a_concurrent_future(pool):
    p = pool()
    future = p.submit(sum, [1, 2, 3])
    assert future.result(10) == 6
