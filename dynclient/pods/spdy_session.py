"""A SPDY/3.1 client session over a WebSocket: many streams, one connection, one reader thread.

The API server tunnels SPDY through the WebSocket byte for byte (its
``TunnelingHandler``), so every binary message here is a piece of the SPDY
byte stream, as client-go's ``TunnelingConnection`` writes it. Streams are
opened by us (odd ids, increasing in the order they are sent: ids are taken
under the send lock); a stream the server opens is refused.

Flow control, decided by the far end's code: the kubelet's SPDY is
``moby/spdystream``, which neither sends WINDOW_UPDATE nor reads one (it
falls into its "unhandled frame type" branch). So the send side does not
wait on SPDY's 64 KiB initial window, or nothing past 64 KiB would ever be
sent; the receive side still grants the peer window as the bytes are
consumed (stream and session WINDOW_UPDATE, batched at half a window), so a
peer that does count windows keeps sending. That window is 16 MiB (announced
first thing: SETTINGS_INITIAL_WINDOW_SIZE, and the session's raised by a
WINDOW_UPDATE on stream 0), not SPDY's 64 KiB, so the grants are one small
frame per 8 MiB read instead of one per 32 KiB (measured: a grant per 32 KiB
was a thousand extra WebSocket messages for 32 MiB, each a TLS record). What really bounds memory is
``HIGH_WATER``: a stream whose unread bytes pass it makes the reader thread
wait for its reader, which pushes back through TCP, as spdystream itself
does when one of its streams is not read.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from typing import Any, Callable, Deque, Dict, Mapping, Optional, Sequence, Tuple

from . import spdy_frames as f
from .portforward_wsgate import WriteGate

__all__ = ["SpdySession", "SpdyStream", "SessionClosed", "INITIAL_WINDOW", "RECEIVE_WINDOW", "HIGH_WATER"]

INITIAL_WINDOW = 64 * 1024  # SPDY/3.1's, for streams and for the session
RECEIVE_WINDOW = 16 * 1024 * 1024  # what this client grants (SETTINGS_INITIAL_WINDOW_SIZE and the session's)
SETTINGS_INITIAL_WINDOW_SIZE = 7
HIGH_WATER = 4 * 1024 * 1024


class SessionClosed(ConnectionError):
    """The SPDY session (or its WebSocket) is gone: no stream can be opened or written any more."""


class SpdyStream:
    """One SPDY stream: ``write``/``close_write`` to send, ``read`` until ``b""`` (FIN or reset)."""

    def __init__(self, session: "SpdySession", stream_id: int) -> None:
        self.session, self.id = session, stream_id
        self._cond = threading.Condition()
        self._chunks: Deque[bytes] = deque()
        self._buffered = 0
        self._unacked = 0
        self.replied = threading.Event()
        self.reply_headers: Mapping[str, Tuple[str, ...]] = {}
        self.remote_closed = False
        self.local_closed = False
        self.reset_status: Optional[int] = None
        self._direct: Optional[socket.socket] = None
        self._draining = False

    # --- called by the session's reader thread
    def deliver_to(self, sock: socket.socket) -> None:
        """Let the reader write this stream's bytes straight into ``sock`` while it takes them at once.

        The reader tries a non-blocking ``send`` when nothing is queued and the
        stream's own reader is not between taking a chunk and writing it; what
        the socket does not take is queued for ``read`` as usual, so the order
        holds and a slow local side never stalls the session. Saves a thread
        hand-over per frame (the API server sends 4 KiB frames).
        """
        self._direct = sock

    def _on_data(self, data: bytes, fin: bool) -> None:
        with self._cond:
            if data and self._direct is not None and not self._chunks and not self._draining:
                try:
                    sent = self._direct.send(data, socket.MSG_DONTWAIT)
                except (BlockingIOError, InterruptedError):
                    sent = 0
                except OSError:  # the local side is gone; its pump notices and ends the stream
                    sent = len(data)
                if sent:
                    data = data[sent:]
                    self._unacked += sent
                    if self._unacked >= RECEIVE_WINDOW // 2 and not self.remote_closed:
                        grant, self._unacked = self._unacked, 0
                        self.session._reply(f.window_update(self.id, grant) + f.window_update(0, grant))
            if data:
                while self._buffered >= HIGH_WATER and not self.remote_closed and self.session.alive:
                    self._cond.wait(0.5)
                self._chunks.append(data)
                self._buffered += len(data)
            if fin:
                self.remote_closed = True
            self._cond.notify_all()

    def _on_end(self, reset_status: Optional[int] = None) -> None:
        with self._cond:
            if reset_status is not None and self.reset_status is None:
                self.reset_status = reset_status
            self.remote_closed = True
            self._cond.notify_all()
        self.replied.set()

    # --- the stream's user
    def read(self, max_bytes: int = 1 << 20, timeout: Optional[float] = None) -> bytes:
        """The next bytes the peer sent (up to ``max_bytes``), ``b""`` once it finished or reset the stream."""
        with self._cond:
            self._draining = False  # the last chunk taken was written: the reader may write directly again
            while not self._chunks and not self.remote_closed:
                if not self._cond.wait(timeout):
                    raise TimeoutError(f"no data on SPDY stream {self.id} in {timeout} s")
            if not self._chunks:
                return b""
            chunk = self._chunks.popleft()
            if len(chunk) < max_bytes and self._chunks:  # what queued up goes out in one piece (fewer syscalls)
                parts, size = [chunk], len(chunk)
                while self._chunks and size + len(self._chunks[0]) <= max_bytes:
                    parts.append(self._chunks.popleft())
                    size += len(parts[-1])
                chunk = b"".join(parts)
            if len(chunk) > max_bytes:
                self._chunks.appendleft(chunk[max_bytes:])
                chunk = chunk[:max_bytes]
            self._buffered -= len(chunk)
            self._draining = True  # until the next read: this chunk is not written yet
            self._cond.notify_all()
            self._unacked += len(chunk)
            grant = 0
            if self._unacked >= RECEIVE_WINDOW // 2:
                grant, self._unacked = self._unacked, 0
        if grant and not self.remote_closed:
            self.session._grant(self.id, grant)
        return chunk

    def read_all(self, timeout: Optional[float] = None) -> bytes:
        out = bytearray()
        while True:
            chunk = self.read(timeout=timeout)
            if not chunk:
                return bytes(out)
            out += chunk

    def write(self, data: bytes) -> None:
        if self.local_closed:
            raise SessionClosed(f"SPDY stream {self.id} is closed for writing")
        if self.reset_status is not None:
            raise SessionClosed(f"SPDY stream {self.id} was reset by the server (status {self.reset_status})")
        step = f.MAX_LENGTH
        if len(data) <= step:
            self.session._send(f.data_frame(self.id, data))
            return
        view = memoryview(data)
        self.session._send(b"".join(f.data_frame(self.id, bytes(view[i:i + step])) for i in range(0, len(view), step)))

    def close_write(self) -> None:
        """Half-close: a DATA frame with FIN, as spdystream's ``Close`` sends."""
        if self.local_closed:
            return
        self.local_closed = True
        try:
            self.session._send(f.data_frame(self.id, b"", fin=True))
        except SessionClosed:
            pass

    def reset(self, status: int = f.RST_CANCEL) -> None:
        """Abort the stream both ways (RST_STREAM)."""
        self.local_closed = True
        try:
            self.session._send(f.rst_stream(self.id, status))
        except SessionClosed:
            pass
        self._on_end(status)


class SpdySession:
    """The client end of one SPDY/3.1 connection carried by ``ws`` (a ``websockets.sync`` connection)."""

    def __init__(self, ws: Any, *, on_close: Optional[Callable[[Optional[BaseException]], None]] = None) -> None:
        self._ws = ws
        self._gate = WriteGate(ws)
        self._codec = f.HeaderCodec()
        self._reader_frames = f.FrameReader(self._codec)
        self._send_lock = threading.Lock()
        self._streams: Dict[int, SpdyStream] = {}
        self._streams_lock = threading.Lock()
        self._next_id = 1
        self._on_close = on_close
        self.alive = True
        self.error: Optional[BaseException] = None
        # our receive window: 16 MiB per stream (SETTINGS) and for the session (WINDOW_UPDATE on stream 0), so a
        # peer that counts windows is granted again every 8 MiB read rather than every 32 KiB
        self._write(f.settings({SETTINGS_INITIAL_WINDOW_SIZE: RECEIVE_WINDOW}) +
                    f.window_update(0, RECEIVE_WINDOW - INITIAL_WINDOW))
        self._thread = threading.Thread(target=self._read_loop, name="dynclient-spdy-reader", daemon=True)
        self._thread.start()

    def open_stream(self, headers: Sequence[Tuple[str, str]], *, fin: bool = False) -> SpdyStream:
        """Send SYN_STREAM with ``headers``; the server's SYN_REPLY sets ``stream.replied``."""
        with self._send_lock:
            if not self.alive:
                raise SessionClosed(f"the SPDY session is closed: {self.error or 'closed'}")
            sid = self._next_id
            self._next_id += 2
            stream = SpdyStream(self, sid)
            with self._streams_lock:
                self._streams[sid] = stream
            frame = f.syn_stream(self._codec, sid, headers, fin=fin)  # the compressor's order is the wire order
            self._write(frame)
        if fin:
            stream.local_closed = True
        return stream

    def forget(self, stream: SpdyStream) -> None:
        with self._streams_lock:
            self._streams.pop(stream.id, None)

    def _write(self, data: bytes) -> None:
        try:
            self._gate.send(data)
        except Exception as exc:  # websockets' ConnectionClosed, or an OSError under it
            self._fail(exc)
            raise SessionClosed(f"the SPDY session's WebSocket is closed: {exc}") from None

    def _send(self, data: bytes) -> None:
        with self._send_lock:
            if not self.alive:
                raise SessionClosed(f"the SPDY session is closed: {self.error or 'closed'}")
            self._write(data)

    def _reply(self, frame: bytes) -> None:
        """An answer to the peer, sent off the reading thread: a reader waiting to write could stall both ends."""
        def send() -> None:
            try:
                self._send(frame)
            except SessionClosed:
                pass

        threading.Thread(target=send, name="dynclient-spdy-reply", daemon=True).start()

    def _grant(self, stream_id: int, delta: int) -> None:
        try:
            self._send(f.window_update(stream_id, delta) + f.window_update(0, delta))
        except SessionClosed:
            pass

    def _on_bytes(self, data: bytes) -> None:
        """The tunnel's bytes, in websockets' reading thread (``attach_sink``): parse and dispatch them."""
        if not self.alive:
            return
        try:
            for frame in self._reader_frames.feed(data):
                self._dispatch(frame)
        except Exception as exc:  # never into websockets' thread: the session ends with the error
            self._fail(exc)
            threading.Thread(target=self._ws.close, daemon=True).start()

    def _read_loop(self) -> None:
        error: Optional[BaseException] = None
        attach = getattr(self._ws, "attach_sink", None)
        if attach is not None:
            attach(self._on_bytes)
        try:
            while True:
                message = self._ws.recv()  # with a sink: returns only a text frame, raises at the end
                if isinstance(message, str):
                    raise f.FrameError("text message in a SPDY tunnel")
                for frame in self._reader_frames.feed(message):
                    self._dispatch(frame)
        except Exception as exc:  # ConnectionClosed at the end; anything else is the session's error
            from websockets.exceptions import ConnectionClosedOK

            if not isinstance(exc, ConnectionClosedOK) and self.alive:
                error = exc
        self._fail(error)

    def _stream(self, sid: int) -> Optional[SpdyStream]:
        with self._streams_lock:
            return self._streams.get(sid)

    def _dispatch(self, frame: object) -> None:
        if isinstance(frame, f.DataFrame):
            stream = self._stream(frame.stream_id)
            if stream is not None:
                stream._on_data(frame.data, frame.fin)
            return
        assert isinstance(frame, f.ControlFrame)
        kind = frame.type
        if kind in (f.SYN_REPLY, f.HEADERS):
            stream = self._stream(frame.stream_id)
            if stream is not None:
                if kind == f.SYN_REPLY:
                    stream.reply_headers = frame.headers or {}
                    stream.replied.set()
                if frame.fin:
                    stream._on_data(b"", True)
        elif kind == f.RST_STREAM:
            stream = self._stream(frame.stream_id)
            if stream is not None:
                stream._on_end(frame.value)
        elif kind == f.SYN_STREAM:  # server push has no meaning for port-forward
            self._reply(f.rst_stream(frame.stream_id, f.RST_REFUSED_STREAM))
        elif kind == f.PING:
            if frame.value % 2 == 0:  # the server's ping (even id): answer it; ours (odd) are answers
                self._reply(f.ping(frame.value))
        elif kind == f.GOAWAY:
            self._fail(None)
        # SETTINGS and WINDOW_UPDATE: nothing to do (see the module docstring)

    def _fail(self, error: Optional[BaseException]) -> None:
        with self._streams_lock:
            if not self.alive:
                return
            self.alive = False
            self.error = error
            streams = list(self._streams.values())
        for stream in streams:
            stream._on_end()
        if self._on_close is not None:
            self._on_close(error)

    def close(self) -> None:
        """GOAWAY, then close the WebSocket; every stream ends. Never waits long on a stuck peer."""
        sent = False
        if self.alive and self._send_lock.acquire(timeout=1):
            try:
                self._gate.send(f.goaway(0))
                sent = True
            except Exception:
                pass
            finally:
                self._send_lock.release()
        self._fail(None)
        if not sent:
            try:  # a send stuck on a peer that stopped reading holds websockets' lock: break the socket first
                self._ws.socket.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass
        try:
            self._ws.close()
        except Exception:
            pass
        if threading.current_thread() is not self._thread:
            self._thread.join(5)
