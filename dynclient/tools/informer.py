"""A dynamic informer: list-then-watch into an indexed, thread-safe store, with event handlers.

After client-go's ``tools/cache``:

* ``Store`` is ``thread_safe_store.go`` with its indexers: objects keyed
  ``namespace/name`` (``name`` when cluster-scoped), plus named indexes such
  as ``namespace`` or ``by_label("app")`` looked up with ``by_index``.
* ``Informer`` is a Reflector and a shared informer in one. It LISTs (page
  by page, falling back to one full LIST if the continue token expires, as
  the pager does), replaces the store, then WATCHes from the list's
  resourceVersion with bookmarks. Drops, read timeouts and transient
  errors resume the watch from the last resourceVersion (``Watch``); a 410
  means the history is gone, so it LISTs again and turns the difference
  into events: objects that vanished meanwhile are deleted with their last
  known state (client-go's ``DeletedFinalStateUnknown``, here the plain
  dict), changed ones updated, new ones added.
* Handlers see a consistent story per object: ``on_add`` first, then
  ``on_update(old, new)``, then ``on_delete``. A name re-created with a new
  uid is a delete of the old object and an add of the new one, never an
  update across uids. Handlers run one at a time on the informer's thread,
  in order; an exception is logged and never stops the informer. A handler
  added later first gets a synthetic ``on_add`` for every stored object.
* ``resync_period`` re-delivers ``on_update(obj, obj)`` for every object.
* ``InformerFactory`` shares one informer per (resource, namespace,
  label selector, field selector), like ``SharedInformerFactory``.

Three options keep an informer small on a big cluster:

* ``transform``: a function applied to every object before it is stored
  or handed to a handler (client-go ``SetTransform``); the default keeps
  the object whole, ``strip_managed_fields`` drops ``metadata.managedFields``
  (often half of a small object). Every stored object's keys are then
  interned (``compact``), so they are shared between objects, and so are
  the values that repeat across objects (label values, timestamps,
  namespace, kind...).
* ``metadata_only=True``: LIST and WATCH ask for ``PartialObjectMetadata``
  (``dynclient.tools.metadata``), so the store holds metadata only, like an
  informer on client-go's metadata client. Unless another ``transform``
  is given, it also drops ``managedFields``, as kube-controller-manager
  trims its metadata informers: in a ``PartialObjectMetadata`` they are
  most of the bytes (about 60% for a ConfigMap written once), and a
  metadata-only informer exists to be small. ``transform=keep_managed_fields``
  keeps them.
* ``watch_list=True``: the initial sync is a WatchList
  (``sendInitialEvents=true``, ``resourceVersionMatch=NotOlderThan``): the
  server streams the current objects as ADDED events and marks the end
  with a bookmark annotated ``k8s.io/initial-events-end``, instead of
  building one huge LIST reply; the store is replaced at that bookmark and
  the same stream goes on as the watch. A server that refuses it (400,
  403, 422: an older server, or the feature turned off) gets the LIST
  path from then on, as client-go's Reflector falls back.

Objects in the store and given to handlers are shared: treat them as
read-only (``copy.deepcopy`` before changing one), as client-go asks.

Every LIST reply is decoded one item at a time (``dynclient.liststream``),
each item transformed and compacted before the next is decoded, so the
peak is the reply's text and the store, not the text and every parsed
object of it. That matters most when a continue token expires mid-way
(the server compacted its history during a slow LIST): the fallback, as
client-go's pager, is one LIST of everything.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Set, Tuple, Union

from discovery.errors import Expired, Gone, StatusError
from discovery.types import GroupVersionResource
from restmapper.mapping import RESTMapping

from ..replies import split_checked
from ..resource import ResourceClient
from ..retry import jittered_backoff
from ..watch import INITIAL_EVENTS_END, Watch
from .metadata import LIST_ACCEPT, MetadataClient, list_params

__all__ = [
    "Informer",
    "InformerFactory",
    "Store",
    "EventHandler",
    "IndexFunc",
    "meta_namespace_key",
    "namespace_index",
    "by_label",
    "NAMESPACE_INDEX",
    "strip_managed_fields",
    "keep_managed_fields",
    "compact",
]

log = logging.getLogger("dynclient.informer")

Obj = Dict[str, Any]
IndexFunc = Callable[[Mapping[str, Any]], Iterable[str]]
ResourceArg = Union[str, GroupVersionResource, RESTMapping, ResourceClient]

#: The name client-go gives the namespace index.
NAMESPACE_INDEX = "namespace"


def meta_namespace_key(obj: Mapping[str, Any]) -> str:
    """``namespace/name``, or ``name`` for a cluster-scoped object (client-go ``MetaNamespaceKeyFunc``)."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name', '')}" if ns else str(meta.get("name", ""))


def namespace_index(obj: Mapping[str, Any]) -> List[str]:
    """Index function: the object's namespace (client-go ``MetaNamespaceIndexFunc``)."""
    ns = (obj.get("metadata") or {}).get("namespace")
    return [ns] if ns else []


def by_label(key: str) -> IndexFunc:
    """An index function on the value of label ``key`` (objects without it are not indexed)."""

    def index(obj: Mapping[str, Any]) -> List[str]:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return [labels[key]] if key in labels else []

    index.__name__ = f"by_label_{key}"
    return index


def strip_managed_fields(obj: Obj) -> Obj:
    """A transform: the object without ``metadata.managedFields`` (a shallow copy; the rest is shared)."""
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        return {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    return obj


def keep_managed_fields(obj: Obj) -> Obj:
    """A transform that changes nothing: for a metadata-only informer that should keep ``managedFields``."""
    return obj


#: Keys whose (short, repeated) string values are shared between stored objects: kinds and versions,
#: the namespace, field managers, and timestamps (objects made or changed in the same second share them).
_SHARED_VALUES = frozenset({"apiVersion", "kind", "namespace", "manager", "operation", "fieldsType", "subresource",
                            "creationTimestamp", "deletionTimestamp", "time"})
#: Maps whose values are shared too: label values repeat across the objects of one app (63 characters at most).
_SHARED_MAPS = frozenset({"labels"})


def compact(value: Any, _shared: bool = False) -> Any:
    """A copy of ``value`` whose dict keys (and the values that repeat) are interned strings.

    Each object is decoded on its own (``dynclient.liststream``), so 20,000
    ConfigMaps would carry 20,000 copies of ``"metadata"``, ``"name"``,
    ``"resourceVersion"``...; interned, they share one each. So do the
    values that repeat across objects: kinds, namespaces, managers,
    timestamps, label values. Values that are mostly unique (names, uids,
    resourceVersions, annotations, data) are left alone: interning them
    would only add the interning table's entry. The informer stores every
    object this way, after ``transform``.
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if type(key) is str:
                key = sys.intern(key)
                if (_shared or key in _SHARED_VALUES) and type(item) is str and len(item) <= 253:
                    out[key] = sys.intern(item)
                    continue
                out[key] = compact(item, key in _SHARED_MAPS and type(item) is dict)
                continue
            out[key] = compact(item)
        return out
    if isinstance(value, list):
        return [compact(item) for item in value]
    return value


def _uid(obj: Optional[Mapping[str, Any]]) -> Optional[str]:
    return None if obj is None else (obj.get("metadata") or {}).get("uid")


def _rv(obj: Optional[Mapping[str, Any]]) -> Optional[str]:
    return None if obj is None else (obj.get("metadata") or {}).get("resourceVersion")


class Store:
    """A thread-safe map of key -> object with named indexes (client-go ``ThreadSafeStore`` + ``Indexer``)."""

    def __init__(self, indexers: Optional[Mapping[str, IndexFunc]] = None) -> None:
        self._lock = threading.RLock()
        self._items: Dict[str, Obj] = {}
        self._indexers: Dict[str, IndexFunc] = dict(indexers or {})
        self._indices: Dict[str, Dict[str, Set[str]]] = {name: {} for name in self._indexers}

    # -- reads ----------------------------------------------------------------

    def get(self, key: str) -> Optional[Obj]:
        """The object stored under ``key`` (``namespace/name`` or ``name``), or ``None``."""
        with self._lock:
            return self._items.get(key)

    def list(self) -> List[Obj]:
        """Every stored object."""
        with self._lock:
            return list(self._items.values())

    def keys(self) -> List[str]:
        """Every key."""
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def by_index(self, name: str, value: str) -> List[Obj]:
        """The objects whose index ``name`` includes ``value``."""
        with self._lock:
            if name not in self._indexers:
                raise KeyError(f"no index named {name!r} (have {sorted(self._indexers)})")
            return [self._items[k] for k in sorted(self._indices[name].get(value, ()))]

    def index_values(self, name: str) -> List[str]:
        """Every value index ``name`` currently holds (client-go ``ListIndexFuncValues``)."""
        with self._lock:
            if name not in self._indexers:
                raise KeyError(f"no index named {name!r}")
            return sorted(v for v, keys in self._indices[name].items() if keys)

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add indexes, built over the objects already stored; an existing name must not be redefined."""
        with self._lock:
            for name, func in indexers.items():
                known = self._indexers.get(name)
                if known is not None:
                    if known is not func:
                        raise ValueError(f"index {name!r} already exists")
                    continue
                self._indexers[name] = func
                self._indices[name] = {}
                for key, obj in self._items.items():
                    for value in func(obj):
                        self._indices[name].setdefault(value, set()).add(key)

    # -- writes (the informer's) ----------------------------------------------

    def put(self, key: str, obj: Obj) -> Optional[Obj]:
        """Store ``obj`` under ``key``; returns the object it replaced."""
        with self._lock:
            old = self._items.get(key)
            self._items[key] = obj
            self._reindex(key, old, obj)
            return old

    def pop(self, key: str) -> Optional[Obj]:
        """Remove ``key``; returns the object it held."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._reindex(key, old, None)
            return old

    def _reindex(self, key: str, old: Optional[Obj], new: Optional[Obj]) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(old) if old is not None else ():
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]  # keeps memory flat as values come and go
            for value in func(new) if new is not None else ():
                index.setdefault(value, set()).add(key)


@dataclass(frozen=True, eq=False)
class EventHandler:
    """One registration of handlers; pass it to ``Informer.remove_event_handler``."""

    on_add: Optional[Callable[[Obj], None]] = None
    on_update: Optional[Callable[[Obj, Obj], None]] = None
    on_delete: Optional[Callable[[Obj], None]] = None


class Informer:
    """Keeps ``store`` equal to the server's objects of one resource, and tells handlers what changed.

    ``what`` is anything ``DynamicClient.resource`` takes (``"configmaps"``,
    a GVR, a RESTMapping) or a ``ResourceClient``. ``watch_timeout`` is the
    server-side length of each watch request (random 5-10 minutes by
    default, as the Reflector does); ``watch_read_timeout`` is how long a
    silent connection is trusted before it is reopened from the last
    resourceVersion (default ``watch_timeout + 30s``): what catches a
    connection that stalls without closing.
    """

    def __init__(
        self,
        dyn: Any,
        what: ResourceArg,
        namespace: Optional[str] = None,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        resync_period: Optional[float] = None,
        indexers: Optional[Mapping[str, IndexFunc]] = None,
        *,
        page_size: int = 500,
        watch_timeout: Optional[float] = None,
        watch_read_timeout: Optional[float] = None,
        backoff_base: float = 0.2,
        max_backoff: float = 30.0,
        transform: Optional[Callable[[Obj], Obj]] = None,
        metadata_only: bool = False,
        watch_list: bool = False,
    ) -> None:
        client = what if isinstance(what, (ResourceClient, MetadataClient)) else dyn.resource(what)
        client = client.namespace(namespace) if namespace is not None else client
        if metadata_only and not isinstance(client, MetadataClient):
            client = MetadataClient(client)
        #: The resource client LISTs and WATCHes go through (a ``MetadataClient`` with ``metadata_only``).
        self.client: Any = client
        if transform is None and metadata_only:
            transform = strip_managed_fields  # see the module docstring: what a metadata informer is for
        self.transform = transform
        self.metadata_only = metadata_only
        self.watch_list = watch_list
        #: True once the server refused a WatchList: the informer LISTs from then on.
        self.watch_list_refused = False
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_period = resync_period
        self.page_size = page_size
        self.watch_timeout = watch_timeout
        self.watch_read_timeout = watch_read_timeout
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.store = Store({NAMESPACE_INDEX: namespace_index} if indexers is None else indexers)
        #: Counters: lists, relists (after the first), watch events, watch reconnects, handler errors.
        #: ``watch_lists``: initial syncs (and re-syncs) streamed by a WatchList instead of a LIST.
        #: ``full_lists``: paged LISTs whose continue token expired, finished as one LIST of everything.
        self.stats: Dict[str, int] = {"lists": 0, "relists": 0, "events": 0, "reconnects": 0, "handler_errors": 0,
                                      "watch_lists": 0, "full_lists": 0}
        self.last_sync_resource_version = ""
        self._handlers: List[EventHandler] = []
        self._dispatch = threading.RLock()  # store changes and their notifications happen as one step
        self._synced = threading.Event()
        self._stop = threading.Event()
        self._watch: Optional[Watch] = None
        self._watch_lock = threading.Lock()
        self._threads: List[threading.Thread] = []
        self._reconnects_before = 0

    def __repr__(self) -> str:
        return f"<Informer {self.client.gvr} namespace={self.namespace!r} synced={self.has_synced()}>"

    # -- handlers ------------------------------------------------------------------

    def add_event_handler(
        self,
        on_add: Optional[Callable[[Obj], None]] = None,
        on_update: Optional[Callable[[Obj, Obj], None]] = None,
        on_delete: Optional[Callable[[Obj], None]] = None,
    ) -> EventHandler:
        """Register handlers; ``on_add`` is first called for every object already stored."""
        handler = EventHandler(on_add, on_update, on_delete)
        with self._dispatch:
            for obj in self.store.list():
                self._call(handler.on_add, obj)
            self._handlers.append(handler)
        return handler

    def remove_event_handler(self, handler: EventHandler) -> None:
        """Stop calling a registration returned by ``add_event_handler``."""
        with self._dispatch:
            self._handlers.remove(handler)

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> "Informer":
        """Start the list/watch thread (and the resync thread); returns self. Starting twice is a no-op."""
        if self._threads:
            return self
        self._stop.clear()
        run = threading.Thread(target=self._run, name=f"informer-{self.client.gvr.resource}", daemon=True)
        self._threads.append(run)
        if self.resync_period:
            self._threads.append(threading.Thread(target=self._resync_loop, name="informer-resync", daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the threads and close the watch; waits up to ``timeout`` seconds for them."""
        self._stop.set()
        with self._watch_lock:
            watch = self._watch
        if watch is not None:
            watch.stop()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
        self._threads = []

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def has_synced(self) -> bool:
        """True once the first LIST is in the store (client-go ``HasSynced``)."""
        return self._synced.is_set()

    def wait_for_sync(self, timeout: Optional[float] = None) -> bool:
        """Block until ``has_synced()`` or ``timeout``; returns whether it synced."""
        return self._synced.wait(timeout)

    def __enter__(self) -> "Informer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- the reflector -----------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            if self.watch_list and not self.watch_list_refused:
                try:
                    self._watch_list()
                    failures = 0
                    continue
                except Gone as err:
                    log.info("%s: watch expired (%s); starting over", self, err)
                    continue
                except StatusError as err:
                    if err.code in (400, 403, 404, 405, 422):
                        self.watch_list_refused = True
                        log.info("%s: the server refused a WatchList (%s); LISTing instead", self, err)
                    else:
                        failures += 1
                        log.warning("%s: WatchList failed (%s); retrying", self, err)
                        self._stop.wait(self._backoff(failures))
                        continue
                except Exception as err:  # noqa: BLE001 - the loop must survive anything and try again
                    failures += 1
                    log.warning("%s: WatchList failed (%s: %s); retrying", self, type(err).__name__, err)
                    self._stop.wait(self._backoff(failures))
                    continue
            try:
                rv = self._list_and_replace()
            except Exception as err:  # noqa: BLE001 - the loop must survive anything and try again
                failures += 1
                log.warning("%s: list failed (%s: %s); retrying", self, type(err).__name__, err)
                self._stop.wait(self._backoff(failures))
                continue
            failures = 0
            try:
                self._watch_from(rv)
            except Gone as err:
                log.info("%s: watch expired (%s); relisting", self, err)
            except Exception as err:  # noqa: BLE001
                failures += 1
                log.warning("%s: watch failed (%s: %s); relisting", self, type(err).__name__, err)
                self._stop.wait(self._backoff(failures))

    def _backoff(self, failures: int) -> float:
        return jittered_backoff(failures, base=self.backoff_base, cap=self.max_backoff)

    def _list_pages(self) -> Tuple[List[Obj], str]:
        """One consistent LIST, page by page; a continue token that expires falls back to a full LIST.

        Items are decoded one at a time and stored transformed and compacted
        (``_list_stream``), so no page, and not the full LIST either, is ever
        held as parsed dicts beside its text.
        """
        items: List[Obj] = []
        token: Optional[str] = None
        while True:
            try:
                fields, page = self._list_stream(limit=self.page_size, continue_=token)
            except Expired:
                if token is None:
                    raise
                self.stats["full_lists"] += 1
                log.info("%s: the LIST's continue token expired; listing everything at once", self)
                items = []  # freed before the big reply comes
                fields, page = self._list_stream()
                items.extend(self._transformed(item) for item in page)
                return items, (fields.get("metadata") or {}).get("resourceVersion", "")
            items.extend(self._transformed(item) for item in page)
            meta = fields.get("metadata") or {}
            token = meta.get("continue")
            if not token:
                return items, meta.get("resourceVersion", "")

    def _list_stream(self, *, limit: Optional[int] = None,
                     continue_: Optional[str] = None) -> Tuple[Dict[str, Any], Iterator[Obj]]:
        """One LIST call as ``(fields, items)``: items decoded as they are taken, fields complete after the last.

        This is ``ResourceClient.list`` (its path healing, its errors) with
        the reply split by ``split_checked`` instead of decoded whole; for a
        metadata-only informer it asks for a ``PartialObjectMetadataList``.
        """
        client = self.client
        rc = client.resource if isinstance(client, MetadataClient) else client
        accept = LIST_ACCEPT if isinstance(client, MetadataClient) else "application/json"
        params = list_params(label_selector=self.label_selector, field_selector=self.field_selector, limit=limit,
                             continue_=continue_)
        answered, reply, url = rc._send("GET", lambda c: c._path(), params=params, accept=accept)
        try:
            return split_checked(reply, method="GET", url=url)
        except StatusError as err:
            answered._raise_about(err, "GET", None)
            raise  # not reached: _raise_about raises the error named after this resource

    def _list_and_replace(self) -> str:
        items, rv = self._list_pages()
        if self._stop.is_set():
            return rv
        self.stats["lists"] += 1
        if self._synced.is_set():
            self.stats["relists"] += 1
        self._replace(items)
        self.last_sync_resource_version = rv
        self._synced.set()
        return rv

    def _transformed(self, obj: Obj) -> Obj:
        return compact(self.transform(obj) if self.transform is not None else obj)

    def _watch_list(self) -> None:
        """Sync from a WatchList stream, then keep watching on it (raises what the server says)."""
        watch = self.client.watch(
            send_initial_events=True, yield_bookmarks=True, label_selector=self.label_selector,
            field_selector=self.field_selector, server_timeout=self.watch_timeout,
            read_timeout=self.watch_read_timeout, backoff_base=self.backoff_base, max_backoff=self.max_backoff,
        )
        with self._watch_lock:
            if self._stop.is_set():
                return
            self._watch = watch
        initial: Optional[Dict[str, Obj]] = {}
        try:
            for kind, obj in watch:
                if initial is not None:
                    if kind == "BOOKMARK":
                        if ((obj.get("metadata") or {}).get("annotations") or {}).get(INITIAL_EVENTS_END) == "true":
                            self._synced_from(list(initial.values()), watch.resource_version)
                            initial = None
                        continue
                    if kind in ("ADDED", "MODIFIED"):
                        item = self._transformed(obj)
                        initial[meta_namespace_key(item)] = item
                    elif kind == "DELETED":
                        initial.pop(meta_namespace_key(obj), None)
                    continue
                if kind == "BOOKMARK":
                    continue
                self.stats["events"] += 1
                self.stats["reconnects"] = self._reconnects_before + watch.reconnects
                self._apply(kind, obj)
        finally:
            self._reconnects_before += watch.reconnects
            self.stats["reconnects"] = self._reconnects_before
            if watch.resource_version:
                self.last_sync_resource_version = watch.resource_version
            with self._watch_lock:
                self._watch = None

    def _synced_from(self, items: List[Obj], rv: str) -> None:
        if self._stop.is_set():
            return
        self.stats["watch_lists"] += 1
        if self._synced.is_set():
            self.stats["relists"] += 1
        self._replace(items)
        self.last_sync_resource_version = rv
        self._synced.set()

    def _start_watch(self, rv: str) -> Watch:
        """The watch the Reflector loop consumes: the resource client's own, resuming from ``rv``."""
        return self.client.watch(
            resource_version=rv, label_selector=self.label_selector, field_selector=self.field_selector,
            server_timeout=self.watch_timeout, read_timeout=self.watch_read_timeout,
            backoff_base=self.backoff_base, max_backoff=self.max_backoff,
        )

    def _watch_from(self, rv: str) -> None:
        watch = self._start_watch(rv)
        with self._watch_lock:
            if self._stop.is_set():
                return
            self._watch = watch
        try:
            for kind, obj in watch:
                self.stats["events"] += 1
                self.stats["reconnects"] = self._reconnects_before + watch.reconnects
                self._apply(kind, obj)
        finally:
            self._reconnects_before += watch.reconnects
            self.stats["reconnects"] = self._reconnects_before
            self.last_sync_resource_version = watch.resource_version
            with self._watch_lock:
                self._watch = None

    # -- store changes and notifications ------------------------------------------

    def _apply(self, kind: str, obj: Obj) -> None:
        obj = self._transformed(obj)
        key = meta_namespace_key(obj)
        with self._dispatch:
            if kind in ("ADDED", "MODIFIED"):
                self._upsert(key, obj)
            elif kind == "DELETED":
                old = self.store.get(key)
                if old is not None and _uid(old) in (None, _uid(obj)):
                    self.store.pop(key)
                    self._notify_delete(obj)

    def _replace(self, items: List[Obj]) -> None:
        """Make the store equal to a fresh LIST, notifying the difference (DeltaFIFO ``Replace``)."""
        fresh = {meta_namespace_key(obj): obj for obj in items}
        with self._dispatch:
            for key in self.store.keys():
                if key not in fresh:
                    old = self.store.pop(key)
                    if old is not None:
                        self._notify_delete(old)
            for key, obj in fresh.items():
                self._upsert(key, obj, only_if_changed=True)

    def _upsert(self, key: str, obj: Obj, only_if_changed: bool = False) -> None:
        old = self.store.get(key)
        if old is not None and _uid(old) != _uid(obj):
            # The name was deleted and re-created while we were not looking.
            self.store.pop(key)
            self._notify_delete(old)
            old = None
        if old is not None and _rv(old) == _rv(obj) and (only_if_changed or _rv(obj)):
            return  # nothing new (a relist of an unchanged object, or a replayed event)
        self.store.put(key, obj)
        if old is None:
            for handler in list(self._handlers):
                self._call(handler.on_add, obj)
        else:
            for handler in list(self._handlers):
                self._call(handler.on_update, old, obj)

    def _notify_delete(self, obj: Obj) -> None:
        for handler in list(self._handlers):
            self._call(handler.on_delete, obj)

    def _call(self, fn: Optional[Callable[..., None]], *args: Obj) -> None:
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a handler must never kill the informer
            self.stats["handler_errors"] += 1
            log.exception("%s: event handler %r failed", self, fn)

    def _resync_loop(self) -> None:
        assert self.resync_period
        while not self._stop.wait(self.resync_period):
            if not self._synced.is_set():
                continue
            with self._dispatch:
                for obj in self.store.list():
                    for handler in list(self._handlers):
                        self._call(handler.on_update, obj, obj)


InformerKey = Tuple[GroupVersionResource, Optional[str], Optional[str], Optional[str]]


class InformerFactory:
    """Hands out one shared ``Informer`` per (resource, namespace, label selector, field selector).

    Like client-go's ``SharedInformerFactory``: ``for_resource`` returns the
    same informer to every caller asking for the same thing, ``start()``
    starts the ones not yet running, ``shutdown()`` stops them all.
    ``informer_options`` (``resync_period``, ``watch_timeout``...) apply to
    every informer it makes.
    """

    def __init__(self, dyn: Any, *, namespace: Optional[str] = None, **informer_options: Any) -> None:
        self.dyn = dyn
        self.namespace = namespace
        self._options = informer_options
        self._informers: Dict[InformerKey, Informer] = {}
        self._lock = threading.Lock()
        self._started = False

    def for_resource(
        self,
        what: ResourceArg,
        *,
        namespace: Optional[str] = None,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        indexers: Optional[Mapping[str, IndexFunc]] = None,
    ) -> Informer:
        """The shared informer for ``what``; extra ``indexers`` are added to it."""
        client = what if isinstance(what, ResourceClient) else self.dyn.resource(what)
        ns = namespace if namespace is not None else self.namespace
        key = (client.gvr, ns if client.namespaced else None, label_selector or None, field_selector or None)
        with self._lock:
            informer = self._informers.get(key)
            if informer is None:
                informer = Informer(self.dyn, client, key[1], label_selector, field_selector, **self._options)
                self._informers[key] = informer
                if self._started:
                    informer.start()
        if indexers:
            informer.store.add_indexers(indexers)
        return informer

    @property
    def informers(self) -> Dict[InformerKey, Informer]:
        with self._lock:
            return dict(self._informers)

    def start(self) -> None:
        """Start every informer made so far (and, from now on, each new one at once)."""
        with self._lock:
            self._started = True
            informers = list(self._informers.values())
        for informer in informers:
            informer.start()

    def wait_for_cache_sync(self, timeout: Optional[float] = None) -> Dict[InformerKey, bool]:
        """Wait for every started informer to sync; returns key -> synced."""
        end = None if timeout is None else time.monotonic() + timeout
        result = {}
        for key, informer in self.informers.items():
            left = None if end is None else max(0.0, end - time.monotonic())
            result[key] = informer.wait_for_sync(left)
        return result

    def shutdown(self) -> None:
        """Stop every informer and wait for their threads."""
        with self._lock:
            self._started = False
            informers = list(self._informers.values())
        for informer in informers:
            informer.stop()

    def __enter__(self) -> "InformerFactory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
