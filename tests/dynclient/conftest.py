"""Fixtures for dynclient unit tests: a real API server on loopback (``tests.replyserver``) and transports to it."""

from __future__ import annotations

from typing import Any, Callable, Iterator, List, Optional

import pytest

from dynclient.transport import Transport
from tests.replyserver import ReplyServer


@pytest.fixture
def mock_server() -> Iterator[ReplyServer]:
    """Every registered reply must be requested and every request must match one, or the test fails."""
    with ReplyServer() as server:
        yield server
        server.assert_all_fired()
        assert not server.unmatched, [f"{c.method} {c.url}" for c in server.unmatched]


def make_config(host: str, **overrides: Any):
    """A real ``RESTConfig`` for the server at ``host``."""
    from dynclient.config import RESTConfig

    return RESTConfig(host=host, **overrides)


@pytest.fixture
def make_transport(mock_server: ReplyServer) -> Iterator[Callable[..., Transport]]:
    """Build transports to ``mock_server`` (or to ``config``), closed at teardown.

    Unthrottled and never sleeping unless told otherwise. Closing matters: a
    pooled socket left to the garbage collector is a ResourceWarning, an
    error in this suite.
    """
    made: List[Transport] = []

    def make(config: Optional[Any] = None, **options: Any) -> Transport:
        t = Transport(config or make_config(mock_server.url), **{"qps": 0, "burst": 1, "sleep": lambda s: None,
                                                                 **options})
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


@pytest.fixture
def transport(make_transport: Callable[..., Transport]) -> Transport:
    return make_transport()
