"""discovery.parallel: the legacy fetch opens connections gradually (issue 12 item 3), and skips threads when it can."""

from __future__ import annotations

import threading
import time
from typing import Any, List

import pytest

from discovery import DiscoveryClient, FakeRequester, MemCacheClient, RawResponse
from discovery.client import fetch_group_version_resources
from discovery.parallel import run_all


class PoolLikeRequester:
    """A Requester that behaves like a keep-alive pool: a request takes an idle connection or opens one.

    Records how many connections were being opened at the same moment, and how many were opened in all.
    """

    def __init__(self, fake: FakeRequester, connect_time: float = 0.003, rtt: float = 0.003) -> None:
        self.fake, self.connect_time, self.rtt = fake, connect_time, rtt
        self.lock = threading.Lock()
        self.idle = 0
        self.connecting = 0
        self.max_connecting = 0
        self.opened = 0

    def get(self, path: str, *, accept: str) -> RawResponse:
        with self.lock:
            reuse = self.idle > 0
            if reuse:
                self.idle -= 1
            else:
                self.connecting += 1
                self.opened += 1
                self.max_connecting = max(self.max_connecting, self.connecting)
        if not reuse:
            time.sleep(self.connect_time)
            with self.lock:
                self.connecting -= 1
        try:
            time.sleep(self.rtt)
            return self.fake.get(path, accept=accept)
        finally:
            with self.lock:
                self.idle += 1


@pytest.mark.parametrize("start, at_most", [(1, 1), (4, 4), (8, 8), (64, 64)], ids=["1", "4", "8", "64-no-ramp"])
def test_new_connections_at_once_stay_within_start(kube_fixtures: Any, monkeypatch: pytest.MonkeyPatch, start: int,
                                                    at_most: int) -> None:
    monkeypatch.setattr("discovery.parallel.DEFAULT_START", start)
    # Without a ramp, a connect held long (0.2 s) lets a loaded machine's threads pile up as an idle one's do.
    spy = PoolLikeRequester(FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False),
                            connect_time=0.2 if start == 64 else 0.02)
    groups = DiscoveryClient(spy).server_groups()
    spy.max_connecting = 0  # count the parallel fetch only
    resources, failed = fetch_group_version_resources(DiscoveryClient(spy), groups)
    assert len(resources) > 30 and not failed
    assert spy.max_connecting <= at_most
    assert spy.opened <= 64 + 2
    if start == 64:
        # the defect being fixed: without a ramp most workers connect in the same instant
        assert spy.max_connecting > 16


def test_ramp_reaches_full_width(kube_fixtures: Any) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False, delay=0.01)
    DiscoveryClient(fake, max_workers=8).server_groups_and_resources()
    assert fake.max_in_flight == 8  # grew from DEFAULT_START to max_workers


def test_results_in_order_and_caught_errors_in_place() -> None:
    def fn(n: int) -> int:
        if n % 3 == 0:
            raise KeyError(n)
        return n * 10

    results: List[Any] = run_all(fn, list(range(1, 20)), max_workers=5, start=2, catch=(KeyError,))
    assert [r if isinstance(r, int) else "err" for r in results] == [
        "err" if n % 3 == 0 else n * 10 for n in range(1, 20)]


def test_other_errors_propagate() -> None:
    def fn(n: int) -> int:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        run_all(fn, [1, 2, 3], max_workers=3, catch=(KeyError,))


@pytest.mark.parametrize("max_workers, start", [(0, 1), (1, 0)])
def test_rejects_non_positive(max_workers: int, start: int) -> None:
    with pytest.raises(ValueError):
        run_all(str, [1], max_workers=max_workers, start=start)


class _NoPool:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("a thread pool was started to read the memory cache")


def test_filled_memory_cache_is_read_without_threads(kube_fixtures: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False)
    client = MemCacheClient(DiscoveryClient(fake))
    first = client.server_groups_and_resources()
    calls = len(fake.calls)
    monkeypatch.setattr("discovery.parallel.ThreadPoolExecutor", _NoPool)
    assert client.server_groups_and_resources() == first
    assert client.server_preferred_resources()
    assert len(fake.calls) == calls
