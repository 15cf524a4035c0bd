"""Fixtures for dynclient unit tests: a mocked API server (``responses``) and a transport to it."""

from __future__ import annotations

from typing import Iterator

import pytest
import responses

from dynclient.transport import Transport

HOST = "https://k8s.test:6443"


@pytest.fixture
def mock_server() -> Iterator[responses.RequestsMock]:
    """Every registered reply must be requested, or the test fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def make_config(**overrides):
    """A real ``RESTConfig`` for the mocked server."""
    from dynclient.config import RESTConfig

    return RESTConfig(**{"host": HOST, **overrides})


@pytest.fixture
def transport() -> Iterator[Transport]:
    t = Transport(make_config(), qps=0, burst=1, sleep=lambda s: None)
    yield t
    t.close()
