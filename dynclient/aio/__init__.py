"""dynclient for asyncio programs: the same client, its blocking calls awaited on a bounded thread pool.

    import dynclient.aio

    async with dynclient.aio.connect() as dyn:
        pods = await dyn.resource("po").namespace("default").list()
        async for kind, obj in dyn.resource("cm").namespace("default").watch(timeout_seconds=5):
            print(kind, obj["metadata"]["name"])

One core: discovery, the mapper, names, manifests, errors and retry policy
are the sync client's (``dyn.sync`` is a ``dynclient.DynamicClient``); this
package changes only how a call waits. Blocking calls run on the client's
``CallPool`` (``max_workers`` threads, by default the connection-pool
size), never on the event loop; a watch reads on a thread of its own and
is stopped (its socket shut down) when the task awaiting it is cancelled.
"""

from __future__ import annotations

from ._pool import CallPool
from .client import AsyncDynamicClient, connect
from .informer import Informer
from .metadata import AsyncMetadataClient
from .resource import AsyncResourceClient
from .watch import AsyncWatch

__all__ = ["connect", "AsyncDynamicClient", "AsyncResourceClient", "AsyncMetadataClient", "AsyncWatch", "Informer",
           "CallPool"]
