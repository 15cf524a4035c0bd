"""Watch streams: ``(type, object)`` events from a chunked JSON stream, with resume.

The API server sends one JSON ``WatchEvent`` per line. This module reads
them as they arrive, keeps the last ``resourceVersion`` seen, and:

* consumes BOOKMARK events (they only move the resourceVersion) unless the
  caller asks to see them;
* turns an ERROR event into the matching ``StatusError`` (410 -> ``Expired``);
* resumes from the last resourceVersion when the connection drops or the
  server ends the stream early, as client-go's ``RetryWatcher`` does, with
  bounded exponential backoff; a caller-set ``timeout_seconds`` ends the
  watch cleanly instead;
* stops cleanly from another thread through ``stop()``.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

import requests

from discovery.errors import DynclientError, StatusError, TransportError, status_error_from_response

from .errors import WatchError

__all__ = ["Watch", "Event"]

log = logging.getLogger("dynclient.watch")

Event = Tuple[str, Dict[str, Any]]
#: Opens one watch stream for the given Watch: it reads ``resource_version``,
#: ``remaining()`` and ``initial_events_done`` to build the request.
Opener = Callable[["Watch"], requests.Response]

#: The annotation on the BOOKMARK that ends the initial events of a WatchList request.
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class Watch:
    """An iterator of watch events that can be stopped from any thread.

    Use as ``for kind, obj in watch:`` or as a context manager.
    """

    def __init__(
        self,
        opener: Opener,
        *,
        resource_version: str = "",
        timeout_seconds: Optional[float] = None,
        yield_bookmarks: bool = False,
        resume: bool = True,
        max_backoff: float = 30.0,
        max_reconnects: Optional[int] = None,
    ) -> None:
        self._open = opener
        self.resource_version = resource_version or ""
        self._deadline = time.monotonic() + timeout_seconds if timeout_seconds else None
        self._yield_bookmarks = yield_bookmarks
        self._resume = resume
        self._max_backoff = max_backoff
        self._max_reconnects = max_reconnects
        self._stopped = threading.Event()
        self._response: Optional[requests.Response] = None
        self._lock = threading.Lock()
        self.reconnects = 0
        #: True once the server's initial-events-end bookmark was seen (``sendInitialEvents`` watches).
        self.initial_events_done = False

    def stop(self) -> None:
        """End the watch; safe to call from another thread while it is being iterated."""
        self._stopped.set()
        with self._lock:
            resp = self._response
        if resp is not None:
            _interrupt(resp)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __iter__(self) -> Iterator[Event]:
        failures = 0
        while not self._stopped.is_set() and not self._expired():
            try:
                resp = self._open(self)
            except (TransportError, StatusError) as err:
                if isinstance(err, StatusError) and err.code not in (429, 500, 502, 503, 504):
                    raise
                failures += 1
                if not self._may_reconnect(failures):
                    raise
                self._backoff(failures)
                continue
            with self._lock:
                self._response = resp
            if self._stopped.is_set():
                resp.close()
                return
            got_any = False
            try:
                for event in self._events(resp):
                    got_any = True
                    yield event
                    if self._stopped.is_set():
                        return
            except (requests.RequestException, OSError, ValueError, AttributeError) as err:
                if self._stopped.is_set():
                    return
                log.debug("watch stream broke (%s); resuming from %r", err, self.resource_version)
            finally:
                with self._lock:
                    self._response = None
                resp.close()
            if self._stopped.is_set() or self._expired() or not self._resume:
                return
            failures = 0 if got_any else failures + 1
            if not self._may_reconnect(failures or 1):
                return
            self.reconnects += 1
            if failures:
                self._backoff(failures)

    def _events(self, resp: requests.Response) -> Iterator[Event]:
        for line in resp.iter_lines(chunk_size=None):
            if not line:
                continue
            try:
                event = json.loads(line)
                kind = event["type"]
                obj = event["object"]
            except (ValueError, KeyError, TypeError) as exc:
                raise WatchError(f"malformed watch event: {line[:200]!r}") from exc
            if kind == "ERROR":
                raise _status_error(obj)
            meta = obj.get("metadata") or {}
            if meta.get("resourceVersion"):
                self.resource_version = meta["resourceVersion"]
            if kind == "BOOKMARK" and (meta.get("annotations") or {}).get(INITIAL_EVENTS_END) == "true":
                self.initial_events_done = True
            if kind == "BOOKMARK" and not self._yield_bookmarks:
                continue
            yield kind, obj

    def _expired(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def remaining(self) -> Optional[float]:
        """Seconds left before the caller's timeout (``None`` when there is none)."""
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def _may_reconnect(self, failures: int) -> bool:
        return self._resume and (self._max_reconnects is None or self.reconnects < self._max_reconnects)

    def _backoff(self, failures: int) -> None:
        delay = random.uniform(0.5, 1.0) * min(self._max_backoff, 0.2 * 2 ** min(failures, 10))
        self._stopped.wait(delay)


def _interrupt(resp: requests.Response) -> None:
    """Unblock a thread that is inside a read on this response's socket.

    ``Response.close()`` alone does not wake a blocked ``recv``; shutting the
    socket down does, and the reader then sees end-of-stream.
    """
    raw = getattr(resp, "raw", None)
    conn = getattr(raw, "_connection", None) or getattr(raw, "connection", None)
    sock = getattr(conn, "sock", None)
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed
    try:
        resp.close()
    except Exception:  # closing under a concurrent reader may raise; the reader ends anyway
        pass


def _status_error(obj: Any) -> DynclientError:
    if isinstance(obj, dict) and obj.get("kind") == "Status":
        return status_error_from_response(int(obj.get("code") or 500), json.dumps(obj).encode())
    return WatchError(f"watch ERROR event without a Status: {str(obj)[:200]}")
