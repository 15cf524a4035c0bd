"""Manifests, awaited: ``dynclient.manifests``' apply, create and delete run whole on the call pool.

Loading, ordering, the CRD wait, concurrency and the results are the sync
functions'. Two things change with the face:

* ``progress(done, total, result)`` is called on the event loop (a plain
  function; it must not block), in order, before the awaited call returns.
* Cancelling the awaiting task stops the run after the object being sent:
  the run's own progress hook raises on its thread at the next report, so
  no further request is sent. A request already on the wire completes.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from ._pool import _call_soon

if TYPE_CHECKING:  # pragma: no cover
    from ..manifests import ManifestResult
    from .client import AsyncDynamicClient

__all__ = ["run_manifests", "Progress"]

#: ``progress(done, total, result)``, called on the event loop after each object.
Progress = Callable[[int, int, "ManifestResult"], Any]


class _RunCancelled(Exception):
    """Raised on the run's thread at its next report once the awaiting task was cancelled (nobody reads it)."""


async def run_manifests(dyn: "AsyncDynamicClient", operation: str, source: Any, progress: Optional[Progress],
                        options: Any) -> List["ManifestResult"]:
    """Run ``DynamicClient.<operation>_manifests(source, **options)`` on the pool; see the module docs."""
    loop = asyncio.get_running_loop()
    cancelled = threading.Event()

    def report(done: int, total: int, result: "ManifestResult") -> None:
        if cancelled.is_set():
            raise _RunCancelled(f"{operation} cancelled after {done - 1} of {total} objects")
        if progress is not None:
            _call_soon(loop, progress, done, total, result)

    run: Callable[..., List["ManifestResult"]] = getattr(dyn.sync, f"{operation}_manifests")
    future = dyn.pool.submit(run, source, progress=report, **options)
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        cancelled.set()
        raise
