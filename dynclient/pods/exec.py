"""exec and attach: a command (or a container's running process) over one WebSocket, as client-go's remotecommand.

Every call first GETs the pod and resolves the container
(``target.resolve(..., running=True)``), so a missing pod, a missing or
unnamed container and a completed pod are the error tree's, with the pod's
own names and phase, before any stream is opened. Then ``dial`` upgrades
``pods/NAME/exec`` (or ``attach``) offering ``v5.channel.k8s.io`` then
``v4.channel.k8s.io``; ``channels`` frames the bytes.

- ``run_exec`` runs a command to its end and returns an ``ExecResult``;
  ``stdin`` (bytes or a binary file) is streamed in chunks from a thread
  while the output is read, then half-closed (v5), so ``cat`` ends. On v4
  stdin cannot be half-closed (the protocol has no way to say it): a
  command that reads to the end of its input only ends with the
  connection, as with client-go.
- ``open_exec`` / ``open_attach`` give an ``ExecSession``: write and close
  stdin, read stdout and stderr (``read()`` or iterate), ``resize``,
  ``wait()`` for the exit code. One reader thread demultiplexes the
  channels; it never blocks on a slow consumer (output is buffered).

Which container: the library asks (``ContainerRequired`` lists the names)
when a pod has several and none is named, and the
``kubectl.kubernetes.io/default-container`` annotation does not say; a
program should not run a command in a container it did not choose.
``dynclient exec`` picks the first one with kubectl's "Defaulted
container" notice, as kubectl does.

A non-zero exit is a result. A refusal on the error channel is raised
from ``wait()`` (``run_exec``: at once): ``KubeletUnreachable`` when the API
server could not reach the kubelet, else the Status as the tree's
``StatusError``.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any, Callable, Deque, Iterator, List, Optional, Sequence, Tuple, Union
from urllib.parse import urlencode

from discovery.errors import StatusError, TransportError

from . import channels
from .dial import dial
from .errors import ContainerNotFound, StreamProtocolError
from .results import ExecResult
from .target import Target, resolve
from .verbs import require_pods

__all__ = ["run_exec", "open_exec", "open_attach", "ExecSession", "OutputStream", "connect_stream", "CHUNK"]

#: Bytes per stdin message: client-go's copy buffer is 32 KiB; larger messages cost fewer frames.
CHUNK = 256 * 1024

Sink = Callable[[bytes], Any]


class OutputStream:
    """stdout or stderr of a session: the bytes as they arrive, then the end (``b""``).

    ``read()`` waits for the end and returns everything; ``read(n)`` returns
    up to ``n`` bytes as soon as there are some; iterating yields chunks as
    they came. Thread-safe; the reader thread feeds it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._chunks: Deque[bytes] = collections.deque()
        self._ended = False

    def _feed(self, data: bytes) -> None:
        if data:
            with self._cond:
                self._chunks.append(data)
                self._cond.notify_all()

    def _end(self) -> None:
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    @property
    def ended(self) -> bool:
        with self._cond:
            return self._ended and not self._chunks

    def read(self, size: int = -1, timeout: Optional[float] = None) -> bytes:
        """Up to ``size`` bytes (all of it until the end when ``size`` < 0); ``b""`` at the end.

        ``timeout`` bounds the wait; ``TimeoutError`` when it passes with nothing to return.
        """
        with self._cond:
            if size is None or size < 0:
                if not self._cond.wait_for(lambda: self._ended, timeout):
                    raise TimeoutError("no end of the stream yet")
                data = b"".join(self._chunks)
                self._chunks.clear()
                return data
            if not self._cond.wait_for(lambda: self._chunks or self._ended, timeout):
                raise TimeoutError("nothing to read yet")
            out: List[bytes] = []
            want = size
            while self._chunks and want > 0:
                chunk = self._chunks.popleft()
                if len(chunk) > want:
                    self._chunks.appendleft(chunk[want:])
                    chunk = chunk[:want]
                out.append(chunk)
                want -= len(chunk)
            return b"".join(out)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._chunks or self._ended)
                if not self._chunks:
                    return
                chunk = self._chunks.popleft()
            yield chunk


class ExecSession:
    """An exec or attach in progress. Use as a context manager; ``close()`` ends it from this side.

    ``stdout`` / ``stderr``: ``OutputStream``\\ s (with a TTY everything comes
    on ``stdout``, as the kubelet merges them). ``protocol`` is the channel
    protocol the server chose. ``sinks`` (for callers that copy the output
    straight somewhere, such as the CLI): callables that get each chunk
    instead of the streams.
    """

    def __init__(self, conn: Any, target: Target, *, stdin: bool, tty: bool, url: str = "",
                 sinks: Optional[Tuple[Optional[Sink], Optional[Sink]]] = None) -> None:
        self._conn = conn
        self.target = target
        self.tty = tty
        self.protocol: str = conn.subprotocol or ""
        self._url = url
        self.stdout = OutputStream()
        self.stderr = OutputStream()
        out_sink, err_sink = sinks or (None, None)
        self._sinks = {channels.STDOUT: out_sink or self.stdout._feed, channels.STDERR: err_sink or self.stderr._feed}
        self._stdin_open = stdin
        self._send_lock = threading.Lock()
        self._done = threading.Event()
        self._exit_code: Optional[int] = None
        self._error: Optional[BaseException] = None
        self._reader = threading.Thread(target=self._read_loop, name=f"exec-{target.pod}", daemon=True)
        self._reader.start()

    # -- output ---------------------------------------------------------------

    def _read_loop(self) -> None:
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

        outcome: Optional[channels.Outcome] = None
        try:
            while True:
                try:
                    message = self._conn.recv()
                except ConnectionClosedOK:
                    break
                except ConnectionClosed as exc:
                    if outcome is None:
                        self._error = TransportError(f"{self._url}: the stream broke before the command ended: "
                                                     f"{exc}")
                    break
                channel, data = channels.split(message)
                sink = self._sinks.get(channel)
                if sink is not None:
                    if data:
                        sink(data)
                elif channel == channels.ERROR:
                    if data:  # the server's first, empty frame only says the stream is up
                        outcome = channels.decode_error(data, namespace=self.target.namespace,
                                                        pod=self.target.pod, url=self._url)
                        break  # the Status is the last message: the server closes next
                else:
                    raise StreamProtocolError(f"message on unknown channel {channel}",
                                              namespace=self.target.namespace, pod=self.target.pod)
        except BaseException as exc:  # a sink that failed, a protocol error: wait() raises it
            self._error = exc
        finally:
            if outcome is not None:
                self._exit_code, self._error = outcome.exit_code, outcome.error
            elif self._error is None:
                self._exit_code = 0  # closed without a Status: client-go reads that as success
            self._stdin_open = False
            self.stdout._end()
            self.stderr._end()
            self._done.set()

    # -- input ----------------------------------------------------------------

    def _send(self, message: bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            with self._send_lock:
                self._conn.send(message)
        except ConnectionClosed as exc:
            raise BrokenPipeError(f"the {self.target.pod} stream is closed ({exc})") from None

    def write_stdin(self, data: Union[bytes, bytearray, memoryview]) -> None:
        """Send ``data`` to the command's stdin (in messages of at most ``CHUNK`` bytes)."""
        if not self._stdin_open:
            raise ValueError("stdin is not open (not asked for, closed, or the command has ended)")
        view = memoryview(data).cast("B")
        for start in range(0, len(view), CHUNK):
            self._send(channels.frame(channels.STDIN, bytes(view[start:start + CHUNK])))

    def close_stdin(self) -> bool:
        """Half-close stdin so the command sees its end of input; False on v4, which cannot say it."""
        if not self._stdin_open:
            return False
        self._stdin_open = False
        if not channels.supports_close(self.protocol):
            return False
        try:
            self._send(channels.close_frame(channels.STDIN))
        except BrokenPipeError:
            return False
        return True

    def resize(self, width: int, height: int) -> None:
        """Tell the terminal's new size (columns, rows); meaningful with ``tty=True``."""
        self._send(channels.resize_frame(width, height))

    # -- the end --------------------------------------------------------------

    @property
    def exit_code(self) -> Optional[int]:
        """The command's exit code once it has ended (``None`` before, or when it was refused)."""
        return self._exit_code if self._done.is_set() else None

    def wait(self, timeout: Optional[float] = None) -> int:
        """The exit code, once the command has ended; raises the refusal or the broken stream's error.

        ``TimeoutError`` when ``timeout`` passes first (the session stays open).
        """
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self.target.pod}: the command has not ended after {timeout} s")
        if self._error is not None:
            raise self._error
        return int(self._exit_code or 0)

    def close(self) -> None:
        """End the session from this side (the server ends the command's stream) and join the reader."""
        self._stdin_open = False
        try:
            self._conn.close()
        except Exception:  # already gone
            pass
        self._reader.join(5)

    def __enter__(self) -> "ExecSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# -- opening ---------------------------------------------------------------------


def _params(command: Sequence[str], container: str, *, stdin: bool, tty: bool) -> str:
    """The query as client-go encodes PodExecOptions: false booleans left out, stderr off with a TTY."""
    pairs: List[Tuple[str, str]] = [("command", c) for c in command]
    pairs.append(("container", container))
    if stdin:
        pairs.append(("stdin", "true"))
    pairs.append(("stdout", "true"))
    if not tty:
        pairs.append(("stderr", "true"))
    else:
        pairs.append(("tty", "true"))
    return urlencode(pairs)


def connect_stream(rc: Any, name: str, container: Optional[str], verb: str, command: Sequence[str] = (), *,
                   stdin: bool, tty: bool, pod: Optional[Any] = None, server_checks_container: bool = False,
                   sizes: Sequence[Tuple[int, int]] = (),
                   sinks: Optional[Tuple[Optional[Sink], Optional[Sink]]] = None) -> ExecSession:
    """GET the pod (unless ``pod`` is given), resolve the container, upgrade ``verb`` and start the session.

    ``server_checks_container``: a named container goes to the server unchecked
    (kubectl exec's way: the apiserver's 400 is what the user sees).
    ``sizes``: terminal sizes (columns, rows) sent the moment the stream is
    up, before anything else: the command starts as soon as the kubelet has
    its streams, and a size that comes later than its first ``stty size``
    is seen too late.
    """
    require_pods(rc, verb)
    if pod is None:
        pod = rc.get(name)
    if server_checks_container and container:
        target = _named(pod, container, verb)
    else:
        target = resolve(pod, container, running=True, verb=verb)
    path = rc._item_path(name, sub=verb) + "?" + _params(command, target.container, stdin=stdin, tty=tty)
    try:
        conn = dial(rc.transport, path, channels.PROTOCOLS)
    except StatusError as err:
        raise channels.unreachable_from(err, namespace=target.namespace, pod=target.pod) from None
    if conn.subprotocol not in channels.PROTOCOLS:
        conn.close()
        raise StreamProtocolError(f"the server chose the stream protocol {conn.subprotocol!r}; "
                                  f"offered {', '.join(channels.PROTOCOLS)}", namespace=target.namespace,
                                  pod=target.pod)
    for width, height in sizes:
        conn.send(channels.resize_frame(width, height))
    return ExecSession(conn, target, stdin=stdin, tty=tty, url=rc.transport.url(path), sinks=sinks)


def _named(pod: Any, container: str, verb: str) -> Target:
    """The target for a container the server will check: only the pod's phase is checked here."""
    try:
        return resolve(pod, container, running=True, verb=verb)
    except ContainerNotFound:
        meta = pod.get("metadata") or {}
        return Target(str(meta.get("namespace") or ""), str(meta.get("name") or ""), container, pod)


def _command(command: Union[str, Sequence[str]]) -> List[str]:
    args = [command] if isinstance(command, str) else [str(c) for c in command]
    if not args:
        raise ValueError("you must specify at least one command for the container")
    return args


def _chunks(stdin: Any) -> Iterator[bytes]:
    """``stdin`` in pieces: bytes sliced, a binary file read ``CHUNK`` at a time (never whole)."""
    if isinstance(stdin, (bytes, bytearray, memoryview)):
        view = memoryview(stdin).cast("B")
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
        return
    if isinstance(stdin, str) or not hasattr(stdin, "read"):
        raise TypeError(f"stdin takes bytes or a binary file, not {type(stdin).__name__}")
    read = getattr(stdin, "read1", None) or stdin.read
    while True:
        data = read(CHUNK)
        if isinstance(data, str):
            raise TypeError("stdin is a text file; open it in binary mode ('rb')")
        if not data:
            return
        yield data


def pump_stdin(session: ExecSession, stdin: Any, errors: List[BaseException]) -> None:
    """Copy ``stdin`` into the session, then half-close; stops quietly when the command has ended."""
    try:
        for data in _chunks(stdin):
            session.write_stdin(data)
        session.close_stdin()
    except (BrokenPipeError, ValueError):
        pass  # the command ended (or the stream went) before it read everything: as a pipe would
    except BaseException as exc:
        errors.append(exc)
        session.close()


def run_exec(rc: Any, name: str, command: Union[str, Sequence[str]], container: Optional[str], *,
             stdin: Any = None, tty: bool = False, timeout: Optional[float] = None) -> ExecResult:
    """Run ``command`` in the container to its end: its stdout, stderr and exit code.

    ``command`` is the argument list (a string is one argument, not split).
    ``timeout`` (seconds) bounds the whole run: the session is closed and
    ``TimeoutError`` raised when it passes.
    """
    args = _command(command)
    if stdin is not None and isinstance(stdin, str):
        raise TypeError("stdin takes bytes or a binary file, not str")
    started = time.monotonic()
    out, err = bytearray(), bytearray()
    session = connect_stream(rc, name, container, "exec", args, stdin=stdin is not None, tty=tty,
                             sinks=(out.extend, err.extend))
    errors: List[BaseException] = []
    with session:
        writer = None
        if stdin is not None:
            writer = threading.Thread(target=pump_stdin, args=(session, stdin, errors), daemon=True,
                                      name=f"exec-stdin-{name}")
            writer.start()
        remaining = None if timeout is None else max(0.0, timeout - (time.monotonic() - started))
        try:
            code = session.wait(remaining)
        except TimeoutError:
            raise TimeoutError(f"exec in {session.target.namespace}/{name}: not ended after {timeout} s") from None
        if writer is not None:
            writer.join(5)
    if errors:
        raise errors[0]
    return ExecResult(bytes(out), bytes(err), code)


def open_exec(rc: Any, name: str, command: Union[str, Sequence[str]], container: Optional[str], *,
              stdin: bool = True, tty: bool = False) -> ExecSession:
    """An interactive exec: the session is open when this returns."""
    return connect_stream(rc, name, container, "exec", _command(command), stdin=stdin, tty=tty)


def open_attach(rc: Any, name: str, container: Optional[str], *, stdin: bool = True, tty: bool = False) -> ExecSession:
    """Attach to the container's running process (its stdin only if the container has ``stdin: true``)."""
    return connect_stream(rc, name, container, "attach", (), stdin=stdin, tty=tty)
