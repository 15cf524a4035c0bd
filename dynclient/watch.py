"""Watch streams: ``(type, object)`` events from a chunked JSON stream, with resume.

The API server sends one JSON ``WatchEvent`` per line. This module reads
them as they arrive, keeps the last ``resourceVersion`` seen, and:

* consumes BOOKMARK events (they only move the resourceVersion) unless the
  caller asks to see them;
* turns an ERROR event into the matching ``StatusError`` (410 -> ``Expired``);
* resumes from the last resourceVersion when the connection drops, a read
  times out or the server ends the stream early, as client-go's
  ``RetryWatcher`` does, with bounded exponential backoff and jitter; a
  caller-set ``timeout_seconds`` ends the watch cleanly instead;
* on 410 Gone either raises ``Expired`` (the default) or, given ``relist``,
  LISTs again and carries on from the fresh resourceVersion (Reflector);
* stops cleanly from another thread through ``stop()``;
* refuses an event longer than ``max_event_size`` (16 MiB by default, as
  client-go's streaming decoder): the watch ends with the error event
  client-go makes of it, an ``InternalError`` whose message is kubectl's
  ("unable to decode an event from the watch stream: object to decode was
  longer than maximum allowed size"), and is not resumed, since the same
  event would come again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from discovery.errors import DynclientError, Gone, StatusError, TransportError, status_error_from_response

from .errors import WatchError
from .http import LineTooLong, Response
from .retry import jittered_backoff

__all__ = ["Watch", "Event", "RELISTED", "DEFAULT_MAX_EVENT_SIZE", "decoding_status"]

log = logging.getLogger("dynclient.watch")

Event = Tuple[str, Dict[str, Any]]
#: Opens one watch stream for the given Watch: it reads ``resource_version``,
#: ``remaining()`` and ``initial_events_done`` to build the request.
Opener = Callable[["Watch"], Response]

#: The annotation on the BOOKMARK that ends the initial events of a WatchList request.
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


#: The synthetic event a ``relist``-ing Watch yields after a 410: its object is the fresh LIST.
RELISTED = "RELISTED"

#: client-go's limit on one decoded watch event (``apimachinery/pkg/runtime/serializer/streaming``).
DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024

#: The cause type client-go's watch decoder puts on the Status it makes of a stream it cannot decode.
CLIENT_WATCH_DECODING = "ClientWatchDecoding"

#: Status codes that mean "try again later" rather than "no".
_TRANSIENT = (429, 500, 502, 503, 504)


class Watch:
    """An iterator of watch events that can be stopped from any thread.

    Use as ``for kind, obj in watch:`` or as a context manager.

    Reconnects (after a drop, a clean end of the stream by the server, a
    read timeout or a transient 429/5xx) resume from the last
    resourceVersion seen, BOOKMARKs included. Consecutive failures back off
    exponentially from ``backoff_base`` to at most ``max_backoff`` seconds,
    with jitter; ``max_failures`` (consecutive) and ``max_reconnects``
    (total) bound them when set.

    A 410 (the resourceVersion is too old: an ``Expired`` reply or an ERROR
    event carrying a 410 Status) cannot be resumed from. Without ``relist``
    the watch raises ``Expired``/``Gone``, as client-go's ``RetryWatcher``
    does. With ``relist`` (a function doing a LIST and returning the list
    object) it does what the Reflector does: LIST again, yield one
    ``("RELISTED", list_object)`` event holding the complete current state,
    and watch on from the list's resourceVersion. Events between the expired
    resourceVersion and that LIST are *not* replayed (deletions in that gap
    are only visible by comparing the list with what the caller knew), which
    is why the list is handed over whole.
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
        backoff_base: float = 0.2,
        max_failures: Optional[int] = None,
        relist: Optional[Callable[[], Dict[str, Any]]] = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        self._open = opener
        #: The longest event line accepted, in bytes; may be changed before iterating.
        self.max_event_size = max_event_size
        self.resource_version = resource_version or ""
        self._deadline = time.monotonic() + timeout_seconds if timeout_seconds else None
        self._yield_bookmarks = yield_bookmarks
        self._resume = resume
        self._max_backoff = max_backoff
        self._backoff_base = backoff_base
        self._max_reconnects = max_reconnects
        self._max_failures = max_failures
        self._relist = relist
        self._stopped = threading.Event()
        self._response: Optional[Response] = None
        self._lock = threading.Lock()
        #: Streams opened again after the first one.
        self.reconnects = 0
        #: LISTs done after a 410 (only with ``relist``).
        self.relists = 0
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
        """True once ``stop()`` was called."""
        return self._stopped.is_set()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __iter__(self) -> Iterator[Event]:
        failures = 0
        must_relist = False
        while not self._stopped.is_set() and not self._expired():
            if must_relist:
                try:
                    listed = self._do_relist()
                except (TransportError, StatusError) as err:
                    failures = self._failed(err, failures)
                    continue
                must_relist, failures = False, 0
                yield RELISTED, listed
                continue
            try:
                resp = self._open(self)
            except Gone as err:
                must_relist = self._on_gone(err)
                continue
            except (TransportError, StatusError) as err:
                failures = self._failed(err, failures)
                continue
            with self._lock:
                self._response = resp
            if self._stopped.is_set():
                resp.close()
                return
            opened_at, start_rv = time.monotonic(), self.resource_version
            broken: Optional[BaseException] = None
            try:
                for event in self._events(resp):
                    yield event
                    if self._stopped.is_set():
                        return
            except (OSError, ValueError, AttributeError) as err:
                if self._stopped.is_set():
                    return
                broken = err
                log.debug("watch stream broke (%s); resuming from %r", err, self.resource_version)
            except Gone as err:
                if self._stopped.is_set():
                    return
                must_relist = self._on_gone(err)
                continue
            except StatusError as err:  # an ERROR event with a transient Status
                if (self._stopped.is_set() or err.code not in _TRANSIENT or not self._resume
                        or _is_client_decoding(err)):
                    raise
                broken = err
            finally:
                with self._lock:
                    self._response = None
                resp.close()
            if self._stopped.is_set() or self._expired() or not self._resume:
                return
            progressed = self.resource_version != start_rv
            # A server ending a quiet watch at its timeout is normal; a stream that breaks
            # (or ends at once) without progress is a failure and backs off.
            healthy_end = broken is None and time.monotonic() - opened_at >= 1.0
            failures = 0 if progressed or healthy_end else failures + 1
            if not self._may_reconnect(failures):
                if broken is not None:
                    raise TransportError(f"watch gave up after {failures} failures: {broken}") from broken
                return
            self.reconnects += 1
            if failures:
                self._backoff(failures)

    def _on_gone(self, err: BaseException) -> bool:
        """A 410: raise it when nobody asked to relist, else tell the loop to LIST."""
        if self._relist is None:
            raise err
        log.debug("watch from resourceVersion %r expired (%s); relisting", self.resource_version, err)
        return True

    def _do_relist(self) -> Dict[str, Any]:
        assert self._relist is not None
        listed = self._relist()
        rv = ((listed or {}).get("metadata") or {}).get("resourceVersion") or ""
        self.resource_version = rv
        self.relists += 1
        return listed

    def _failed(self, err: BaseException, failures: int) -> int:
        """Count a failed request; re-raise it when it is not transient or the bounds are spent."""
        if isinstance(err, StatusError) and err.code not in _TRANSIENT:
            raise err
        failures += 1
        if not self._may_reconnect(failures):
            raise err
        self._backoff(failures)
        return failures

    def _events(self, resp: Response) -> Iterator[Event]:
        limit = self.max_event_size
        # Our Response refuses the line as soon as it is too long; any other stream (a test's) is checked after.
        lines = resp.iter_lines(max_line=limit) if isinstance(resp, Response) else resp.iter_lines()
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except LineTooLong as err:
                raise _decoding_error(str(err)) from None
            if not line:
                continue
            if len(line) > limit:
                raise _decoding_error(str(LineTooLong(limit)))
            try:
                event = json.loads(line)
                kind = event["type"]
                obj = event["object"]
            except (ValueError, KeyError, TypeError) as exc:
                if getattr(resp, "ended_without_newline", False) and isinstance(exc, ValueError):
                    # The stream ended inside an event (client-go: io.ErrUnexpectedEOF): a drop, resumed.
                    raise ConnectionError("watch stream ended in the middle of an event") from None
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
        if not self._resume:
            return False
        if self._max_failures is not None and failures > self._max_failures:
            return False
        return self._max_reconnects is None or self.reconnects < self._max_reconnects

    def backoff_delay(self, failures: int) -> float:
        """The wait before reconnect attempt ``failures``: exponential, capped, jittered to 50-100%."""
        return jittered_backoff(failures, base=self._backoff_base, cap=self._max_backoff)

    def _backoff(self, failures: int) -> None:
        self._stopped.wait(self.backoff_delay(failures))


def _interrupt(resp: Response) -> None:
    """Unblock a thread that is inside a read on this response's socket.

    Closing alone does not wake a blocked ``recv``; shutting the socket down
    does, and the reader then sees end-of-stream.
    """
    resp.interrupt()
    try:
        resp.close()
    except Exception:  # closing under a concurrent reader may raise; the reader ends anyway
        pass


def decoding_status(reason: str) -> Dict[str, Any]:
    """The Status client-go's ``StreamWatcher`` hands the caller for an event it cannot decode, as kubectl prints it.

    ``ClientErrorReporter(500, "GET", "ClientWatchDecoding").AsObject``: a
    generic InternalError whose causes are ``UnexpectedServerResponse`` and
    ``ClientWatchDecoding`` (a StatusCause's type is the JSON ``reason``);
    keys in ``metav1.Status`` field order, which ``kubectl get -w -o json``
    keeps since the object is typed.
    """
    inner = f"unable to decode an event from the watch stream: {reason}"
    return {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f"an error on the server ({json.dumps(inner)}) has prevented the request from succeeding",
        "reason": "InternalError",
        "details": {"causes": [{"reason": "UnexpectedServerResponse", "message": inner},
                               {"reason": CLIENT_WATCH_DECODING, "message": inner}]},
        "code": 500,
    }


def _decoding_error(reason: str) -> StatusError:
    """The error event client-go's ``StreamWatcher`` sends for a stream it cannot decode (``decoding_status``)."""
    return status_error_from_response(500, json.dumps(decoding_status(reason)).encode(), method="GET")


def _is_client_decoding(err: StatusError) -> bool:
    details = err.status.get("details") if isinstance(getattr(err, "status", None), dict) else None
    causes = details.get("causes") if isinstance(details, dict) else None
    return isinstance(causes, list) and any(
        isinstance(c, dict) and c.get("reason") == CLIENT_WATCH_DECODING for c in causes)


def _status_error(obj: Any) -> DynclientError:
    if isinstance(obj, dict) and obj.get("kind") == "Status":
        code = obj.get("code")
        # A code that is not a number (a string, a bool, null) is ignored, as the Status decoder drops it.
        usable = code if isinstance(code, int) and not isinstance(code, bool) and 0 < code <= 999 else 500
        return status_error_from_response(usable, json.dumps(obj).encode())
    return WatchError(f"watch ERROR event without a Status: {str(obj)[:200]}")
