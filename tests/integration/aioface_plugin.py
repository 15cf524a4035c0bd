"""Throwaway pytest plugin: run the integration suite's sync tests through ``dynclient.aio``.

    .venv/bin/python -m pytest -p tests.integration.aioface_plugin tests/integration/test_verbs.py ...

A plugin's fixture cannot override conftest's ``make_client`` (the nearer
conftest wins), so this one swaps what conftest's ``make_client`` (and so
``dyn``) calls: ``dynclient.connect`` returns a ``SyncProxy`` over an aio
client (``tests.integration.aioface``) for the whole test. Tests that call
``dynclient.connect`` themselves go through the aio face too.
"""

from __future__ import annotations

from typing import Any, Iterator, List

import pytest

import dynclient

from .aioface import BackgroundLoop, SyncProxy, connect


#: Every client the aio face made; test ids that made none during the test itself.
MADE: List[SyncProxy] = []
NOT_THROUGH: List[str] = []


@pytest.fixture(scope="session", autouse=True)
def _connect_through_the_aio_face() -> Iterator[None]:
    """Session-wide, so module-scoped fixtures that call ``dynclient.connect`` go through it too."""
    loop = BackgroundLoop()

    def aio_connect(*args: Any, **kwargs: Any) -> SyncProxy:
        client = connect(loop, *args, **kwargs)
        MADE.append(client)
        return client

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dynclient, "connect", aio_connect)
        yield
    for client in MADE:
        client.close()
    loop.close()


@pytest.fixture(autouse=True)
def _manifest_functions_through_the_aio_face(monkeypatch: pytest.MonkeyPatch,
                                             request: pytest.FixtureRequest) -> Iterator[None]:
    # A test module that imported the module functions (``apply_manifests(dyn, ...)``) would run the sync
    # manifests code over the proxy's resource clients; send those calls to the aio client's own methods.
    module = request.module
    for name in ("apply_manifests", "create_manifests", "delete_manifests"):
        if getattr(module, name, None) is getattr(dynclient, name):
            monkeypatch.setattr(module, name, _method_when_proxied(name, getattr(dynclient, name)))
    before = len(MADE)
    yield
    if len(MADE) == before:
        NOT_THROUGH.append(request.node.nodeid)


def _method_when_proxied(name: str, function: Any) -> Any:
    def call(dyn: Any, source: Any, **options: Any) -> Any:
        if isinstance(dyn, SyncProxy):
            return getattr(dyn, name)(source, **options)
        return function(dyn, source, **options)

    return call


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"aioface: {len(MADE)} clients made through dynclient.aio; "
                                f"{len(NOT_THROUGH)} tests made none themselves (a module fixture's, or none)")
    for nodeid in NOT_THROUGH:
        terminalreporter.write_line(f"aioface:   no client of its own: {nodeid}")
