"""The asyncio face behind the sync client's surface, so the integration suite can run through both.

``SyncProxy`` has ``DynamicClient``'s surface, and every call on it (and on
the resource clients and watches it hands out) submits the matching
``dynclient.aio`` coroutine to an event loop running on a background
thread (``asyncio.run_coroutine_threadsafe``) and waits for its result;
``iter`` and ``watch`` step the async iterators the same way. So a test
written against the sync client exercises the aio face's whole path: lazy
resolution, the call pool, the watch reader thread and its stop, the
manifests run, the errors raised in the awaiting task.

``aio_client_factory(kubeconfig, tmp_path, request_log)`` mirrors
conftest's ``make_client(**kw)``; call ``.close_all()`` on what it returns
at teardown. What the proxy does not wrap (``mapper``, ``discovery``,
``transport``...) is the shared core's own object, read through.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator, List, Optional, TypeVar

import dynclient.aio
from dynclient.aio import AsyncDynamicClient, AsyncResourceClient, AsyncWatch

T = TypeVar("T")

__all__ = ["BackgroundLoop", "SyncProxy", "SyncResourceProxy", "SyncWatchProxy", "aio_client_factory", "connect"]


class BackgroundLoop:
    """An event loop on a thread of its own; ``call(coro)`` runs a coroutine there and waits for it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="aioface-loop", daemon=True)
        self._thread.start()

    def call(self, coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class SyncWatchProxy:
    """A ``dynclient.Watch`` look-alike: iterates an ``AsyncWatch`` on the loop; ``stop()`` from any thread."""

    def __init__(self, loop: BackgroundLoop, watch: AsyncWatch) -> None:
        self._loop = loop
        self.aio = watch

    def __iter__(self) -> Iterator[Any]:
        while True:
            try:
                yield self._loop.call(self.aio.__anext__())
            except StopAsyncIteration:
                return

    def stop(self) -> None:
        self._loop.loop.call_soon_threadsafe(self.aio.stop)

    def __enter__(self) -> "SyncWatchProxy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._loop.call(self.aio.aclose())

    def __getattr__(self, name: str) -> Any:
        # resource_version, reconnects, relists, stopped, initial_events_done...: the sync Watch's own.
        if name in ("resource_version", "reconnects", "relists", "stopped"):
            return getattr(self.aio, name)
        inner = self.aio.watch
        if inner is None:
            raise AttributeError(f"{name} (the watch has not started)")
        return getattr(inner, name)


class SyncResourceProxy:
    """A ``ResourceClient`` look-alike whose verbs await an ``AsyncResourceClient`` on the loop."""

    def __init__(self, loop: BackgroundLoop, client: AsyncResourceClient) -> None:
        self._loop = loop
        self.aio = client

    def __repr__(self) -> str:
        return repr(self._resolved_aio())

    def _resolved_aio(self) -> AsyncResourceClient:
        if not self.aio.resolved:
            self.aio = self._loop.call(self.aio.resolve())
        return self.aio

    def namespace(self, namespace: Optional[str]) -> "SyncResourceProxy":
        return SyncResourceProxy(self._loop, self.aio.namespace(namespace))

    def subresource(self, name: str) -> "SyncResourceProxy":
        return SyncResourceProxy(self._loop, self.aio.subresource(name))

    def iter(self, **options: Any) -> Iterator[Any]:
        items = self.aio.iter(**options)
        try:
            while True:
                try:
                    yield self._loop.call(items.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            self._loop.call(items.aclose())  # type: ignore[attr-defined]

    def watch(self, **options: Any) -> SyncWatchProxy:
        return SyncWatchProxy(self._loop, self.aio.watch(**options))

    def metadata(self) -> "SyncMetadataProxy":
        return SyncMetadataProxy(self._loop, self.aio.metadata())

    def __getattr__(self, name: str) -> Any:
        verb = getattr(AsyncResourceClient, name, None)
        if callable(verb) and name in _VERBS:
            def call(*args: Any, **kwargs: Any) -> Any:
                return self._loop.call(getattr(self.aio, name)(*args, **kwargs))

            return call
        # gvr, gvk, mapping, namespaced, ns, transport, healer...: the resolved sync client's.
        return getattr(self._resolved_aio().sync, name)


_VERBS = {"get", "list", "create", "update", "update_status", "patch", "apply", "delete", "delete_collection"}


class SyncMetadataProxy:
    """A ``MetadataClient`` look-alike over ``AsyncMetadataClient``: the metadata view through the aio face."""

    def __init__(self, loop: BackgroundLoop, view: Any) -> None:
        self._loop = loop
        self.aio = view

    def namespace(self, namespace: Optional[str]) -> "SyncMetadataProxy":
        return SyncMetadataProxy(self._loop, self.aio.namespace(namespace))

    def metadata(self) -> "SyncMetadataProxy":
        return self

    def get(self, name: str, **options: Any) -> Any:
        return self._loop.call(self.aio.get(name, **options))

    def list(self, **options: Any) -> Any:
        return self._loop.call(self.aio.list(**options))

    def iter(self, **options: Any) -> Iterator[Any]:
        items = self.aio.iter(**options)
        try:
            while True:
                try:
                    yield self._loop.call(items.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            self._loop.call(items.aclose())

    def watch(self, **options: Any) -> SyncWatchProxy:
        return SyncWatchProxy(self._loop, self.aio.watch(**options))

    def __getattr__(self, name: str) -> Any:
        # gvr, gvk, namespaced, ns: the view's own (resolved first).
        if not self.aio.resolved:
            self.aio = self._loop.call(self.aio.resolve())
        return getattr(self.aio, name)


class SyncProxy:
    """A ``DynamicClient`` look-alike over an ``AsyncDynamicClient`` whose loop runs on a background thread."""

    def __init__(self, loop: BackgroundLoop, client: AsyncDynamicClient, *, owns_loop: bool = False) -> None:
        self._loop = loop
        self.aio = client
        self._owns_loop = owns_loop

    def resource(self, what: Any) -> SyncResourceProxy:
        if isinstance(what, SyncResourceProxy):  # the sync Informer passes on a client it was given
            return what
        # Resolved now, so that a name the server does not serve raises here, where the sync client raises
        # (the aio face itself is lazy: tests/dynclient/aio covers that path).
        return SyncResourceProxy(self._loop, self._loop.call(self.aio.resource(what).resolve()))

    def resource_for_kind(self, api_version: Any, kind: str) -> SyncResourceProxy:
        return SyncResourceProxy(self._loop, self._loop.call(self.aio.resource_for_kind(api_version, kind)))

    def resources(self, names: str) -> List[SyncResourceProxy]:
        return [SyncResourceProxy(self._loop, c) for c in self._loop.call(self.aio.resources(names))]

    def rest_mapping(self, gvk: Any) -> Any:
        return self._loop.call(self.aio.rest_mapping(gvk))

    def apply_manifests(self, source: Any, **options: Any) -> List[Any]:
        return self._loop.call(self.aio.apply_manifests(source, **options))

    def create_manifests(self, source: Any, **options: Any) -> List[Any]:
        return self._loop.call(self.aio.create_manifests(source, **options))

    def delete_manifests(self, source: Any, **options: Any) -> List[Any]:
        return self._loop.call(self.aio.delete_manifests(source, **options))

    def flush(self) -> None:
        self._loop.call(self.aio.flush())

    def close(self) -> None:
        if not self.aio.closed:
            self._loop.call(self.aio.close())
        if self._owns_loop:
            self._loop.close()

    def __enter__(self) -> "SyncProxy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        # mapper, discovery, transport, namespace, healer, categories: the one core's objects.
        return getattr(self.aio.sync, name)


def connect(loop: Optional[BackgroundLoop], *args: Any, **kwargs: Any) -> SyncProxy:
    """``dynclient.aio.connect(*args, **kwargs)`` behind a ``SyncProxy`` (on a loop of its own when ``loop`` is None)."""
    owns = loop is None
    running = loop or BackgroundLoop()
    return SyncProxy(running, running.call(dynclient.aio.connect(*args, **kwargs)), owns_loop=owns)


def aio_client_factory(kubeconfig: str, tmp_path: Path, request_log: Any) -> Callable[..., SyncProxy]:
    """conftest's ``make_client(**kw)`` through the aio face: a private cache dir, the request log as a hook."""
    loop = BackgroundLoop()
    made: List[SyncProxy] = []

    def make(**kw: Any) -> SyncProxy:
        kw.setdefault("cache_dir", str(tmp_path / "cache"))
        kw.setdefault("hooks", [request_log])
        client = connect(loop, kubeconfig, **kw)
        made.append(client)
        return client

    def close_all() -> None:
        for client in made:
            client.close()
        loop.close()

    make.close_all = close_all  # type: ignore[attr-defined]
    return make
