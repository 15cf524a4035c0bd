"""A watch reply body: WatchEvent lines produced from the tracker's history as the reader asks for them.

It is the file object under the urllib3 response the adapter returns, so
dynclient's stream reader, timeouts and ``Watch.stop()`` all run for real:
``read1`` blocks until an event, a bookmark, the request's
``timeoutSeconds`` or ``close()`` (which is what stopping a watch does).

Semantics follow the watch cache: no resourceVersion (or "0") starts with
ADDED events for the current objects; a resourceVersion replays the changes
after it, or sends the 410 ERROR event when it has been compacted;
``sendInitialEvents`` ends the initial ADDED events with a BOOKMARK
annotated ``k8s.io/initial-events-end``; with a selector, an object that
starts or stops matching is ADDED or DELETED, as the real server sends it.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, List, Optional

from .discoverydocs import ResourceInfo
from .tracker import Change, ObjectTracker

__all__ = ["WatchStream"]

Obj = Dict[str, Any]


class WatchStream:
    """A blocking, closable byte stream of watch events (the body of one watch request)."""

    def __init__(self, tracker: ObjectTracker, info: ResourceInfo, *, namespace: Optional[str],
                 matches: Callable[[Obj], bool], resource_version: str, bookmarks: bool, initial_events: bool,
                 timeout: Optional[float], render: Callable[[ResourceInfo, Obj], Obj],
                 bookmark_interval: Optional[float]) -> None:
        self._tracker = tracker
        self._info = info
        self._ns = namespace
        self._matches = matches
        self._render = render
        self._bookmarks = bookmarks
        self._bookmark_interval = bookmark_interval
        self._deadline = time.monotonic() + timeout if timeout else None
        self._closed = False
        self._ended = False
        self._buffer = b""
        self._pending: List[bytes] = []
        with tracker.lock:
            if resource_version in ("", "0") or initial_events:
                self._cursor = tracker.revision
                for obj in tracker.items(info.group_resource, namespace):
                    if matches(obj):
                        self._emit("ADDED", obj)
                if initial_events:
                    self._pending.append(self._bookmark(initial_end=True))
            else:
                try:
                    self._cursor = int(resource_version)
                except ValueError:
                    self._cursor = tracker.revision
                if self._cursor < tracker.compacted:
                    self._error_410(resource_version)
        self._last_sent = time.monotonic()

    # -- events --------------------------------------------------------------

    def _emit(self, kind: str, obj: Obj) -> None:
        self._pending.append(json.dumps({"type": kind, "object": self._render(self._info, obj)},
                                        separators=(",", ":")).encode() + b"\n")

    def _bookmark(self, initial_end: bool = False) -> bytes:
        meta: Obj = {"resourceVersion": str(self._cursor), "creationTimestamp": None}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = self._render(self._info, {"metadata": meta})
        return json.dumps({"type": "BOOKMARK", "object": obj}, separators=(",", ":")).encode() + b"\n"

    def _error_410(self, resource_version: str) -> None:
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": f"too old resource version: {resource_version} ({self._tracker.compacted})",
                  "reason": "Expired", "code": 410}
        self._pending.append(json.dumps({"type": "ERROR", "object": status}, separators=(",", ":")).encode() + b"\n")
        self._ended = True

    def _in_scope(self, obj: Optional[Obj]) -> bool:
        if obj is None:
            return False
        if self._ns is not None and (obj.get("metadata") or {}).get("namespace") != self._ns:
            return False
        return self._matches(obj)

    def _take(self, change: Change) -> None:
        now, before = self._in_scope(change.object), self._in_scope(change.previous)
        if change.type == "DELETED":
            if before:
                self._emit("DELETED", change.object)
        elif now and before:
            self._emit("MODIFIED", change.object)
        elif now:
            self._emit("ADDED", change.object)
        elif before:
            self._emit("DELETED", change.object)

    def _fill(self) -> None:
        """Wait (under the tracker's condition) until there is something to send or the stream ends."""
        tracker = self._tracker
        with tracker.changed:
            while not self._pending and not self._closed and not self._ended:
                try:
                    changes = list(tracker.changes_after(self._cursor, self._info.group_resource))
                except LookupError:
                    self._error_410(str(self._cursor))
                    break
                for change in changes:
                    self._cursor = change.revision
                    self._take(change)
                if self._pending:
                    break
                self._cursor = max(self._cursor, tracker.revision) if not changes else self._cursor
                wait = self._wait_time()
                if wait is not None and wait <= 0:
                    if self._deadline is not None and time.monotonic() >= self._deadline:
                        self._ended = True
                        break
                    self._pending.append(self._bookmark())
                    break
                tracker.changed.wait(wait)
        self._last_sent = time.monotonic()

    def _wait_time(self) -> Optional[float]:
        now = time.monotonic()
        waits = []
        if self._deadline is not None:
            waits.append(self._deadline - now)
        if self._bookmarks and self._bookmark_interval:
            waits.append(self._last_sent + self._bookmark_interval - now)
        return min(waits) if waits else None

    # -- the file interface urllib3 reads ------------------------------------------

    def read1(self, amt: int = -1) -> bytes:
        if not self._buffer:
            if not self._pending:
                if self._closed or self._ended:
                    return b""
                self._fill()
            self._buffer = b"".join(self._pending)
            self._pending = []
        if amt is None or amt < 0 or amt >= len(self._buffer):
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:amt], self._buffer[amt:]
        return out

    def read(self, amt: Optional[int] = None) -> bytes:
        if amt is not None and amt >= 0:
            return self.read1(amt)
        parts: List[bytes] = []
        while True:
            chunk = self.read1()
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)

    def readable(self) -> bool:
        return True

    def isclosed(self) -> bool:
        return self._closed

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """End the stream; a reader blocked in ``read1`` returns ``b""``."""
        self._closed = True
        with self._tracker.changed:
            self._tracker.changed.notify_all()
