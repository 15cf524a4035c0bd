"""A container's log: ``GET .../pods/NAME/log``, whole or followed, as ``kubectl logs [-f]`` reads it.

``read_logs`` is what ``PodVerbs.logs`` calls: it fetches the pod first
(``target.resolve``), so a missing pod is ``NotFound``, a missing or
unnamed container is ``ContainerNotFound``/``ContainerRequired`` with the
pod's names, and only then asks for the log. What the server refuses (a
``previous`` instance that does not exist, a container still waiting) stays
the server's ``StatusError`` with its message.

Following (``LogFollow``) survives a dropped stream, which ``kubectl logs
-f`` does not: every request asks for timestamps, the position is kept in a
``logcursor.Cursor``, and a stream that breaks (or ends while the container
still runs) is asked for again from the last line's second, the lines
already handed out being dropped (``logcursor.Replay``). Timestamps are
stripped again unless the caller asked for them, so the lines are the ones
a single unbroken stream would have given. The pod is looked at before
each resume: a container that restarted meanwhile is read to its end as the
``previous`` instance, and a container that ended ends the iteration, as
the server's own end of the stream does. (A restart between that look and
the resumed request would give the new instance's lines from that second on
instead of the old one's last lines: a window of the kubelet's restart delay
that a single read of the pod cannot close.)

``limit_bytes`` with ``follow`` is counted here rather than by the server:
the server would count the timestamps this module adds, and a resumed
stream would start a new count.
"""

from __future__ import annotations

import datetime
import logging
import threading
from dataclasses import dataclass, replace
from typing import Any, Iterator, List, Mapping, Optional, Tuple, Union

from discovery.errors import NotFound, StatusError, TransportError
from discovery.types import GroupVersionResource

from ..paths import resource_path
from ..retry import jittered_backoff
from .logcursor import Cursor, Replay, since_time_param
from .target import Target, resolve
from .verbs import require_pods

__all__ = ["LogOptions", "LogFollow", "read_logs", "fetch_log", "follow_log", "log_path", "container_status"]

log = logging.getLogger("dynclient.pods.logs")

PODS = GroupVersionResource("", "v1", "pods")
#: What kubectl's REST client asks for: the log is text/plain, an error a JSON Status.
ACCEPT = "application/json, */*"

SinceTime = Union[str, datetime.datetime, None]


@dataclass(frozen=True)
class LogOptions:
    """``PodLogOptions``: what part of which container's log. ``None`` and ``False`` are left out of the query."""

    container: str = ""
    follow: bool = False
    tail_lines: Optional[int] = None
    since_seconds: Optional[int] = None
    since_time: Optional[str] = None
    timestamps: bool = False
    limit_bytes: Optional[int] = None
    previous: bool = False
    insecure_skip_tls_verify_backend: bool = False

    def params(self) -> List[Tuple[str, str]]:
        """The query, in key order as client-go's ``url.Values.Encode`` sends it."""
        pairs = {
            "container": self.container or None,
            "follow": "true" if self.follow else None,
            "insecureSkipTLSVerifyBackend": "true" if self.insecure_skip_tls_verify_backend else None,
            "limitBytes": None if self.limit_bytes is None else str(self.limit_bytes),
            "previous": "true" if self.previous else None,
            "sinceSeconds": None if self.since_seconds is None else str(self.since_seconds),
            "sinceTime": self.since_time,
            "tailLines": None if self.tail_lines is None else str(self.tail_lines),
            "timestamps": "true" if self.timestamps else None,
        }
        return [(k, v) for k, v in sorted(pairs.items()) if v is not None]


def since_time_text(value: SinceTime) -> Optional[str]:
    """``sinceTime`` as sent: a datetime becomes RFC 3339 in UTC, whole seconds (metav1.Time); text goes as given."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("since_time needs a timezone-aware datetime (or an RFC 3339 string)")
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_path(namespace: str, name: str) -> str:
    return resource_path(PODS, namespace, name, "log")


def fetch_log(rc: Any, name: str, options: LogOptions) -> bytes:
    """The log's bytes as the server sent them (no ``follow``): one GET, retried as any GET is."""
    resp = rc.transport.request("GET", log_path(rc.ns, name), params=options.params(), accept=ACCEPT)
    return resp.content


def _open_stream(rc: Any, name: str, options: LogOptions) -> Any:
    """The streamed reply (``dynclient.http.Response``); no read timeout, as a followed log may be quiet for hours."""
    return rc.transport.request("GET", log_path(rc.ns, name), params=options.params(), accept=ACCEPT, stream=True,
                                timeout=(rc.transport.timeout[0], None))


def container_status(pod: Mapping[str, Any], container: str) -> Mapping[str, Any]:
    """The container's entry in ``status.{,init,ephemeral}containerStatuses`` (empty when there is none yet)."""
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for entry in status.get(key) or []:
            if entry.get("name") == container:
                return entry
    return {}


def _chunks(resp: Any) -> Iterator[bytes]:
    """The reply's body in the pieces it arrives in (``dynclient.http.Response``'s own readers).

    ``iter_lines`` would hand each line through two more generators; a
    followed log of 200k lines is read block by block instead.
    """
    return resp.iter_chunks()


def _line_blocks(resp: Any) -> Iterator[Tuple[List[bytes], bool]]:
    """``(lines, True)`` for each run of whole lines received (without their newlines); at a clean end,
    ``([rest], False)`` for a last line that has no newline. A broken stream raises ``OSError`` and
    its unfinished line is never handed out; neither is one read before ``interrupt()``.
    """
    pending = b""
    for chunk in _chunks(resp):
        data = pending + chunk if pending else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            pending = data
            continue
        pending = data[cut + 1:]
        lines = data[:cut].split(b"\n")
        yield lines, True
    if pending and not resp.interrupted:
        yield [pending], False


def _instance(entry: Mapping[str, Any]) -> Tuple[str, int]:
    return str(entry.get("containerID") or ""), int(entry.get("restartCount") or 0)


def _same_instance(then: Tuple[str, int], now: Tuple[str, int]) -> bool:
    if then[0] and now[0]:
        return then[0] == now[0]
    return then[1] == now[1]


class LogFollow:
    """The lines of a followed log, as they come; ends when the container does. Iterate it once.

    Iterating gives ``str`` lines without their newline (UTF-8, undecodable
    bytes replaced); ``raw_lines()`` gives the bytes with the newline, the
    last line without one when the log ends without one; ``blocks()`` the
    bytes as they arrive, in runs of whole lines. ``stop()`` may be called
    from any thread: a blocked read wakes, and the iteration ends quietly
    once the lines of the network read in hand are out. ``reconnects``
    counts the streams opened after the first.

    A stream that breaks is resumed (``max_failures`` times in a row without a
    new line, waiting ``jittered_backoff`` between tries); past that, the
    last error is raised as ``TransportError``.
    """

    def __init__(self, rc: Any, target: Target, options: LogOptions, *, max_failures: int = 5,
                 backoff_base: float = 0.2, max_backoff: float = 5.0) -> None:
        self._rc = rc
        self._target = target
        self._options = replace(options, follow=True, container=target.container)
        self._max_failures = max_failures
        self._backoff_base, self._max_backoff = backoff_base, max_backoff
        self._instance = _instance(container_status(target.obj, target.container))
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._response: Any = None
        self._used = False
        #: Streams opened again after the first one.
        self.reconnects = 0

    # -- control ---------------------------------------------------------------

    def stop(self) -> None:
        """End the iteration; safe from another thread while a read is blocked."""
        self._stopped.set()
        with self._lock:
            resp = self._response
        if resp is not None:
            resp.interrupt()

    close = stop

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def __enter__(self) -> "LogFollow":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- reading ---------------------------------------------------------------

    def __iter__(self) -> Iterator[str]:
        for block in self.blocks():
            text = block.decode("utf-8", "replace")  # a block is whole lines: no character is split
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            yield from lines

    def raw_lines(self) -> Iterator[bytes]:
        """The log's lines as bytes, each with its newline (a last one may have none)."""
        for block in self.blocks():
            lines = block.split(b"\n")
            last = lines.pop()
            for line in lines:
                yield line + b"\n"
            if last:
                yield last

    def blocks(self) -> Iterator[bytes]:
        """The log as it arrives, in blocks of whole lines (the last may end without a newline).

        The cheapest way to copy a followed log somewhere (``dynclient logs -f``
        writes each block at once); ``raw_lines`` and iteration split them.
        """
        if self._used:
            raise RuntimeError("a LogFollow is read once; ask for the log again to read it again")
        self._used = True
        return self._blocks()

    def _blocks(self) -> Iterator[bytes]:
        opts = self._options
        keep_stamps = opts.timestamps
        budget = opts.limit_bytes if opts.limit_bytes else None
        cursor = Cursor()
        request = replace(opts, timestamps=True, limit_bytes=None)
        resumed = False
        failures = 0
        while not self._stopped.is_set():
            try:
                resp = _open_stream(self._rc, self._target.pod, request)
            except (StatusError, TransportError) as err:
                # The first refusal is the caller's answer (kubectl's too); on a resume only a 5xx
                # or no reply at all is worth another try.
                if not resumed or (isinstance(err, StatusError) and err.code < 500):
                    raise
                failures += 1
                if failures > self._max_failures:
                    raise
                self._stopped.wait(jittered_backoff(failures, base=self._backoff_base, cap=self._max_backoff))
                continue
            with self._lock:
                self._response = resp
            replay = Replay(cursor) if resumed else None
            progressed = False
            broken: Optional[BaseException] = None
            try:
                if self._stopped.is_set():
                    return
                for lines, complete in _line_blocks(resp):
                    if replay is not None and not replay.done:
                        skipped = 0
                        while skipped < len(lines) and replay.skip(lines[skipped].partition(b" ")[0]):
                            skipped += 1
                        lines = lines[skipped:]
                        if not lines:
                            continue
                    cursor.advance_block(lines)
                    progressed = True
                    if not keep_stamps:  # the first word and its space; a line without a space stays whole
                        lines = [line[line.find(b" ") + 1:] for line in lines]
                    block = b"\n".join(lines) + b"\n" if complete else lines[0]
                    if budget is not None:
                        if len(block) >= budget:
                            yield block[:budget]
                            return
                        budget -= len(block)
                    yield block
            except OSError as err:  # the stream broke (reset, cut chunk, early end)
                if self._stopped.is_set():
                    return
                broken = err
                log.debug("log stream of %s/%s broke (%s); resuming", self._rc.ns, self._target.pod, err)
            finally:
                with self._lock:
                    self._response = None
                resp.close()
            if self._stopped.is_set():
                return
            failures = 0 if progressed else failures + 1
            if failures > self._max_failures:
                if broken is not None:
                    raise TransportError(f"following the log of pod {self._rc.ns}/{self._target.pod} gave up after "
                                         f"{failures} broken streams: {broken}") from broken
                return
            following = self._next_request(request, broken is not None)
            if following is None:
                return
            if cursor.stamp:
                key = cursor.key
                following = replace(following, tail_lines=None, since_seconds=None,
                                    since_time=since_time_param(key) if key is not None else None)
            request, resumed = following, True
            self.reconnects += 1
            if failures:
                self._stopped.wait(jittered_backoff(failures, base=self._backoff_base, cap=self._max_backoff))

    def _next_request(self, request: LogOptions, broken: bool) -> Optional[LogOptions]:
        """What to ask for after a stream ended (``broken``: without the server's end), or ``None``: the log is over.

        The pod says which: the same instance still running (or a stream
        cut short) is followed again; a finished instance whose stream ended
        properly is over; an instance replaced by a restart is read to its
        end as ``previous``, and nothing after it.
        """
        if request.previous and not broken:  # a finished instance: its log is complete once the server says so
            return None
        try:
            pod = self._rc.get(self._target.pod)
        except NotFound:
            raise  # the pod is gone, and its log with it
        except (StatusError, TransportError) as err:
            log.debug("could not read pod %s/%s before resuming its log (%s)", self._rc.ns, self._target.pod, err)
            return request  # the log request will tell
        if request.previous:
            return request
        entry = container_status(pod, self._target.container)
        now = _instance(entry)
        if _same_instance(self._instance, now):
            if broken or "running" in (entry.get("state") or {}):
                return request
            return None
        if broken and now[1] == self._instance[1] + 1:
            return replace(request, previous=True)
        if broken:
            log.debug("container %s of pod %s/%s restarted %d times while its log stream was broken; the lines "
                      "of the instance followed are no longer there", self._target.container, self._rc.ns,
                      self._target.pod, now[1] - self._instance[1])
        return None


def read_logs(rc: Any, name: str, container: Optional[str] = None, *, follow: bool = False,
              tail_lines: Optional[int] = None, since_seconds: Optional[int] = None, since_time: SinceTime = None,
              timestamps: bool = False, limit_bytes: Optional[int] = None,
              previous: bool = False) -> Union[str, LogFollow]:
    """The log of ``container`` in pod ``name`` as text; with ``follow`` a ``LogFollow`` of its lines.

    ``since_time``: RFC 3339 text or an aware datetime (the server keeps
    whole seconds). Raises ``NotFound`` for the pod, ``ContainerRequired``
    when a pod with several containers gets no ``container`` (and has no
    ``kubectl.kubernetes.io/default-container``), ``ContainerNotFound``, or
    the server's ``StatusError`` (``BadRequest`` for a ``previous`` instance
    that is not there, with the server's message).
    """
    require_pods(rc, "logs")
    target = resolve(rc.get(name), container, verb="logs")
    options = LogOptions(container=target.container, follow=follow, tail_lines=tail_lines,
                         since_seconds=since_seconds, since_time=since_time_text(since_time), timestamps=timestamps,
                         limit_bytes=limit_bytes, previous=previous)
    if follow:
        return follow_log(rc, target, options)
    return fetch_log(rc, target.pod, options).decode("utf-8", "replace")


def follow_log(rc: Any, target: Target, options: LogOptions, **kw: Any) -> LogFollow:
    """A ``LogFollow`` for a target already resolved (the CLI picks containers by kubectl's rules)."""
    return LogFollow(rc, target, options, **kw)
