"""The work queue: de-duplication, processing rules, delays and rate limits, on an injected clock."""

from __future__ import annotations

import threading

import pytest

from dynclient.tools.workqueue import (
    BucketRateLimiter,
    DelayingQueue,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    RateLimitingQueue,
    WorkQueue,
    default_controller_rate_limiter,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def drain(q):
    out = []
    while len(q):
        item, shutdown = q.get()
        out.append(item)
        q.done(item)
    return out


@pytest.mark.parametrize(
    "adds, expected",
    [(["a", "b", "a", "c", "b"], ["a", "b", "c"]), ([], []), (["x"] * 5, ["x"])],
    ids=["dedup", "empty", "same-item"],
)
def test_items_added_while_queued_are_queued_once(adds, expected):
    q = WorkQueue()
    for item in adds:
        q.add(item)
    assert drain(q) == expected


def test_item_added_while_processing_is_requeued_after_done():
    q = WorkQueue()
    q.add("a")
    item, _ = q.get()
    q.add("a")
    assert len(q) == 0  # not handed to a second worker
    q.done("a")
    assert len(q) == 1 and q.get() == ("a", False)


def test_shut_down_wakes_blocked_getters_and_ignores_adds():
    q = WorkQueue()
    got = []
    t = threading.Thread(target=lambda: got.append(q.get()))
    t.start()
    q.shut_down()
    t.join(5)
    assert got == [(None, True)]
    q.add("late")
    assert len(q) == 0


def test_shut_down_with_drain_waits_for_done():
    q = WorkQueue()
    q.add("a")
    item, _ = q.get()
    assert q.shut_down_with_drain(timeout=0.05) is False
    q.done(item)
    assert q.shut_down_with_drain(timeout=1) is True


def test_get_times_out():
    assert WorkQueue().get(timeout=0.01) == (None, False)


def test_add_after_uses_the_clock_and_keeps_the_earliest_time():
    clock = Clock()
    q = DelayingQueue(clock=clock)
    q.add_after("a", 10)
    q.add_after("a", 20)  # later: ignored
    q.add_after("b", 5)
    q.add_after("now", 0)
    assert drain(q) == ["now"]
    clock.now += 6
    q.advance()
    assert drain(q) == ["b"]
    clock.now += 5
    q.advance()
    assert drain(q) == ["a"] and q.waiting() == 0
    q.shut_down()


def test_add_after_fires_on_the_waiter_thread():
    q = DelayingQueue()
    q.add_after("a", 0.02)
    assert q.get(timeout=2) == ("a", False)
    q.shut_down()


@pytest.mark.parametrize(
    "failures, expected",
    [(1, 0.005), (2, 0.01), (3, 0.02), (11, 5.12), (30, 1000.0), (200, 1000.0)],
    ids=["first", "second", "third", "eleventh", "capped", "huge"],
)
def test_item_exponential_failure_rate_limiter(failures, expected):
    limiter = ItemExponentialFailureRateLimiter()
    delays = [limiter.when("x") for _ in range(failures)]
    assert delays[-1] == pytest.approx(expected)
    assert limiter.num_requeues("x") == failures
    limiter.forget("x")
    assert limiter.num_requeues("x") == 0 and limiter.when("x") == pytest.approx(0.005)


def test_bucket_rate_limiter_allows_burst_then_spaces_at_qps():
    clock = Clock()
    limiter = BucketRateLimiter(qps=10, burst=3, clock=clock)
    assert [limiter.when(i) for i in range(5)] == pytest.approx([0, 0, 0, 0.1, 0.2])
    clock.now += 1.0
    assert limiter.when("x") == 0


def test_default_controller_rate_limiter_is_the_max_of_both():
    clock = Clock()
    limiter = default_controller_rate_limiter(clock=clock)
    assert isinstance(limiter, MaxOfRateLimiter)
    assert limiter.when("a") == pytest.approx(0.005)
    assert limiter.when("a") == pytest.approx(0.01)
    assert limiter.num_requeues("a") == 2


def test_rate_limiting_queue_requeues_later_and_forgets():
    clock = Clock()
    q = RateLimitingQueue(ItemExponentialFailureRateLimiter(1.0, 60.0), clock=clock)
    q.add_rate_limited("a")
    q.add_rate_limited("a")  # still waiting: keeps the earlier time
    assert len(q) == 0 and q.num_requeues("a") == 2
    clock.now += 1.0
    q.advance()
    assert drain(q) == ["a"]
    q.forget("a")
    assert q.num_requeues("a") == 0
    q.shut_down()


def test_concurrent_workers_never_share_an_item():
    q = WorkQueue()
    active, clashes, seen = set(), [], []
    lock = threading.Lock()

    def worker():
        while True:
            item, shutdown = q.get()
            if shutdown:
                return
            with lock:
                if item in active:
                    clashes.append(item)
                active.add(item)
                seen.append(item)
            with lock:
                active.discard(item)
            q.done(item)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(2000):
        q.add(i % 50)
    q.shut_down_with_drain(timeout=10)
    for t in threads:
        t.join(5)
    assert not clashes and set(seen) == set(range(50))
