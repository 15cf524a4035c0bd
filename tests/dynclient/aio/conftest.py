"""Fixtures for the asyncio face: a slow loopback server, and a way to run a coroutine against it.

pytest-asyncio is not a dependency: each test is a plain function that
drives its coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Awaitable, Callable, Iterator, Set, TypeVar

import pytest

from dynclient.aio._pool import THREAD_PREFIX

from .slowserver import SlowServer

T = TypeVar("T")


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with SlowServer(delay=0.05) as srv:
        srv.add("ns", "a", {"k": "1"})
        srv.add("ns", "b", {"k": "2"})
        yield srv


@pytest.fixture
def run() -> Callable[[Awaitable[T]], T]:
    """``run(coro)``: ``asyncio.run`` it, with a limit, so a hang fails the test instead of the suite."""

    def go(coro: Awaitable[T], timeout: float = 30.0) -> T:
        async def bounded() -> T:
            return await asyncio.wait_for(coro, timeout)

        return asyncio.run(bounded())

    return go


def client_threads() -> Set[threading.Thread]:
    """Every live thread but the test servers' (their handlers hold watch streams until the server closes)."""
    return {t for t in threading.enumerate()
            if t.name != "slowserver" and "process_request_thread" not in t.name}


def pool_threads() -> Set[threading.Thread]:
    """The live threads of the asyncio face's call pools."""
    return {t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX + "_")}


@pytest.fixture
def no_thread_left() -> Iterator[None]:
    """Fails the test when a thread of the asyncio face outlives it."""
    before = client_threads()
    yield
    left = client_threads() - before
    assert not left, f"threads left behind: {sorted(t.name for t in left)}"


def connect_options(server: SlowServer, **kw: Any) -> dict:
    return {"disk_cache": False, "qps": 0, **kw}
