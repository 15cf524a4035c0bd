"""Controller tools beside the client, as client-go keeps ``tools/cache``, ``tools/leaderelection``, ``util/workqueue``.

* ``informer``: list-then-watch into an indexed store, with event handlers
  (``transform``, ``metadata_only`` and a WatchList start keep it small);
* ``workqueue``: the rate-limited, de-duplicating work queue;
* ``retry``: retry a read-modify-write on ``Conflict``;
* ``leaderelection``: one leader among replicas through a ``Lease``;
* ``wait``: wait for a condition, a deletion or a JSONPath value, as
  ``kubectl wait`` does, and for discovery to serve a new kind;
* ``metadata``: the ``PartialObjectMetadata`` view of a resource.

Nothing is imported here, so ``import dynclient.tools.retry`` (which the
wire layer reaches through ``dynclient.retry``) does not pull in the rest.
"""
