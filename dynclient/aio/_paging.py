"""A sync iterator that may do I/O (a LIST's pages), read on the call pool in batches: one hop per page.

Both faces' ``iter()`` (the resource client's and the metadata view's) are
sync generators that fetch the next page when the current one runs out.
Stepping them item by item on the pool would cost a thread hop per item;
``batches`` takes up to ``n`` items per hop instead, so a page of ``limit``
items is one hop, and the loop never runs the generator.

Closing is deterministic: the sync generator is closed when the caller
stops (``break``, ``aclose()``, cancellation). When that happens while a
batch is still being fetched on the pool, the generator is closed once that
fetch returns (a running generator cannot be closed from another thread).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
from typing import AsyncGenerator, Iterator, List, Optional, TypeVar

from ._pool import CallPool

__all__ = ["batches"]

T = TypeVar("T")


async def batches(pool: CallPool, items: Iterator[T], n: int) -> AsyncGenerator[List[T], None]:
    """Non-empty lists of up to ``n`` items of ``items``, each taken on ``pool``; ``items`` is closed after
    (when it is a generator)."""
    pending: Optional["concurrent.futures.Future[List[T]]"] = None
    try:
        while True:
            pending = pool.submit(_take, items, max(1, n))
            batch = await asyncio.wrap_future(pending)
            pending = None
            if not batch:
                return
            yield batch
    finally:
        if pending is not None and not pending.done():
            pending.add_done_callback(lambda _f: _close(items))
        else:
            _close(items)


def _close(items: Iterator[T]) -> None:
    close = getattr(items, "close", None)
    if close is not None:
        close()


def _take(items: Iterator[T], n: int) -> List[T]:
    """Up to ``n`` items of a sync iterator (runs on the pool: it may fetch the next page)."""
    return list(itertools.islice(items, n))
