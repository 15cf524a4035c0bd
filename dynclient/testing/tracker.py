"""The object tracker: objects by group-resource, namespace and name, with resourceVersions and history.

client-go's ``testing.ObjectTracker`` in spirit: plain storage with no
knowledge of HTTP. Every write takes the next resourceVersion (one counter
for the whole cluster, as etcd's revision) and is kept in a history that
watches read from. The history is compacted like etcd's: ``compact()``
forgets everything up to now, and ``history`` (when set) keeps only the
last N writes; a watch or a continue token from before the compaction gets
a 410.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

__all__ = ["ObjectTracker", "Change", "GroupResource"]

GroupResource = Tuple[str, str]
Key = Tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects
Obj = Dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One write: the object after it (for DELETED, as it was, with the delete's resourceVersion)."""

    revision: int
    group_resource: GroupResource
    type: str  # ADDED, MODIFIED, DELETED
    object: Obj
    #: The object before the write (``None`` for ADDED): a watch with a selector needs both.
    previous: Optional[Obj] = None


class ObjectTracker:
    """Thread-safe storage; ``changed`` is notified after every write (watches wait on it)."""

    def __init__(self, *, history: Optional[int] = None, start_revision: int = 1,
                 compaction_interval: Optional[float] = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: Dict[GroupResource, Dict[Key, Obj]] = {}
        self._revision = start_revision
        self._changes: List[Change] = []
        #: Writes at or below this revision are forgotten.
        self.compacted = 0
        self.history = history
        #: etcd's ``--etcd-compaction-interval``: every interval, compact to the revision of the one before.
        self.compaction_interval = compaction_interval
        self._clock = clock
        self._tick = clock()
        self._tick_revision = start_revision

    @property
    def revision(self) -> int:
        return self._revision

    def next_revision(self) -> int:
        with self.lock:
            self._revision += 1
            return self._revision

    def get(self, gr: GroupResource, namespace: str, name: str) -> Optional[Obj]:
        with self.lock:
            return self._objects.get(gr, {}).get((namespace, name))

    def items(self, gr: GroupResource, namespace: Optional[str] = None) -> List[Obj]:
        """Objects in storage-key order (``namespace/name``), the order a real LIST returns."""
        with self.lock:
            stored = self._objects.get(gr, {})
            keys = sorted(k for k in stored if namespace is None or k[0] == namespace)
            return [stored[k] for k in keys]

    def count(self, gr: GroupResource, namespace: Optional[str] = None) -> int:
        with self.lock:
            return sum(1 for k in self._objects.get(gr, {}) if namespace is None or k[0] == namespace)

    def put(self, gr: GroupResource, obj: Obj, event: str) -> Obj:
        """Store ``obj`` under a new resourceVersion (set in it) and record the change."""
        with self.lock:
            rev = self.next_revision()
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = str(rev)
            stored = self._objects.setdefault(gr, {})
            key = (meta.get("namespace") or "", meta["name"])
            previous = stored.get(key)
            stored[key] = obj
            self._record(Change(rev, gr, event, obj, previous))
            return obj

    def remove(self, gr: GroupResource, namespace: str, name: str) -> Optional[Obj]:
        with self.lock:
            obj = self._objects.get(gr, {}).pop((namespace, name), None)
            if obj is None:
                return None
            gone = copy.copy(obj)
            gone["metadata"] = {**obj["metadata"], "resourceVersion": str(self.next_revision())}
            self._record(Change(self._revision, gr, "DELETED", gone, obj))
            return gone

    def drop_resource(self, gr: GroupResource) -> None:
        """Forget every object of ``gr`` (its CRD was deleted), with DELETED events."""
        with self.lock:
            for ns, name in list(self._objects.get(gr, {})):
                self.remove(gr, ns, name)

    def _record(self, change: Change) -> None:
        self._changes.append(change)
        if self.history is not None and len(self._changes) > self.history:
            drop = len(self._changes) - self.history
            self.compacted = self._changes[drop - 1].revision
            del self._changes[:drop]
        self.changed.notify_all()

    def maybe_compact(self) -> None:
        """Run the periodic compaction when its interval has passed (called on reads and writes)."""
        if self.compaction_interval is None:
            return
        with self.lock:
            now = self._clock()
            if now - self._tick >= self.compaction_interval:
                self.compact(self._tick_revision)
                self._tick, self._tick_revision = now, self._revision

    def compact(self, revision: Optional[int] = None) -> int:
        """Forget the history up to ``revision`` (default: now), as etcd compaction does; returns it."""
        with self.lock:
            target = self._revision if revision is None else min(int(revision), self._revision)
            self.compacted = max(self.compacted, target)
            self._changes = [c for c in self._changes if c.revision > self.compacted]
            self.changed.notify_all()
            return self.compacted

    def changes_after(self, revision: int, gr: GroupResource) -> Iterator[Change]:
        """Changes to ``gr`` after ``revision`` (caller holds ``lock``; raises ``LookupError`` when compacted)."""
        if revision < self.compacted:
            raise LookupError(self.compacted)
        for change in self._changes:
            if change.revision > revision and change.group_resource == gr:
                yield change
